"""One pandera (polars) model per table of the data package: the definition of its columns,
their types, nullability, checks and descriptions.

Importing pandera costs about a second (it imports pandas), so nothing on the way from a
validated package to a score imports this module: `riskscore.schema_columns` holds the columns
as plain data, generated from these models (`make docs`; a test keeps the two in step), and
`riskscore.schemas` declares keys, foreign keys and the cross-table rules beside them.
"""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from riskscore import schema_columns, vocab
from riskscore.schemas import (
    ARRANGEMENT_ID,
    BTC_SUPPLY,
    FIRST_DATE,
    ISO3,
    LAST_DATE,
    MAX_SDR_M,
    MAX_USD_M,
    SOURCE_IDS,
)
from riskscore.validate.columns import CHECK_CONSTRAINTS


def _iso3(description: str = "ISO 3166-1 alpha-3 country code") -> pa.Field:
    return pa.Field(str_matches=ISO3, description=description)


def _date(**kwargs) -> pa.Field:
    """A date column: within FIRST_DATE..LAST_DATE, plus the given nullable/description."""
    return pa.Field(ge=FIRST_DATE, le=LAST_DATE, **kwargs)


def _source_id() -> pa.Field:
    return pa.Field(
        str_matches=SOURCE_IDS,
        description="Key into sources.csv (several ids are joined by ';')",
    )


class Sources(pa.DataFrameModel):
    """Every publication or dataset a fact row rests on."""

    source_id: str = pa.Field(str_matches=r"^[a-z0-9_.:-]+$", description="Key")
    publisher: str = pa.Field(description="Organisation or outlet that published the source")
    title: str = pa.Field(nullable=True, description="Title of the page, report or dataset")
    url: str = pa.Field(str_matches=r"^https?://\S+$", description="Address the source was read at")
    published_on: dt.date = _date(nullable=True, description="Publication date, if stated")
    accessed_on: dt.date = _date(nullable=True, description="Date the source was read or copied")
    license: str = pa.Field(nullable=True, description="Licence or terms of reuse, if known")
    tier: str = pa.Field(
        isin=vocab.SOURCE_TIERS,
        description="official (IMF, government, central bank, legislature, court, statistics "
        "office), press (established news organisation) or secondary (aggregator, blog, social "
        "post, repost on a non-news site)",
    )
    notes: str = pa.Field(nullable=True, description="Caveats about the source")

    class Config:
        strict = True


class Countries(pa.DataFrameModel):
    """Every IMF member, plus the few non-members other tables mention."""

    iso3: str = pa.Field(str_matches=ISO3, description="ISO 3166-1 alpha-3 (Kosovo XKX)")
    name: str = pa.Field(description="Short English name")
    imf_member: bool = pa.Field(description="IMF member today")
    joined_imf_on: dt.date = _date(
        nullable=True, description="Date of IMF membership, where a source gives it (else unknown)"
    )
    region: str = pa.Field(nullable=True, description="World Bank region")
    income_group: str = pa.Field(
        nullable=True, isin=vocab.INCOME_GROUPS, description="World Bank income group (FY2023)"
    )
    imf_code: int = pa.Field(
        nullable=True, ge=0, le=9999, description="IMF/IFS numeric country code"
    )
    source_id: str = _source_id()

    class Config:
        strict = True


class Macro(pa.DataFrameModel):
    """Country-year macro indicators in long form."""

    iso3: str = _iso3()
    year: int = pa.Field(ge=1950, le=2100, description="Calendar (or fiscal) year of the value")
    indicator: str = pa.Field(isin=vocab.MACRO_INDICATORS, description="Indicator name")
    value: float = pa.Field(description="Value in `unit`")
    unit: str = pa.Field(isin=sorted(set(vocab.MACRO_INDICATOR_UNIT.values())), description="Unit")
    is_projection: bool = pa.Field(
        description="True for years after the source's last actual year (IMF staff projection)"
    )
    source_id: str = _source_id()

    class Config:
        strict = True


class ImfArrangements(pa.DataFrameModel):
    """One row per IMF arrangement or outright disbursement, 1952 to date."""

    arrangement_id: str = pa.Field(
        str_matches=ARRANGEMENT_ID, description="Key: ISO3-FACILITY-APPROVED_ON"
    )
    iso3: str = _iso3()
    facility: str = pa.Field(
        isin=vocab.FACILITIES, description="IMF facility code; blends with '/'"
    )
    instrument_kind: str = pa.Field(
        isin=vocab.INSTRUMENT_KINDS,
        description="lending, precautionary_line, emergency (RFI/RCF) or non_lending (SMP/PCI/PSI)",
    )
    approved_on: dt.date = _date(description="Executive Board approval date")
    expires_on: dt.date = _date(nullable=True, description="Scheduled end date")
    ended_on: dt.date = _date(
        nullable=True, description="Actual early end or cancellation date (empty if none known)"
    )
    amount_sdr_m: float = pa.Field(
        nullable=True, ge=0, le=MAX_SDR_M, description="Access at approval+augmentations, SDR m"
    )
    amount_usd_m: float = pa.Field(
        nullable=True, ge=0, le=MAX_USD_M, description="Amount in US$ m where only that is known"
    )
    status: str = pa.Field(
        isin=vocab.ARRANGEMENT_STATUSES, description="Status as of the latest source"
    )
    replaced_by: str = pa.Field(
        nullable=True,
        str_matches=ARRANGEMENT_ID,
        description="The successor a source names: approved while this one was in force "
        "(which then ended that day), or after it ran out",
    )
    source_id: str = _source_id()
    notes: str = pa.Field(nullable=True, description="Reconciliation notes")

    class Config:
        strict = True


class ImfReviews(pa.DataFrameModel):
    """Program reviews: when they were scheduled and when the Board completed them."""

    arrangement_id: str = pa.Field(description="Key into imf_arrangements.csv")
    review_no: int = pa.Field(ge=0, le=30, description="Review number (1 = first review)")
    scheduled_on: dt.date = _date(nullable=True, description="Originally scheduled date")
    completed_on: dt.date = _date(
        nullable=True,
        description="Board completion date (month precision: last day of the month; empty if "
        "not completed or if the day and month are unknown)",
    )
    date_precision: str = pa.Field(
        nullable=True,
        isin=vocab.REVIEW_DATE_PRECISIONS,
        description="Precision of completed_on: day or month (empty when completed_on is)",
    )
    status: str = pa.Field(
        isin=vocab.REVIEW_STATUSES,
        description="completed (even when the day is unknown), not_completed or unknown",
    )
    not_completed_reason: str = pa.Field(
        nullable=True,
        isin=vocab.REVIEW_NOT_COMPLETED_REASONS,
        description="Why a review was never completed (only when status is not_completed)",
    )
    amount_sdr_m: float = pa.Field(
        nullable=True, ge=0, le=MAX_SDR_M, description="Amount made available, SDR m"
    )
    source_id: str = _source_id()
    notes: str = pa.Field(nullable=True, description="Caveats, e.g. month-only dates")

    class Config:
        strict = True


class ImfArrangementEvents(pa.DataFrameModel):
    """The life of an arrangement: approval, amount changes, extensions and how it ended."""

    arrangement_id: str = pa.Field(description="Key into imf_arrangements.csv")
    event: str = pa.Field(isin=vocab.ARRANGEMENT_EVENTS, description="What happened")
    event_on: dt.date = _date(
        nullable=True,
        description="Day of the Board decision or event (month precision: last day of the "
        "month; empty when the source gives neither)",
    )
    date_precision: str = pa.Field(
        nullable=True, isin=vocab.REVIEW_DATE_PRECISIONS, description="day or month"
    )
    new_expires_on: dt.date = _date(
        nullable=True, description="Extensions: the new scheduled end (month: last day)"
    )
    amount_sdr_m_after: float = pa.Field(
        nullable=True,
        ge=0,
        le=MAX_SDR_M,
        description="Approvals, augmentations and reductions: access after the event, SDR m",
    )
    replaced_by: str = pa.Field(
        nullable=True, str_matches=ARRANGEMENT_ID, description="The successor, where named"
    )
    source_id: str = _source_id()
    confidence: str = pa.Field(isin=vocab.CONFIDENCE, description="high/medium/low")
    notes: str = pa.Field(nullable=True, description="What the source says; inferences")

    class Config:
        strict = True


class ImfArticleIv(pa.DataFrameModel):
    """Article IV consultations of the members with state crypto exposure: mission and Board."""

    iso3: str = _iso3()
    consultation_year: int = pa.Field(
        ge=1990, le=2100, description="The year the consultation is named for"
    )
    event: str = pa.Field(
        isin=vocab.ARTICLE_IV_EVENTS,
        description="mission_concluded (staff discussions ended) or board_concluded",
    )
    event_on: dt.date = _date(description="Day of the event (month precision: last day)")
    date_precision: str = pa.Field(isin=vocab.REVIEW_DATE_PRECISIONS, description="day or month")
    combined_with: str = pa.Field(
        nullable=True, description="Program business concluded with it, e.g. 'EFF review 1'"
    )
    crypto_discussed: str = pa.Field(
        isin=vocab.CRYPTO_DISCUSSED,
        description="yes when the text read mentions the country's crypto measures; "
        "not_checked when only part of the document was read",
    )
    source_id: str = _source_id()
    confidence: str = pa.Field(isin=vocab.CONFIDENCE, description="high/medium/low")
    notes: str = pa.Field(nullable=True, description="Caveats")

    class Config:
        strict = True


class Coverage(pa.DataFrameModel):
    """How far each table's observations reach: later events are not in the package."""

    table_name: str = pa.Field(str_matches=r"^[a-z_]+$", description="A table of the package")
    observed_through: dt.date = _date(
        description="The last day the table's sources were searched or published for"
    )
    basis: str = pa.Field(description="What the date rests on")

    class Config:
        strict = True


class ImfStaffLevelAgreements(pa.DataFrameModel):
    """Staff-level agreements (not approvals): the Board still has to act."""

    iso3: str = _iso3()
    facility: str = pa.Field(isin=vocab.FACILITIES, description="Facility under negotiation")
    announced_on: dt.date = _date(description="Date the agreement was announced")
    stage: str = pa.Field(description="'new arrangement' or 'review N'")
    amount_usd_m: float = pa.Field(
        nullable=True, ge=0, le=MAX_USD_M, description="Amount reported, US$ m"
    )
    source_id: str = _source_id()
    notes: str = pa.Field(nullable=True, description="Caveats")

    class Config:
        strict = True


class CryptoActions(pa.DataFrameModel):
    """Government, central-bank or sub-national actions on crypto."""

    action_id: str = pa.Field(str_matches=r"^ACT-[A-Z]{3}-\d{3}$", description="Key")
    iso3: str = _iso3()
    announced_on: dt.date = _date(
        description="When it became public (month/year precision: last day of the period)"
    )
    date_precision: str = pa.Field(isin=vocab.DATE_PRECISIONS, description="day, month or year")
    action_type: str = pa.Field(isin=vocab.ACTION_TYPES, description="Controlled vocabulary")
    direction: str = pa.Field(isin=vocab.DIRECTIONS, description="Policy direction of the type")
    status: str = pa.Field(
        isin=vocab.ACTION_STATUSES, description="proposed/announced/enacted/reversed"
    )
    scope: str = pa.Field(
        isin=vocab.ACTION_SCOPES, description="national, or a sub-national authority"
    )
    magnitude: float = pa.Field(
        nullable=True, ge=0, description="Size of the action in magnitude_unit"
    )
    magnitude_unit: str = pa.Field(nullable=True, isin=vocab.MAGNITUDE_UNITS, description="Unit")
    magnitude_text: str = pa.Field(nullable=True, description="Size as the fact base states it")
    reported_holdings_btc: float = pa.Field(
        nullable=True,
        ge=0,
        le=BTC_SUPPLY,
        description="State's total BTC holdings reported with this action, if stated",
    )
    description: str = pa.Field(description="What happened, in the project's own words")
    confidence: str = pa.Field(isin=vocab.CONFIDENCE, description="high/medium/low")
    source_id: str = _source_id()
    notes: str = pa.Field(nullable=True, description="Caveats")

    class Config:
        strict = True


class ImfCryptoResponses(pa.DataFrameModel):
    """IMF statements, conditions or findings about a member's crypto policy: the outcomes."""

    response_id: str = pa.Field(str_matches=r"^RSP-[A-Z]{3}-\d{2}$", description="Key")
    iso3: str = _iso3("Country (WLD = membership-wide policy)")
    responded_on: dt.date = _date(description="Date of the statement or decision")
    date_precision: str = pa.Field(isin=vocab.DATE_PRECISIONS, description="day, month or year")
    response_type: str = pa.Field(isin=vocab.RESPONSE_TYPES, description="Controlled vocabulary")
    stance: str = pa.Field(isin=vocab.STANCES, description="opposing, cautionary or neutral")
    channel: str = pa.Field(isin=vocab.CHANNELS, description="program, surveillance or policy")
    linked_action_ids: str = pa.Field(
        nullable=True,
        str_matches=r"^ACT-[A-Z]{3}-\d{3}(;ACT-[A-Z]{3}-\d{3})*$",
        description="Actions dated on or before the response that it addresses (';'-separated)",
    )
    description: str = pa.Field(description="What the IMF said or did, in the project's own words")
    condition_summary: str = pa.Field(
        nullable=True, description="The condition or demand, summarised"
    )
    confidence: str = pa.Field(isin=vocab.CONFIDENCE, description="high/medium/low")
    source_id: str = _source_id()
    notes: str = pa.Field(nullable=True, description="Caveats")

    class Config:
        strict = True


class ImfPositions(pa.DataFrameModel):
    """IMF quota and credit outstanding by member, each value dated."""

    iso3: str = _iso3()
    as_of: dt.date = _date(description="Date the position refers to")
    measure: str = pa.Field(isin=vocab.POSITION_MEASURES, description="What is measured")
    value: float = pa.Field(description="Value in `unit`")
    unit: str = pa.Field(isin=sorted(set(vocab.POSITION_MEASURE_UNIT.values())), description="Unit")
    source_id: str = _source_id()

    class Config:
        strict = True


class BtcUsdMonthly(pa.DataFrameModel):
    """Month-end BTC/USD close."""

    month_end_on: dt.date = _date(description="Last day of the month")
    close_usd: float = pa.Field(gt=0, le=1e8, description="Closing price, US$ per BTC")
    source_id: str = _source_id()

    class Config:
        strict = True


class ElectricityGeneration(pa.DataFrameModel):
    """Annual electricity generation by country, to size mining-power allocations."""

    iso3: str = _iso3()
    year: int = pa.Field(ge=1965, le=2100, description="Year")
    generation_twh: float = pa.Field(ge=0, le=1e5, description="Total generation, TWh")
    source_id: str = _source_id()

    class Config:
        strict = True


class CryptoAdoptionRanks(pa.DataFrameModel):
    """Chainalysis Global Crypto Adoption Index rank (context, not a model driver)."""

    iso3: str = _iso3()
    year: int = pa.Field(ge=2019, le=2100, description="Edition year")
    adoption_rank: int = pa.Field(ge=1, le=1000, description="Overall rank (1 = highest adoption)")
    source_id: str = _source_id()

    class Config:
        strict = True


class MiningHashrateShares(pa.DataFrameModel):
    """Cambridge CBECI share of bitcoin hashrate by country (2019-09 to 2022-01 only)."""

    iso3: str = _iso3()
    month_on: dt.date = _date(description="First day of the month")
    hashrate_share_pct: float = pa.Field(ge=0, le=100, description="Share of global hashrate, %")
    hashrate_eh_s: float = pa.Field(
        nullable=True, ge=0, le=1e6, description="Absolute hashrate, EH/s"
    )
    source_id: str = _source_id()

    class Config:
        strict = True


class CrisisYears(pa.DataFrameModel):
    """Laeven-Valencia systemic banking, currency and sovereign crisis years (1970-2017)."""

    iso3: str = _iso3()
    crisis_type: str = pa.Field(isin=vocab.CRISIS_TYPES, description="Kind of crisis")
    year: int = pa.Field(ge=1945, le=2100, description="Year the crisis started or occurred")
    source_id: str = _source_id()

    class Config:
        strict = True


class DebtDistressRatings(pa.DataFrameModel):
    """IMF LIC-DSA risk of external debt distress (PRGT-eligible countries only)."""

    iso3: str = _iso3()
    as_of: dt.date = _date(description="Date of the list (end of year for the historical table)")
    risk_of_debt_distress: str = pa.Field(isin=vocab.DEBT_DISTRESS_RISKS, description="Rating")
    source_id: str = _source_id()

    class Config:
        strict = True


# --- the columns as plain data (riskscore/schema_columns.py) ---------------------------------

COLUMNS_FILE = "schema_columns.py"
_COLUMNS_HEADER = '''"""The data package's columns as plain data, so that parsing a validated
package and describing its tables never import pandera (about a second, with pandas).

Generated from the pandera models in riskscore/schema_models.py by `make docs`; a test fails
when the two differ. Edit the models, never this file.
"""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    name: str
    type: str  # integer, number, boolean, date or string
    description: str
    free_text: bool  # a string column no vocabulary or strict pattern constrains


'''


def columns_of(model: type[pa.DataFrameModel]) -> tuple[schema_columns.Column, ...]:
    """A model's columns as plain data: name, type name, description, free text or not."""
    from riskscore.validate.columns import TYPE_NAMES, strict_text

    out = []
    for column, spec in model.to_schema().columns.items():
        kind = TYPE_NAMES[spec.dtype.type]
        free = kind == "string" and not strict_text(spec.checks)
        out.append(schema_columns.Column(column, kind, spec.description or "", free))
    return tuple(out)


_FIELD_TYPES = {
    pl.String: "string",
    pl.Int64: "integer",
    pl.Float64: "number",
    pl.Boolean: "boolean",
}


def _bound(value: object) -> object:
    """A constraint bound as JSON: dates as ISO text (Table Schema's form), numbers as they are."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _anchored(pattern: str) -> bool:
    return pattern.startswith("^") and pattern.endswith("$")


def table_schema_field(name: str, column) -> dict:
    """One column as a Frictionless Table Schema field: type, description, constraints (in the
    order of the model's checks; a pattern loses the ^ and $ Table Schema implies)."""
    dtype = column.dtype.type
    spec: dict = {"name": name, "type": "date" if dtype == pl.Date else _FIELD_TYPES[dtype]}
    if column.description:
        spec["description"] = column.description
    constraints: dict = {}
    if not column.nullable:
        constraints["required"] = True
    for check in column.checks:
        if check.name not in CHECK_CONSTRAINTS:
            continue
        key, stat = CHECK_CONSTRAINTS[check.name]
        value = (check.statistics or {})[stat]
        if key == "enum":
            value = list(value)
        elif key == "pattern":
            value = value.removeprefix("^").removesuffix("$")
        constraints[key] = _bound(value)
    if constraints:
        spec["constraints"] = constraints
    return spec


def needs_pandera(model: type[pa.DataFrameModel]) -> bool:
    """Whether validating `model` takes a rule its generated fields cannot carry: a table-wide
    check, a unique column, another kind of check, or a pattern not anchored at both ends."""
    schema = model.to_schema()
    for column in schema.columns.values():
        if column.unique:
            return True
        for check in column.checks:
            if check.name not in CHECK_CONSTRAINTS:
                return True
            if check.name == "str_matches" and not _anchored(check.statistics["pattern"]):
                return True
    return bool(schema.checks)


def render_columns() -> str:
    """The text of riskscore/schema_columns.py for the models as they are."""
    from riskscore.schemas import TABLES

    lines = [_COLUMNS_HEADER.rstrip("\n"), "", "DESCRIPTIONS: dict[str, str] = {"]
    for name, table in TABLES.items():
        lines.append(f"    {name!r}: {(table.model.__doc__ or '').strip()!r},")
    lines += ["}", "", "COLUMNS: dict[str, tuple[Column, ...]] = {"]
    for name, table in TABLES.items():
        lines.append(f"    {name!r}: (")
        lines += [f"        {column!r}," for column in columns_of(table.model)]
        lines.append("    ),")
    lines += [
        "}",
        "",
        "# Table Schema fields for datapackage.json, in the package's column order",
        "FIELDS: dict[str, tuple[dict, ...]] = {",
    ]
    for name, table in TABLES.items():
        schema = table.model.to_schema()
        lines.append(f"    {name!r}: (")
        lines += [f"        {table_schema_field(c, schema.columns[c])!r}," for c in table.columns]
        lines.append("    ),")
    lines.append("}")
    uncompiled = sorted(name for name, table in TABLES.items() if needs_pandera(table.model))
    lines += [
        "",
        "# tables with a rule FIELDS cannot carry: validating them runs their pandera model",
        f"UNCOMPILED: frozenset[str] = frozenset({uncompiled!r})",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from pathlib import Path

    from riskscore import export

    print(f"wrote {export.write_text(Path(__file__).with_name(COLUMNS_FILE), render_columns())}")

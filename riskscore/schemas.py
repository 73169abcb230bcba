"""One pandera (polars) model per table of the data package.

The field descriptions double as the data dictionary: `datapackage.json` is generated from
these classes (see `riskscore.datapackage`), and a test checks the two agree. Keys and foreign
keys, which pandera models cannot express, are declared beside each model in `TABLES`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandera.polars as pa

from riskscore import vocab
from riskscore.errors import NotFound

ARRANGEMENT_ID = r"^[A-Z]{3}-[A-Z/]+-\d{4}-\d{2}-\d{2}$"
ISO3 = r"^[A-Z]{3}$"
SOURCE_IDS = r"^[a-z0-9_.:-]+(;[a-z0-9_.:-]+)*$"  # one id, or several joined by ';'
# Plausibility bounds: every date of the package lies in this span (9999-12-31 and 0001-01-01
# are placeholders, not facts), and amounts stay below limits no real value comes near.
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
MAX_SDR_M = 1e6  # SDR 1 trillion; the largest IMF arrangement ever was about SDR 62 billion
MAX_USD_M = 1e7  # US$10 trillion
BTC_SUPPLY = 21e6  # no holding can exceed the bitcoin supply cap


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


@dataclass(frozen=True)
class ForeignKey:
    """`fields` of this table reference `reference_fields` of `reference_table`."""

    fields: tuple[str, ...]
    reference_table: str
    reference_fields: tuple[str, ...]
    many: bool = False  # the field holds ';'-separated keys


@dataclass(frozen=True)
class Table:
    """A table of the package: its file, model, keys and the dates no row may postdate."""

    name: str
    model: type[pa.DataFrameModel]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)
    required: bool = True

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        return list(self.model.to_schema().columns)


def _fk_iso3() -> ForeignKey:
    return ForeignKey(("iso3",), "countries", ("iso3",))


def _fk_source() -> ForeignKey:
    return ForeignKey(("source_id",), "sources", ("source_id",), many=True)


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table("sources", Sources, ("source_id",)),
        Table("countries", Countries, ("iso3",), (_fk_source(),)),
        Table("macro", Macro, ("iso3", "year", "indicator"), (_fk_iso3(), _fk_source())),
        Table(
            "imf_arrangements",
            ImfArrangements,
            ("arrangement_id",),
            (
                _fk_iso3(),
                ForeignKey(("replaced_by",), "imf_arrangements", ("arrangement_id",)),
                _fk_source(),
            ),
        ),
        Table(
            "imf_reviews",
            ImfReviews,
            ("arrangement_id", "review_no"),
            (
                ForeignKey(("arrangement_id",), "imf_arrangements", ("arrangement_id",)),
                _fk_source(),
            ),
        ),
        Table(
            "imf_arrangement_events",
            ImfArrangementEvents,
            ("arrangement_id", "event", "event_on", "source_id"),
            (
                ForeignKey(("arrangement_id",), "imf_arrangements", ("arrangement_id",)),
                ForeignKey(("replaced_by",), "imf_arrangements", ("arrangement_id",)),
                _fk_source(),
            ),
        ),
        Table(
            "imf_staff_level_agreements",
            ImfStaffLevelAgreements,
            ("iso3", "announced_on", "facility", "stage"),
            (_fk_iso3(), _fk_source()),
        ),
        Table("crypto_actions", CryptoActions, ("action_id",), (_fk_iso3(), _fk_source())),
        Table(
            "imf_crypto_responses",
            ImfCryptoResponses,
            ("response_id",),
            (
                _fk_iso3(),
                _fk_source(),
                ForeignKey(("linked_action_ids",), "crypto_actions", ("action_id",), many=True),
            ),
        ),
        Table(
            "imf_positions", ImfPositions, ("iso3", "as_of", "measure"), (_fk_iso3(), _fk_source())
        ),
        Table("btc_usd_monthly", BtcUsdMonthly, ("month_end_on",), (_fk_source(),)),
        Table(
            "electricity_generation",
            ElectricityGeneration,
            ("iso3", "year"),
            (_fk_iso3(), _fk_source()),
        ),
        Table(
            "crypto_adoption_ranks",
            CryptoAdoptionRanks,
            ("iso3", "year"),
            (_fk_iso3(), _fk_source()),
        ),
        Table(
            "mining_hashrate_shares",
            MiningHashrateShares,
            ("iso3", "month_on"),
            (_fk_iso3(), _fk_source()),
        ),
        Table(
            "crisis_years", CrisisYears, ("iso3", "crisis_type", "year"), (_fk_iso3(), _fk_source())
        ),
        Table(
            "debt_distress_ratings",
            DebtDistressRatings,
            ("iso3", "as_of"),
            (_fk_iso3(), _fk_source()),
        ),
        Table(
            "imf_article_iv",
            ImfArticleIv,
            ("iso3", "consultation_year", "event"),
            (_fk_iso3(), _fk_source()),
        ),
        Table("coverage", Coverage, ("table_name",)),
    ]
}


def table(name: str) -> Table:
    """The package table called `name`; NotFound (naming the tables there are) if none is."""
    try:
        return TABLES[name]
    except KeyError:
        raise NotFound(f"no table {name!r}; the package has {', '.join(TABLES)}") from None


# The event tables the model reads: the package's cutoff is the earliest of their
# coverage.observed_through dates (later events are missing from at least one of them).
MODEL_EVENT_TABLES = (
    "crypto_actions",
    "imf_crypto_responses",
    "imf_arrangements",
    "imf_reviews",
    "imf_staff_level_agreements",
)

# Date columns that hold schedules rather than observed events, so they may lie in the future.
SCHEDULED_DATES: set[tuple[str, str]] = {
    ("imf_arrangements", "expires_on"),
    ("imf_reviews", "scheduled_on"),
    ("imf_arrangement_events", "new_expires_on"),
}


# --- rules between columns and between tables, as declarative entries --------------------------
# `riskscore validate` checks every entry of RULES; a new rule of a known kind is one more line.


@dataclass(frozen=True)
class DateOrder:
    """In `table`, the date in `end` may not precede the one in `start`."""

    table: str
    start: str
    end: str


@dataclass(frozen=True)
class ImpliedValue:
    """In `table`, where `mapping` knows a row's `key`, its `dependent` must be mapping[key]."""

    table: str
    key: str
    dependent: str
    mapping: Mapping[str, str]


@dataclass(frozen=True)
class PlausibleRange:
    """In `table`, `column` lies within ranges[unit] for the unit the row's `by` column names
    (long tables mix units, so one column-wide bound would be too loose or too tight)."""

    table: str
    column: str
    by: str
    ranges: Mapping[str, tuple[float, float]]


@dataclass(frozen=True)
class ReferenceDate:
    """Every `reference_table` row that a row's `field` names (';'-separated) must be dated
    (`reference_date`) on or before the row's own `date`: no link to a later event."""

    table: str
    field: str
    date: str
    reference_table: str
    reference_field: str
    reference_date: str


_MACRO_RANGES = {
    "USD bn": (0.0, 1e6),  # world GDP is about US$110 trillion
    "percent": (-100.0, 1e9),  # growth and inflation; hyperinflations reach 1e4-1e8 %
    "percent of GDP": (-1e4, 1e4),
    "percent of GNI": (0.0, 1e5),
    "percent of exports": (0.0, 1e5),
    "percent of reserves": (0.0, 1e8),  # short-term debt over near-zero reserves
    "millions": (0.0, 1e4),  # population
    "months": (0.0, 1e6),  # of imports, over near-zero imports
    "TWh": (0.0, 1e5),
}
_POSITION_RANGES = {
    "SDR m": (0.0, MAX_SDR_M),
    "USD m": (0.0, MAX_USD_M),
    "percent of quota": (0.0, 1e5),
}
_MAGNITUDE_RANGES = {
    "MW": (0.0, 1e6),
    "BTC": (0.0, BTC_SUPPLY),
    "USD_m": (0.0, MAX_USD_M),
    "tokens": (0.0, 1e15),
    "pct_reserves": (0.0, 100.0),
    "kg_gold": (0.0, 1e7),
    "pct_tax": (0.0, 100.0),
    "count": (0.0, 1e6),
}

RULES: list[DateOrder | ImpliedValue | PlausibleRange | ReferenceDate] = [
    DateOrder("imf_arrangements", "approved_on", "expires_on"),
    DateOrder("imf_arrangements", "approved_on", "ended_on"),
    ImpliedValue("crypto_actions", "action_type", "direction", vocab.ACTION_TYPE_DIRECTION),
    ImpliedValue("imf_crypto_responses", "response_type", "stance", vocab.RESPONSE_TYPE_STANCE),
    ImpliedValue("imf_arrangements", "facility", "instrument_kind", vocab.FACILITY_KIND),
    ImpliedValue("macro", "indicator", "unit", vocab.MACRO_INDICATOR_UNIT),
    ImpliedValue("imf_positions", "measure", "unit", vocab.POSITION_MEASURE_UNIT),
    PlausibleRange("macro", "value", "unit", _MACRO_RANGES),
    PlausibleRange("imf_positions", "value", "unit", _POSITION_RANGES),
    PlausibleRange("crypto_actions", "magnitude", "magnitude_unit", _MAGNITUDE_RANGES),
    # a response may only link actions known on its date (no look-ahead in the outcomes)
    ReferenceDate(
        "imf_crypto_responses",
        "linked_action_ids",
        "responded_on",
        "crypto_actions",
        "action_id",
        "announced_on",
    ),
]

# The column that dates each row's fact, for point-in-time truncation: (table -> column, kind).
# kind "date" compares the date; "year" treats the row as dated 31 December of that year.
EVENT_DATES: dict[str, tuple[str, str]] = {
    "countries": ("joined_imf_on", "date"),
    "macro": ("year", "year"),
    "imf_arrangements": ("approved_on", "date"),
    "imf_reviews": ("completed_on", "date"),
    "imf_arrangement_events": ("event_on", "date"),
    "imf_article_iv": ("event_on", "date"),
    "imf_staff_level_agreements": ("announced_on", "date"),
    "crypto_actions": ("announced_on", "date"),
    "imf_crypto_responses": ("responded_on", "date"),
    "imf_positions": ("as_of", "date"),
    "btc_usd_monthly": ("month_end_on", "date"),
    "electricity_generation": ("year", "year"),
    "crypto_adoption_ranks": ("year", "year"),
    "mining_hashrate_shares": ("month_on", "date"),
    "crisis_years": ("year", "year"),
    "debt_distress_ratings": ("as_of", "date"),
}

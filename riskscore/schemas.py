"""The tables of the data package: their keys, foreign keys and the rules between columns and
tables, beside the pandera model of each (`riskscore.schema_models`, by name).

The models' field descriptions double as the data dictionary: `datapackage.json` is generated
from them (see `riskscore.datapackage`), and a test checks the two agree. This module does not
import pandera; `Table.columns` reads the generated `riskscore.schema_columns`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from riskscore import schema_columns, vocab
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


@dataclass(frozen=True)
class ForeignKey:
    """`fields` of this table reference `reference_fields` of `reference_table`."""

    fields: tuple[str, ...]
    reference_table: str
    reference_fields: tuple[str, ...]
    many: bool = False  # the field holds ';'-separated keys


@dataclass(frozen=True)
class Table:
    """A table of the package: its file, pandera model (by name), keys and foreign keys."""

    name: str
    model_name: str
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)
    required: bool = True

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def model(self):  # -> type[pandera.polars.DataFrameModel], imported only when asked for
        from riskscore import schema_models

        return getattr(schema_models, self.model_name)

    @property
    def column_list(self) -> tuple[schema_columns.Column, ...]:
        """The columns as plain data: generated for the package's tables (no pandera import),
        derived from the model for any other (a table being added, a test's)."""
        if self.name in schema_columns.COLUMNS:
            return schema_columns.COLUMNS[self.name]
        from riskscore.schema_models import columns_of

        return columns_of(self.model)

    @property
    def columns(self) -> list[str]:
        return [column.name for column in self.column_list]


def _fk_iso3() -> ForeignKey:
    return ForeignKey(("iso3",), "countries", ("iso3",))


def _fk_source() -> ForeignKey:
    return ForeignKey(("source_id",), "sources", ("source_id",), many=True)


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table("sources", "Sources", ("source_id",)),
        Table("countries", "Countries", ("iso3",), (_fk_source(),)),
        Table("macro", "Macro", ("iso3", "year", "indicator"), (_fk_iso3(), _fk_source())),
        Table(
            "imf_arrangements",
            "ImfArrangements",
            ("arrangement_id",),
            (
                _fk_iso3(),
                ForeignKey(("replaced_by",), "imf_arrangements", ("arrangement_id",)),
                _fk_source(),
            ),
        ),
        Table(
            "imf_reviews",
            "ImfReviews",
            ("arrangement_id", "review_no"),
            (
                ForeignKey(("arrangement_id",), "imf_arrangements", ("arrangement_id",)),
                _fk_source(),
            ),
        ),
        Table(
            "imf_arrangement_events",
            "ImfArrangementEvents",
            ("arrangement_id", "event", "event_on", "source_id"),
            (
                ForeignKey(("arrangement_id",), "imf_arrangements", ("arrangement_id",)),
                ForeignKey(("replaced_by",), "imf_arrangements", ("arrangement_id",)),
                _fk_source(),
            ),
        ),
        Table(
            "imf_staff_level_agreements",
            "ImfStaffLevelAgreements",
            ("iso3", "announced_on", "facility", "stage"),
            (_fk_iso3(), _fk_source()),
        ),
        Table("crypto_actions", "CryptoActions", ("action_id",), (_fk_iso3(), _fk_source())),
        Table(
            "imf_crypto_responses",
            "ImfCryptoResponses",
            ("response_id",),
            (
                _fk_iso3(),
                _fk_source(),
                ForeignKey(("linked_action_ids",), "crypto_actions", ("action_id",), many=True),
            ),
        ),
        Table(
            "imf_positions",
            "ImfPositions",
            ("iso3", "as_of", "measure"),
            (_fk_iso3(), _fk_source()),
        ),
        Table("btc_usd_monthly", "BtcUsdMonthly", ("month_end_on",), (_fk_source(),)),
        Table(
            "electricity_generation",
            "ElectricityGeneration",
            ("iso3", "year"),
            (_fk_iso3(), _fk_source()),
        ),
        Table(
            "crypto_adoption_ranks",
            "CryptoAdoptionRanks",
            ("iso3", "year"),
            (_fk_iso3(), _fk_source()),
        ),
        Table(
            "mining_hashrate_shares",
            "MiningHashrateShares",
            ("iso3", "month_on"),
            (_fk_iso3(), _fk_source()),
        ),
        Table(
            "crisis_years",
            "CrisisYears",
            ("iso3", "crisis_type", "year"),
            (_fk_iso3(), _fk_source()),
        ),
        Table(
            "debt_distress_ratings",
            "DebtDistressRatings",
            ("iso3", "as_of"),
            (_fk_iso3(), _fk_source()),
        ),
        Table(
            "imf_article_iv",
            "ImfArticleIv",
            ("iso3", "consultation_year", "event"),
            (_fk_iso3(), _fk_source()),
        ),
        Table("coverage", "Coverage", ("table_name",)),
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

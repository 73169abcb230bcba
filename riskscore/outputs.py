"""The registry of every table riskscore writes: columns, types, units, descriptions, enum order.

One source of truth for the outputs' data dictionary. The Parquet field descriptions
(`export.write_parquet`), the DuckDB comments and ENUM types (`database`), out/datapackage.json and
docs/outputs.md (`output_docs`) and the spreadsheet exports' column sheet (`exporting`) are all
generated from it; a test runs every writer on the shipped data and checks each column it writes
is registered here with a description. Add a column to a writer, then describe it here.

The data package's tables are described by their pandera models (`riskscore.schemas`);
`dataset_tables` presents them in the same shape so the consumers need one code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from riskscore.config import ModelConfig
from riskscore.config import load as load_config

BAND = "band"  # the ordered ENUM type of every band column (low < moderate < ... < very_high)


@dataclass(frozen=True)
class Column:
    """One column: its polars type, what it means, its unit, and its ordered type if any."""

    name: str
    dtype: pl.DataType
    description: str
    unit: str | None = None
    enum: str | None = None  # name of an ordered category type (BAND), values from the config


@dataclass(frozen=True)
class Table:
    """One table: its name in the database, where it lives under out/, and its columns.

    `file` is relative to out/; a glob ("scenario/*.parquet") gathers one file per run into one
    table; None means the table has no fixed place (the diff output goes where `--output` says).
    `kind` is "output" for model outputs and "dataset" for the data package's tables.
    """

    name: str
    file: str | None
    description: str
    columns: tuple[Column, ...]
    kind: str = "output"
    data_through: tuple[str, ...] = ()  # metadata keys that date the data, first one present wins

    def column(self, name: str) -> Column | None:
        """The registered column of that name, or None."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, dtype: pl.DataType, description: str, unit: str | None = None) -> Column:
    return Column(name, dtype, description, unit)


def _band(name: str, description: str) -> Column:
    return Column(name, pl.String, description, enum=BAND)


STR, F64, I64, BOOL, DATE = pl.String, pl.Float64, pl.Int64, pl.Boolean, pl.Date
IDS = pl.List(pl.String)

ISO3 = _c("iso3", STR, "ISO 3166-1 alpha-3 country code of the IMF member")
COUNTRY = _c("country", STR, "Short English name of the member")
AS_OF = _c("as_of", DATE, "Date the score is as of: only facts known on this date are used")
SCORE = _c("score", F64, "Risk of an IMF response opposing the member's crypto policy in the next "
           "12 months, 0 (none) to 100", "points (0-100)")  # fmt: skip
BAND_COL = _band("band", "Score band, by the lower bounds in the model config (cfg_bands)")
RANK = _c(
    "rank",
    I64,
    "Rank among members on the same date, 1 = riskiest; tied scores share "
    "the best rank of the tie (1 + members scoring strictly higher)",
)
PILLARS = (
    _c("exposure", F64, "Pillar E, crypto policy exposure: weighted mean of its scaled factors",
       "0-10"),
    _c("engagement", F64, "Pillar L, IMF engagement and leverage: weighted mean of its scaled "
       "factors", "0-10"),
    _c("vulnerability", F64, "Pillar V, macro-financial vulnerability: weighted mean of its scaled "
       "factors", "0-10"),
)  # fmt: skip
COMPLETENESS = _c("completeness", F64, "Share of the model's factors observed for the member on "
                  "the date", "share (0-1)")  # fmt: skip
MODEL_VERSION = _c("model_version", STR, "Version of the model configuration that scored it")

SCORE_COLUMNS = (ISO3, COUNTRY, AS_OF, SCORE, BAND_COL, RANK, *PILLARS, COMPLETENESS, MODEL_VERSION)
CONTRIBUTION_COLUMNS = (
    ISO3,
    AS_OF,
    _c("pillar", STR, "Pillar the factor belongs to: exposure, engagement or vulnerability"),
    _c("factor", STR, "Factor name as in the model config; missing_value_imputed when no factor "
       "of the pillar is observed"),
    _c("label", STR, "Plain-English label of the factor"),
    _c("raw_value", F64, "Factor value before scaling, in the factor's own unit (see its label); "
       "null when not observed"),
    _c("scaled_value", F64, "Factor value scaled between its fixed caps: 10 x clamp((raw - lo) / "
       "(hi - lo), 0, 1)", "0-10"),
    _c("weight", F64, "Weight within the pillar after re-weighting over the observed factors",
       "share (0-1)"),
    _c("points", F64, "Score points this factor contributes; a member's points sum to its score "
       "exactly", "points (0-100)"),
    _c("observed", BOOL, "True when the factor had data on the date"),
    _c("evidence_ids", IDS, "Ids of the rows behind the value: actions, arrangements, reviews, "
       "responses, macro years"),
    _c("source_ids", IDS, "Keys into the sources table (datasets/sources.csv) of those rows"),
)  # fmt: skip

LABEL_COLUMNS = tuple(
    column
    for h in (90, 365)
    for column in (
        _c(f"censored_{h}d", BOOL, f"True when as_of + {h} days passes the day IMF responses are "
           "observed to, so the label is unknown (left out of every metric)"),
        _c(f"label_{h}d", BOOL, f"Outcome: an opposing IMF crypto response to the member dated "
           f"in the {h} days after as_of; null when censored"),
    )
)  # fmt: skip
UNIT_COLUMNS = (
    _c("unit", STR, "month_end (every member at each month end) or action_day (the acting "
       "member on the day after one of its crypto actions)"),
    _c("next_opposing_on", DATE, "First opposing IMF response to the member after as_of, if any"),
    _c("last_opposing_on", DATE, "Latest opposing IMF response to the member on or before as_of"),
    *LABEL_COLUMNS,
    _c("onset", BOOL, "True when no opposing response to the member fell in the 24 months up to "
       "as_of: a conflict would be new"),
)  # fmt: skip
PROBABILITIES = tuple(
    _c(f"p{h}", F64, f"Probability of an opposing IMF response within {h} days, from the curve "
       "fitted on labels known before the unit's month (past data only); null before enough "
       "positives", "probability (0-1)")
    for h in (90, 365)
)  # fmt: skip


def _factor_columns(config: ModelConfig) -> tuple[Column, ...]:
    return tuple(
        _c(row["factor"], F64, f"Scaled value of factor {row['factor']} ({row['pillar']}): "
           f"{row['label']}; null when not observed", "0-10")
        for row in config.factors().iter_rows(named=True)
    )  # fmt: skip


def _scenario_columns() -> tuple[Column, ...]:
    sides = {"baseline": "with the real data", "scenario": "with the hypothetical rows added"}
    paired = []
    for base in (SCORE, BAND_COL, RANK, *PILLARS):
        for side, how in sides.items():
            what = base.description.split(":")[0]
            column = Column(f"{base.name}_{side}", base.dtype, f"{what}, {how}", base.unit,
                            base.enum)  # fmt: skip
            paired.append(column)
    return (
        _c("scenario", STR, "Name of the scenario file (without .toml)"),
        _c("hypothetical", BOOL, "Always true: these scores rest on hypothetical rows"),
        ISO3, COUNTRY, AS_OF, *paired[:2],
        _c("score_change", F64, "score_scenario - score_baseline", "points (0-100)"),
        *paired[2:],
        _c("affected", BOOL, "True when the scenario moved the member's score or a pillar"),
        _c("hypothetical_ids", IDS, "Ids of the hypothetical rows that concern the member"),
    )  # fmt: skip


def _diff_columns() -> tuple[Column, ...]:
    ends = {"from": "on from_on", "to": "on to_on"}
    return (
        ISO3, COUNTRY,
        _c("from_on", DATE, "First date compared"),
        _c("to_on", DATE, "Second date compared"),
        *(_c(f"score_{e}", F64, f"Score {how}", "points (0-100)") for e, how in ends.items()),
        _c("score_change", F64, "score_to - score_from; the sum of points_change over the member's "
           "factors", "points (0-100)"),
        *(_band(f"band_{e}", f"Score band {how}") for e, how in ends.items()),
        *(_c(f"rank_{e}", I64, f"Rank {how}, 1 = riskiest") for e, how in ends.items()),
        _c("pillar", STR, "Pillar of the factor"),
        _c("factor", STR, "Factor name as in the model config"),
        _c("label", STR, "Plain-English label of the factor"),
        *(_c(f"points_{e}", F64, f"Factor's score points {how} (0 if absent)", "points (0-100)")
          for e, how in ends.items()),
        _c("points_change", F64, "points_to - points_from", "points (0-100)"),
        _c("new_evidence_ids", IDS, "Evidence the factor cites on to_on but not on from_on"),
        _c("gone_evidence_ids", IDS, "Evidence the factor cited on from_on but no longer on to_on"),
    )  # fmt: skip


def _uncertainty_columns() -> tuple[Column, ...]:
    percentiles = []
    for stat, unit in (("score", "points (0-100)"), ("rank", "rank")):
        for p in (5, 50, 95):
            text = f"{p}th percentile of the {stat} over the Monte Carlo draws"
            percentiles.append(_c(f"{stat}_p{p}", F64, text, unit))
    return (
        ISO3, AS_OF, SCORE, *percentiles[:3],
        _c("rank", I64, "Rank as 1 + members scoring strictly higher (tied scores share a rank)"),
        *percentiles[3:],
        _c("top_driver", STR, "Modelling choice with the largest first-order effect on the "
           "member's rank; null when its rank never moves"),
        COUNTRY, BAND_COL,
        _c("published_rank", I64, "Rank as published in scores (ties broken by iso3)"),
        _c("rank_interval", F64, "rank_p95 - rank_p5", "ranks"),
        _c("score_sd", F64, "Standard deviation of the score over the draws", "points (0-100)"),
    )  # fmt: skip


def _registry(config: ModelConfig) -> dict[str, Table]:
    tables = [
        Table("scores", "scores.parquet", "Score of every IMF member as of one date, ranked",
              SCORE_COLUMNS, data_through=("as_of",)),
        Table("contributions", "contributions.parquet", "Each score of `scores` split into "
              "factor contributions that add up to it exactly, with the evidence behind each",
              CONTRIBUTION_COLUMNS, data_through=("as_of",)),
        Table("history", "history.parquet", "Scores of every member at every period end (by "
              "default each quarter end since 2015), each using only facts known then",
              SCORE_COLUMNS, data_through=("end",)),
        Table("history_contributions", "history_contributions.parquet", "Factor contributions "
              "of every score in `history`", CONTRIBUTION_COLUMNS, data_through=("end",)),
        Table("backtest", "backtest.parquet", "Event-time units (every member at every month "
              "end, the acting member the day after each crypto action) scored point-in-time, "
              "with the outcomes they are judged against and the out-of-sample probabilities", (
                  ISO3, COUNTRY, AS_OF, SCORE, BAND_COL, RANK, *PILLARS, COMPLETENESS,
                  *_factor_columns(config), *UNIT_COLUMNS,
                  PROBABILITIES[0],
                  _c("p90_loco", F64, "p90 from a curve fitted on every other country (leave one "
                     "country out)", "probability (0-1)"),
                  PROBABILITIES[1],
                  _c("p365_loco", F64, "p365 from a curve fitted on every other country",
                     "probability (0-1)"),
                  *(
                      _c(f"mission_due_{h}d", F64, f"1 when an IMF program review or Article IV "
                         f"Board meeting is expected within {h} days while the member has state "
                         "crypto exposure (riskscore.calendar), else 0; a signal tried beside "
                         "the score", "0/1")
                      for h in (90, 365)
                  ),
                  _c("split", STR, "test for units on or after the time split (2022-01-01), "
                     "train before it"),
                  _c("challenger", F64, "Logistic challenger on the 13 factors, fitted on the "
                     "365-day labels known before the split", "probability (0-1)"),
              ), data_through=("observed_through",)),
        Table("calibration", "calibration.parquet", "Today's probabilities of an opposing IMF "
              "response: every member on the last scored date, from the curves fitted on every "
              "labelled unit", (
                  ISO3, COUNTRY, AS_OF, SCORE, BAND_COL, RANK,
                  _c("p90", F64, "Probability of an opposing IMF response within 90 days",
                     "probability (0-1)"),
                  _c("p365", F64, "Probability of an opposing IMF response within 365 days",
                     "probability (0-1)"),
              ), data_through=("observed_through",)),
        Table("calibration_curve", "calibration_curve.parquet", "Reliability of the "
              "out-of-sample probabilities on the time-split units: forecasts binned by "
              "probability against the observed frequency, per horizon", (
                  _c("bin_low", F64, "Lower edge of the probability bin", "probability (0-1)"),
                  _c("bin_high", F64, "Upper edge of the probability bin", "probability (0-1)"),
                  _c("units", I64, "Labelled units whose probability falls in the bin"),
                  _c("mean_probability", F64, "Mean forecast probability in the bin",
                     "probability (0-1)"),
                  _c("positives", I64, "Units in the bin whose outcome was positive"),
                  _c("observed_frequency", F64, "positives / units", "share (0-1)"),
                  _c("gap", F64, "|mean_probability - observed_frequency|", "probability (0-1)"),
                  _c("horizon_days", pl.Int32, "Forecast horizon of the probability"),
              ), data_through=("observed_through",)),
        Table("uncertainty", "uncertainty.parquet", "Score and rank intervals of every member "
              "under alternative modelling choices (Monte Carlo)", _uncertainty_columns(),
              data_through=("as_of",)),
        Table("sensitivity", "sensitivity.parquet", "Which modelling choice drives the scores "
              "and ranks: Saltelli first-order and Jansen total indices", (
                  _c("scope", STR, "overall (every member pooled) or the member's iso3"),
                  _c("output", STR, "What the index is about: rank or score"),
                  _c("choice", STR, "Modelling choice perturbed: factor_weights, aggregation, "
                     "normalisation, imputation or half_lives"),
                  _c("first_order", F64, "First-order sensitivity index (share of the variance "
                     "due to this choice alone); null when the output never varies", "share"),
                  _c("total_order", F64, "Total sensitivity index (including interactions)",
                     "share"),
                  AS_OF,
              ), data_through=("as_of",)),
        Table("validation_failures", "validation_failures.parquet", "Rows the last run rejected "
              "from the data package (written only when validation fails)", (
                  _c("file", STR, "Data package file"),
                  _c("line", I64, "Line in the file (0 = the file as a whole, 1 = the header)"),
                  _c("column", STR, "Column, if the rule concerns one"),
                  _c("rule", STR, "Name of the broken rule"),
                  _c("value", STR, "Offending value"),
              )),
        Table("scenarios", "scenario/*.parquet", "What-if scenarios (`riskscore scenario`): "
              "baseline and hypothetical scores side by side, one scenario per file",
              _scenario_columns(), data_through=("as_of",)),
        Table("diff", None, "Change attribution between two dates (`riskscore diff --output`): "
              "every factor's change of points, with each member's scores on both dates",
              _diff_columns()),
    ]  # fmt: skip
    return {table.name: table for table in tables}


@cache
def _default() -> dict[str, Table]:
    return _registry(load_config())


def registry(config: ModelConfig | None = None) -> dict[str, Table]:
    """Every output table by name (factor columns of `backtest` follow the model config)."""
    return _registry(config) if config is not None else _default()


def band_order(config: ModelConfig | None = None) -> list[str]:
    """The band names from lowest to highest lower bound, as the model config defines them."""
    return (config or load_config()).bands()["band"].to_list()


def describe(column: Column, config: ModelConfig | None = None) -> str:
    """The column's description, with the order of its values when it is an ordered type."""
    if column.enum:
        return f"{column.description} (ordered: {' < '.join(band_order(config))})"
    return column.description


def for_file(path: Path, columns: list[str]) -> Table | None:
    """The registered table a Parquet file at `path` holds: the one whose columns are exactly
    `columns` (by file name, or scenario folder, when several share them), else the one its file
    name or folder names; None when neither tells."""
    tables = list(registry().values())
    wanted = set(columns)
    same = [t for t in tables if set(t.names) == wanted]
    named = [t for t in (same or tables) if _holds(t, path)]
    if len(same) == 1:
        return same[0]
    return named[0] if named else None


def _holds(table: Table, path: Path) -> bool:
    if table.file is None:
        return False
    folder, _, name = table.file.rpartition("/")
    return name == path.name or (name.startswith("*") and folder == path.parent.name)


def dataset_tables() -> dict[str, Table]:
    """The data package's tables in registry form: descriptions from their pandera models (by
    way of the generated riskscore.schema_columns, so describing them never imports pandera)."""
    from riskscore import schema_columns
    from riskscore.schemas import TABLES
    from riskscore.validate.columns import parsing

    tables = {}
    for name, spec in TABLES.items():
        dtypes = parsing(spec).dtypes
        columns = tuple(Column(c.name, dtypes[c.name], c.description) for c in spec.column_list)
        description = schema_columns.DESCRIPTIONS[name]
        tables[name] = Table(name, f"datasets/{spec.file}", description, columns, kind="dataset")
    return tables

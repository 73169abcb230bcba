"""What-if scenarios: hypothetical rows added to copies of the tables, the model rerun on them.

A scenario file (TOML, or CSV for one table) lists hypothetical crypto actions, arrangements,
reviews, staff-level agreements or IMF responses. Each row is built from its table's contract in
`riskscore.schemas` (unknown columns are errors; vocabulary-implied columns such as `direction`
are filled in), gets an id starting `HYP-` and a note marking it hypothetical, and must pass the
same validation as the shipped data — every schema, key, foreign-key, date and consistency rule.
The one rule bent is the id pattern: `HYP-PAK-001` is checked as if it were `ACT-PAK-001`.

The rows go into copies of the tables in a temporary folder; the real data package and the
outputs in out/ are never written. The result, baseline and scenario scores side by side, goes
to out/scenario/<name>.parquet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riskscore import export, model, pipeline, vocab
from riskscore.config import ModelConfig
from riskscore.config import load as load_config
from riskscore.schemas import EVENT_DATES, TABLES
from riskscore.schemas import table as schema_table
from riskscore.validate import scenario_file, validate_package
from riskscore.validate.scenario_file import ScenarioFileError, read_scenario

HYP = "HYP-"
# tables a scenario may add to, and the id each row gets: (column, real prefix to stand in for)
SCENARIO_TABLES = {
    "crypto_actions": ("action_id", "ACT-"),
    "imf_crypto_responses": ("response_id", "RSP-"),
    "imf_arrangements": ("arrangement_id", ""),
    "imf_reviews": (None, None),
    "imf_staff_level_agreements": (None, None),
    "sources": (None, None),
}
# a column that tells which table a CSV scenario's rows belong to
CSV_TABLE_HINTS = [
    ("action_type", "crypto_actions"),
    ("response_type", "imf_crypto_responses"),
    ("review_no", "imf_reviews"),
    ("stage", "imf_staff_level_agreements"),
    ("instrument_kind", "imf_arrangements"),
    ("approved_on", "imf_arrangements"),
]


class ScenarioError(Exception):
    """The scenario file cannot be read, or its rows break the package's rules."""


@dataclass(frozen=True)
class Scenario:
    """A named set of hypothetical rows, per table, as the file gave them."""

    name: str
    description: str
    as_of: dt.date | None
    rows: dict[str, list[dict]]


@dataclass(frozen=True)
class ScenarioResult:
    """Baseline and scenario scores side by side, and where they were written."""

    scenario: Scenario
    frame: pl.DataFrame
    path: Path
    affected: list[str]
    hypothetical_ids: list[str]


def read(path: Path) -> Scenario:
    """Read a .toml scenario (several tables) or a .csv one (one table, or a `table` column).

    The file is read like the package's (regular file, size limit, UTF-8) and checked field by
    field; ScenarioError lists every problem, one line each: file, row or key, column, rule,
    value.
    """
    id_columns = {table: column for table, (column, _) in SCENARIO_TABLES.items()}
    try:
        found = read_scenario(path, id_columns, CSV_TABLE_HINTS)
    except ScenarioFileError as err:
        raise ScenarioError(str(err)) from None
    name = found.name if found.name is not None else path.stem
    return Scenario(_slug(name), found.description, found.as_of, found.rows)


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "_", name.lower()).strip("_")
    if not slug:
        raise ScenarioError(f"scenario name {name!r} has no letters or digits")
    return slug


def _date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ScenarioError(f"{what} must be a date like 2026-06-30, got {value!r}") from None


def build_rows(scenario: Scenario) -> dict[str, list[dict[str, str]]]:
    """Complete every hypothetical row to its table's columns: ids, implied columns, notes."""
    out: dict[str, list[dict[str, str]]] = {}
    counters: dict[tuple[str, str], int] = {}
    for table, rows in scenario.rows.items():
        columns = schema_table(table).columns  # NotFound for a table the package lacks
        id_column, _ = SCENARIO_TABLES[table]
        for given in rows:
            unknown = sorted(set(given) - set(columns))
            if unknown:
                raise ScenarioError(
                    f"{table}: unknown column(s) {', '.join(unknown)}; "
                    f"the table has {', '.join(columns)}"
                )
            row = {c: scenario_file.cell(given.get(c)) for c in columns}
            _fill_implied(table, row)
            if table != "sources":
                mark = f"HYPOTHETICAL (scenario {scenario.name})"
                row["notes"] = f"{mark}; {row['notes']}" if row["notes"] else mark
            if id_column:
                if row[id_column] and not row[id_column].startswith(HYP):
                    raise ScenarioError(
                        f"{table}: hypothetical {id_column} must start with "
                        f"{HYP!r}, got {row[id_column]!r}"
                    )
                if not row[id_column]:
                    key = (table, row["iso3"])
                    counters[key] = counters.get(key, 0) + 1
                    row[id_column] = _new_id(table, row, counters[key])
            out.setdefault(table, []).append(row)
    return out


def _fill_implied(table: str, row: dict[str, str]) -> None:
    """Columns the vocabulary implies, and defaults for a hypothetical row."""
    implied = {
        "crypto_actions": (
            "direction",
            vocab.ACTION_TYPE_DIRECTION.get(row.get("action_type", "")),
        ),
        "imf_crypto_responses": (
            "stance",
            vocab.RESPONSE_TYPE_STANCE.get(row.get("response_type", "")),
        ),
        "imf_arrangements": ("instrument_kind", vocab.FACILITY_KIND.get(row.get("facility", ""))),
    }.get(table)
    if implied and not row[implied[0]] and implied[1]:
        row[implied[0]] = implied[1]
    defaults = {"date_precision": "day", "scope": "national", "confidence": "low"}
    if table == "imf_arrangements":
        defaults = {"status": "active"}
    for column, value in defaults.items():
        if column in row and not row[column]:
            row[column] = value


def _new_id(table: str, row: dict[str, str], n: int) -> str:
    if table == "crypto_actions":
        return f"HYP-{row['iso3']}-{n:03d}"
    if table == "imf_crypto_responses":
        return f"HYP-{row['iso3']}-{n:02d}"
    return f"HYP-{row['iso3']}-{row['facility']}-{row['approved_on']}"


def _real_form(value: str, prefix: str) -> str:
    """HYP-PAK-001 -> ACT-PAK-001 (or HYP-PAK-EFF-… -> PAK-EFF-…) for the id pattern check."""
    return ";".join(
        prefix + v.removeprefix(HYP) if v.startswith(HYP) else v for v in value.split(";")
    )


def _pattern(table: str, column: str) -> re.Pattern:
    checks = TABLES[table].model.to_schema().columns[column].checks
    return re.compile(next(c.statistics["pattern"] for c in checks if c.name == "str_matches"))


def _tolerated(failure) -> bool:
    """Only an HYP- id that would pass as the table's own kind of id."""
    table = failure.file.removesuffix(".csv")
    ids = {
        ("crypto_actions", "action_id"): "ACT-",
        ("imf_crypto_responses", "response_id"): "RSP-",
        ("imf_crypto_responses", "linked_action_ids"): "ACT-",
        ("imf_arrangements", "arrangement_id"): "",
    }
    prefix = ids.get((table, failure.column))
    if failure.rule != "pattern" or prefix is None or HYP not in failure.value:
        return False
    return bool(_pattern(table, failure.column).match(_real_form(failure.value, prefix)))


def apply(
    scenario: Scenario, package: pipeline.Package, as_of: dt.date
) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """Validated copies of the tables with the hypothetical rows added, and those rows' ids."""
    rows = build_rows(scenario)
    ids = []
    for table, items in rows.items():
        id_column, _ = SCENARIO_TABLES[table]
        date_column = EVENT_DATES.get(table, (None,))[0]
        for row in items:
            label = row.get(id_column or "", "") or f"{table} row for {row.get('iso3', '')}"
            if id_column:
                ids.append(row[id_column])
            on = row.get(date_column or "", "")
            if on and re.match(r"^\d{4}-\d{2}-\d{2}$", on) and dt.date.fromisoformat(on) > as_of:
                raise ScenarioError(
                    f"{label} is dated {on}, after the scenario's as-of date "
                    f"{as_of}: it would not count"
                )
    with tempfile.TemporaryDirectory(prefix="riskscore-scenario-") as tmp:
        copy = Path(tmp)
        for file in [*(t.file for t in TABLES.values()), "datapackage.json"]:
            source = package.directory / file
            if source.exists():
                shutil.copyfile(source, copy / file)
        where = {}  # (file, editor line) -> which hypothetical row
        for table, items in rows.items():
            first = _append(copy / TABLES[table].file, items)
            for k, line in enumerate(first, start=1):
                label = items[k - 1].get(SCENARIO_TABLES[table][0] or "", "")
                where[(TABLES[table].file, line)] = f"[[{table}]] row {k} {label}".rstrip()
        report = validate_package(copy, today=max(dt.date.today(), as_of))
    failures = [f for f in report.failures if not _tolerated(f)]
    if failures:
        listed = "\n".join(
            f"  {where.get((f.file, f.line), f'{f.file}:{f.line}')}: {f.column}: {f.rule}: "
            f"{f.value!r}"
            for f in failures[:20]
        )
        raise ScenarioError(
            f"scenario {scenario.name!r}: hypothetical rows break the package's rules:\n{listed}"
        )
    return report.clean_tables(), ids


def _append(path: Path, rows: list[dict[str, str]]) -> list[int]:
    """Append rows under the file's own header; return the editor line each row starts on."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    header = next(csv.reader([text.splitlines()[0]])) if text else list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not text:
        writer.writerow(header)
    elif not text.endswith("\n"):
        text += "\n"
    line = text.count("\n") + 1 + (0 if text else 1)
    starts = []
    for row in rows:
        starts.append(line)
        before = out.tell()
        writer.writerow([row.get(column.strip(), "") for column in header])
        line += out.getvalue()[before:].count("\n")
    path.write_text(text + out.getvalue(), encoding="utf-8")
    return starts


PILLARS = ["score", "band", "rank", "exposure", "engagement", "vulnerability"]
SIDE_BY_SIDE = [f"{column}_{side}" for column in PILLARS for side in ("baseline", "scenario")]
OUTPUT_COLUMNS = [
    "scenario", "hypothetical", "iso3", "country", "as_of", *SIDE_BY_SIDE[:2], "score_change",
    *SIDE_BY_SIDE[2:], "affected", "hypothetical_ids",
]  # fmt: skip


def run(
    scenario: Scenario,
    package: pipeline.Package,
    out: Path,
    as_of: dt.date | None = None,
    config: ModelConfig | None = None,
) -> ScenarioResult:
    """Score the baseline and the scenario as of a date; write out/scenario/<name>.parquet."""
    as_of = as_of or scenario.as_of or package.cutoff
    config = config or load_config()
    tables, ids = apply(scenario, package, as_of)
    baseline = model.run(package.tables, [as_of], config).scores
    what_if = model.run(tables, [as_of], config).scores
    hyp_by_country = _ids_by_country(tables, ids)
    frame = (
        baseline.select(
            "iso3", "country", "as_of", *[pl.col(c).alias(f"{c}_baseline") for c in PILLARS]
        )
        .join(
            what_if.select("iso3", *[pl.col(c).alias(f"{c}_scenario") for c in PILLARS]),
            on="iso3",
            how="full",
            coalesce=True,
        )
        .with_columns(
            scenario=pl.lit(scenario.name),
            hypothetical=pl.lit(True),
            score_change=pl.col("score_scenario") - pl.col("score_baseline"),
            hypothetical_ids=pl.col("iso3").replace_strict(
                hyp_by_country, default=[], return_dtype=pl.List(pl.String)
            ),
        )
        .with_columns(
            affected=pl.any_horizontal(
                (pl.col(f"{c}_scenario") - pl.col(f"{c}_baseline")).abs() > 1e-9
                for c in ("score", "exposure", "engagement", "vulnerability")
            ).fill_null(True)
        )
        .select(OUTPUT_COLUMNS)
        .sort(pl.col("score_change").abs(), "score_scenario", descending=True)
    )
    meta = pipeline.metadata(
        package,
        config,
        as_of=as_of.isoformat(),
        scenario=scenario.name,
        hypothetical="true",
        description=scenario.description,
    )
    path = export.write_parquet(frame, out / "scenario" / f"{scenario.name}.parquet", meta)
    affected = frame.filter("affected")["iso3"].to_list()
    return ScenarioResult(scenario, frame, path, affected, ids)


def _ids_by_country(tables: dict[str, pl.DataFrame], ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table, (column, _) in SCENARIO_TABLES.items():
        if column is None:
            continue
        rows = tables[table].filter(pl.col(column).is_in(ids)).select("iso3", column)
        for iso3, row_id in rows.iter_rows():
            out.setdefault(iso3, []).append(row_id)
    return out

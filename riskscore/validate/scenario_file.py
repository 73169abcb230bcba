"""Read a what-if scenario file (TOML, or CSV for one table) without trusting it.

The file goes through the same bounded reader as the package (regular file, size limit,
UTF-8), then its structure and every value are checked field by field: each problem is one
Failure naming the file, the row or key, the column, the rule and the value, all of them at
once. The package's own rules (vocabularies, keys, dates) are applied later, when the rows
are added to copies of the tables (riskscore.scenario.apply).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from riskscore import settings
from riskscore.schemas import FIRST_DATE, LAST_DATE
from riskscore.schemas import table as schema_table
from riskscore.validate import failures as fl
from riskscore.validate.columns import TYPE_NAMES, compile_table, text_columns
from riskscore.validate.failures import Failure
from riskscore.validate.files import InputError, read_input, text_body
from riskscore.validate.reader import ROW

HYP = "HYP-"
HEAD = "scenario"  # the [scenario] table: name, description, as_of
HEAD_KEYS = {"name": "string", "description": "string", "as_of": "date"}
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


class ScenarioFileError(Exception):
    """The scenario file breaks its rules; `failures` holds every problem, one line each."""

    def __init__(self, failures: list[Failure]):
        super().__init__("\n".join(f.format() for f in failures))
        self.failures = failures


@dataclass
class ScenarioInput:
    """What a valid scenario file says: its [scenario] fields and the rows per table."""

    name: str | None = None
    description: str = ""
    as_of: dt.date | None = None
    rows: dict[str, list[dict]] = field(default_factory=dict)


@dataclass
class _Row:
    table: str
    values: dict
    line: int = 0  # CSV: the editor line
    where: str = ""  # TOML: "[[table]] row k"


def read_scenario(
    path: Path,
    id_columns: Mapping[str, str | None],
    csv_hints: list[tuple[str, str]],
) -> ScenarioInput:
    """Read and check a .toml or .csv scenario; raise ScenarioFileError with every failure.

    `id_columns` names the tables a scenario may add to (and each one's id column, whose
    given values must start with 'HYP-'); `csv_hints` tells a CSV row's table by a column it
    fills in, when the file has no `table` column.
    """
    file = path.name
    try:
        raw = read_input(path, settings.MAX_SMALL_INPUT_BYTES)
        text = text_body(raw).decode("utf-8")
    except InputError as err:
        raise ScenarioFileError([Failure(file, err.line, "", err.rule, err.value)]) from None
    suffix = path.suffix.lower()
    if suffix == ".toml":
        found, rows, failures = _read_toml(text, file, id_columns)
    elif suffix == ".csv":
        found, rows, failures = ScenarioInput(), *_read_csv(text, file, id_columns, csv_hints)
    else:
        failure = Failure(file, 0, "", fl.FILE_FORMAT.name, path.suffix or "(no suffix)")
        raise ScenarioFileError([failure])
    failures += _value_failures(rows, file, id_columns)
    if failures:
        raise ScenarioFileError(sorted(set(failures)))
    for row in rows:
        found.rows.setdefault(row.table, []).append(row.values)
    return found


def _type_name(value: object) -> str:
    return {dict: "table", list: "array"}.get(type(value), type(value).__name__)


def _read_toml(
    text: str, file: str, id_columns: Mapping[str, str | None]
) -> tuple[ScenarioInput, list[_Row], list[Failure]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        at = _TOML_POSITION.search(str(err))
        message = _TOML_POSITION.sub("", str(err)).strip()
        line = int(at.group(1)) if at else 0
        raise ScenarioFileError([Failure(file, line, "", fl.TOML_SYNTAX.name, message)]) from None
    except RecursionError:
        failure = Failure(file, 0, "", fl.TOML_SYNTAX.name, "nested too deeply")
        raise ScenarioFileError([failure]) from None
    failures: list[Failure] = []
    found = ScenarioInput()
    head = data.pop(HEAD, {})
    if isinstance(head, dict):
        found = _read_head(head, file, failures)
    else:
        failures.append(_at(file, f"[{HEAD}]", "", fl.TYPE.rule("table"), head))
    rows: list[_Row] = []
    for table, items in data.items():
        if table not in id_columns:
            allowed = ", ".join(id_columns)
            failures.append(_at(file, table, "", fl.UNKNOWN_TABLE.name, f"{table} (use {allowed})"))
            continue
        if not isinstance(items, list):
            failures.append(_at(file, table, "", fl.TYPE.rule("array"), items))
            continue
        for k, item in enumerate(items, start=1):
            where = f"[[{table}]] row {k}"
            if isinstance(item, dict):
                rows.append(_Row(table, item, where=where))
            else:
                failures.append(_at(file, where, "", fl.TYPE.rule("table"), item))
    return found, rows, failures


def _read_head(head: dict, file: str, failures: list[Failure]) -> ScenarioInput:
    found = ScenarioInput()
    where = f"[{HEAD}]"
    for key, value in head.items():
        kind = HEAD_KEYS.get(key)
        if kind is None:
            failures.append(_at(file, where, key, fl.UNKNOWN_KEY.name, key))
        elif kind == "string" and not isinstance(value, str):
            failures.append(_at(file, where, key, fl.TYPE.rule("string"), value))
        elif kind == "date":
            day = _date(value)
            if day is None:
                failures.append(_at(file, where, key, fl.TYPE.rule("date"), value))
            elif not FIRST_DATE <= day <= LAST_DATE:
                bounds = fl.RANGE.rule(f"{FIRST_DATE}..{LAST_DATE}")
                failures.append(_at(file, where, key, bounds, day.isoformat()))
            found.as_of = day
        else:
            setattr(found, key, value)
    return found


def _date(value: object) -> dt.date | None:
    """A TOML date (or date-time), or an ISO date string; None for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _read_csv(
    text: str,
    file: str,
    id_columns: Mapping[str, str | None],
    csv_hints: list[tuple[str, str]],
) -> tuple[list[_Row], list[Failure]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    failures: list[Failure] = []
    rows: list[_Row] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        last = reader.line_num
        for record in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                value = f"{len(record)} fields, header has {len(header)}"
                failures.append(Failure(file, start, "", fl.FIELD_COUNT.name, value))
                continue
            values = {h: c.strip() for h, c in zip(header, record, strict=True) if c.strip()}
            table = values.pop("table", None) or next(
                (t for column, t in csv_hints if column in header), None
            )
            if table not in id_columns:
                value = table or "no table column, and no column that tells the table"
                failures.append(Failure(file, start, "table", fl.UNKNOWN_TABLE.name, value))
                continue
            rows.append(_Row(table, values, line=start))
    except csv.Error as err:
        failures.append(Failure(file, reader.line_num, "", fl.CSV_SYNTAX.name, str(err)))
    return rows, failures


def _at(file: str, where: str, column: str, rule: str, value: object) -> Failure:
    return Failure(file, 0, column, rule, _shown(value), where=where)


def _shown(value: object) -> str:
    return value if isinstance(value, str) else repr(value)


def cell(value: object) -> str:
    """A TOML value as a CSV cell (the package's parsers then judge it); None is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _value_failures(
    rows: list[_Row], file: str, id_columns: Mapping[str, str | None]
) -> list[Failure]:
    """Every value of every row: a column of its table, of a type the column's parser accepts,
    free of control characters; a given id must start with 'HYP-'."""
    out: list[Failure] = []

    def fail(row: _Row, column: str, rule: str, value: object) -> None:
        out.append(Failure(file, row.line, column, rule, _shown(value), where=row.where))

    for table in dict.fromkeys(row.table for row in rows):
        dtypes = compile_table(schema_table(table)).dtypes
        mine = [row for row in rows if row.table == table]
        cells: dict[str, list[str | None]] = {c: [] for c in dtypes}
        for row in mine:
            for column, value in row.values.items():
                if column not in dtypes:
                    fail(row, column, fl.EXTRA_COLUMN.name, column)
                elif isinstance(value, dict | list):
                    fail(row, column, fl.TYPE.rule(TYPE_NAMES[dtypes[column]]), value)
                elif dtypes[column] == pl.String and not isinstance(value, str):
                    fail(row, column, fl.TYPE.rule("string"), value)
            id_column = id_columns.get(table)
            given = row.values.get(id_column) if id_column else None
            if isinstance(given, str) and given and not given.startswith(HYP):
                fail(row, id_column, fl.HYPOTHETICAL_ID.name, given)
            for column in dtypes:
                value = row.values.get(column)
                plain = value is not None and not isinstance(value, dict | list)
                cells[column].append(cell(value) if plain else None)
        out += _parse_failures(table, mine, cells, file)
    return out


def _parse_failures(
    table: str, rows: list[_Row], cells: dict[str, list[str | None]], file: str
) -> list[Failure]:
    """The package's type and control-character rules, on the rows as CSV cells."""
    spec = compile_table(schema_table(table))
    frame = pl.DataFrame(
        {ROW: list(range(len(rows))), **cells},
        schema={ROW: pl.Int64, **dict.fromkeys(spec.dtypes, pl.String)},
    )
    work = frame.with_columns(text_columns(list(spec.dtypes))).with_columns(spec.parse)
    wanted = [r for r in spec.rules if r.rule.startswith(("type:", fl.CONTROL_CHARACTER.name))]
    out = []
    for rule in wanted:
        for index, value in work.filter(rule.bad).select(ROW, v=rule.value).iter_rows():
            row = rows[index]
            shown = "" if value is None else str(value)
            out.append(Failure(file, row.line, rule.column, rule.rule, shown, where=row.where))
    return out

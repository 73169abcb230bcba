"""Read one CSV of the package into a typed frame, turning every parse problem into a Failure.

Parsing is done cell by cell with the standard csv module rather than polars' reader, because
a user needs the editor line of each bad cell (quoted fields may span lines) and one bad cell
must not hide the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from riskscore.schemas import Table
from riskscore.validate import failures as fl
from riskscore.validate.failures import Failure

LINE = "__line__"  # column carrying each row's editor line number through the checks

_INT = re.compile(r"^[+-]?\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


@dataclass
class ReadResult:
    """A parsed table: typed rows that could be read, with their lines, and what went wrong."""

    frame: pl.DataFrame | None
    failures: list[Failure] = field(default_factory=list)
    rows_read: int = 0


def _parse_cell(text: str, dtype: pl.DataType) -> tuple[object, str | None]:
    """Return (value, None) or (None, rule) for one non-empty cell."""
    if dtype == pl.String:
        return text, None
    if dtype == pl.Int64:
        return (int(text), None) if _INT.match(text) else (None, "type:integer")
    if dtype == pl.Float64:
        try:
            value = float(text)
        except ValueError:
            return None, "type:number"
        return (
            (value, None)
            if value == value and abs(value) != float("inf")
            else (None, "type:number")
        )
    if dtype == pl.Boolean:
        if text in _TRUE:
            return True, None
        return (False, None) if text in _FALSE else (None, "type:boolean")
    if dtype == pl.Date:
        if not _DATE.match(text):
            return None, "type:date"
        try:
            return dt.date.fromisoformat(text), None
        except ValueError:
            return None, "type:date"
    raise TypeError(f"no parser for {dtype}")


def _decode(raw: bytes, file: str) -> tuple[str, list[Failure]]:
    """Decode UTF-8, reporting each undecodable byte run with its line; bad bytes become U+FFFD."""
    problems: list[Failure] = []
    pos = 0
    while True:
        try:
            raw[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as err:
            start = pos + err.start
            line = raw.count(b"\n", 0, start) + 1
            problems.append(Failure(file, line, "", fl.ENCODING, repr(raw[start : start + 8])))
            pos = pos + err.end
    text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    return text, problems


def read_table(path: Path, table: Table) -> ReadResult:
    """Parse `path` against `table`'s schema. Never raises for bad content."""
    file = path.name
    if not path.is_file():
        return ReadResult(None, [Failure(file, 0, "", fl.MISSING_FILE, str(path))])
    raw = path.read_bytes()
    if not raw.strip():
        return ReadResult(None, [Failure(file, 0, "", fl.EMPTY_FILE, "")])
    text, failures = _decode(raw, file)

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as err:
        return ReadResult(None, [*failures, Failure(file, 1, "", "csv_syntax", str(err))])
    header = [h.strip() for h in header]
    expected = table.columns
    seen: set[str] = set()
    for name in header:
        if name in seen:
            failures.append(Failure(file, 1, name, fl.DUPLICATE_COLUMN, name))
        seen.add(name)
        if name not in expected:
            failures.append(Failure(file, 1, name, fl.EXTRA_COLUMN, name))
    missing = [c for c in expected if c not in seen]
    failures += [Failure(file, 1, c, fl.MISSING_COLUMN, c) for c in missing]
    if missing or len(seen) != len(header):
        return ReadResult(None, failures)  # cells can't be attributed to columns reliably

    schema = table.model.to_schema()
    dtypes = {c: schema.columns[c].dtype.type for c in expected}
    index = {name: i for i, name in enumerate(header)}
    columns: dict[str, list] = {c: [] for c in expected}
    lines: list[int] = []
    last_line = 1
    while True:
        start = last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            failures.append(Failure(file, start, "", "csv_syntax", str(err)))
            break
        last_line = reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue  # blank line
        if len(record) != len(header):
            failures.append(
                Failure(
                    file,
                    start,
                    "",
                    fl.FIELD_COUNT,
                    f"{len(record)} fields, header has {len(header)}",
                )
            )
            continue
        lines.append(start)
        for col in expected:
            cell = record[index[col]].strip()
            if cell == "":
                columns[col].append(None)
                continue
            value, rule = _parse_cell(cell, dtypes[col])
            if rule:
                failures.append(Failure(file, start, col, rule, cell))
            columns[col].append(value)
    frame = pl.DataFrame({LINE: lines, **columns}, schema={LINE: pl.Int64, **dtypes})
    return ReadResult(frame, failures, rows_read=len(lines))

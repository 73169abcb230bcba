"""Spreadsheet-ready exports in out/export/: CSV files or one Excel workbook.

Scores, contributions, history, uncertainty and sources, read from out/riskscore.duckdb, with a
`columns` table explaining every column (from the output registry and the data package's models).
Text cells that a spreadsheet would run as a formula (starting with = + - @, tab or carriage
return) get a leading apostrophe, OWASP's CSV injection rule; numbers stay numbers.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from riskscore import database, db, outputs

TABLES = ("scores", "contributions", "history", "uncertainty", "sources")
FORMATS = ("csv", "xlsx")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "
WORKBOOK = "riskscore.xlsx"
COLUMNS_SHEET = "columns"
EXCEL_MAX_ROWS = 1_048_575  # a worksheet's rows below its header


class ExportError(Exception):
    """The export could not be written; the message is one line."""


@dataclass(frozen=True)
class Export:
    """What an export wrote, and which tables it had to leave out (not yet computed)."""

    paths: list[Path]
    missing: list[str]


def guard(value: str | None) -> str | None:
    """A text cell made inert for spreadsheets: a leading apostrophe when it would start a
    formula (OWASP: = + - @ tab CR)."""
    if value is not None and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _guarded(frame: pl.DataFrame) -> pl.DataFrame:
    """Text columns guarded, lists joined with '; ', categories as text; numbers untouched."""
    fixed = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List):
            column = column.cast(pl.List(pl.String)).list.join(LIST_SEPARATOR)
        elif isinstance(dtype, pl.Enum | pl.Categorical) or dtype == pl.String:
            column = column.cast(pl.String)
        else:
            continue
        formula = pl.any_horizontal(column.str.starts_with(start) for start in FORMULA_START)
        fixed.append(pl.when(formula).then(pl.lit("'") + column).otherwise(column).alias(name))
    return frame.with_columns(fixed)


def read_tables(out: Path) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """The exported tables found in out/riskscore.duckdb, and the names of those not there."""
    path = out / database.DATABASE
    if not path.is_file():
        raise ExportError(f"{path} not found; run `riskscore build` first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        raise ExportError(f"{path}: {str(err).splitlines()[0]}") from None
    try:
        listed = con.execute("select table_name from duckdb_tables()").fetchall()
        present = [name for name in TABLES if (name,) in listed]
        frames = {name: db.table(con, name) for name in present}
    finally:
        con.close()
    return frames, [name for name in TABLES if name not in frames]


def columns_table(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """table, column, type, unit, description for every exported column, from the registries."""
    described = {**outputs.dataset_tables(), **outputs.registry()}
    rows = []
    for name, frame in frames.items():
        table = described.get(name)
        for column_name in frame.columns:
            column = table.column(column_name) if table else None
            kind = "band (text)" if column and column.enum else _type_name(frame[column_name].dtype)
            rows.append({
                "table": name,
                "column": column_name,
                "type": kind,
                "unit": (column.unit if column else None) or "",
                "description": outputs.describe(column) if column else "",
            })  # fmt: skip
    return pl.DataFrame(rows, schema=dict.fromkeys(("table", "column", "type", "unit",
                                                    "description"), pl.String))  # fmt: skip


def _type_name(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List):
        return f"text, values separated by '{LIST_SEPARATOR.strip()}'"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "number"
    return {pl.Date: "date (YYYY-MM-DD)", pl.Boolean: "true/false"}.get(type(dtype), "text")


def export(out: Path, fmt: str) -> Export:
    """Write out/export/: one CSV per table plus columns.csv, or one workbook with a sheet per
    table and a first sheet describing the columns."""
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    frames, missing = read_tables(out)
    if not frames:
        raise ExportError(f"none of {', '.join(TABLES)} is in {out / database.DATABASE}")
    folder = out / "export"
    folder.mkdir(parents=True, exist_ok=True)
    sheets = {COLUMNS_SHEET: columns_table(frames)}
    sheets |= {name: _guarded(frame) for name, frame in frames.items()}
    if fmt == "csv":
        paths = [_atomic(folder / f"{n}.csv", _write_csv(frame)) for n, frame in sheets.items()]
    else:
        paths = [_atomic(folder / WORKBOOK, _write_workbook(sheets))]
    return Export(paths, missing)


def _write_csv(frame: pl.DataFrame):
    def write(path: Path) -> None:
        # a byte-order mark makes spreadsheets read the file as UTF-8 (Côte d'Ivoire)
        frame.write_csv(path, include_bom=True, date_format="%Y-%m-%d")

    return write


def _write_workbook(sheets: dict[str, pl.DataFrame]):
    def write(path: Path) -> None:
        from xlsxwriter import Workbook

        # text stays text: never turned into a formula, a link or a number by the writer
        options = {"strings_to_formulas": False, "strings_to_urls": False,
                   "strings_to_numbers": False}  # fmt: skip
        with Workbook(str(path), options) as workbook:
            # the file's "created" stamp is the data's date, not the clock's, so two exports of
            # the same outputs are the same bytes (the zip members are dated 1980 already)
            workbook.set_properties({"created": _stamp(sheets)})
            for name, frame in sheets.items():
                if frame.height > EXCEL_MAX_ROWS:
                    raise ExportError(f"{name} has {frame.height} rows, more than a sheet holds")
                frame.write_excel(workbook, worksheet=name, autofit=name == COLUMNS_SHEET,
                                  freeze_panes=(1, 0), float_precision=4,
                                  dtype_formats={pl.Date: "yyyy-mm-dd"})  # fmt: skip

    return write


def _stamp(sheets: dict[str, pl.DataFrame]) -> dt.datetime:
    dates = [
        frame["as_of"].max()
        for frame in sheets.values()
        if "as_of" in frame.columns and frame["as_of"].dtype == pl.Date and frame.height
    ]
    day = max(dates) if dates else dt.date(1980, 1, 1)
    return dt.datetime(day.year, day.month, day.day)


def _atomic(path: Path, write) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path

"""Single cells corrected from sources: datasets/curated/fact_corrections.csv.

Each row names a table, a row (as `row_edits` reads it), a column, the value the builders
produced (`old_value`) and the corrected one. A correction applies only while `old_value`
is exactly the current value, else the ingest stops naming the row: the research was done
against other data and must be checked again. Corrections that rest on a secondary source
and that research asked to verify first (`verify_first` = yes) are skipped and logged
(RESEARCH_LOG.md lists them). An applied correction adds its source to the row's
`source_id` and says in `notes` what it changed. An arrangement whose SDR amount a
correction supplies keeps no US$ amount (the table's rule: US$ only where no SDR amount is
known).
"""

from __future__ import annotations

import datetime as dt
import logging
import math

import polars as pl

from riskscore.ingest.common import IngestContext, IngestError, read_csv_text
from riskscore.ingest.row_edits import locate, update_rows, with_note, with_source
from riskscore.ingest.source_catalogue import catalogue

log = logging.getLogger(__name__)

FILE = "fact_corrections.csv"
NOTE_VALUE_CHARS = 60  # longer old + new values are texts, too long to repeat in notes
COLUMNS = [
    "table", "row_id", "column", "old_value", "new_value", "source_id", "verify_first", "notes",
]  # fmt: skip


def revise(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """The tables with every applicable correction applied."""
    changed: dict[str, pl.DataFrame] = {}
    for row in read_corrections(ctx).iter_rows(named=True):
        if skipped(ctx, row):
            continue
        table = row["table"]
        frame = changed.get(table, ctx.tables.get(table))
        if frame is None:
            raise IngestError(f"{FILE}: {row['row_id']}: no table {table!r}")
        changed[table] = apply_correction(frame, row)
    if "imf_arrangements" in changed:
        changed["imf_arrangements"] = usd_only_without_sdr(changed["imf_arrangements"])
    return changed


def usd_only_without_sdr(arrangements: pl.DataFrame) -> pl.DataFrame:
    """Drop (and note) a US$ amount where the SDR amount is now known."""
    both = (pl.col("amount_sdr_m").is_not_null() & pl.col("amount_usd_m").is_not_null()).fill_null(
        False
    )
    mask = arrangements.select(both).to_series()
    if not mask.any():
        return arrangements
    notes = [
        with_note(n, f"amount_usd_m {usd:g} dropped: the SDR amount is known") if hit else n
        for n, usd, hit in zip(
            arrangements["notes"], arrangements["amount_usd_m"], mask, strict=True
        )
    ]
    return arrangements.with_columns(
        pl.Series("notes", notes, dtype=pl.String),
        pl.when(both).then(None).otherwise(pl.col("amount_usd_m")).alias("amount_usd_m"),
    )


def read_corrections(ctx: IngestContext) -> pl.DataFrame:
    """The curated corrections (exact header); an absent file means none."""
    path = ctx.curated / FILE
    if not path.exists():
        return pl.DataFrame(schema={c: pl.String for c in COLUMNS})
    frame = read_csv_text(path)
    if frame.columns != COLUMNS:
        raise IngestError(f"{path}: columns {frame.columns} differ from expected {COLUMNS}")
    return frame


def skipped(ctx: IngestContext, row: dict) -> bool:
    """True for a correction on a secondary source that research asked to verify first."""
    tier = catalogue(ctx).tier(row["source_id"], ctx)
    if tier is None:
        raise IngestError(f"{FILE}: {row['row_id']}: source {row['source_id']!r} has no tier")
    if tier == "secondary" and (row["verify_first"] or "").strip() == "yes":
        log.warning(
            "%s: %s %s not applied: secondary source, research asked to verify it first",
            FILE, row["row_id"], row["column"],
        )  # fmt: skip
        return True
    return False


def apply_correction(frame: pl.DataFrame, row: dict) -> pl.DataFrame:
    """`frame` with one correction applied; IngestError if the old value is not current."""
    where = f"{FILE}: {row['table']} {row['row_id']} {row['column']}"
    column = row["column"]
    if column not in frame.columns or column in ("source_id", "notes"):
        raise IngestError(f"{where}: not a correctable column")
    mask = locate(frame, row["table"], row["row_id"], FILE)
    dtype = frame.schema[column]
    old, new = _value(row["old_value"], dtype, where), _value(row["new_value"], dtype, where)
    for current in frame.filter(mask)[column].to_list():
        if not _same(current, old):
            raise IngestError(
                f"{where}: old_value {row['old_value']!r} is not the current value "
                f"{_text(current)!r}"
            )
    if len(_text(old)) + len(_text(new)) > NOTE_VALUE_CHARS:  # a rewritten text: name it only
        note = f"{column} corrected ({row['source_id']})"
    else:
        note = (
            f"{column} corrected from {_text(old) or 'empty'} to {_text(new)} ({row['source_id']})"
        )
    frame = update_rows(frame, mask, column, lambda _: new)
    frame = update_rows(frame, mask, "source_id", lambda ids: with_source(ids, row["source_id"]))
    return update_rows(frame, mask, "notes", lambda notes: with_note(notes, note))


def _value(text: str | None, dtype: pl.DataType, where: str) -> object:
    """A cell's text as the column's type (empty -> None)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if dtype == pl.Date:
            return dt.date.fromisoformat(text)
        if dtype == pl.Float64:
            return float(text)
        if dtype == pl.Int64:
            return int(text)
    except ValueError as err:
        raise IngestError(f"{where}: {text!r} is not a {dtype}") from err
    return text


def _same(current: object, expected: object) -> bool:
    if isinstance(current, float) and isinstance(expected, float):
        return math.isclose(current, expected, rel_tol=0, abs_tol=1e-9)
    return current == expected


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

"""Finding the row a curated research file names, and editing its citations and notes.

Research names rows the way a reader sees them: an action, response or arrangement by its
id, a review as "ARRANGEMENT_ID review N", a staff-level agreement as "ISO3 FACILITY DAY"
(every stage announced that day).
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from riskscore.ingest.common import IngestError

SEPARATOR = ";"  # between the ids of one row's source_id
NOTE_SEPARATOR = "; "

ID_COLUMN = {
    "crypto_actions": "action_id",
    "imf_crypto_responses": "response_id",
    "imf_arrangements": "arrangement_id",
}
REVIEW_REF = re.compile(r"^(?P<arrangement_id>\S+) review (?P<review_no>\d+)$")
AGREEMENT_REF = re.compile(
    r"^(?P<iso3>[A-Z]{3}) (?P<facility>\S+) (?P<announced_on>\d{4}-\d{2}-\d{2})$"
)
TABLES_NAMED = [*ID_COLUMN, "imf_reviews", "imf_staff_level_agreements"]


def row_filter(table: str, row_ref: str) -> pl.Expr:
    """The expression selecting the row(s) `row_ref` names in `table`."""
    if table in ID_COLUMN:
        return pl.col(ID_COLUMN[table]) == row_ref
    if table == "imf_reviews" and (m := REVIEW_REF.match(row_ref)):
        return (pl.col("arrangement_id") == m["arrangement_id"]) & (
            pl.col("review_no") == int(m["review_no"])
        )
    if table == "imf_staff_level_agreements" and (m := AGREEMENT_REF.match(row_ref)):
        return (
            (pl.col("iso3") == m["iso3"])
            & (pl.col("facility") == m["facility"])
            & (pl.col("announced_on") == dt.date.fromisoformat(m["announced_on"]))
        )
    raise IngestError(f"{table}: cannot read row reference {row_ref!r} (tables: {TABLES_NAMED})")


def locate(frame: pl.DataFrame, table: str, row_ref: str, what: str) -> pl.Series:
    """A boolean mask of the rows `row_ref` names; IngestError (naming `what`) if none."""
    mask = frame.select(row_filter(table, row_ref).fill_null(False)).to_series()
    if not mask.any():
        raise IngestError(f"{what}: {table} has no row {row_ref!r}")
    return mask


def with_source(ids: str | None, source_id: str, first: bool = False) -> str:
    """`ids` with `source_id` added: first (moved there if cited already), else at the end."""
    current = [i for i in (ids or "").split(SEPARATOR) if i]
    if first:
        return SEPARATOR.join([source_id, *[i for i in current if i != source_id]])
    return SEPARATOR.join(current if source_id in current else [*current, source_id])


def without_source(ids: str | None, source_id: str) -> str:
    """`ids` without `source_id`."""
    return SEPARATOR.join(i for i in (ids or "").split(SEPARATOR) if i and i != source_id)


def with_note(notes: str | None, note: str) -> str:
    """`notes` with `note` appended (once)."""
    parts = [p for p in (notes or "").split(NOTE_SEPARATOR) if p]
    return NOTE_SEPARATOR.join(parts if note in parts else [*parts, note])


def update_rows(frame: pl.DataFrame, mask: pl.Series, column: str, edit) -> pl.DataFrame:
    """Apply `edit` (value -> value) to `column` in the masked rows."""
    values = [
        edit(v) if hit else v
        for v, hit in zip(frame[column].to_list(), mask.to_list(), strict=True)
    ]
    return frame.with_columns(pl.Series(column, values, dtype=frame.schema[column]))

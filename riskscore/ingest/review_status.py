"""imf_reviews revised: the completions research found, and a status and reason for each review.

Input: `datasets/curated/imf_reviews_completions.csv`, one source per row. `completed_on` is
`YYYY-MM-DD`, or `YYYY-MM` for a month-only date (stored at the month's last day); a
completion whose date is unknown keeps `completed_on` empty with status completed.

A research row for a review the table has revises it: status and reason come from research;
its completion date fills a gap (a date the sources give is kept, and a different research
date noted; research calling a dated review not completed stops the ingest); `scheduled_on`
and the amount fill gaps; the research source is cited first when it gave the date, else
after the others. A research row for a review the table lacks adds it.

Reviews research did not cover keep their status, with one derivation: a review MONA (the
IMF's monitoring database) shows without completion, of an arrangement that ended before
MONA's last record, was never completed (MONA records every completion). It becomes
not_completed with the reason the arrangement's end gives: replaced, cancelled, otherwise
expired; an arrangement the sources call completed leaves it unknown.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import IngestContext, IngestError, period_end, read_csv_text
from riskscore.ingest.reviews import MONA_SOURCE_ID, MONA_VINTAGE
from riskscore.ingest.row_edits import with_note, with_source

FILE = "imf_reviews_completions.csv"
COLUMNS = [
    "arrangement_id", "review_no", "scheduled_on", "completed_on", "date_precision", "status",
    "not_completed_reason", "amount_sdr_m", "source_id", "confidence", "notes",
]  # fmt: skip
REASON_BY_END = {"replaced": "arrangement_replaced", "cancelled": "arrangement_cancelled"}
DERIVED_NOTE = "not completed: MONA records no completion and the arrangement ended on {end}"


def revise(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """imf_reviews with the research completions applied and every status settled."""
    reviews = ctx.tables["imf_reviews"]
    arrangements = ctx.tables["imf_arrangements"]
    known = set(arrangements["arrangement_id"])
    rows = {(r["arrangement_id"], r["review_no"]): r for r in reviews.to_dicts()}
    for research in read_completions(ctx):
        if research["arrangement_id"] not in known:
            raise IngestError(f"{FILE}: {research['arrangement_id']} is not in imf_arrangements")
        key = (research["arrangement_id"], research["review_no"])
        rows[key] = revised(rows.get(key), research)
    ends = {a["arrangement_id"]: a for a in arrangements.iter_rows(named=True)}
    vintage = ctx.cache.get(MONA_VINTAGE)
    for row in rows.values():
        derive_not_completed(row, ends[row["arrangement_id"]], vintage)
    ordered = sorted(rows.values(), key=lambda r: (r["arrangement_id"], r["review_no"]))
    return {"imf_reviews": pl.DataFrame(ordered, schema=reviews.schema)}


def read_completions(ctx: IngestContext) -> list[dict]:
    """The curated research rows, typed and checked."""
    path = ctx.curated / FILE
    frame = read_csv_text(path)
    if frame.columns != COLUMNS:
        raise IngestError(f"{path}: columns {frame.columns} differ from expected {COLUMNS}")
    out, seen = [], set()
    for line, raw in enumerate(frame.iter_rows(named=True), start=2):
        row = {k: (v or "").strip() or None for k, v in raw.items()}
        where = f"{FILE}:{line}: {row['arrangement_id']} review {row['review_no']}"
        out.append(_typed(row, where))
        key = (row["arrangement_id"], row["review_no"])
        if key in seen:
            raise IngestError(f"{where}: listed twice")
        seen.add(key)
    return out


def _typed(row: dict, where: str) -> dict:
    if row["status"] not in vocab.REVIEW_STATUSES:
        raise IngestError(f"{where}: status {row['status']!r} not in {vocab.REVIEW_STATUSES}")
    reason = row["not_completed_reason"]
    if (row["status"] == "not_completed") != (reason is not None):
        raise IngestError(f"{where}: a reason is given exactly when status is not_completed")
    if reason is not None and reason not in vocab.REVIEW_NOT_COMPLETED_REASONS:
        raise IngestError(f"{where}: reason {reason!r} not in the vocabulary")
    if row["confidence"] not in vocab.CONFIDENCE:
        raise IngestError(f"{where}: confidence {row['confidence']!r} not in {vocab.CONFIDENCE}")
    completed_on, precision = None, None
    if row["completed_on"]:
        if row["status"] != "completed":
            raise IngestError(f"{where}: a completion date on a review not completed")
        completed_on, precision = period_end(row["completed_on"])
    if precision != row["date_precision"]:
        raise IngestError(
            f"{where}: completed_on has precision {precision}, row says {row['date_precision']!r}"
        )
    try:
        return row | {
            "review_no": int(row["review_no"]),
            "scheduled_on": dt.date.fromisoformat(row["scheduled_on"])
            if row["scheduled_on"]
            else None,
            "completed_on": completed_on,
            "amount_sdr_m": float(row["amount_sdr_m"]) if row["amount_sdr_m"] else None,
        }
    except ValueError as err:
        raise IngestError(f"{where}: {err}") from err


def revised(current: dict | None, research: dict) -> dict:
    """The review row after research: status and date from research, gaps filled, noted."""
    notes = research["notes"]
    if research["confidence"] != "high":
        notes = (
            f"confidence {research['confidence']} (research); {notes}"
            if notes
            else (f"confidence {research['confidence']} (research)")
        )
    row = dict(current) if current else {
        "arrangement_id": research["arrangement_id"], "review_no": research["review_no"],
        "scheduled_on": None, "completed_on": None, "amount_sdr_m": None, "source_id": None,
        "notes": None,
    }  # fmt: skip
    known = current["completed_on"] if current else None
    if known is not None and research["status"] != "completed":
        raise IngestError(
            f"{FILE}: {research['arrangement_id']} review {research['review_no']}: research says "
            f"{research['status']} but the sources date its completion {known}"
        )
    fills = research["completed_on"] is not None and known is None
    if known is not None and research["completed_on"] not in (None, known):
        notes = with_note(
            notes,
            f"research dates it {research['completed_on']} ({research['source_id']}); "
            f"the sources' {known} kept",
        )
    if fills:
        row["completed_on"] = research["completed_on"]
        row["date_precision"] = research["date_precision"]
    elif research["status"] != "completed":
        row["completed_on"], row["date_precision"] = None, None
    row["status"] = research["status"]
    row["not_completed_reason"] = research["not_completed_reason"]
    row["scheduled_on"] = row["scheduled_on"] or research["scheduled_on"]
    if row["amount_sdr_m"] is None:
        row["amount_sdr_m"] = research["amount_sdr_m"]
    row["source_id"] = with_source(
        row["source_id"], research["source_id"], first=fills or not current
    )
    row["notes"] = with_note(row["notes"], notes) if notes else row["notes"]
    return row


def derive_not_completed(review: dict, arrangement: dict, mona_vintage: dt.date | None) -> None:
    """Mark a MONA review without completion as not completed when its arrangement ended
    before MONA's last record (see the module docstring)."""
    if review["status"] != "unknown" or mona_vintage is None:
        return
    if review["source_id"].split(";")[0] != MONA_SOURCE_ID or arrangement["status"] == "completed":
        return
    end = arrangement["ended_on"] or arrangement["expires_on"]
    if end is None or end >= mona_vintage:
        return
    review["status"] = "not_completed"
    review["not_completed_reason"] = REASON_BY_END.get(arrangement["status"], "arrangement_expired")
    review["notes"] = with_note(review["notes"], DERIVED_NOTE.format(end=end))

"""The three arrangement-lifecycle rules, computed directly on a package's CSV files.

Kept beside the tests until the validator has them (issue #9):

1. overlap: two arrangements of one member and facility family (ECF = PRGF = ESAF, a blend
   belongs to both legs' families; emergency RFI/RCF aside) in force on the same day, unless
   one is recorded as replacing the other (`replaced_by`);
2. end_after_expiry: `ended_on` after `expires_on`;
3. review_outside_life: a review completed before approval or after the end (`ended_on`,
   else `expires_on`). A month-precision completion counts as inside when its month meets
   the life.

An arrangement whose latest extension has no known new end (research found the extension,
not the date) has no known scheduled end: rules 2 and 3 do not test against `expires_on`.
Each violation names the file line of the row at fault (data lines start at 2).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from riskscore.ingest import arrangement_codes as codes

LINE = "line"


DATES = ["approved_on", "expires_on", "ended_on", "completed_on", "event_on", "new_expires_on"]


def _read(directory: Path, name: str) -> pl.DataFrame:
    frame = pl.read_csv(directory / f"{name}.csv", infer_schema=False)
    return frame.with_columns(
        pl.col(c).str.to_date("%Y-%m-%d") for c in DATES if c in frame.columns
    ).with_row_index(LINE, offset=2)


def open_extensions(events: pl.DataFrame) -> set[str]:
    """Arrangements whose latest extension (undated ones last) has no new end."""
    latest = (
        events.filter(pl.col("event") == "extension")
        .sort(pl.col("event_on").is_null(), "event_on")
        .group_by("arrangement_id", maintain_order=True)
        .last()
    )
    return set(latest.filter(pl.col("new_expires_on").is_null())["arrangement_id"])


def violations(directory: Path) -> list[tuple[str, int, str, str]]:
    """(file, line, rule, detail) for every breach of the three rules."""
    arrangements = _read(directory, "imf_arrangements").with_columns(
        pl.coalesce("ended_on", "expires_on").alias("end")
    )
    reviews = _read(directory, "imf_reviews")
    unknown_end = open_extensions(_read(directory, "imf_arrangement_events"))
    out = []
    file = "imf_arrangements.csv"
    late = arrangements.filter(
        (pl.col("ended_on") > pl.col("expires_on"))
        & ~pl.col("arrangement_id").is_in(sorted(unknown_end))
    )
    for row in late.iter_rows(named=True):
        detail = f"{row['arrangement_id']} ended {row['ended_on']} after expiry {row['expires_on']}"
        out.append((file, row[LINE], "end_after_expiry", detail))
    out += _overlaps(arrangements)
    life = reviews.join(
        arrangements.select("arrangement_id", "approved_on", "end"), on="arrangement_id"
    ).filter(pl.col("completed_on").is_not_null())
    for row in life.iter_rows(named=True):
        first, last = row["completed_on"], row["completed_on"]
        if row["date_precision"] == "month":
            first = last.replace(day=1)
        before = last < row["approved_on"]
        after = (
            row["end"] is not None
            and first > row["end"]
            and row["arrangement_id"] not in unknown_end
        )
        if before or after:
            detail = (
                f"{row['arrangement_id']} review {row['review_no']} completed {row['completed_on']}"
                f" ({row['date_precision']}) outside {row['approved_on']}..{row['end']}"
            )
            out.append(("imf_reviews.csv", row[LINE], "review_outside_life", detail))
    return out


def _overlaps(arrangements: pl.DataFrame) -> list[tuple[str, int, str, str]]:
    rows = arrangements.filter(
        (pl.col("instrument_kind") != "emergency") & pl.col("end").is_not_null()
    ).to_dicts()
    by_country: dict[str, list[dict]] = {}
    for row in rows:
        by_country.setdefault(row["iso3"], []).append(row)
    out = []
    for group in by_country.values():
        group.sort(key=lambda r: r["approved_on"])
        for i, a in enumerate(group):
            for b in group[i + 1 :]:  # rows of one member, by approval day
                if b["approved_on"] > a["end"]:
                    continue
                if not codes.families(a["facility"]) & codes.families(b["facility"]):
                    continue
                if (
                    a["replaced_by"] == b["arrangement_id"]
                    or b["replaced_by"] == a["arrangement_id"]
                ):
                    continue
                detail = (
                    f"{a['arrangement_id']} (to {a['end']}) and {b['arrangement_id']} "
                    f"(from {b['approved_on']}) both in force"
                )
                out.append(("imf_arrangements.csv", b[LINE], "overlap", detail))
    return out

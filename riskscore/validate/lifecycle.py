"""One consistent life per IMF arrangement: the three rules across arrangements, their events
and their reviews.

1. No two arrangements of one member and facility family (ECF = PRGF = ESAF; a blend belongs
   to both legs' families; emergency disbursements aside) are in force on the same day unless
   one is recorded as replacing the other (`replaced_by`).
2. An arrangement does not end after its (extended) scheduled end.
3. A review is completed within its arrangement's life: not before approval, not after the end
   (`ended_on`, else `expires_on`); a month-precision completion counts when its month meets it.

An arrangement whose latest extension has no known new end (the research found the extension,
not the date) has no known scheduled end, so rules 2 and 3 cannot test it against one.
Every function returns failures as (ROW, column, rule, value) frames per table.
"""

from __future__ import annotations

import polars as pl

from riskscore import vocab
from riskscore.validate import failures as fl
from riskscore.validate.reader import ROW

ARRANGEMENTS, EVENTS, REVIEWS = "imf_arrangements", "imf_arrangement_events", "imf_reviews"


def _open_extensions(events: pl.DataFrame | None) -> pl.Series:
    """Arrangements whose latest extension (undated ones last) has no new end."""
    if events is None:
        return pl.Series("arrangement_id", [], dtype=pl.String)
    latest = (
        events.filter(pl.col("event") == "extension")
        .sort(pl.col("event_on").is_null(), "event_on", maintain_order=True)
        .group_by("arrangement_id", maintain_order=True)
        .last()
    )
    return latest.filter(pl.col("new_expires_on").is_null())["arrangement_id"]


def failures(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The three rules on parsed tables that carry their ROW column; tables missing (failed to
    parse) leave the rules that need them unjudged."""
    arrangements = tables.get(ARRANGEMENTS)
    if arrangements is None or ROW not in arrangements.columns or EVENTS not in tables:
        return {}
    open_ids = _open_extensions(tables.get(EVENTS)).implode()
    dated = arrangements.lazy().with_columns(
        end=pl.coalesce("ended_on", "expires_on"),
        end_known=~pl.col("arrangement_id").is_in(open_ids),
    )
    queries = {
        ARRANGEMENTS: pl.concat([_late_ends(dated), _overlaps(dated, _families(arrangements))])
    }
    reviews = tables.get(REVIEWS)
    if reviews is not None and ROW in reviews.columns:
        queries[REVIEWS] = _reviews_outside(reviews.lazy(), dated)
    # one collect: polars plans the three rules together and runs them in parallel
    out = dict(zip(queries, pl.collect_all(list(queries.values())), strict=True))
    return {name: frame for name, frame in out.items() if frame.height}


def _families(arrangements: pl.DataFrame) -> pl.DataFrame:
    """facility -> each family it belongs to, for the few dozen codes present (not per row)."""
    codes = arrangements["facility"].drop_nulls().unique().sort().to_list()
    return pl.DataFrame(
        [(code, family) for code in codes for family in sorted(vocab.facility_families(code))],
        schema={"facility": pl.String, "family": pl.String},
        orient="row",
    )


def _late_ends(arrangements: pl.LazyFrame) -> pl.LazyFrame:
    late = arrangements.filter(pl.col("ended_on") > pl.col("expires_on"), pl.col("end_known"))
    return late.select(
        ROW,
        column=pl.lit("ended_on"),
        rule=pl.lit(fl.END_AFTER_EXPIRY.name),
        value=pl.format("{} ended {} after expiry {}", "arrangement_id", "ended_on", "expires_on"),
    )


def _overlaps(arrangements: pl.LazyFrame, families: pl.DataFrame) -> pl.LazyFrame:
    """Pairs of one member and family whose lives meet; the later-approved row is at fault."""
    spans = (
        arrangements.filter(pl.col("instrument_kind") != "emergency", pl.col("end").is_not_null())
        .join(families.lazy(), on="facility")
        .select(ROW, "iso3", "family", "arrangement_id", "approved_on", "end", "replaced_by")
    )
    first = pl.col("approved_on") < pl.col("approved_on_b")
    same_day = (pl.col("approved_on") == pl.col("approved_on_b")) & (
        pl.col("arrangement_id") < pl.col("arrangement_id_b")
    )
    pairs = spans.join(spans, on=["iso3", "family"], suffix="_b").filter(
        first | same_day,
        pl.col("approved_on_b") <= pl.col("end"),
        pl.col("replaced_by").ne_missing(pl.col("arrangement_id_b")),
        pl.col("replaced_by_b").ne_missing(pl.col("arrangement_id")),
    )
    return pairs.unique(["arrangement_id", "arrangement_id_b"], maintain_order=True).select(
        pl.col(f"{ROW}_b").alias(ROW),
        column=pl.lit("approved_on"),
        rule=pl.lit(fl.ARRANGEMENT_OVERLAP.name),
        value=pl.format(
            "{} (from {}) while {} runs to {}",
            "arrangement_id_b",
            "approved_on_b",
            "arrangement_id",
            "end",
        ),
    )


def _reviews_outside(reviews: pl.LazyFrame, arrangements: pl.LazyFrame) -> pl.LazyFrame:
    life = reviews.filter(pl.col("completed_on").is_not_null()).join(
        arrangements.select("arrangement_id", "approved_on", "end", "end_known"),
        on="arrangement_id",
    )
    month = pl.col("date_precision") == "month"
    earliest = (
        pl.when(month)
        .then(pl.col("completed_on").dt.month_start())
        .otherwise(pl.col("completed_on"))
    )
    outside = (pl.col("completed_on") < pl.col("approved_on")) | (
        pl.col("end_known") & pl.col("end").is_not_null() & (earliest > pl.col("end"))
    )
    return life.filter(outside).select(
        ROW,
        column=pl.lit("completed_on"),
        rule=pl.lit(fl.REVIEW_OUTSIDE_LIFE.name),
        value=pl.format(
            "{} review {} on {}, outside {}..{}",
            "arrangement_id",
            "review_no",
            "completed_on",
            "approved_on",
            "end",
        ),
    )

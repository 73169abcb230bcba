"""The IMF's own calendar: when it is next expected to speak to a member.

The IMF reviews a program about twice a year and consults each member about once a year
(Article IV), and it speaks at those moments. For a member on a date, using only what was
known then:

- the next program review is expected REVIEW_CYCLE_DAYS after the latest completed review of
  an arrangement in force (or after its approval when none is completed yet);
- the next Article IV Board meeting is expected ARTICLE_IV_CYCLE_DAYS after the latest one
  (or BOARD_AFTER_MISSION_DAYS after a mission that has ended without a Board meeting yet).

`mission_due_{h}d` is 1 when one of those is expected within the next h days while the member
has live state crypto exposure (a score above 0), else 0. Article IV dates are in the package
only for members with a state-exposure action, which are the only members the signal can
light up.
"""

from __future__ import annotations

import polars as pl

REVIEW_CYCLE_DAYS = 182
ARTICLE_IV_CYCLE_DAYS = 365
BOARD_AFTER_MISSION_DAYS = 60


def _latest_before(units: pl.DataFrame, events: pl.DataFrame, column: str) -> pl.DataFrame:
    """Per unit, the latest `column` day of `events` (iso3, day) on or before as_of."""
    return (
        units.select("iso3", "as_of")
        .unique()
        .sort("iso3", "as_of")
        .join_asof(
            events.select("iso3", pl.col("day").alias(column)).drop_nulls().sort("iso3", column),
            left_on="as_of",
            right_on=column,
            by="iso3",
            strategy="backward",
            check_sortedness=False,
        )
    )


def next_mission(units: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Per unit (iso3, as_of): the expected day of the IMF's next review or Article IV Board."""
    keys = units.select("iso3", "as_of").unique()
    article_iv = tables["imf_article_iv"]
    boards = _latest_before(
        keys,
        article_iv.filter(pl.col("event") == "board_concluded").select("iso3", day="event_on"),
        "last_board",
    )
    missions = _latest_before(
        keys,
        article_iv.filter(pl.col("event") == "mission_concluded").select("iso3", day="event_on"),
        "last_mission",
    )
    arrangements = tables["imf_arrangements"].filter(
        pl.col("instrument_kind").is_in(["lending", "non_lending", "precautionary_line"])
    )
    reviews = tables["imf_reviews"].filter(pl.col("completed_on").is_not_null())
    live = keys.join(
        arrangements.select(
            "iso3", "arrangement_id", "approved_on", end=pl.coalesce("ended_on", "expires_on")
        ),
        on="iso3",
    ).filter(
        pl.col("approved_on") <= pl.col("as_of"),
        pl.col("end").is_null() | (pl.col("end") > pl.col("as_of")),
    )
    done = (
        live.join(reviews.select("arrangement_id", "completed_on"), on="arrangement_id", how="left")
        .filter(pl.col("completed_on").is_null() | (pl.col("completed_on") <= pl.col("as_of")))
        .group_by("iso3", "as_of", "arrangement_id")
        .agg(anchor=pl.max_horizontal(pl.col("approved_on").first(), pl.col("completed_on").max()))
    )
    review_due = done.group_by("iso3", "as_of").agg(
        review_due_on=(pl.col("anchor") + pl.duration(days=REVIEW_CYCLE_DAYS)).min()
    )
    board_due = boards.join(missions, on=["iso3", "as_of"], how="full", coalesce=True).select(
        "iso3",
        "as_of",
        article_iv_due_on=pl.when(
            pl.col("last_mission").is_not_null()
            & (pl.col("last_board").is_null() | (pl.col("last_mission") > pl.col("last_board")))
        )
        .then(pl.col("last_mission") + pl.duration(days=BOARD_AFTER_MISSION_DAYS))
        .otherwise(pl.col("last_board") + pl.duration(days=ARTICLE_IV_CYCLE_DAYS)),
    )
    return keys.join(review_due, on=["iso3", "as_of"], how="left").join(
        board_due, on=["iso3", "as_of"], how="left"
    )


def mission_due(
    units: pl.DataFrame, tables: dict[str, pl.DataFrame], horizons: tuple[int, ...]
) -> pl.DataFrame:
    """`units` (iso3, as_of, score) with mission_due_{h}d for each horizon (0 or 1)."""
    # the signal needs a score above 0, so the calendar is looked up only for those units
    expected = next_mission(units.filter(pl.col("score") > 0), tables)
    frame = units.join(expected, on=["iso3", "as_of"], how="left", maintain_order="left")
    columns = []
    for h in horizons:
        within = pl.lit(False)
        for due in ("review_due_on", "article_iv_due_on"):
            # an overdue mission (expected before as_of) is still to come
            within = within | (
                pl.col(due).is_not_null() & (pl.col(due) <= pl.col("as_of") + pl.duration(days=h))
            )
        columns.append((within & (pl.col("score") > 0)).cast(pl.Float64).alias(f"mission_due_{h}d"))
    return frame.with_columns(columns).drop("review_due_on", "article_iv_due_on")

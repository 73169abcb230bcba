"""What the model is judged against: the IMF's opposing responses, when they came, and which of
them began a new conflict (an onset).

An *opposing* response is one with stance `opposing` addressed to a member (the membership-wide
WLD policy paper is no country's). A unit (a member on a date) is *positive* at horizon h when
an opposing response to that member is dated in (as_of, as_of + h days]; its label is *censored*
(unknown, never negative) when as_of + h passes the day up to which responses are observed. A
unit is an *onset* unit when no opposing response to that member is dated in the 24 months up to
and including as_of: the conflict, if one comes, would be new. An *episode* starts at an onset
response: the first opposing response after 24 months without one.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

HORIZONS_DAYS = (90, 365)
ONSET_MONTHS = 24


def opposing_responses(responses: pl.DataFrame) -> pl.DataFrame:
    """Opposing responses to members: iso3, responded_on, response_id, linked_action_ids."""
    return (
        responses.filter(pl.col("stance") == "opposing", pl.col("iso3") != "WLD")
        .select("iso3", "responded_on", "response_id", "linked_action_ids")
        .sort("iso3", "responded_on", "response_id")
    )


def label(
    units: pl.DataFrame,
    opposing: pl.DataFrame,
    observed_through: dt.date,
    horizons: tuple[int, ...] = HORIZONS_DAYS,
    onset_months: int = ONSET_MONTHS,
) -> pl.DataFrame:
    """Add, for each horizon h: `next_opposing_on` (the first opposing response after as_of),
    `label_{h}d` (null when censored), `censored_{h}d`, and `onset` (no opposing response in the
    `onset_months` up to as_of) and `last_opposing_on`."""
    keys = units.select("iso3", "as_of").unique()
    events = opposing.select("iso3", "responded_on").sort("iso3", "responded_on")
    keys = keys.sort("iso3", "as_of")
    after = keys.join_asof(
        events.rename({"responded_on": "next_opposing_on"}),
        left_on="as_of",
        right_on="next_opposing_on",
        by="iso3",
        strategy="forward",
        allow_exact_matches=False,
        check_sortedness=False,  # sorted by (iso3, date) above: sorted within each group
    )
    before = keys.join_asof(
        events.rename({"responded_on": "last_opposing_on"}),
        left_on="as_of",
        right_on="last_opposing_on",
        by="iso3",
        strategy="backward",
        check_sortedness=False,
    )
    out = units.join(after, on=["iso3", "as_of"], how="left").join(
        before, on=["iso3", "as_of"], how="left"
    )
    columns = []
    for h in horizons:
        censored = pl.col("as_of") + pl.duration(days=h) > pl.lit(observed_through)
        within = pl.col("next_opposing_on").is_not_null() & (
            pl.col("next_opposing_on") <= pl.col("as_of") + pl.duration(days=h)
        )
        columns += [
            censored.alias(f"censored_{h}d"),
            pl.when(censored).then(None).otherwise(within).alias(f"label_{h}d"),
        ]
    onset = pl.col("last_opposing_on").is_null() | (
        pl.col("last_opposing_on") <= pl.col("as_of").dt.offset_by(f"-{onset_months}mo")
    )
    return out.with_columns(*columns, onset=onset)


def episodes(opposing: pl.DataFrame, onset_months: int = ONSET_MONTHS) -> pl.DataFrame:
    """One row per episode: a member's first opposing response after `onset_months` without
    one, with the previous response (if any) and the responses it groups."""
    ordered = opposing.sort("iso3", "responded_on", "response_id").with_columns(
        previous_on=pl.col("responded_on").shift(1).over("iso3")
    )
    starts = pl.col("previous_on").is_null() | (
        pl.col("previous_on") <= pl.col("responded_on").dt.offset_by(f"-{onset_months}mo")
    )
    numbered = ordered.with_columns(number=starts.cum_sum().over("iso3"))
    grouped = numbered.group_by("iso3", "number").agg(
        first_response_on=pl.col("responded_on").first(),
        first_response_id=pl.col("response_id").first(),
        last_response_on=pl.col("responded_on").last(),
        responses=pl.len(),
        previous_response_on=pl.col("previous_on").first(),
        linked_action_ids=pl.col("linked_action_ids").first(),
    )
    return grouped.sort("first_response_on", "iso3").select(
        episode=pl.format("{} {}", "iso3", pl.col("first_response_on").dt.year()),
        iso3="iso3",
        first_response_on="first_response_on",
        first_response_id="first_response_id",
        last_response_on="last_response_on",
        responses="responses",
        previous_response_on="previous_response_on",
        linked_action_ids="linked_action_ids",
    )


def observed_through(responses: pl.DataFrame, coverage: pl.DataFrame | None) -> dt.date:
    """The day up to which the absence of a response means none was made: the responses
    table's `observed_through` in the coverage table, else its latest response."""
    if coverage is not None:
        row = coverage.filter(pl.col("table_name") == "imf_crypto_responses")
        if row.height:
            return row["observed_through"].item()
    return responses["responded_on"].max()

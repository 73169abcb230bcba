"""Synthetic members for scaling benchmarks: the package cloned to N times its members.

Every member's rows (in every table keyed by iso3) are copied under a new, unused three-letter
code, and the ids that embed the code (arrangements, actions, responses and the links between
them) are rewritten with it, so the copies are as valid as the original and score alike. The
clones live in memory only: nothing is written to datasets/.
"""

from __future__ import annotations

import itertools
import string

import polars as pl

# where each id embeds the member's code: ISO-FACILITY-DATE, or ACT-ISO-nnn / RSP-ISO-nn
LEADING_CODE = ("arrangement_id", "replaced_by")
INNER_CODE = ("action_id", "response_id")


def _free_codes(used: set[str]):
    for letters in itertools.product(string.ascii_uppercase, repeat=3):
        code = "".join(letters)
        if code not in used:
            yield code


def _leading(column: str) -> pl.Expr:
    return pl.concat_str([pl.col("new"), pl.col(column).str.slice(3)]).alias(column)


def _inner(ids: pl.Expr, new: pl.Expr | None = None) -> pl.Expr:
    new = pl.col("new") if new is None else new
    return pl.concat_str([ids.str.slice(0, 4), new, ids.str.slice(7)])


def _linked() -> pl.Expr:
    """ACT-ISO-nnn;ACT-ISO-nnn with each code replaced (one code per row: the row's member)."""
    parts = (
        pl.col("linked_action_ids")
        .str.split(";")
        .list.eval(
            pl.concat_str([pl.element().str.slice(0, 4), pl.lit("\x00"), pl.element().str.slice(7)])
        )
    )
    return (
        parts.list.join(";")
        .str.replace_all("\x00", pl.col("new"), literal=True)
        .alias("linked_action_ids")
    )


def clone(tables: dict[str, pl.DataFrame], factor: int) -> dict[str, pl.DataFrame]:
    """The tables with every country present `factor` times (factor 1 returns them as they are)."""
    if factor <= 1:
        return tables
    countries = tables["countries"]
    codes = _free_codes(set(countries["iso3"]))
    mapping = pl.DataFrame(
        [
            {"iso3": iso3, "copy": copy, "new": next(codes)}
            for copy in range(1, factor)
            for iso3 in countries["iso3"]
        ]
    )
    out = {}
    for name, frame in tables.items():
        if "iso3" not in frame.columns:
            out[name] = frame
            continue
        copies = frame.join(mapping, on="iso3")
        ids = [_leading(c) for c in LEADING_CODE if c in frame.columns]
        ids += [_inner(pl.col(c)).alias(c) for c in INNER_CODE if c in frame.columns]
        if "linked_action_ids" in frame.columns:
            ids.append(_linked())
        rewritten = copies.with_columns(ids).with_columns(iso3=pl.col("new")).drop("copy", "new")
        out[name] = pl.concat([frame, rewritten.select(frame.columns)])
    # reviews are keyed by arrangement only: copy them with their arrangement
    reviews = tables.get("imf_reviews")
    if reviews is not None:
        arrangements = tables["imf_arrangements"].select("arrangement_id", "iso3")
        copies = reviews.join(arrangements, on="arrangement_id").join(mapping, on="iso3")
        copies = copies.with_columns(_leading("arrangement_id"))
        out["imf_reviews"] = pl.concat([reviews, copies.select(reviews.columns)])
    return out

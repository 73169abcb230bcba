"""Which rules may a table break? Answered cheaply, so clean tables never pay for the rows.

Every rule has a row-level expression (`Rule.bad`), but evaluating every rule row by row would
cost several times the read. The search for broken rules asks cheaper questions first, all
aggregates that `polars.collect_all` runs with the other tables': missing values, type and
range failures from per-column stats (`Rule.test`); code columns from their distinct values
(`Rule.distinct`, on large tables); the key from an ordering screen (`Rule.screen`). Only
rules flagged here are evaluated row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from riskscore.validate.columns import Rule, Stats

# Below this many rows one query over every rule costs less than a query per distinct column,
# and the rules themselves less than their screens.
DISTINCT_MIN_ROWS = 20_000

# Wide selects of independent expressions gain nothing from common-subexpression elimination,
# and searching for common subexpressions costs more than the queries themselves on small tables.
OPTIMIZATIONS = pl.QueryOptFlags(comm_subexpr_elim=False, comm_subplan_elim=False)

Screen = tuple[pl.Expr, tuple[str, ...]]  # an aggregate "may be broken", and its distinct columns


@dataclass(frozen=True)
class Query:
    """A flag query: which rules (by position) it answers, each by its own column of the
    query's one row, or by a test of the Stats that row also holds."""

    members: list[tuple[int, Callable[[Stats], bool] | None]]
    frame: pl.LazyFrame


def queries(
    work: pl.DataFrame, rules: list[Rule], extra: list[Screen], stats: list[pl.Expr]
) -> list[Query]:
    """The flag queries for `rules` and then the `extra` screens (positions after the rules)
    over a table's working frame; `stats` are its `Stats` aggregates (`hits` adds the nulls)."""
    wide = work.height >= DISTINCT_MIN_ROWS
    tested = [(i, r.test) for i, r in enumerate(rules) if r.test is not None]
    screens = [(i, r.broken(wide), r.distinct) for i, r in enumerate(rules) if r.test is None]
    screens += [(len(rules) + j, expr, cols) for j, (expr, cols) in enumerate(extra)]
    sets = sorted({cols for _, _, cols in screens if cols and wide}, key=len, reverse=True)
    groups: dict[tuple[str, ...], list[tuple[int, pl.Expr]]] = {(): []}
    for i, expr, columns in screens:
        # the distinct values of a wider set hold those of its subsets: one query serves all
        group = next((s for s in sets if set(columns) <= set(s)), ()) if columns else ()
        groups.setdefault(group, []).append((i, expr))
    out = []
    for columns, members in groups.items():
        frame = work.lazy().select(columns).unique() if columns else work.lazy()
        exprs = [expr.alias(str(i)) for i, expr in members]
        answers: list[tuple[int, Callable[[Stats], bool] | None]] = [(i, None) for i, _ in members]
        if not columns and tested:  # the stats ride along with the rules over every row
            exprs, answers = exprs + stats, answers + tested
        if not exprs and answers:  # only null counts asked for: any one-row frame will do
            exprs = [pl.lit(True).alias("-")]
        if exprs:
            out.append(Query(answers, frame.select(exprs)))
    return out


def hits(queries: list[Query], frames: list[pl.DataFrame], work: pl.DataFrame) -> list[bool]:
    """The flags of collected queries, in rule order: True where a rule may be broken."""
    found: dict[int, bool] = {}
    for query, frame in zip(queries, frames, strict=True):
        row = frame.row(0, named=True)
        stats = None
        if any(test for _, test in query.members):
            stats = Stats.of(row, work.null_count().row(0, named=True))
        for i, test in query.members:
            found[i] = test(stats) if test is not None else bool(row[str(i)])
    return [found[i] for i in range(len(found))]

"""The rules a parsed table must meet, as vectorised polars expressions and joins.

Within a table: the compiled column rules (riskscore.validate.columns), the primary key, no
fact dated after today, and the declarative entries of `schemas.RULES` that stay in one table.
Across tables: foreign keys as anti-joins, and `ReferenceDate` entries as a join on the
exploded references. Every function returns failures as a frame of (ROW, column, rule, value);
the caller turns ROWs into editor lines only for tables that have failures.
"""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl

from riskscore.schemas import (
    RULES,
    SCHEDULED_DATES,
    TABLES,
    DateOrder,
    ForeignKey,
    ImpliedValue,
    PlausibleRange,
    ReferenceDate,
    Table,
)
from riskscore.validate import failures as fl
from riskscore.validate.columns import Rule, above, compile_table, typed
from riskscore.validate.reader import ROW

FAILURE_FRAME = {ROW: pl.Int64, "column": pl.String, "rule": pl.String, "value": pl.String}


_NONE = pl.DataFrame(schema=FAILURE_FRAME)


def no_failures() -> pl.DataFrame:
    """An empty failures frame (frames are immutable, so one serves everywhere)."""
    return _NONE


def _text(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).fill_null("")


@functools.cache
def table_rules(table: Table, today: dt.date) -> list[Rule]:
    """Rules over one table's parsed columns: key, dates, and RULES entries for this table."""
    compiled = compile_table(table)
    key = [pl.col(typed(k)) for k in table.primary_key]
    whole_key = key[0] if len(key) == 1 else pl.struct(key)
    rules = [
        Rule(
            ",".join(table.primary_key),
            fl.PRIMARY_KEY.name,
            ~whole_key.is_first_distinct(),
            pl.concat_str([_text(k) for k in key], separator="|"),
            # files are usually sorted by their key: strictly increasing keys cannot repeat,
            # which adjacent comparisons show far faster than hashing every key
            screen=~_strictly_increasing(key),
        )
    ]
    for column, dtype in compiled.dtypes.items():
        if dtype == pl.Date and (table.name, column) not in SCHEDULED_DATES:
            value = pl.col(typed(column))
            test = above(typed(column), today, True)
            rules.append(
                Rule(column, fl.NOT_IN_FUTURE.name, value > today, _text(value), test=test)
            )
    for entry in RULES:
        if entry.table == table.name and not isinstance(entry, ReferenceDate):
            rules.append(_entry_rule(entry))
    return rules


def _strictly_increasing(key: list[pl.Expr]) -> pl.Expr:
    """Each row's key greater than the previous row's, in key order (True on the first row)."""
    greater = None
    for column in reversed(key):
        before = column.shift(1)
        here = column > before
        greater = here if greater is None else here | ((column == before) & greater)
    assert greater is not None
    return greater.fill_null(False) | (pl.int_range(pl.len()) == 0)


def _entry_rule(entry: DateOrder | ImpliedValue | PlausibleRange) -> Rule:
    if isinstance(entry, DateOrder):
        start, end = pl.col(typed(entry.start)), pl.col(typed(entry.end))
        value = pl.format("{} < {}", _text(end), _text(start))
        return Rule(
            entry.end, fl.DATE_ORDER.rule(f"{entry.end}>={entry.start}"), end < start, value
        )
    if isinstance(entry, ImpliedValue):
        key, dependent = pl.col(typed(entry.key)), pl.col(typed(entry.dependent))
        rule = fl.CONSISTENT.rule(f"{entry.dependent}=f({entry.key})")
        value = pl.format("{} (for {})", _text(dependent), _text(key))
        # membership of "key<US>dependent" in the allowed pairs: no hash map built per query
        pairs = [f"{k}\x1f{v}" for k, v in entry.mapping.items()]
        given = pl.concat_str([key, dependent.fill_null("")], separator="\x1f")
        bad = key.is_in(list(entry.mapping)) & ~given.is_in(pairs)
        pair = (typed(entry.key), typed(entry.dependent))
        return Rule(entry.dependent, rule, bad, value, distinct=pair)
    if isinstance(entry, PlausibleRange):
        value, unit = pl.col(typed(entry.column)), pl.col(typed(entry.by))
        # one comparison per unit (a handful) beats looking each row's bounds up
        bad = pl.any_horizontal(
            (unit == name) & ((value < low) | (value > high))
            for name, (low, high) in entry.ranges.items()
        )
        shown_ranges = [(name, f"{low:g}..{high:g}") for name, (low, high) in entry.ranges.items()]
        bounds = pl.when(unit == shown_ranges[0][0]).then(pl.lit(shown_ranges[0][1]))
        for name, text in shown_ranges[1:]:
            bounds = bounds.when(unit == name).then(pl.lit(text))
        shown = pl.format("{} {} (plausible {})", _text(value), _text(unit), bounds)
        return Rule(entry.column, fl.PLAUSIBLE.rule(f"{entry.column}_for_{entry.by}"), bad, shown)
    raise TypeError(f"no check for rule entry {entry!r}")


def evaluate(work: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """Failures of `rules` on `work`: one pass to find the broken rules, then their rows."""
    if not rules or work.is_empty():
        return no_failures()
    broken = work.select(r.bad.any().alias(str(i)) for i, r in enumerate(rules)).row(0)
    parts = [
        work.filter(rule.bad).select(
            ROW,
            column=pl.lit(rule.column),
            rule=pl.lit(rule.rule),
            value=_text(rule.value),
        )
        for rule, hit in zip(rules, broken, strict=True)
        if hit
    ]
    return pl.concat(parts) if parts else no_failures()


def pandera_failures(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Failures of the model's checks that `columns` does not compile, found by pandera itself.

    `frame` holds ROW and the parsed columns under their own names. Only the failure cases of
    uncompiled checks are kept, as rule `check:<pandera name>`.
    """
    import pandera.errors  # only tables with such a check pay for pandera's validation

    compiled_names = {
        "isin",
        "str_matches",
        "in_range",
        "not_nullable",
        "dtype",
        "column_in_schema",
    }
    compiled_names |= {
        "greater_than_or_equal_to",
        "greater_than",
        "less_than_or_equal_to",
        "less_than",
    }
    try:
        table.model.validate(frame.drop(ROW), lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
    else:
        return no_failures()
    rows = frame[ROW]
    out = []
    for case in cases.iter_rows(named=True):
        name = str(case.get("check") or "").split("(")[0].split(":")[0].strip()
        if name in compiled_names:
            continue
        index = case.get("index")
        row = rows[index] if index is not None and 0 <= index < len(rows) else 0
        value = "" if case.get("failure_case") is None else str(case["failure_case"])
        out.append((row, case.get("column") or "", fl.CHECK.rule(name), value))
    return pl.DataFrame(out, schema=FAILURE_FRAME, orient="row")


def referenced_keys(parents: dict[str, pl.DataFrame]) -> dict[tuple[str, str], pl.Series]:
    """Every key column some foreign key points at, as one list value (for `is_in`), from the
    working frames of the tables that parsed."""
    out = {}
    for table in TABLES.values():
        for fk in table.foreign_keys:
            (ref_field,) = fk.reference_fields
            target = (fk.reference_table, ref_field)
            if target not in out and fk.reference_table in parents:
                column = parents[fk.reference_table].get_column(typed(ref_field))
                out[target] = column.drop_nulls().unique().implode()
    return out


def foreign_key_screens(
    table: Table, known: dict[tuple[str, str], pl.Series]
) -> list[tuple[pl.Expr, tuple[str, ...]]]:
    """Per foreign key of `table`, an aggregate over its working frame that is true when some
    reference is unknown (each id of a ';' list counts). False when the referenced table could
    not be parsed, as nothing can be said then. `known` comes from `referenced_keys`."""
    out: list[tuple[pl.Expr, tuple[str, ...]]] = []
    for fk in table.foreign_keys:
        (field,), (ref_field,) = fk.fields, fk.reference_fields
        keys = known.get((fk.reference_table, ref_field))
        if keys is None:
            out.append((pl.lit(False), ()))
            continue
        values = pl.col(typed(field)).drop_nulls()
        if fk.many:  # on large tables this runs over the distinct lists only
            values = values.str.split(";").explode()
        out.append(((~values.is_in(keys)).any(), (typed(field),)))
    return out


def foreign_key_failures(
    frames: dict[str, pl.DataFrame],
    targets: dict[str, pl.DataFrame],
    suspects: dict[str, list[ForeignKey]],
    unsure: set[tuple[str, str]] = frozenset(),
) -> dict[str, pl.DataFrame]:
    """The rows whose references do not resolve, for the `suspects` the screens flagged:
    iso3 -> countries, source_id -> sources (one failure per unknown id of a ';' list).
    References into a table missing from `targets` (unparsed, or incomplete), or into a
    (table, column) that is `unsure` (has failures of its own), are not judged."""
    out: dict[str, list[pl.DataFrame]] = {}
    for name, keys in suspects.items():
        frame = frames.get(name)
        for fk in keys:
            (field,), (ref_field,) = fk.fields, fk.reference_fields
            target = targets.get(fk.reference_table)
            if frame is None or target is None or (fk.reference_table, ref_field) in unsure:
                continue
            refs = frame.select(ROW, pl.col(field).alias("value")).drop_nulls("value")
            if fk.many:
                refs = refs.with_columns(pl.col("value").str.split(";")).explode("value")
            known = target.select(pl.col(ref_field).alias("value"))
            missing = refs.join(known, on="value", how="anti", maintain_order="left")
            if missing.height:
                out.setdefault(name, []).append(
                    missing.select(
                        ROW,
                        column=pl.lit(field),
                        rule=pl.lit(fl.FOREIGN_KEY.rule(f"{fk.reference_table}.{ref_field}")),
                        value=_text(pl.col("value")),
                    )
                )
    return {name: pl.concat(parts) for name, parts in out.items()}


def reference_date_failures(
    frames: dict[str, pl.DataFrame], targets: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """`ReferenceDate` entries: no row links a row of another table dated after it (rows of
    tables missing from `targets` are not judged)."""
    out: dict[str, list[pl.DataFrame]] = {}
    for entry in RULES:
        if not isinstance(entry, ReferenceDate):
            continue
        frame, target = frames.get(entry.table), targets.get(entry.reference_table)
        if frame is None or target is None:
            continue
        links = (
            frame.select(ROW, entry.date, ref=pl.col(entry.field).str.split(";"))
            .drop_nulls()
            .explode("ref")
        )
        dated = target.select(ref=pl.col(entry.reference_field), ref_on=entry.reference_date)
        late = links.join(dated.drop_nulls().unique("ref"), on="ref", maintain_order="left")
        late = late.filter(pl.col("ref_on") > pl.col(entry.date))
        if late.height:
            rule = fl.REFERENCE_DATE.rule(
                f"{entry.reference_table}.{entry.reference_date}<={entry.date}"
            )
            out.setdefault(entry.table, []).append(
                late.select(
                    ROW,
                    column=pl.lit(entry.field),
                    rule=pl.lit(rule),
                    value=pl.format("{} dated {}", pl.col("ref"), _text(pl.col("ref_on"))),
                )
            )
    return {name: pl.concat(parts) for name, parts in out.items()}

"""The pandera models' column rules, compiled once into polars expressions.

The models in `riskscore.schema_models` stay the definition (types, nullability and checks);
running pandera's own validation per file cost most of `riskscore validate`'s time, so the
built-in checks the models use are translated here into vectorised expressions over the text
cells. They are read from the Table Schema fields generated from the models into
`riskscore.schema_columns` (a test keeps the two equal), so validating imports no pandera. A
table with a check this module does not know is compiled from its model instead, and pandera
runs that check (`Compiled.pandera`), so a new model never silently loses a rule.

A working frame holds, per column `c`, the stripped text in `c` (null when empty) and the
parsed value in `typed(c)`. Every rule is a `Rule`: the column it names, the rule text, an
expression true on the bad rows and an expression giving the value to print.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from riskscore import schema_columns
from riskscore.schemas import Table
from riskscore.validate import failures as fl

try:  # Python's own regex parser, to tell which patterns can only match printable text
    import re._parser as re_parser
except ImportError:  # pragma: no cover - before Python 3.11
    import sre_parse as re_parser

TYPED = "\x00typed:"  # prefix of the parsed columns; no CSV header can collide with it

DATE = r"^\d{4}-\d{2}-\d{2}$"  # polars' own date parser would accept 2025-1-1 and +2025-01-01
BOOLEANS = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
# C0 and C1 controls except tab, LF and CR (multi-line notes are fine), DEL, and the bidi
# overrides/isolates that can make a terminal or a report show text in a misleading order.
CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\x{202A}-\x{202E}\x{2066}-\x{2069}]"

TYPE_NAMES = {
    pl.Int64: "integer",
    pl.Float64: "number",
    pl.Boolean: "boolean",
    pl.Date: "date",
    pl.String: "string",
}


def typed(column: str) -> str:
    """The working-frame name of a column's parsed values."""
    return TYPED + column


@dataclass(frozen=True)
class Stats:
    """Per working column its count of nulls (from the frame's metadata); per parsed number or
    date its least and greatest value. Missing values, type failures and range checks are
    answered from these, so the search for broken rules needs two aggregates per ranged column
    rather than one expression per rule."""

    nulls: dict[str, int]
    low: dict[str, object]
    high: dict[str, object]

    @staticmethod
    def expressions(columns: list[str]) -> list[pl.Expr]:
        """The least and greatest of each of `columns`, as `Stats.of` reads them."""
        return [
            *[pl.col(c).min().alias(f"l{c}") for c in columns],
            *[pl.col(c).max().alias(f"h{c}") for c in columns],
        ]

    @staticmethod
    def of(row: dict[str, object], nulls: dict[str, int]) -> Stats:
        part = {kind: {k[1:]: v for k, v in row.items() if k[0] == kind} for kind in "lh"}
        return Stats(nulls, part["l"], part["h"])


def _more_nulls(column: str, than: str | None) -> Callable[[Stats], bool]:
    """More nulls in `column` than in `than` (a value that did not parse), or any at all."""
    return lambda stats: stats.nulls[column] > (stats.nulls[than] if than else 0)


def below(column: str, bound: object, inclusive: bool) -> Callable[[Stats], bool]:
    """Some value under `bound` (or at it, if not `inclusive`)?"""

    def test(stats: Stats) -> bool:
        low = stats.low.get(column)
        return low is not None and (low < bound if inclusive else low <= bound)

    return test


def above(column: str, bound: object, inclusive: bool) -> Callable[[Stats], bool]:
    """Some value over `bound` (or at it, if not `inclusive`)?"""

    def test(stats: Stats) -> bool:
        high = stats.high.get(column)
        return high is not None and (high > bound if inclusive else high >= bound)

    return test


COMPARISONS = {  # pandera check -> (symbol, statistic, polars comparison that is bad, its test)
    "greater_than_or_equal_to": (">=", "min_value", lambda e, v: e < v, (below, True)),
    "greater_than": (">", "min_value", lambda e, v: e <= v, (below, False)),
    "less_than_or_equal_to": ("<=", "max_value", lambda e, v: e > v, (above, True)),
    "less_than": ("<", "max_value", lambda e, v: e >= v, (above, False)),
}


@dataclass(frozen=True)
class Rule:
    """A rule over the rows of one table: bad rows, and the value to print for each.

    `screen`, when given, is a cheaper test that is true somewhere whenever `bad` is (it may be
    true without a failure); the search for broken rules uses it, and `bad` decides the rows.
    `distinct` names the working columns `bad` reads when it judges each row by those values
    alone: the search then looks at their distinct values only (a code column of 100,000 rows
    holds a few hundred).
    """

    column: str
    rule: str
    bad: pl.Expr
    value: pl.Expr
    screen: pl.Expr | None = None
    distinct: tuple[str, ...] = ()
    test: Callable[[Stats], bool] | None = None  # answers "may be broken" from column stats

    def broken(self, large: bool = True) -> pl.Expr:
        """True when some row may break the rule (the search for broken rules); the screen
        pays only on `large` tables."""
        return (self.bad if self.screen is None or not large else self.screen).any()


@dataclass(frozen=True)
class Compiled:
    """A table's columns (name -> polars type), their parsing and rules, and whether some check
    needs pandera itself."""

    dtypes: dict[str, pl.DataType]
    parse: list[pl.Expr]
    rules: list[Rule]
    free_text: list[str]  # text columns no vocabulary or strict pattern constrains
    pandera: bool
    stats: list[pl.Expr]  # Stats.expressions of the parsed numbers and dates


def _text(column: str) -> pl.Expr:
    return pl.col(column)


def _parse(column: str, dtype) -> pl.Expr:
    """Text -> value, null where the text is empty or does not parse."""
    text = _text(column)
    if dtype == pl.String:
        value = text
    elif dtype == pl.Int64:
        # polars takes [+-]digits only (no spaces, 1e3, 5.0 or 1_000) and nulls an overflow
        value = text.cast(pl.Int64, strict=False)
    elif dtype == pl.Float64:
        # polars takes decimal and exponent forms, and nan/inf, which are refused here
        number = text.cast(pl.Float64, strict=False)
        value = pl.when(number.is_finite()).then(number)
    elif dtype == pl.Boolean:  # comparisons of short strings beat a hash lookup per row
        truth = [t for t, v in BOOLEANS.items() if v]
        falsity = [t for t, v in BOOLEANS.items() if not v]
        value = pl.when(text.is_in(truth)).then(True).when(text.is_in(falsity)).then(False)
    elif dtype == pl.Date:
        value = pl.when(text.str.contains(DATE)).then(text.str.to_date("%Y-%m-%d", strict=False))
    else:
        raise TypeError(f"{column}: no parser for {dtype}")
    return value.alias(typed(column))


def _shown(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _check_rule(column: str, check, dtype) -> Rule | None:
    """A pandera built-in check as a Rule, or None if it is not one compiled here."""
    value = pl.col(typed(column))
    shown = value.cast(pl.String)
    stats = check.statistics or {}
    codes = (typed(column),) if dtype == pl.String else ()  # text columns with checks hold codes
    if check.name == "isin":
        allowed = list(stats["allowed_values"])
        return Rule(column, fl.VOCABULARY.name, ~value.is_in(allowed), shown, distinct=codes)
    if check.name == "str_matches":
        pattern = stats["pattern"]
        pattern = pattern if pattern.startswith("^") else "^" + pattern
        bad = ~value.str.contains(pattern)
        return Rule(column, fl.PATTERN.name, bad, shown, distinct=codes)
    if check.name in COMPARISONS:
        symbol, stat, bad, (side, inclusive) = COMPARISONS[check.name]
        bound = stats[stat]
        rule = fl.RANGE.rule(f"{symbol}{_shown(bound)}")
        test = side(typed(column), bound, inclusive)
        return Rule(column, rule, bad(value, bound), shown, test=test)
    if check.name == "in_range":
        low, high = stats["min_value"], stats["max_value"]
        bad = (value < low) | (value > high)
        under, over = below(typed(column), low, True), above(typed(column), high, True)
        rule = fl.RANGE.rule(f"{_shown(low)}..{_shown(high)}")
        return Rule(column, rule, bad, shown, test=lambda s: under(s) or over(s))
    return None


def strict_text(checks: list) -> bool:
    """Whether a text column's checks refuse every value with a control character or with
    whitespace at either end: a vocabulary of such values, or a pattern built only of printable
    non-space literals and ranges and digit classes. Other text columns are free text: they are
    always stripped and scanned for control characters; a strict column reports a padded or
    garbled value as `vocabulary`/`pattern`, which costs nothing extra on clean files."""
    for check in checks:
        if check.name == "isin":
            values = check.statistics["allowed_values"]
            if all(isinstance(v, str) and v == v.strip() and v.isprintable() for v in values):
                return True
        if check.name == "str_matches" and _printable_pattern(check.statistics["pattern"]):
            return True
    return False


def _printable_pattern(pattern: str) -> bool:
    try:
        parsed = re_parser.parse(pattern)
    except Exception:  # an unusual pattern: scan for control characters to be safe
        return False
    return _printable_items(parsed)


def _printable_items(items) -> bool:
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            if not 0x20 < arg < 0x7F:
                return False
        elif name == "IN":
            if not _printable_items(arg):
                return False
        elif name == "RANGE":
            if not (arg[0] > 0x20 and arg[1] < 0x7F):
                return False
        elif name == "CATEGORY":
            if str(arg) != "CATEGORY_DIGIT":
                return False
        elif name in {"MAX_REPEAT", "MIN_REPEAT"}:
            if not _printable_items(arg[2]):
                return False
        elif name == "SUBPATTERN":
            if not _printable_items(arg[3]):
                return False
        elif name == "BRANCH":
            if not all(_printable_items(branch) for branch in arg[1]):
                return False
        elif name != "AT":  # anchors match no character
            return False
    return True


@dataclass(frozen=True)
class Parsing:
    """How a table's cells become values: what parsing needs, without pandera's rules."""

    dtypes: dict[str, pl.DataType]
    parse: list[pl.Expr]
    free_text: list[str]  # text columns no vocabulary or strict pattern constrains


@functools.cache
def parsing(table: Table) -> Parsing:
    """Types and parse expressions of `table`, from the generated column list: parsing a package
    a stamp vouches for never imports pandera (`compile_table` checks the two agree)."""
    types = {name: dtype for dtype, name in TYPE_NAMES.items()}
    columns = table.column_list
    dtypes = {c.name: types[c.type] for c in columns}
    parse = [_parse(name, dtype) for name, dtype in dtypes.items()]
    return Parsing(dtypes, parse, [c.name for c in columns if c.free_text])


class _Check(NamedTuple):
    """A column check as the compiler reads it: pandera's name and statistics."""

    name: str
    statistics: dict


class _Column(NamedTuple):
    dtype: type[pl.DataType]
    nullable: bool
    checks: list
    unique: bool = False


# the pandera checks compiled here from the generated fields -> the Table Schema constraint
# that carries each (riskscore/schema_columns.py) and the statistic holding its value
CHECK_CONSTRAINTS = {
    "isin": ("enum", "allowed_values"),
    "str_matches": ("pattern", "pattern"),
    "greater_than_or_equal_to": ("minimum", "min_value"),
    "greater_than": ("exclusiveMinimum", "min_value"),
    "less_than_or_equal_to": ("maximum", "max_value"),
    "less_than": ("exclusiveMaximum", "max_value"),
}
_CHECK_OF = {constraint: (check, stat) for check, (constraint, stat) in CHECK_CONSTRAINTS.items()}


def _generated_columns(fields: tuple[dict, ...]) -> dict[str, _Column]:
    """The columns as riskscore/schema_columns.py records them (generated from the models)."""
    types = {name: dtype for dtype, name in TYPE_NAMES.items()}
    columns = {}
    for field in fields:
        dtype = types[field["type"]]
        constraints = field.get("constraints", {})
        checks = []
        for key, value in constraints.items():
            if key == "required":
                continue
            name, stat = _CHECK_OF[key]
            if key == "pattern":
                value = f"^{value}$"
            elif dtype == pl.Date and stat in ("min_value", "max_value"):
                value = dt.date.fromisoformat(value)
            checks.append(_Check(name, {stat: value}))
        columns[field["name"]] = _Column(dtype, not constraints.get("required", False), checks)
    return columns


def _columns(table: Table) -> tuple[dict[str, _Column], bool]:
    """A table's columns, and whether a table-wide check needs pandera. From the generated
    fields when they carry every rule (no pandera import), else from the model itself."""
    fields = schema_columns.FIELDS.get(table.name)
    if fields is not None and table.name not in schema_columns.UNCOMPILED:
        return _generated_columns(fields), False
    schema = table.model.to_schema()
    columns = {
        name: _Column(c.dtype.type, c.nullable, list(c.checks), bool(c.unique))
        for name, c in schema.columns.items()
    }
    return columns, bool(schema.checks)


@functools.cache
def compile_table(table: Table) -> Compiled:
    """Parse expressions and cell rules for `table` (built once)."""
    columns, pandera = _columns(table)
    dtypes: dict[str, pl.DataType] = {}
    parse, rules, free_text = [], [], []
    for name, column in columns.items():
        dtype = column.dtype
        dtypes[name] = dtype
        parse.append(_parse(name, dtype))
        text, value = _text(name), pl.col(typed(name))
        if dtype != pl.String:  # text is its own value: it cannot fail to parse
            type_rule = fl.TYPE.rule(TYPE_NAMES[dtype])
            bad = text.is_not_null() & value.is_null()
            test = _more_nulls(typed(name), name)
            rules.append(Rule(name, type_rule, bad, text, test=test))
        if not column.nullable:
            test = _more_nulls(name, None)
            rules.append(Rule(name, fl.REQUIRED.name, text.is_null(), pl.lit(""), test=test))
        if dtype == pl.String and not strict_text(column.checks):
            free_text.append(name)
            bad = text.str.contains(CONTROL)
            rules.append(Rule(name, fl.CONTROL_CHARACTER.name, bad, text))
        for check in column.checks:
            rule = _check_rule(name, check, dtype)
            if rule is None:
                pandera = True
            else:
                rules.append(rule)
        pandera = pandera or column.unique
    plain = parsing(table)
    if (plain.dtypes, plain.free_text) != (dtypes, free_text):
        raise RuntimeError(
            f"riskscore/schema_columns.py disagrees with the {table.model_name} model: "
            "run `make docs`"
        )
    ranged = [typed(c) for c, t in dtypes.items() if t in (pl.Int64, pl.Float64, pl.Date)]
    return Compiled(dtypes, parse, rules, free_text, pandera, Stats.expressions(ranged))


def text_columns(columns: list[str]) -> list[pl.Expr]:
    """Cells as the rules see them: stripped of surrounding whitespace, empty -> null."""
    stripped = [pl.col(c).str.strip_chars() for c in columns]
    return [pl.when(s != "").then(s).alias(c) for s, c in zip(stripped, columns, strict=True)]

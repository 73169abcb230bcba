"""One package table: its file's bytes -> typed frame, with every failure of its own rules.

Generic over `schemas.TABLES`: the header, the types and the rules all come from the table's
model and the declarative entries, so a new table needs nothing here. The work is split so
the package can run every table's queries together (`run_plans`, one `polars.collect_all` per
round): `open_table` splits the file and checks its header; `TablePlan.work` parses it;
`TablePlan.flag_queries` ask which rules may be broken; `TablePlan.finish` finds the failing
rows of those and returns a `TableResult`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from riskscore import settings
from riskscore.schemas import ForeignKey, Table
from riskscore.validate import checks, screens
from riskscore.validate import failures as fl
from riskscore.validate.columns import compile_table, parsing, text_columns, typed
from riskscore.validate.failures import Failure
from riskscore.validate.files import InputError, read_input, text_body
from riskscore.validate.reader import ROW, Split, cell_column, split_csv


@dataclass
class TableResult:
    """A parsed table (ROW + typed columns; None if it could not be read), its failures (whole
    file and header as Failures, rows as a frame of ROWs), and ROW -> editor line."""

    frame: pl.DataFrame | None
    failures: list[Failure] = field(default_factory=list)
    row_failures: pl.DataFrame = field(default_factory=checks.no_failures)
    lines: Callable[[pl.Series], pl.Series] | None = None
    rows_read: int = 0
    suspect_keys: list[ForeignKey] = field(default_factory=list)  # foreign keys to look into
    stripped: bool = False  # whether every cell had to be stripped (see TablePlan)

    @property
    def complete(self) -> bool:
        """Whether every record of the file made it into the frame. A table that lost rows to
        a ragged line or a syntax error is not used to judge references to it: the rows that
        point at the lost ones would all fail, burying the one failure that matters."""
        return self.frame is not None and not any(f.line > 1 for f in self.failures)


def read_bytes(directory: Path, table: Table) -> tuple[bytes, list[Failure]]:
    """The table file's bytes (b"" when it cannot be read) and why it could not."""
    try:
        return read_input(directory / table.file, settings.MAX_TABLE_BYTES, root=directory), []
    except InputError as err:
        return b"", [Failure(table.file, err.line, "", err.rule, err.value)]


def _header_failures(header: list[str], table: Table) -> list[Failure]:
    file, expected = table.file, table.columns
    if not set(header) & set(expected):
        return [Failure(file, 1, "", fl.UNKNOWN_HEADER.name, ",".join(header))]
    out, seen = [], set()
    for name in header:
        if name in seen:
            out.append(Failure(file, 1, name, fl.DUPLICATE_COLUMN.name, name))
        seen.add(name)
        if name not in expected:
            out.append(Failure(file, 1, name, fl.EXTRA_COLUMN.name, name))
    out += [Failure(file, 1, c, fl.MISSING_COLUMN.name, c) for c in expected if c not in seen]
    return out


@dataclass
class TablePlan:
    """A table whose file split and whose header is usable: the queries that parse and check it.

    Cells are stripped of surrounding whitespace (and "" becomes empty) before any rule sees
    them. Stripping every cell of a large table costs as much as reading it, so a first pass
    strips only free text: a padded or quoted-empty cell anywhere else breaks a rule (a number,
    date, vocabulary or pattern never starts or ends with a space), and a table with a broken
    rule is parsed again with every cell stripped. Clean tables, the common case, pass once.
    """

    table: Table
    body: bytes
    split: Split
    failures: list[Failure]
    today: dt.date
    check: bool
    strip_all: bool = False

    def __post_init__(self) -> None:
        self.strip_all = self.strip_all or self.split.exact

    def work(self) -> pl.LazyFrame:
        """ROW, each column's stripped text under its name, and its parsed value (`typed`)."""
        compiled = parsing(self.table)
        position = {name: i for i, name in enumerate(self.split.header)}
        strip = list(compiled.dtypes) if self.strip_all else compiled.free_text
        return (
            self.split.records()
            .select(ROW, *[pl.col(cell_column(position[c])).alias(c) for c in compiled.dtypes])
            .with_columns(text_columns(strip))
            .with_columns(compiled.parse)
        )

    def rules(self) -> list[checks.Rule]:
        return compile_table(self.table).rules + checks.table_rules(self.table, self.today)

    def flag_queries(
        self, work: pl.DataFrame, known: dict[tuple[str, str], pl.Series]
    ) -> list[screens.Query]:
        """Queries telling, for each rule and then each foreign key, whether some row may
        break it (see riskscore.validate.screens)."""
        keys = checks.foreign_key_screens(self.table, known)
        return screens.queries(work, self.rules(), keys, compile_table(self.table).stats)

    def flags(self, work: pl.DataFrame, known: dict[tuple[str, str], pl.Series]) -> list[bool]:
        """The flags of `flag_queries`, collected here (for a table run on its own)."""
        queries = self.flag_queries(work, known)
        frames = pl.collect_all([q.frame for q in queries], optimizations=screens.OPTIMIZATIONS)
        return screens.hits(queries, frames, work)

    def again(self) -> TablePlan:
        """This plan with every cell stripped."""
        return TablePlan(
            self.table, self.body, self.split, self.failures, self.today, self.check, True
        )

    def finish(
        self, work: pl.DataFrame, hits: list[bool] | None, recheck_keys: bool = False
    ) -> TableResult:
        """The typed frame, and the failing rows of the rules the flags say may be broken."""
        in_table = len(self.rules()) if self.check else 0
        if self.check and not self.strip_all and hits is not None and any(hits[:in_table]):
            # a rule may have tripped on a padded cell: parse again with every cell stripped,
            # and look into every foreign key (the screens saw unstripped values)
            plan = self.again()
            work = plan.work().collect()
            return plan.finish(work, plan.flags(work, {}), recheck_keys=True)
        names = list(parsing(self.table).dtypes)
        # built from the columns themselves: a query per table would cost more than the copy-free
        # regrouping it does
        frame = pl.DataFrame(
            [work.get_column(ROW), *(work.get_column(typed(c)).alias(c) for c in names)]
        )
        row_failures, suspects = checks.no_failures(), []
        if hits is not None:
            rules = self.rules()
            row_failures = checks.evaluate(
                work, [r for r, h in zip(rules, hits, strict=False) if h]
            )
            keys = zip(self.table.foreign_keys, hits[len(rules) :], strict=True)
            suspects = [k for k, h in keys if h or recheck_keys]
            if compile_table(self.table).pandera:
                found = checks.pandera_failures(self.table, frame)
                row_failures = pl.concat([row_failures, found])
        stripped = self.strip_all and not self.split.exact
        return TableResult(
            frame, self.failures, row_failures, self.split.lines, frame.height, suspects, stripped
        )


def open_table(
    raw: bytes,
    table: Table,
    today: dt.date,
    check: bool = True,
    exact: bool = False,
    strip: bool = False,
) -> TablePlan | TableResult:
    """Split a table file's bytes and check its header: a plan to run, or the result already
    (a file that is not UTF-8 text, or whose header leaves columns unattributable). Never raises
    for bad content. Without `check` (bytes a stamp vouches for) only parsing is planned, and
    `strip` says whether the stamp saw cells that needed stripping."""
    try:
        body = text_body(raw)
    except InputError as err:
        return TableResult(None, [Failure(table.file, err.line, "", err.rule, err.value)])
    failures: list[Failure] = []
    usable: list[bool] = []

    def header_ok(header: list[str]) -> bool:
        failures.extend(_header_failures(header, table))
        # extra columns are reported but harmless; missing or doubled ones make cells ambiguous
        usable.append(set(table.columns) <= set(header) and len(set(header)) == len(header))
        return usable[-1]

    split = split_csv(body, table.file, header_ok, exact=exact)
    failures += split.failures
    if not (usable and usable[-1]):
        return TableResult(None, failures)
    return TablePlan(table, body, split, failures, today, check, strip)


def run_plans(plans: dict[str, TablePlan | TableResult]) -> dict[str, TableResult]:
    """Every plan's queries, each round in one collect_all (polars runs the tables in parallel)."""
    ready = {n: p for n, p in plans.items() if isinstance(p, TablePlan)}
    results = {n: p for n, p in plans.items() if isinstance(p, TableResult)}
    works = pl.collect_all([p.work() for p in ready.values()], optimizations=screens.OPTIMIZATIONS)
    works = dict(zip(ready, works, strict=True))
    parents = {n: w for n, w in works.items() if not ready[n].split.failures}  # see `complete`
    known = checks.referenced_keys(parents)
    queries = {n: p.flag_queries(works[n], known) for n, p in ready.items() if p.check}
    frames = [q.frame for qs in queries.values() for q in qs]
    collected = iter(pl.collect_all(frames, optimizations=screens.OPTIMIZATIONS))
    flags = {
        n: screens.hits(qs, [next(collected) for _ in qs], works[n]) for n, qs in queries.items()
    }
    for name, plan in ready.items():
        results[name] = plan.finish(works[name], flags.get(name))
    return {name: results[name] for name in plans}

"""Run one analyst query on out/riskscore.duckdb inside limits the engine itself enforces.

The connection is opened read-only with external access off, extension autoload/autoinstall off,
no spilling to disk, a memory cap, and the configuration locked, so no statement can read or
write a file other than the database, reach the network, install or load an extension, or change
a setting back. DuckDB's own parser splits the text: exactly one statement, and it must be a query
(SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE). Results stream from the engine a
batch at a time; nothing here loads a whole result into memory.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from riskscore import lock, settings

MEMORY_LIMIT = "2GB"
TIMEOUT_SECONDS = 300.0
BATCH_ROWS = 10_000

# Applied when the connection opens; lock_configuration keeps every one of them for its life.
LOCKDOWN: dict[str, object] = {
    "enable_external_access": False,  # no files but the database, no network, ATTACH, COPY
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "temp_directory": "",  # a query that outgrows memory fails instead of spilling to disk
    "memory_limit": MEMORY_LIMIT,
    "lock_configuration": True,
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
QUERY_KINDS = "SELECT, WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW or SUMMARIZE"


class QueryError(Exception):
    """A query that cannot run or failed; the message is one line."""


def one_line(err: BaseException) -> str:
    """The first line of an engine error (DuckDB adds caret lines and hints below it), safe to
    print: it may quote the query."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return printable(lines[0]) if lines else type(err).__name__


def printable(text: str) -> str:
    """`text` with control and bidirectional-override characters shown as escapes (\\n, \\x1b)."""

    def escape(match: re.Match) -> str:
        char = match.group()
        named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
        if char in named:
            return named[char]
        return f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}"

    return _CONTROL.sub(escape, text)


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    """A read-only, locked-down connection to `database` (see LOCKDOWN)."""
    if not database.is_file():
        raise QueryError(f"{database} not found; run `riskscore build` first")
    try:
        return duckdb.connect(str(database), read_only=True, config=LOCKDOWN)
    except duckdb.Error as err:
        if lock.database_in_use(err):  # another process writes it: the CLI's lock message
            raise
        raise QueryError(f"{database}: {one_line(err)}") from None


def single_query(sql: str) -> str:
    """The text of the one query statement in `sql`, as DuckDB's parser splits it."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as err:
        raise QueryError(one_line(err)) from None
    if not statements:
        raise QueryError("no SQL statement given")
    if len(statements) > 1:
        raise QueryError(f"one statement at a time: this text holds {len(statements)}")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        kind = statement.type.name.replace("_", " ")
        raise QueryError(f"only a read-only query runs here ({QUERY_KINDS}), not {kind}")
    return statement.query


@dataclass
class Query:
    """One query bound on a locked connection: its column names and types, streamed rows."""

    con: duckdb.DuckDBPyConnection
    relation: duckdb.DuckDBPyRelation
    params: dict = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return list(self.relation.columns)

    @property
    def types(self) -> list[str]:
        return [str(t) for t in self.relation.types]

    def stream(self, expressions: list[str], limit: int | None = None) -> Iterator[tuple]:
        """Rows of the query projected through `expressions` (one per column; `#n` is the n-th
        column), fetched from the engine BATCH_ROWS at a time."""
        projected = self.relation.project(", ".join(expressions))
        if limit is not None:
            projected = projected.limit(limit)
        result = self._run(projected.sql_query())
        while batch := result.fetchmany(BATCH_ROWS):
            yield from batch

    def text_rows(self, limit: int | None = None) -> Iterator[tuple[str | None, ...]]:
        """Rows with every value as DuckDB prints it (any type; NULL stays None)."""
        yield from self.stream([f"cast(#{i} as varchar)" for i in self._positions()], limit)

    def json_rows(self, limit: int | None = None) -> Iterator[str]:
        """Each row as one JSON object (DuckDB's to_json; NaN and infinities become null)."""
        names = _unique(self.columns)
        members = []
        for i, name, kind in zip(self._positions(), names, self.types, strict=True):
            value = f"#{i}"
            if kind in ("DOUBLE", "FLOAT"):
                value = f"case when isfinite(#{i}) then #{i} end"
            members.append(f"{_identifier(name)} := {value}")
        for (text,) in self.stream([f"to_json(struct_pack({', '.join(members)}))"], limit):
            yield text

    def arrow_batches(self):
        """The rows as a pyarrow RecordBatchReader (for writing Parquet)."""
        try:
            return self.relation.to_arrow_reader(BATCH_ROWS * 10)
        except duckdb.Error as err:
            raise QueryError(one_line(err)) from None

    def count(self) -> int:
        """How many rows the query returns (the engine counts; no row is fetched)."""
        return self._run(self.relation.aggregate("count(*)").sql_query()).fetchall()[0][0]

    def _positions(self) -> range:
        return range(1, len(self.columns) + 1)

    def _run(self, sql: str):
        try:
            return self.con.execute(sql, self.params or None)
        except duckdb.Error as err:
            raise QueryError(one_line(err)) from None


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _unique(names: list[str]) -> list[str]:
    """Column names made unique (select 1 as a, 2 as a -> a, a_2) for JSON object keys."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return unique


@contextmanager
def run(
    database: Path, sql: str, params: dict | None = None, timeout: float | None = TIMEOUT_SECONDS
) -> Iterator[Query]:
    """Bind one query on a locked connection; the engine is interrupted after `timeout` s."""
    text = single_query(sql)
    con = connect(database)
    timer = threading.Timer(timeout, con.interrupt) if timeout else None
    try:
        if timer:
            timer.start()
        try:
            relation = con.sql(text, params=params) if params else con.sql(text)
        except duckdb.Error as err:
            raise QueryError(one_line(err)) from None
        yield Query(con, relation, params or {})
    except QueryError as err:
        if timer and not timer.is_alive() and "interrupt" in str(err).lower():
            raise QueryError(f"stopped after {timeout:g} s (--timeout)") from None
        raise
    finally:
        if timer:
            timer.cancel()
        con.close()


def catalog_sql(name: str) -> str:
    """One of the schema queries in sql/catalog/."""
    return (settings.sql_dir() / "catalog" / f"{name}.sql").read_text(encoding="utf-8")


def check_target(out: Path, target: Path) -> None:
    """Refuse to write a result over the database, an output of the pipeline in `out`, or a file
    of the data package."""
    from riskscore import output_docs, outputs

    resolved = target.resolve()
    protected = {(out / "riskscore.duckdb").resolve(), (out / "datapackage.json").resolve()}
    protected |= {(out / name).resolve() for name in output_docs.OTHER_FILES}
    for table in outputs.registry().values():
        if table.file:
            protected |= {p.resolve() for p in out.glob(table.file)}
            protected.add((out / table.file).resolve())
    if resolved in protected or settings.DATASETS_DIR.resolve() in resolved.parents:
        raise QueryError(f"{target} is one of riskscore's own files; choose another --output")

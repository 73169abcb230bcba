"""DuckDB: load the validated tables and config, then run the layered SQL models in sql/.

Each .sql file is one model (a single SELECT, dbt style) named after the file. The tables a
model reads are found by DuckDB's own parser (`json_serialize_sql`), so comma joins, quoted
names, subqueries and comments are read as the engine reads them; the models then run in
dependency order, each materialised once and dropped as soon as no later model needs it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import duckdb
import polars as pl

from riskscore import settings

LAYERS = ("staging", "features")
# DuckDB 1.1's file format: every release from 1.1 on opens it, and unlike the newer formats it
# carries no random identifier, so the same tables always give the same file bytes
STORAGE_VERSION = "v1.1.0"
MACROS_FILE = "macros.sql"


class SqlModelError(Exception):
    """A SQL model that cannot be parsed, reads an unknown table, or takes part in a cycle."""


@dataclass(frozen=True)
class SqlModel:
    name: str
    layer: str
    path: Path
    sql: str
    depends_on: frozenset[str]


_PARSER_LOCK = threading.Lock()
PREBUILT = "prebuilt"  # run_models: a model `build_layer` already made for every connection
INLINE = "inline"  # run_models: a model read by one other, inlined in its reader's statement


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@cache  # the models are parsed when ordered and again when run: the same text, the same tree
def references(sql: str) -> frozenset[str]:
    """The tables and views a single SELECT reads, CTEs in scope excluded (lower case)."""
    with _PARSER_LOCK:  # one parser connection, shared by the batches' threads
        row = _parser().execute("select json_serialize_sql(?)", [sql]).fetchone()
    tree = json.loads(row[0])
    if tree.get("error"):
        raise SqlModelError(tree.get("error_message", "cannot parse"))
    if len(tree["statements"]) != 1:
        raise SqlModelError(f"holds {len(tree['statements'])} statements, not one SELECT")
    found: set[str] = set()
    _walk(tree["statements"][0]["node"], frozenset(), found)
    return frozenset(found)


def _walk(node: object, visible: frozenset[str], found: set[str]) -> None:
    """Collect table references; a CTE is visible to the CTEs after it and to its query (a
    non-recursive CTE named like a table it reads, `x as (select * from x)`, reads the table)."""
    if isinstance(node, list):
        for item in node:
            _walk(item, visible, found)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "BASE_TABLE" and "table_name" in node:
        name = node["table_name"].lower()
        if name not in visible:
            found.add(name)
        return
    ctes = node.get("cte_map", {}).get("map", []) if isinstance(node.get("cte_map"), dict) else []
    scope = visible
    for cte in ctes:
        _walk(cte["value"], scope, found)
        scope = scope | {cte["key"].lower()}
    for key, value in node.items():
        if key != "cte_map":
            _walk(value, scope, found)


def order_models(models: dict[str, tuple[str, Path, str]]) -> tuple[SqlModel, ...]:
    """SqlModels in an order where each runs after the models it reads.

    `models` maps name -> (layer, path, sql); raises SqlModelError naming the file that cannot
    be parsed, or the models of a cycle."""
    graph: dict[str, set[str]] = {}
    for name, (_layer, path, sql) in models.items():
        try:
            reads = references(sql)
        except SqlModelError as err:
            raise SqlModelError(f"{path}: {err}") from None
        graph[name] = {ref for ref in reads if ref in models and ref != name}
        if name in reads:
            raise SqlModelError(f"{path}: model {name} reads itself")
    try:
        order = tuple(TopologicalSorter(graph).static_order())
    except CycleError as err:
        cycle = " -> ".join(err.args[1])
        raise SqlModelError(f"SQL models form a cycle: {cycle}") from None
    return tuple(
        SqlModel(n, models[n][0], models[n][1], models[n][2], frozenset(graph[n])) for n in order
    )


@cache
def sql_models(sql_dir: Path | None = None) -> tuple[SqlModel, ...]:
    """Every model under sql/, in an order where each runs after the models it reads."""
    root = sql_dir or settings.sql_dir()
    found: dict[str, tuple[str, Path, str]] = {}
    for layer in LAYERS:
        for path in sorted((root / layer).glob("*.sql")):
            name = path.stem.lower()
            if name in found:
                raise SqlModelError(f"two SQL models are named {name}")
            found[name] = (layer, path, path.read_text(encoding="utf-8"))
    return order_models(found)


def connect(
    path: Path | None = None,
    threads: int | None = None,
    read_only: bool = False,
    memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory database, or a file database at `path`.

    `threads=1` makes floating-point sums run in one fixed order, so repeated runs on the
    same inputs give bit-identical results.
    """
    config: dict[str, object] = {"threads": threads} if threads else {}
    if memory_limit:  # DuckDB keeps freed buffers up to its limit: a small one returns them
        config["memory_limit"] = memory_limit
    return duckdb.connect(str(path) if path else ":memory:", read_only=read_only, config=config)


class _ArrowStream:
    """A frame as an Arrow C stream: DuckDB scans it through the Arrow PyCapsule interface,
    where a polars frame itself would be converted through pyarrow (about 0.1 s to import)."""

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.frame.__arrow_c_stream__(requested_schema)


def load_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> None:
    """Create (or replace) one table per frame."""
    for name, frame in frames.items():
        con.register("_frame", _ArrowStream(frame))
        con.execute(f'create or replace table "{name}" as select * from _frame')
        con.unregister("_frame")


@dataclass(frozen=True)
class Partial:
    """On `dates`, score only `members` (every other date: every member)."""

    dates: frozenset[dt.date]
    members: frozenset[str]


def bind_as_of_dates(
    con: duckdb.DuckDBPyConnection,
    dates: Iterable[dt.date],
    lineage: bool = True,
    partial: Partial | None = None,
) -> None:
    """Bind the as-of dates the models read through getvariable('as_of_dates'), whether
    they build lineage lists (getvariable('with_lineage'), see the lineage macro), and the
    dates scored for some members only (partial_dates, partial_members: see country_dates)."""
    dates = sorted(set(dates))
    con.execute("set variable as_of_dates = $dates", {"dates": dates})
    con.execute("set variable with_lineage = $lineage", {"lineage": lineage})
    partial_dates = sorted(partial.dates & set(dates)) if partial else []
    members = sorted(partial.members) if partial else []
    con.execute("set variable partial_dates = $dates::date[]", {"dates": partial_dates})
    con.execute("set variable partial_members = $members::varchar[]", {"members": members})


def create_macros(con: duckdb.DuckDBPyConnection, sql_dir: Path | None = None) -> None:
    """Create the scalar macros of sql/macros.sql that the models call."""
    path = (sql_dir or settings.sql_dir()) / MACROS_FILE
    if path.exists():
        con.execute(path.read_text(encoding="utf-8"))


def build_layer(
    con: duckdb.DuckDBPyConnection, layer: str, sql_dir: Path | None = None
) -> frozenset[str]:
    """Create every model of one layer (e.g. staging, which reads only the package and the
    config) as a table of the database rather than of this connection, so that every batch's
    connection reads it instead of building its own copy; returns their names, for
    `run_models(prebuilt=...)`."""
    create_macros(con, sql_dir)
    built = []
    for model in sql_models(sql_dir):
        if model.layer != layer:
            continue
        outside = sorted(d for d in model.depends_on if d not in built)
        if outside:
            raise SqlModelError(f"{model.path}: reads {', '.join(outside)} of a later layer")
        try:
            con.execute(f'create or replace table "{model.name}" as\n{model.sql}')
        except duckdb.Error as err:
            raise SqlModelError(f"{model.path}: {err}") from err
        built.append(model.name)
    return frozenset(built)


def save_tables(con: duckdb.DuckDBPyConnection, names: Iterable[str], path: Path) -> None:
    """Copy tables of `con` into a new DuckDB file at `path`, which appears whole or not at
    all (written beside it, then renamed over it)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    # the same tables give the same bytes (FSST samples at random): like the hand-off database
    before = con.execute("select current_setting('disabled_compression_methods')").fetchone()[0]
    con.execute("set disabled_compression_methods = 'fsst'")
    try:
        con.execute(f"attach '{sql_literal(tmp)}' as saved (storage_version '{STORAGE_VERSION}')")
        try:
            con.execute("begin transaction")
            for name in sorted(names):
                con.execute(f'create table saved."{name}" as select * from "{name}"')
            con.execute("commit")
            con.execute("checkpoint saved")
        finally:
            con.execute("detach saved")
        os.replace(tmp, path)
    finally:
        con.execute(f"set disabled_compression_methods = '{sql_literal(before)}'")
        tmp.unlink(missing_ok=True)


def load_tables(con: duckdb.DuckDBPyConnection, path: Path, names: Iterable[str]) -> bool:
    """Copy exactly the tables `names` from the DuckDB file at `path` (a regular file, never
    a link) into `con`; False, with nothing copied, when it does not hold exactly those."""
    wanted = sorted(names)
    if path.is_symlink() or not path.is_file():
        return False
    try:
        con.execute(f"attach '{sql_literal(path)}' as saved (read_only)")
    except duckdb.Error:
        return False
    copied: list[str] = []
    try:
        held = con.execute(
            "select table_name from duckdb_tables() where database_name = 'saved'"
        ).fetchall()
        if sorted(row[0] for row in held) != wanted:
            return False
        for name in wanted:
            con.execute(f'create table "{name}" as select * from saved."{name}"')
            copied.append(name)
        return True
    except duckdb.Error:  # a damaged file: what was copied goes, the caller builds anew
        for name in copied:
            con.execute(f'drop table "{name}"')
        return False
    finally:
        con.execute("detach saved")


def drop_older_caches(cached: Path, prefix: str) -> None:
    """Remove the other `prefix`*.duckdb caches beside `cached`: out/ keeps one of each kind,
    the one for the current data, config and code."""
    for old in cached.parent.glob(f"{prefix}*.duckdb"):
        if old != cached:
            old.unlink(missing_ok=True)


def sql_literal(value: object) -> str:
    """A SQL string literal's body (DDL such as ATTACH or COMMENT takes no bound parameters)."""
    return str(value).replace("'", "''")


def read_only_by(layer: str, sql_dir: Path | None = None) -> frozenset[str]:
    """What only models of `layer` read: input tables, and models of that layer that no model
    of another layer reads. Once that layer is built, nothing needs them."""
    models = sql_models(sql_dir)
    names = {m.name for m in models}
    own = {m.name for m in models if m.layer == layer}
    inputs: dict[bool, set[str]] = {True: set(), False: set()}
    for model in models:
        inputs[model.layer == layer] |= {r for r in _reads(model) if r not in names or r in own}
    return frozenset(inputs[True] - inputs[False])


def run_models(
    con: duckdb.DuckDBPyConnection,
    keep: Iterable[str] | None = None,
    sql_dir: Path | None = None,
    prebuilt: Iterable[str] = (),
    read_once: Iterable[str] = (),
) -> None:
    """Create the SQL models in dependency order, as temporary tables and views of this
    connection (so parallel connections to one database never collide). With `keep`, only
    the models those need run:
    a model read by exactly one other is inlined where it is read, as a CTE of its reader's
    statement (the engine can skip its unused columns, and it is bound once, not also as a view
    of its own), the others are materialised once and dropped as soon as the last model
    reading them has run (memory stays bounded by what is live). A kept model that the caller
    reads in one query and no model reads (`read_once`) is a view: that query computes it,
    with only the columns it selects; what it reads stays until the connection closes."""
    create_macros(con, sql_dir)
    models = sql_models(sql_dir)
    by_name = {m.name: m for m in models}
    existing = {
        row[0].lower()
        for row in con.execute(
            "select table_name from duckdb_tables() union select view_name from duckdb_views()"
        ).fetchall()
    }
    done = set(prebuilt)  # already built: their inputs may be gone
    for model in models:
        if model.name in done:
            continue
        unknown = sorted(r for r in _reads(model) if r not in by_name and r not in existing)
        if unknown:
            raise SqlModelError(f"{model.path}: reads unknown table {', '.join(unknown)}")
    kept = set(by_name) if keep is None else set(keep)
    wanted = _upstream(by_name, kept)
    readers = {m.name: 0 for m in models}
    for model in models:
        if model.name in wanted:
            for dep in model.depends_on:
                readers[dep] += 1
    kind = {
        name: INLINE if keep is not None and readers[name] == 1 and name not in kept else "table"
        for name in wanted
    }
    kind.update({name: "view" for name in read_once if name in kept and readers[name] == 0})
    kind.update(dict.fromkeys(set(prebuilt) & wanted, PREBUILT))  # read, never made or dropped
    for model in models:
        if model.name not in wanted or kind[model.name] in (PREBUILT, INLINE):
            continue
        sql = _with_inlined(model, kind, by_name)
        try:
            con.execute(f'create or replace temp {kind[model.name]} "{model.name}" as\n{sql}')
        except duckdb.Error as err:
            raise SqlModelError(f"{model.path}: {err}") from err
        if keep is None or kind[model.name] == "view":
            continue
        _release(con, model, readers, kind, kept, by_name)


def _with_inlined(model: SqlModel, kind: dict[str, str], by_name: dict[str, SqlModel]) -> str:
    """The model's statement with the inlined models it reads (and those they read) as CTEs
    named after them, each before its readers."""

    def inline(name: str) -> bool:
        return kind.get(name) == INLINE

    inlined = _upstream(by_name, set(filter(inline, model.depends_on)), through=inline)
    if not inlined:
        return model.sql
    # by_name follows the models' dependency order
    ctes = ",\n".join(f'"{n}" as (\n{by_name[n].sql}\n)' for n in by_name if n in inlined)
    # each statement on lines of its own: a model may end in a comment
    return f"with {ctes}\nselect * from (\n{model.sql}\n)"


def _release(con, model: SqlModel, readers: dict, kind: dict, kept: set, by_name: dict) -> None:
    """After `model` was materialised, drop what no later model reads (through the models
    inlined in it too)."""
    for dep in model.depends_on:
        readers[dep] -= 1
        if readers[dep] == 0 and dep not in kept and kind[dep] != PREBUILT:
            if kind[dep] == INLINE:  # its inputs were read through it: release them too
                _release(con, by_name[dep], readers, kind, kept, by_name)
            else:
                con.execute(f'drop {kind[dep]} "{dep}"')


@cache
def _reads(model: SqlModel) -> frozenset[str]:
    return references(model.sql)


def _upstream(
    models: dict[str, SqlModel], names: set[str], through: Callable[[str], bool] | None = None
) -> set[str]:
    """`names` and every model they read, directly or through others (with `through`, only
    through the models it accepts)."""
    missing = names - models.keys()
    if missing:
        raise SqlModelError(f"no SQL model named {', '.join(sorted(missing))}")
    out, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo.extend(d for d in models[name].depends_on if through is None or through(d))
    return out


def table(con: duckdb.DuckDBPyConnection, name: str, order_by: str | None = None) -> pl.DataFrame:
    """A whole table as a polars frame."""
    query = f'select * from "{name}"' + (f" order by {order_by}" if order_by else "")
    return frame_of(con.sql(query))


def frame_of(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """A query's rows as a polars frame, through the Arrow C stream (`.pl()` goes through
    pyarrow, whose import alone takes about 0.1 s)."""
    return pl.DataFrame(relation)

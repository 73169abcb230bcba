"""DuckDB: load the validated tables and config, then run the layered SQL models in sql/.

Each .sql file is one model (a single SELECT, dbt style) named after the file. The tables a
model reads are found by DuckDB's own parser (`json_serialize_sql`), so comma joins, quoted
names, subqueries and comments are read as the engine reads them; the models then run in
dependency order, each materialised once and dropped as soon as no later model needs it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import duckdb
import polars as pl

from riskscore import settings

LAYERS = ("staging", "features")


class SqlModelError(Exception):
    """A SQL model that cannot be parsed, reads an unknown table, or takes part in a cycle."""


@dataclass(frozen=True)
class SqlModel:
    name: str
    layer: str
    path: Path
    sql: str
    depends_on: frozenset[str]


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def references(sql: str) -> frozenset[str]:
    """The tables and views a single SELECT reads, CTEs in scope excluded (lower case)."""
    tree = json.loads(_parser().execute("select json_serialize_sql(?)", [sql]).fetchone()[0])
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
    path: Path | None = None, threads: int | None = None, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """An in-memory database, or a file database at `path`.

    `threads=1` makes floating-point sums run in one fixed order, so repeated runs on the
    same inputs give bit-identical results.
    """
    config = {"threads": threads} if threads else {}
    return duckdb.connect(str(path) if path else ":memory:", read_only=read_only, config=config)


def load_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> None:
    """Create (or replace) one table per frame."""
    for name, frame in frames.items():
        con.register("_frame", frame)
        con.execute(f'create or replace table "{name}" as select * from _frame')
        con.unregister("_frame")


def bind_as_of_dates(con: duckdb.DuckDBPyConnection, dates: Iterable[dt.date]) -> None:
    """Bind the as-of dates the models read through getvariable('as_of_dates')."""
    con.execute("set variable as_of_dates = $dates", {"dates": sorted(set(dates))})


def run_models(
    con: duckdb.DuckDBPyConnection,
    keep: Iterable[str] | None = None,
    sql_dir: Path | None = None,
) -> None:
    """Materialise the SQL models in dependency order. With `keep`, only the models those need
    run, and every other model is dropped once the last model reading it has run (memory stays
    bounded by what is live, not by everything ever computed)."""
    models = sql_models(sql_dir)
    existing = {
        row[0].lower() for row in con.execute("select table_name from duckdb_tables()").fetchall()
    }
    existing |= {
        row[0].lower() for row in con.execute("select view_name from duckdb_views()").fetchall()
    }
    by_name = {m.name: m for m in models}
    for model in models:
        unknown = sorted(r for r in _reads(model) if r not in by_name and r not in existing)
        if unknown:
            raise SqlModelError(f"{model.path}: reads unknown table {', '.join(unknown)}")
    wanted = set(by_name) if keep is None else _upstream(by_name, set(keep))
    readers = {m.name: 0 for m in models}
    for model in models:
        if model.name in wanted:
            for dep in model.depends_on:
                readers[dep] += 1
    for model in models:
        if model.name not in wanted:
            continue
        try:
            con.execute(f'create or replace table "{model.name}" as\n{model.sql}')
        except duckdb.Error as err:
            raise SqlModelError(f"{model.path}: {err}") from err
        if keep is None:
            continue
        for dep in model.depends_on:
            readers[dep] -= 1
            if readers[dep] == 0 and dep not in keep:
                con.execute(f'drop table "{dep}"')


@cache
def _reads(model: SqlModel) -> frozenset[str]:
    return references(model.sql)


def _upstream(models: dict[str, SqlModel], names: set[str]) -> set[str]:
    missing = names - models.keys()
    if missing:
        raise SqlModelError(f"no SQL model named {', '.join(sorted(missing))}")
    out, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo.extend(models[name].depends_on)
    return out


def table(con: duckdb.DuckDBPyConnection, name: str, order_by: str | None = None) -> pl.DataFrame:
    """A whole table as a polars frame."""
    query = f'select * from "{name}"' + (f" order by {order_by}" if order_by else "")
    return con.sql(query).pl()

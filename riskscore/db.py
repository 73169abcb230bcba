"""DuckDB: load the validated tables and config, then run the layered SQL models in sql/.

Each .sql file is one model (a single SELECT, dbt style) materialised as a table named after
the file. Models run in dependency order, found from the names they select from.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import polars as pl

from riskscore import settings

LAYERS = ("staging", "features")
_REFERENCE = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)


@dataclass(frozen=True)
class SqlModel:
    name: str
    layer: str
    path: Path
    sql: str
    depends_on: frozenset[str]


@cache
def sql_models(sql_dir: Path | None = None) -> tuple[SqlModel, ...]:
    """Every model under sql/, in an order where each runs after the models it reads."""
    root = sql_dir or settings.sql_dir()
    found: dict[str, tuple[str, Path, str]] = {}
    for layer in LAYERS:
        for path in sorted((root / layer).glob("*.sql")):
            if path.stem in found:
                raise ValueError(f"two SQL models are named {path.stem}")
            found[path.stem] = (layer, path, path.read_text(encoding="utf-8"))
    graph = {}
    for name, (_layer, _path, sql) in found.items():
        code = re.sub(r"--[^\n]*", "", sql)  # names in comments are not dependencies
        graph[name] = {ref for ref in _REFERENCE.findall(code) if ref in found and ref != name}
    order = TopologicalSorter(graph).static_order()
    return tuple(
        SqlModel(n, found[n][0], found[n][1], found[n][2], frozenset(graph[n])) for n in order
    )


def connect(
    path: Path | None = None, threads: int | None = None, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """An in-memory database, or a file database at `path`.

    `threads=1` makes floating-point sums run in one fixed order, so repeated runs on the
    same inputs give bit-identical scores (the model tables are small; speed is unaffected).
    """
    config = {"threads": threads} if threads else {}
    return duckdb.connect(str(path) if path else ":memory:", read_only=read_only, config=config)


def load_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> None:
    """Create (or replace) one table per frame."""
    for name, frame in frames.items():
        con.register("_frame", frame)
        con.execute(f'create or replace table "{name}" as select * from _frame')
        con.unregister("_frame")


def bind_as_of_dates(con: duckdb.DuckDBPyConnection, dates: list[dt.date]) -> None:
    """Bind the as-of dates the models read through getvariable('as_of_dates')."""
    con.execute("set variable as_of_dates = $dates", {"dates": sorted(set(dates))})


def run_models(con: duckdb.DuckDBPyConnection, sql_dir: Path | None = None) -> None:
    """Materialise every SQL model as a table, in dependency order."""
    for model in sql_models(sql_dir):
        try:
            con.execute(f'create or replace table "{model.name}" as\n{model.sql}')
        except duckdb.Error as err:
            raise RuntimeError(f"{model.path}: {err}") from err


def table(con: duckdb.DuckDBPyConnection, name: str, order_by: str | None = None) -> pl.DataFrame:
    """A whole table as a polars frame."""
    query = f'select * from "{name}"' + (f" order by {order_by}" if order_by else "")
    return con.sql(query).pl()

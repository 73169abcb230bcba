"""The SQL runner reads each model's dependencies with DuckDB's parser and runs them in order."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from riskscore import db


def write_models(root: Path, models: dict[str, str]) -> Path:
    for name, sql in models.items():
        layer, stem = name.split("/")
        (root / layer).mkdir(parents=True, exist_ok=True)
        (root / layer / f"{stem}.sql").write_text(sql, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select * from a, b where a.id = b.id", {"a", "b"}),  # comma join
        ('select * from "Quoted Table" join c using (id)', {"quoted table", "c"}),
        ("select * from a /* from hidden */ -- join ghost\n", {"a"}),  # comments
        ("select * from a where id in (select id from b)", {"a", "b"}),  # subquery
        ("with x as (select * from a) select * from x", {"a"}),  # a CTE is not a table
        ("with a as (select * from a) select * from a", {"a"}),  # import CTE named like it
        ("with x as (select 1), y as (select * from x, z) select * from y", {"z"}),
        ("select * from a union all by name select * from b", {"a", "b"}),
        ("select (select max(v) from c) as m from a", {"a", "c"}),
    ],
)
def test_references_are_read_by_the_parser(sql: str, expected: set[str]) -> None:
    assert db.references(sql) == expected


def test_unparsable_and_multi_statement_models_are_errors() -> None:
    with pytest.raises(db.SqlModelError):
        db.references("select * from")
    with pytest.raises(db.SqlModelError, match="2 statements"):
        db.references("select 1; select 2")


def test_models_run_in_dependency_order_and_intermediates_are_dropped(tmp_path: Path) -> None:
    root = write_models(
        tmp_path,
        {
            "features/c": "select a.v + b.v as v from a_, b as b, a as a",  # comma join
            "staging/a": 'select v from "raw"',
            "features/b": "with a as (select * from a) select v * 2 as v from a",
            "features/a_": "select 1 as one",
        },
    )
    models = db.order_models(
        {p.stem: (p.parent.name, p, p.read_text()) for p in root.rglob("*.sql")}
    )
    order = [m.name for m in models]
    assert order.index("a") < order.index("b") < order.index("c")
    con = duckdb.connect()
    con.execute('create table "raw" as select 5 as v')
    db.run_models(con, keep=["c"], sql_dir=root)
    assert con.execute("select v from c").fetchall() == [(15,)]
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert tables == {"raw", "c"}  # a, b and a_ were dropped after their last reader ran


def test_a_model_read_by_one_other_is_inlined_in_it_not_a_view_of_its_own(
    tmp_path: Path,
) -> None:
    root = write_models(
        tmp_path,
        {
            "staging/a": 'select v from "raw"',
            "features/b": "with a as (select * from a) select v + 1 as v from a",
            "features/c": "select v * 2 as v from b -- a trailing comment",
        },
    )
    con = duckdb.connect()
    con.execute('create table "raw" as select 5 as v')
    db.run_models(con, keep=["c"], sql_dir=root, read_once=["c"])
    views = {r[0] for r in con.execute("select view_name from duckdb_views()").fetchall()}
    assert "c" in views and "b" not in views  # b is a CTE of c's statement
    assert con.execute("select v from c").fetchall() == [(12,)]


def test_a_model_read_once_by_the_caller_is_a_view_over_inputs_kept_for_it(
    tmp_path: Path,
) -> None:
    root = write_models(
        tmp_path,
        {
            "staging/a": 'select v, [v] as ids from "raw"',
            "features/b": "select v + 1 as v, ids from a",  # read by c and by the caller
            "features/c": "select v * 2 as v, ids from b",  # read by the caller only
        },
    )
    con = duckdb.connect()
    con.execute('create table "raw" as select 5 as v')
    db.run_models(con, keep=["b", "c"], sql_dir=root, read_once=["b", "c"])
    views = {r[0] for r in con.execute("select view_name from duckdb_views()").fetchall()}
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert "c" in views and "b" in tables  # b feeds c: computed once, not per reader
    assert con.execute("select v from c").fetchall() == [(12,)]  # its inputs are still there


def test_a_cycle_names_its_models(tmp_path: Path) -> None:
    root = write_models(
        tmp_path,
        {
            "features/x": "select * from y",
            "features/y": "select * from z",
            "features/z": "select * from x",
        },
    )
    with pytest.raises(db.SqlModelError, match="cycle") as raised:
        db.order_models({p.stem: (p.parent.name, p, p.read_text()) for p in root.rglob("*.sql")})
    assert {"x", "y", "z"} <= set(str(raised.value).split(": ")[1].split(" -> "))


def test_an_unknown_table_names_the_model_file(tmp_path: Path) -> None:
    root = write_models(tmp_path, {"features/m": "select * from nowhere_table"})
    with pytest.raises(db.SqlModelError, match=r"m\.sql: reads unknown table nowhere_table"):
        db.run_models(duckdb.connect(), sql_dir=root)


def test_a_failing_model_names_its_file(tmp_path: Path) -> None:
    root = write_models(tmp_path, {"features/bad": "select 1 / 'x' as v"})
    with pytest.raises(db.SqlModelError, match=r"bad\.sql"):
        db.run_models(duckdb.connect(), sql_dir=root)


def test_the_shipped_models_form_a_graph_rooted_in_the_package_tables() -> None:
    models = db.sql_models()
    names = {m.name for m in models}
    assert "factors__raw" in names and "country_dates" in names
    seen: set[str] = set()
    for model in models:
        assert model.depends_on <= seen, model.name  # every dependency ran before
        seen.add(model.name)


def test_a_layer_built_once_is_read_by_every_connection_and_frees_its_inputs(
    tmp_path: Path,
) -> None:
    root = write_models(
        tmp_path,
        {
            "staging/r": 'select v from "raw"',
            "staging/s": "select v * 10 as v from r",
            "features/f": "select v + 1 as v from s",
            "features/g": "select v from f where v > (select min(v) from cfg)",
        },
    )
    con = duckdb.connect()
    con.execute("create table raw as select * from range(3) as t(v)")
    con.execute("create table cfg as select 0 as v")
    built = db.build_layer(con, "staging", root)
    assert built == {"r", "s"} and db.read_only_by("staging", root) == {"raw", "r"}
    con.execute("drop table raw")  # only staging read them
    con.execute("drop table r")
    results = []
    for _ in range(2):  # two batch connections, each with its own temporary models
        cursor = con.cursor()
        db.run_models(cursor, keep=["g"], sql_dir=root, prebuilt=built)
        results.append(sorted(v for (v,) in cursor.execute("select v from g").fetchall()))
        temporary = cursor.execute("select table_name from duckdb_tables() where temporary")
        assert "s" not in {t for (t,) in temporary.fetchall()}
        cursor.close()
    assert results == [[1, 11, 21], [1, 11, 21]]
    assert con.execute("select count(*) from s").fetchone() == (3,)  # never dropped


def test_a_layer_reading_a_later_layer_is_refused(tmp_path: Path) -> None:
    root = write_models(tmp_path, {"staging/s": "select * from f", "features/f": "select 1 as v"})
    with pytest.raises(db.SqlModelError, match="later layer"):
        db.build_layer(duckdb.connect(), "staging", root)

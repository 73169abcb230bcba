"""out/riskscore.duckdb is a hand-off: older DuckDB opens it, it survives moving out/, every table
and column is described, bands sort in band order, and `contents` lists what is inside."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from riskscore import database, model, outputs
from riskscore.cli import app

OLD_DUCKDB = "1.1.3"  # the oldest release the file promises to open in
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "riskscore-tests"
runner = CliRunner()


@pytest.fixture(scope="module")
def old_duckdb() -> Path:
    """A folder holding the duckdb 1.1 wheel's module (installed once, then cached)."""
    target = CACHE / f"duckdb-{OLD_DUCKDB}"
    if not (target / "duckdb").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                   "--target", str(target), f"duckdb=={OLD_DUCKDB}"]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            pytest.skip(f"PyPI did not answer within 300 s: duckdb {OLD_DUCKDB} not installed")
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
            pytest.skip(f"could not install duckdb {OLD_DUCKDB} from PyPI: {reason}")
    return target


OLD_READER = """
import json, sys
import duckdb
assert duckdb.__version__ == sys.argv[2], duckdb.__version__
con = duckdb.connect(sys.argv[1], read_only=True)
names = [r[0] for r in con.execute(
    "select table_name from duckdb_tables() union all "
    "select view_name from duckdb_views() where not internal").fetchall()]
counts = {n: con.execute(f'select count(*) from (select * from "{n}")').fetchall()[0][0]
          for n in names}
print(json.dumps(counts))
"""


def test_a_moved_copy_opens_in_duckdb_1_1_and_every_table_answers(
    handoff_out: Path, old_duckdb: Path, tmp_path: Path
) -> None:
    moved = tmp_path / "elsewhere" / "handed-off"
    shutil.copytree(handoff_out, moved)
    env = {**os.environ, "PYTHONPATH": str(old_duckdb)}
    done = subprocess.run(
        [sys.executable, "-c", OLD_READER, str(moved / "riskscore.duckdb"), OLD_DUCKDB],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    con = duckdb.connect(str(handoff_out / "riskscore.duckdb"), read_only=True)
    contents = dict(con.execute("select name, rows from contents").fetchall())
    con.close()
    assert counts == contents
    produced = {t.name for t in outputs.registry().values() if t.file and any(moved.glob(t.file))}
    assert len(produced) >= 10
    assert produced <= set(counts), "an output is missing from the database"


def test_every_table_and_column_has_a_comment(handoff_out: Path) -> None:
    con = duckdb.connect(str(handoff_out / "riskscore.duckdb"), read_only=True)
    tables = con.execute("select table_name from duckdb_tables() where comment is null").fetchall()
    columns = con.execute(
        "select table_name || '.' || column_name from duckdb_columns() "
        "where not internal and comment is null"
    ).fetchall()
    described = con.execute("select count(*) from duckdb_columns() where not internal").fetchall()
    views = con.execute("select view_name from duckdb_views() where not internal").fetchall()
    con.close()
    assert tables == [] and columns == [] and described[0][0] > 250
    assert views == []  # outputs are tables copied in: nothing points at a path


def test_bands_sort_in_band_order_not_alphabetically(handoff_out: Path) -> None:
    con = duckdb.connect(str(handoff_out / "riskscore.duckdb"), read_only=True)
    order = [r[0] for r in con.execute("select unnest(enum_range(null::band))").fetchall()]
    typed = con.execute(
        "select distinct data_type from duckdb_columns() join contents on table_name = name "
        "where kind = 'output' and column_name like 'band%'"
    ).fetchall()
    ranked = con.execute(
        "select band from (select distinct band from history) order by band"
    ).fetchall()
    con.close()
    assert order == outputs.band_order()
    assert [t[0] for t in typed] == [f"ENUM({', '.join(repr(b) for b in order)})"]
    assert [r[0] for r in ranked] == [b for b in order if (b,) in ranked]
    assert sorted(order) != order  # the test would prove nothing if both orders agreed


def test_contents_lists_every_table_with_its_rows_and_dates(handoff_out: Path) -> None:
    con = duckdb.connect(str(handoff_out / "riskscore.duckdb"), read_only=True)
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    rows = con.execute("select name, kind, rows, data_through from contents").fetchall()
    for name, _kind, count, _through in rows:
        assert con.execute(f'select count(*) from "{name}"').fetchall()[0][0] == count
    con.close()
    assert {r[0] for r in rows} == tables
    kinds = {r[0]: r[1] for r in rows}
    assert kinds["scores"] == "output" and kinds["sources"] == "dataset"
    assert kinds["cfg_factors"] == "config"
    through = {r[0]: r[3] for r in rows}
    assert str(through["scores"]) == "2025-06-30" and str(through["uncertainty"]) == "2025-06-30"


def test_score_refreshes_the_database_with_the_new_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["build", "--out", str(out)]).exit_code == 0
    con = duckdb.connect(str(out / database.DATABASE), read_only=True)
    before = {r[0] for r in con.execute("select name from contents").fetchall()}
    con.close()
    assert "scores" not in before
    result = runner.invoke(app, ["score", "--as-of", "2024-12-31", "--out", str(out)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(out / database.DATABASE), read_only=True)
    as_of = con.execute("select distinct as_of::varchar from scores").fetchall()
    con.close()
    assert as_of == [("2024-12-31",)]
    assert json.loads((out / "datapackage.json").read_text())["resources"][0]["name"] == "scores"


# the writers' lock (emptied when released) and the validation stamp stay by design
KEPT = {".lock", ".validated.json"}


def _leftovers(out: Path) -> list[str]:
    """Hidden files in out/ other than the lock, the stamp and the two caches."""
    return [
        p.name
        for p in out.iterdir()
        if p.name.startswith(".")
        and p.name not in KEPT
        and not (
            p.name.startswith((database.INPUTS_CACHE_PREFIX, model.STAGING_CACHE_PREFIX))
            and p.suffix == ".duckdb"
        )
    ]


def test_a_corrupt_output_makes_build_fail_on_one_line_and_keeps_the_old_file(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["build", "--out", str(out)]).exit_code == 0
    before = (out / database.DATABASE).read_bytes()
    (out / "scores.parquet").write_bytes(b"not parquet")
    result = runner.invoke(app, ["build", "--out", str(out)])
    assert result.exit_code == 1 and "riskscore.duckdb: not written" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert (out / database.DATABASE).read_bytes() == before
    assert not _leftovers(out)  # no temp file left


def test_writing_ahead_gives_the_same_file_and_a_failure_keeps_the_old(
    tmp_path: Path, real_package, handoff_out: Path
) -> None:
    from riskscore.commands import common

    out = tmp_path / "out"
    shutil.copytree(handoff_out, out)
    first = database.build(real_package, out).read_bytes()
    # ahead: the dataset tables and the outputs before the changed ones written on a thread
    # while the "command" works
    for changing in (("backtest.parquet",), (), ("x",)):
        (out / database.DATABASE).unlink()
        with common.database_ahead(out, real_package, changing):
            common.refresh_database(out, real_package)
        assert (out / database.DATABASE).read_bytes() == first, changing
    with pytest.raises(RuntimeError), common.database_ahead(out, real_package):
        raise RuntimeError("the command failed before its outputs were written")
    assert (out / database.DATABASE).read_bytes() == first
    assert not _leftovers(out)  # the half-written copy went with the failure


def test_the_outputs_before_the_changed_ones_come_from_a_cache_keyed_by_their_bytes(
    tmp_path: Path, real_package, handoff_out: Path, monkeypatch
) -> None:
    import polars as pl

    from riskscore import export
    from riskscore.commands import common

    out = tmp_path / "out"
    shutil.copytree(handoff_out, out)
    for old in out.glob(f"{database.INPUTS_CACHE_PREFIX}*"):
        old.unlink()
    loaded: list[str] = []
    load = database._load_output

    def counted(con, out_dir: Path, table, config):
        loaded.append(table.name)
        return load(con, out_dir, table, config)

    monkeypatch.setattr(database, "_load_output", counted)

    def ahead() -> bytes:
        loaded.clear()
        with common.database_ahead(out, real_package, ("backtest.parquet",)):
            common.refresh_database(out, real_package)
        return (out / database.DATABASE).read_bytes()

    before = ["scores", "contributions", "history", "history_contributions"]
    written = ahead()  # the inputs and the four outputs before the backtest's, then cached
    assert loaded[:4] == before
    (cached,) = out.glob(f"{database.INPUTS_CACHE_PREFIX}4-*.duckdb")
    assert ahead() == written and loaded[0] == "backtest"  # the four from the cache
    assert database.build(real_package, out).read_bytes() == written
    # an output in the cached span changes: the cache no longer answers, the new rows are in
    scores = pl.read_parquet(out / "scores.parquet")
    meta = export.read_metadata(out / "scores.parquet")
    export.write_parquet(scores.head(5), out / "scores.parquet", meta)
    changed = ahead()
    assert loaded[:4] == before and not cached.exists()
    con = duckdb.connect(str(out / database.DATABASE), read_only=True)
    assert con.execute("select count(*) from scores").fetchone() == (5,)
    con.close()
    assert database.build(real_package, out).read_bytes() == changed
    assert not _leftovers(out)


def test_the_cached_inputs_give_the_same_file_and_a_bad_cache_is_written_again(
    tmp_path: Path, real_package, handoff_out: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(handoff_out, out)
    for old in out.glob(f"{database.INPUTS_CACHE_PREFIX}*"):
        old.unlink()
    fresh = database.build(real_package, out).read_bytes()  # no cache: written, then cached
    (cached,) = out.glob(f"{database.INPUTS_CACHE_PREFIX}*.duckdb")
    assert database.build(real_package, out).read_bytes() == fresh  # from the cache
    # a cache that is not a database, or not of this package, or a link, is not used
    original = cached.read_bytes()
    other = tmp_path / "other.duckdb"
    shutil.copyfile(out / database.DATABASE, other)
    con = duckdb.connect(str(other))
    con.execute(f"update {database.PACKAGE_META} set data_sha256 = 'another package'")
    con.close()
    for plant in (b"not a database", other.read_bytes()):
        cached.write_bytes(plant)
        assert database.build(real_package, out).read_bytes() == fresh
        assert cached.read_bytes() == original  # written anew
    cached.unlink()
    cached.symlink_to(other)
    assert database.build(real_package, out).read_bytes() == fresh
    assert not cached.is_symlink() and cached.read_bytes() == original
    assert not _leftovers(out)

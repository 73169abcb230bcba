"""`riskscore sql`: the engine keeps every statement inside the database; results stream in the
format asked for, whole, with any DuckDB type; errors are one line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import DATASETS, REPO
from typer.testing import CliRunner

from riskscore import query
from riskscore.cli import app

runner = CliRunner()


def sql(out: Path, *args: str, columns: int = 200):
    return runner.invoke(app, ["sql", "--out", str(out), *args], env={"COLUMNS": str(columns)})


def test_csv_gives_every_source_with_its_full_url(handoff_out: Path) -> None:
    result = sql(handoff_out, "--format", "csv", "select * from sources", columns=40)
    assert result.exit_code == 0, result.output
    printed = list(csv.DictReader(io.StringIO(result.stdout)))
    with (DATASETS / "sources.csv").open(encoding="utf-8", newline="") as handle:
        shipped = list(csv.DictReader(handle))
    assert [r["url"] for r in printed] == [r["url"] for r in shipped]
    assert max(len(r["url"]) for r in printed) > 60  # the old view cut text at 60 characters


def test_table_view_says_how_many_rows_it_shows_of_how_many(handoff_out: Path) -> None:
    total = pl.read_csv(DATASETS / "sources.csv").height
    result = sql(handoff_out, "select source_id from sources")
    assert result.exit_code == 0 and f"50 of {total} rows" in result.output
    result = sql(handoff_out, "--limit", "3", "select source_id from sources")
    assert f"3 of {total} rows" in result.output and "shape:" not in result.output


def test_narrow_terminal_wraps_values_instead_of_cutting_them(handoff_out: Path) -> None:
    url = sql(handoff_out, "-f", "csv", "select max_by(url, length(url)) from sources").stdout
    url = url.splitlines()[1]
    result = sql(handoff_out, "select * from sources order by length(url) desc limit 1", columns=40)
    assert result.exit_code == 0
    assert all(len(line) <= 40 for line in result.output.splitlines())
    joined = "".join(ch for ch in result.output if ch not in "│ \n")
    assert url.replace(" ", "") in joined


def test_machine_formats_give_every_row(handoff_out: Path) -> None:
    expected = pl.read_parquet(handoff_out / "history.parquet").height
    lines = sql(handoff_out, "-f", "jsonl", "select * from history").stdout.splitlines()
    assert len(lines) == expected and json.loads(lines[0])["iso3"]
    array = json.loads(sql(handoff_out, "-f", "json", "select iso3, band from history").stdout)
    assert len(array) == expected and set(array[0]) == {"iso3", "band"}
    markdown = sql(handoff_out, "-f", "markdown", "select iso3 from history").stdout
    assert len(markdown.splitlines()) == expected + 2


def test_parquet_output_round_trips_and_may_not_overwrite_an_output(
    handoff_out: Path, tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / "top.parquet"
    result = sql(handoff_out, "-f", "parquet", "-o", str(target), "select * from scores")
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(target).height == pl.read_parquet(handoff_out / "scores.parquet").height
    own = handoff_out / "scores.parquet"
    before = own.read_bytes()
    result = sql(handoff_out, "-f", "parquet", "-o", str(own), "select 1")
    assert result.exit_code == 1 and "riskscore's own files" in result.output
    assert own.read_bytes() == before
    monkeypatch.chdir(REPO)  # the data package is datasets/ under the working directory
    countries = DATASETS / "countries.csv"
    shipped = countries.read_bytes()
    result = sql(handoff_out, "-f", "csv", "-o", str(countries), "select 1")
    assert result.exit_code == 1 and countries.read_bytes() == shipped


@pytest.mark.parametrize("format", ["table", "csv", "json", "jsonl", "markdown"])
def test_any_duckdb_type_prints(handoff_out: Path, format: str) -> None:
    text = ("select interval 1 month as i, [1, 2] as l, {'a': 1} as s, map([1], ['x']) as m, "
            "'\\x00'::blob as b, 170141183460469231731687303715884105727::hugeint as h, "
            "'nan'::double as d, uuid() as u, 1 as a, 2 as a, 'low'::varchar as e")  # fmt: skip
    result = sql(handoff_out, "-f", format, text)
    assert result.exit_code == 0, result.output
    assert "1 month" in result.output
    if format in ("json", "jsonl"):
        row = json.loads(result.stdout)
        row = row[0] if isinstance(row, list) else row
        assert row["d"] is None and row["l"] == [1, 2] and (row["a"], row["a_2"]) == (1, 2)


def test_control_characters_cannot_reach_the_terminal(handoff_out: Path) -> None:
    result = sql(handoff_out, "select chr(27) || '[2J' || chr(8238) || 'x' as v")
    assert result.exit_code == 0
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "\\x1b[2J\\u202ex" in result.output
    failed = sql(handoff_out, 'select "\x1b[2Jgone" from scores')
    assert failed.exit_code == 1 and "\x1b" not in failed.output and "\\x1b[2Jgone" in failed.output


def test_schema_lists_tables_and_columns_with_descriptions(handoff_out: Path) -> None:
    listing = sql(handoff_out, "--schema", "-f", "csv")
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(listing.stdout))}
    assert {"scores", "sources", "uncertainty", "backtest", "contents"} <= set(rows)
    assert all(r["description"] for r in rows.values())
    columns = sql(handoff_out, "--schema", "-f", "csv", "scores").stdout
    described = {r["name"]: r for r in csv.DictReader(io.StringIO(columns))}
    assert described["band"]["type"].startswith("ENUM(") and described["score"]["description"]
    missing = sql(handoff_out, "--schema", "nope")
    assert missing.exit_code == 1 and "no table or view named 'nope'" in missing.output


def _escape_attempts(tmp_path: Path, out: Path) -> list[tuple[str, str]]:
    """Hostile statements and the words their one-line refusal must contain."""
    target = tmp_path / "x.csv"
    return [
        (f"COPY (select 1) TO '{target}'", "not COPY"),
        (f"COPY scores TO '{out / 'scores.parquet'}'", "not COPY"),
        (f"COPY sources TO '{DATASETS / 'countries.csv'}'", "not COPY"),
        (f"ATTACH '{tmp_path / 'rw.db'}' (READ_WRITE)", "not ATTACH"),
        (f"EXPORT DATABASE '{tmp_path / 'dump'}'", "not EXPORT"),
        ("select * from read_csv('/etc/passwd')", "Permission Error"),
        ("select * from read_text('/etc/passwd')", "Permission Error"),
        ("select * from read_blob('/etc/passwd')", "Permission Error"),
        ("select * from glob('/etc/*')", "Permission Error"),
        (f"select * from read_parquet('{out / 'scores.parquet'}')", "Permission Error"),
        (f"select * from '{DATASETS / 'sources.csv'}'", "Permission Error"),
        ("select * from read_csv('https://example.com/a.csv')", "Permission Error"),
        ("INSTALL httpfs", "not LOAD"),
        ("LOAD httpfs", "not LOAD"),
        ("SET enable_external_access = true", "not SET"),
        ("RESET lock_configuration", "not SET"),
        ("PRAGMA enable_profiling", "not PRAGMA"),
        (f"select 1; COPY (select 1) TO '{target}'", "one statement at a time"),
        ("select 1; select 2", "one statement at a time"),
        (f"select * from query('copy (select 1) to ''{target}''')", "single SELECT"),
        ("create table t as select 1", "not CREATE"),
        ("delete from sources", "not DELETE"),
        ("select getenv('HOME')", "getenv does not exist"),
    ]


def test_no_statement_reaches_a_file_outside_the_database(handoff_out: Path, tmp_path) -> None:
    watched = [DATASETS / "countries.csv", handoff_out / "scores.parquet"]
    before = [path.read_bytes() for path in watched]
    for text, refusal in _escape_attempts(tmp_path, handoff_out):
        result = sql(handoff_out, text)
        assert result.exit_code == 1, f"{text!r} ran: {result.output}"
        assert refusal in result.output, f"{text!r}: {result.output}"
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
    assert [path.read_bytes() for path in watched] == before


@pytest.mark.parametrize(
    "statement",
    [
        "COPY (select 1) TO '{tmp}/x.csv'",
        "ATTACH '{tmp}/rw.db' (READ_WRITE)",
        "EXPORT DATABASE '{tmp}/dump'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET memory_limit = '100GB'",
        "PRAGMA enable_profiling",
        "select * from read_text('/etc/hostname')",
        "select * from glob('{tmp}/*')",
    ],
)
def test_the_engine_itself_refuses_when_the_parser_check_is_bypassed(
    handoff_out: Path, tmp_path: Path, statement: str
) -> None:
    """The statement-type check is a courtesy; the locked connection is the boundary."""
    con = query.connect(handoff_out / "riskscore.duckdb")
    try:
        with pytest.raises(duckdb.Error):
            con.execute(statement.format(tmp=tmp_path)).fetchall()
    finally:
        con.close()
    assert list(tmp_path.iterdir()) == []


def test_errors_are_one_line(handoff_out: Path, tmp_path: Path) -> None:
    for args in (["selec 1"], ["select * from nope"], ["select 'x'::int"], [""]):
        result = sql(handoff_out, *args)
        assert result.exit_code in (1, 2)
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    missing = runner.invoke(app, ["sql", "--out", str(tmp_path), "select 1"])
    assert missing.exit_code == 1 and "run `riskscore build` first" in missing.output


def test_a_runaway_query_stops_at_the_timeout(handoff_out: Path) -> None:
    result = sql(handoff_out, "--timeout", "0.5", "select count(*) from range(10000000000000)")
    assert result.exit_code == 1 and "stopped after 0.5 s" in result.output


# Peak resident memory of this process image (VmHWM restarts at exec, unlike ru_maxrss, which
# a child inherits from the forked test process).
MEMORY_PROBE = """
import re, sys
from pathlib import Path
from riskscore.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    status = Path("/proc/self/status").read_text()
    print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024, file=sys.stderr)
"""


def test_a_huge_result_streams_in_bounded_memory(handoff_out: Path) -> None:
    args = ["sql", "--out", str(handoff_out), "--limit", "5", "select * from range(100000000)"]
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, *args], capture_output=True,
                          text=True, timeout=300, env={"COLUMNS": "100", "PATH": ""})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "5 of 100000000 rows" in done.stdout
    peak_mb = int(done.stderr.strip().splitlines()[-1])
    assert peak_mb < 400, f"{peak_mb} MB for 5 rows: the result was not streamed"  # ~1 GB before

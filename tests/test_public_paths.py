"""Every public path the README shows: the library functions, the data-cutoff default and its
warning, and the command line's error exits (one line, the right exit code, no traceback)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from conftest import DATASETS, MINI
from typer.testing import CliRunner

import riskscore
from riskscore import pipeline
from riskscore.cli import app

runner = CliRunner()
MID_2025 = dt.date(2025, 6, 30)


def test_the_library_scores_contributions_and_history_agree(monkeypatch) -> None:
    monkeypatch.chdir(DATASETS.parent)  # the library's default package folder is ./datasets
    scores = riskscore.score(as_of=MID_2025)
    parts = riskscore.contributions(as_of=MID_2025)
    sums = parts.group_by("iso3").agg(pl.col("points").sum())
    joined = scores.join(sums, on="iso3")
    assert (joined["score"] - joined["points"]).abs().max() < 1e-9
    panel = riskscore.history(start=dt.date(2025, 4, 1), end=dt.date(2025, 6, 30), freq="month")
    assert sorted(panel["as_of"].unique()) == [dt.date(2025, 4, 30), dt.date(2025, 5, 31), MID_2025]
    on_day = panel.filter(pl.col("as_of") == MID_2025).sort("iso3")
    assert on_day["score"].to_list() == scores.sort("iso3")["score"].to_list()
    with pytest.raises(AttributeError):
        riskscore.nothing_here  # noqa: B018


def test_without_a_date_the_library_scores_as_of_the_package_cutoff(monkeypatch) -> None:
    monkeypatch.chdir(DATASETS.parent)
    package = pipeline.load_package()
    assert riskscore.score()["as_of"].unique().to_list() == [package.cutoff]
    assert package.cutoff == min(
        package.observed_through(t)
        for t in ("crypto_actions", "imf_crypto_responses", "imf_arrangements", "imf_reviews",
                  "imf_staff_level_agreements")
    )  # fmt: skip


def test_score_defaults_to_the_cutoff_and_warns_past_it(tmp_path: Path) -> None:
    package = pipeline.load_package(MINI)
    out = tmp_path / "out"
    plain = runner.invoke(app, ["score", "--datasets", str(MINI), "--out", str(out)])
    assert plain.exit_code == 0, plain.output
    assert f"as of {package.cutoff} (the data cutoff" in plain.output
    later = package.cutoff + dt.timedelta(days=40)
    result = runner.invoke(
        app, ["score", "--as-of", later.isoformat(), "--datasets", str(MINI), "--out", str(out)]
    )
    assert result.exit_code == 0
    assert f"warning: as of {later} is after the data cutoff {package.cutoff}" in result.output
    from riskscore import export

    meta = export.read_metadata(out / "scores.parquet")
    assert meta["data_through"] == package.cutoff.isoformat() and meta["as_of"] == str(later)


def test_the_review_clock_stops_at_the_review_tables_cutoff() -> None:
    package = pipeline.load_package(DATASETS)
    cutoff = package.observed_through("imf_reviews")
    days = [cutoff, cutoff + dt.timedelta(days=200)]
    run, _ = pipeline.run_model(days, package=package)
    clock = run.contributions.filter(
        pl.col("factor") == "months_since_review", pl.col("observed")
    ).pivot(on="as_of", index="iso3", values="raw_value")
    before, after = str(days[0]), str(days[1])
    # members with a program in force on both days (else the clock reads 0)
    both = clock.drop_nulls([before, after]).filter(pl.col(before) > 0, pl.col(after) > 0)
    assert both.height >= 5 and (both[before] == both[after]).all()


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["history", "--freq", "week"], 2, "--freq must be one of day, month, quarter, year"),
        (["history", "--start", "2025-06-01", "--end", "2025-06-15", "--freq", "month"], 2,
         "no month end between 2025-06-01 and 2025-06-15"),
        (["history", "--start", "2025-13-01"], 2, "--start must be a date"),
        (["score", "--as-of", "yesterday"], 2, "--as-of must be a date like 2025-06-30"),
        (["report", "--as-of", "2025-02-30"], 2, "--as-of must be a date"),
        (["backtest", "--reps", "-5"], 2, "--reps must be >= 0"),
        (["uncertainty", "--draws", "1"], 2, "--draws must be at least 2"),
        (["explain", "XXX", "--as-of", "2025-06-30"], 1, "XXX"),
        (["scenario", "does-not-exist.toml"], 2, "does-not-exist.toml"),
        (["ingest", "--shared", "no-such-folder"], 1, "no sources/ folder here"),
    ],
)  # fmt: skip
def test_cli_errors_are_one_line_with_their_exit_code(
    args: list[str], code: int, needle: str, tmp_path: Path
) -> None:
    extra = [] if args[0] == "ingest" else ["--datasets", str(MINI)]
    if args[0] not in ("ingest",):
        extra += ["--out", str(tmp_path / "out")]
    else:
        extra += ["--out", str(tmp_path / "pkg")]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code == code, result.output
    assert needle in result.output and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1


def test_sql_without_a_database_says_how_to_make_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sql", "select 1", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "run `riskscore build` first" in result.output and "Traceback" not in result.output


def test_every_command_has_help() -> None:
    commands = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
    assert {"score", "history", "backtest", "sql", "export", "report", "ingest"} <= set(commands)
    for name in commands:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, name


def test_the_command_list_fills_each_summary_to_the_terminal_width() -> None:
    # a summary wrapped in its docstring must not come out ragged: every line of an entry but
    # its last is filled (the old list left "a" or "split" alone on a line)
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "100"})
    lines = result.output.splitlines()
    panel = lines[next(i for i, line in enumerate(lines) if "Commands" in line) + 1 :]
    entries: list[list[str]] = []
    for line in panel:
        if not line.startswith("│"):
            break
        name, text = re.match(r"│ (\S*)\s+(.*?)\s*│$", line).groups()
        if name:
            entries.append([])
        entries[-1].append(text)
    assert len(entries) >= 10
    width = max(len(text) for entry in entries for text in entry)
    for entry in entries:
        assert all(len(text) > 0.6 * width for text in entry[:-1]), entry


# --- helpers the commands lean on, each checked on its own -----------------------------------


def test_evidence_ids_are_told_apart_by_kind() -> None:
    from riskscore import diff

    kinds = {
        "ACT-PAK-004": "action",
        "RSP-SLV-09": "response",
        "PAK-EFF-2024-09-25 review 2": "review",
        "PAK-EFF-2024-09-25": "arrangement",
        "SLA PAK-EFF-2024-09-25 2025-03-25": "staff_level_agreement",
        "gdp_usd_bn 2024": "macro",
        "something else": "other",
    }
    assert {e: diff.evidence_kind(e) for e in kinds} == kinds


def test_a_blank_line_inside_a_csv_is_skipped_and_later_lines_keep_their_numbers() -> None:
    from riskscore.validate import reader

    split = reader.split_csv(b"a,b\n1,2\n\n3,x\n", "f.csv", lambda header: True)
    assert split.header == ["a", "b"] and split.fields == ["field_0", "field_1"]
    records = split.records().collect()
    assert records.rows() == [(1, "1", "2"), (3, "3", "x")]
    assert split.lines(records[reader.ROW]).to_list() == [2, 4]  # editor lines


def test_the_outputs_doc_is_written_where_asked(tmp_path: Path) -> None:
    from riskscore import output_docs

    path = output_docs.write_markdown(tmp_path / "outputs.md")
    assert path.read_text(encoding="utf-8") == output_docs.render_markdown()


def test_the_world_shapes_are_written_whole(tmp_path: Path) -> None:
    from riskscore import settings
    from riskscore.ingest import world_shapes

    text = settings.WORLD_SHAPES_FILE.read_text(encoding="utf-8")
    path = world_shapes.write(text, tmp_path / "shapes.json")
    assert path.read_text(encoding="utf-8") == text
    assert not [p for p in tmp_path.iterdir() if p.name != "shapes.json"]  # no temp file left


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["sql", "select 1", "--format", "yaml"], "--format must be one of"),
        (["sql", "select 1", "--format", "parquet"], "add --output FILE.parquet"),
        (["sql", "select 1", "--limit", "-1"], "--limit must be 0 or more"),
        (["sql"], "give a query"),
    ],
)
def test_sql_usage_errors_are_one_line_exit_2(args: list[str], needle: str, tmp_path) -> None:
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output


def test_report_for_an_unknown_country_names_it(tmp_path: Path) -> None:
    args = ["report", "--as-of", "2025-06-30", "--country", "XXX"]
    result = runner.invoke(app, [*args, "--datasets", str(MINI), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "XXX" in result.output
    assert [line for line in result.output.splitlines() if line.startswith("error:")]


def _raising(error: BaseException):
    def command(*args, **kwargs):
        raise error

    return command


@pytest.mark.parametrize(
    ("error", "code", "needle"),
    [
        (KeyboardInterrupt(), 130, "error: interrupted"),
        (
            RuntimeError('IO Error: Could not set lock on file "out/riskscore.duckdb": '
                         "Conflicting lock is held in /usr/bin/python3 (PID 4242)"),
            75,
            "4242",
        ),
        (ZeroDivisionError("a bug"), 1, "unexpected ZeroDivisionError"),
    ],
)  # fmt: skip
def test_any_error_in_a_command_is_one_line_with_its_exit_code(
    error: BaseException, code: int, needle: str, tmp_path: Path, monkeypatch
) -> None:
    from riskscore import pipeline

    monkeypatch.setattr(pipeline, "load_package", _raising(error))
    result = runner.invoke(app, ["score", "--datasets", str(MINI), "--out", str(tmp_path)])
    assert result.exit_code == code, result.output
    assert needle in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", [["score"], ["all"], ["history"]])
def test_an_out_that_is_a_file_is_one_line_exit_2(command: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder\n", encoding="utf-8")
    result = runner.invoke(app, [*command, "--datasets", str(MINI), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "is a file, not a folder" in result.output and "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == "not a folder\n"

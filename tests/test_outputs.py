"""What the commands write: Parquet with provenance, atomically; the DuckDB file; clean errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from conftest import DATASETS, replace_in_file
from typer.testing import CliRunner

from riskscore import export
from riskscore.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def scored_out(tmp_path_factory) -> Path:
    """out/ after `riskscore score --as-of 2025-06-30` and `riskscore build`."""
    out = tmp_path_factory.mktemp("out")
    result = runner.invoke(app, ["score", "--as-of", "2025-06-30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_score_writes_scores_and_contributions_with_provenance(scored_out: Path) -> None:
    scores = pl.read_parquet(scored_out / "scores.parquet")
    assert scores.columns[:6] == ["iso3", "country", "as_of", "score", "band", "rank"]
    assert {"exposure", "engagement", "vulnerability", "completeness", "model_version"} <= set(
        scores.columns
    )
    contributions = pl.read_parquet(scored_out / "contributions.parquet")
    expected = ["iso3", "as_of", "pillar", "factor", "raw_value", "scaled_value", "weight",
                "points", "source_ids"]  # fmt: skip
    assert set(expected) <= set(contributions.columns)
    meta = export.read_metadata(scored_out / "scores.parquet")
    assert meta["as_of"] == "2025-06-30"
    assert len(meta["config_sha256"]) == 64 and len(meta["data_sha256"]) == 64
    assert meta["model_version"] == scores["model_version"][0]


def test_sql_runs_read_only_queries_over_tables_and_output_views(scored_out: Path) -> None:
    result = runner.invoke(
        app,
        ["sql", "select iso3, band from scores order by rank limit 2", "--out", str(scored_out)],
    )
    assert result.exit_code == 0, result.output
    assert "SLV" in result.output
    result = runner.invoke(
        app, ["sql", "select count(*) as n from crypto_actions", "--out", str(scored_out)]
    )
    expected = pl.read_csv(DATASETS / "crypto_actions.csv").height
    assert result.exit_code == 0 and str(expected) in result.output
    result = runner.invoke(app, ["sql", "delete from countries", "--out", str(scored_out)])
    assert result.exit_code == 1 and "read-only" in result.output.lower()


def test_database_holds_every_dataset_and_the_config(scored_out: Path) -> None:
    con = duckdb.connect(str(scored_out / "riskscore.duckdb"), read_only=True)
    names = {
        row[0] for row in con.sql("select table_name from information_schema.tables").fetchall()
    }
    con.close()
    assert {"countries", "macro", "imf_arrangements", "crypto_actions", "cfg_factors"} <= names
    assert {"scores", "contributions"} <= names  # views over the Parquet outputs


def test_a_crash_while_writing_leaves_the_previous_output_intact(tmp_path, monkeypatch) -> None:
    path = tmp_path / "scores.parquet"
    export.write_parquet(pl.DataFrame({"a": [1]}), path, {"as_of": "2025-06-30"})
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", crash)
    with pytest.raises(OSError):
        export.write_parquet(pl.DataFrame({"a": [2]}), path, {"as_of": "2026-01-01"})
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind


def test_bad_input_is_a_clear_error_and_outputs_stay_intact(tmp_path: Path) -> None:
    data = tmp_path / "datasets"
    shutil.copytree(DATASETS, data, ignore=shutil.ignore_patterns("curated"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "scores.parquet").write_bytes(b"previous output")
    replace_in_file(data / "imf_reviews.csv", ",2024-01-11,", ",2024-13-11,")
    result = runner.invoke(app, ["score", "--datasets", str(data), "--out", str(out)])
    assert result.exit_code == 1
    assert (
        "imf_reviews.csv:" in result.output
        and "completed_on: type:date: '2024-13-11'" in result.output
    )
    assert "Traceback" not in result.output
    assert (out / "scores.parquet").read_bytes() == b"previous output"
    failures = pl.read_parquet(out / "validation_failures.parquet")
    assert failures.height == 1 and failures["file"][0] == "imf_reviews.csv"


def test_bad_dates_on_the_command_line_are_clear_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", "--as-of", "30/06/2025", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--as-of must be a date" in result.output


def test_history_writes_every_quarter_end(tmp_path: Path) -> None:
    args = ["history", "--start", "2024-01-01", "--end", "2024-12-31", "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    history = pl.read_parquet(tmp_path / "history.parquet")
    assert sorted(history["as_of"].unique().cast(pl.String)) == [
        "2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"
    ]  # fmt: skip
    assert export.read_metadata(tmp_path / "history.parquet")["freq"] == "quarter"


def test_explain_prints_drivers_with_dates_and_sources() -> None:
    result = runner.invoke(app, ["explain", "PAK", "--as-of", "2025-06-30"], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    for needle in ("Pakistan", "ACT-PAK-006", "2025-05-25", "PAK-EFF-2024-09-25", "http"):
        assert needle in result.output


def test_explain_unknown_country_is_a_clear_error() -> None:
    result = runner.invoke(app, ["explain", "XYZ", "--as-of", "2025-06-30"])
    assert result.exit_code == 1 and "XYZ is not a scored IMF member" in result.output


def test_every_command_has_help() -> None:
    for command in ("ingest", "validate", "build", "score", "history", "explain", "sql"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_ingest_without_raw_sources_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", "--shared", str(tmp_path), "--out", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert "no sources/ folder" in result.output and "Traceback" not in result.output


def test_a_built_database_is_not_trusted_once_the_csv_files_change(tmp_path: Path) -> None:
    data = tmp_path / "datasets"
    shutil.copytree(DATASETS, data, ignore=shutil.ignore_patterns("curated"))
    out = tmp_path / "out"
    assert runner.invoke(app, ["build", "--datasets", str(data), "--out", str(out)]).exit_code == 0
    replace_in_file(data / "crypto_actions.csv", "ACT-PAK-006,PAK,", "ACT-PAK-006,PAQ,")
    result = runner.invoke(app, ["score", "--datasets", str(data), "--out", str(out)])
    assert result.exit_code == 1 and "foreign_key:countries.iso3: 'PAQ'" in result.output


def test_a_streamed_parquet_takes_a_later_batch_typed_differently(tmp_path: Path) -> None:
    path = tmp_path / "history.parquet"
    first = pl.DataFrame({"iso3": ["PAK"], "score": [1.0]})
    with export.ParquetStream(path, {"freq": "day"}) as stream:
        stream.write(first)
        stream.write(pl.DataFrame({"iso3": ["SLV"], "score": [None]}))  # a Null-typed column
    written = pl.read_parquet(path)
    assert written["iso3"].to_list() == ["PAK", "SLV"] and written["score"].to_list() == [1.0, None]
    assert written.schema == first.schema
    assert pq.read_schema(path).field("score").metadata[b"description"]  # still described

"""Shared fixtures: the shipped package, a tiny hand-made package, and helpers to corrupt copies."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from riskscore.schemas import TABLES

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO / "datasets"
CURATED = DATASETS / "curated"
MINI = Path(__file__).resolve().parent / "fixtures" / "mini_package"
# the raw extracts: ../shared next to the repo, or wherever $RISKSCORE_SHARED points
SHARED = Path(os.environ.get("RISKSCORE_SHARED", REPO.parent / "shared"))
needs_raw = pytest.mark.skipif(
    not (SHARED / "sources").is_dir(), reason="raw extracts (../shared/sources) not available"
)


def read_table(name: str) -> pl.DataFrame:
    """A committed table, typed as its schema says."""
    spec = TABLES[name]
    columns = spec.model.to_schema().columns
    return pl.read_csv(
        DATASETS / spec.file, schema={c: columns[c].dtype.type for c in spec.columns}
    )


@pytest.fixture
def mini_package(tmp_path: Path) -> Path:
    """A writable copy of the tiny, valid hand-made package, with its datapackage.json
    generated from the models (so it never goes stale)."""
    from riskscore import datapackage

    target = tmp_path / "pkg"
    shutil.copytree(MINI, target)
    datapackage.write(target)
    return target


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data package (CSV files and datapackage.json)."""
    target = tmp_path / "datasets"
    target.mkdir()
    for path in [*DATASETS.glob("*.csv"), DATASETS / "datapackage.json"]:
        shutil.copy(path, target / path.name)
    return target


def replace_in_file(path: Path, old: str, new: str, count: int = 1) -> None:
    """Corrupt a copy by text substitution; fails loudly if `old` is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """The 1-based editor line on which `needle` first appears."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path.name}")


@pytest.fixture(scope="session")
def real_package():
    """The shipped data package, validated once per test session."""
    from riskscore import pipeline

    return pipeline.load_package(DATASETS)


@pytest.fixture(scope="session")
def real_history(real_package):
    """One model run over every quarter end 2015-2026 plus the dates the tests name."""
    import datetime as dt

    from riskscore import model, pipeline

    dates = pipeline.period_ends(dt.date(2015, 1, 1), dt.date(2026, 9, 30))
    return model.run(real_package.tables, dates)


@pytest.fixture(scope="session")
def handoff_out(tmp_path_factory) -> Path:
    """An out/ with every output the pipeline writes (short runs), the database and a scenario;
    the diff output beside it in diff/. Read-only for the tests that share it."""
    from typer.testing import CliRunner

    from riskscore.cli import app

    out = tmp_path_factory.mktemp("handoff") / "out"
    day = "2025-06-30"
    commands = [
        ["build"],
        ["score", "--as-of", day],
        ["history", "--start", "2024-01-01", "--end", day],
        ["backtest", "--end", day, "--reps", "5"],
        ["uncertainty", "--as-of", day, "--draws", "20"],
        ["scenario", str(REPO / "examples" / "scenario_pakistan_reserve.toml")],
        ["diff", "--from", "2025-03-31", "--to", day, "PAK", "SLV",
         "--output", str(out.parent / "diff" / "pak_slv.parquet")],
        ["build"],  # the scenario joins the database at the next build or refresh
    ]  # fmt: skip
    runner = CliRunner()
    for command in commands:
        result = runner.invoke(app, [*command, "--out", str(out)], env={"COLUMNS": "200"})
        assert result.exit_code == 0, f"{command[0]}: {result.output}"
    return out

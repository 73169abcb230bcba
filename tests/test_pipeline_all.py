"""`riskscore all` (what `make all` runs): the same files as the commands run one by one, the
database written once, and a failing step stops the run with its own error."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import MINI
from typer.testing import CliRunner

from riskscore import database
from riskscore.cli import app

runner = CliRunner()
STEPS = [
    ["validate", str(MINI), "--out"],
    ["score", "--datasets", str(MINI), "--out"],
    ["history", "--datasets", str(MINI), "--out"],
    ["backtest", "--datasets", str(MINI), "--out"],
    ["uncertainty", "--datasets", str(MINI), "--out"],
    ["export", "--format", "csv", "--out"],
    ["export", "--format", "xlsx", "--out"],
    ["report", "--datasets", str(MINI), "--out"],
]


def _files(out: Path) -> dict[str, bytes]:
    """Every file but the logs and the database caches that hold outputs (commands run one by
    one cache those before the first output each changes; `all` writes the database once)."""
    prefix = database.INPUTS_CACHE_PREFIX
    outputs_cached = [p for p in out.glob(f"{prefix}*") if not p.name.startswith(f"{prefix}0-")]
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.parent.name != "logs" and p not in outputs_cached
    }


def test_all_writes_what_the_commands_write_one_by_one(tmp_path: Path, monkeypatch) -> None:
    one_by_one, together = tmp_path / "steps", tmp_path / "all"
    for args in STEPS:
        result = runner.invoke(app, [*args, str(one_by_one)])
        assert result.exit_code == 0, (args, result.output)
    writes = []
    real = database.build
    monkeypatch.setattr(database, "build", lambda *a, **k: writes.append(1) or real(*a, **k))
    result = runner.invoke(app, ["all", "--datasets", str(MINI), "--out", str(together)])
    assert result.exit_code == 0, result.output
    assert "[9/9] report" in result.output and "pipeline done" in result.output
    assert "[2/9] backtest (in a second process)" in result.output
    assert "Event-time backtest" in result.output  # what the second process printed is shown
    # the second process writes the database once, before the exports read it
    database_file = str(together / database.DATABASE)
    assert result.output.count(f"wrote {database_file}\n") == 1 and writes == []
    expected, got = _files(one_by_one), _files(together)
    assert sorted(got) == sorted(expected) and len(got) > 20
    assert [name for name in expected if expected[name] != got[name]] == []
    # one process, every step in turn: the same bytes again, the database written once
    alone = tmp_path / "alone"
    args = ["all", "--jobs", "1", "--datasets", str(MINI), "--out", str(alone)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "second process" not in result.output, result.output
    assert len(writes) == 1
    assert _files(alone) == expected


def test_all_stops_at_the_first_failing_step(tmp_path: Path) -> None:
    broken = tmp_path / "package"
    shutil.copytree(MINI, broken)
    (broken / "countries.csv").write_text("not,a,header\n", encoding="utf-8")
    result = runner.invoke(app, ["all", "--datasets", str(broken), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "[1/9] validate" in result.output and "[2/9]" not in result.output
    assert "countries.csv:1" in result.output

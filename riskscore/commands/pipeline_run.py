"""`riskscore all`: the whole pipeline on the package in one process, as `make all` runs it.

Each step is the command of the same name, run with its defaults; one process means the
libraries are imported once, the package is read and parsed once, and out/riskscore.duckdb is
written once at the end rather than after every step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import typer

from riskscore.commands import common, data, evaluate, exports, reporting, scoring


def _steps(
    datasets: Path, out: Path, flush: Callable[[], None]
) -> list[tuple[str, Callable[[], None]]]:
    # the undecorated commands: `all` already holds the lock on out/ they would take
    return [
        ("validate", lambda: data.validate(datasets, None, out)),
        ("score", lambda: scoring.score.__wrapped__(datasets=datasets, out=out)),
        ("history", lambda: scoring.history.__wrapped__(datasets=datasets, out=out)),
        ("backtest", lambda: evaluate.backtest.__wrapped__(datasets=datasets, out=out)),
        ("uncertainty", lambda: evaluate.uncertainty.__wrapped__(datasets=datasets, out=out)),
        ("database", flush),  # the exports read their tables from it
        ("export csv", lambda: exports.export(format="csv", out=out)),
        ("export xlsx", lambda: exports.export(format="xlsx", out=out)),
        ("report", lambda: reporting.report.__wrapped__(datasets=datasets, out=out)),
    ]


@common.writes_out
def run_all(
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """Run the whole pipeline with every default: validate, score, history, backtest,
    uncertainty, CSV and Excel exports, report (what `make all` does, in one process).

    Stops at the first step that fails, with that step's error; outputs of the steps before it
    stay whole."""
    started = time.perf_counter()
    with common.one_run(out) as flush:
        steps = _steps(datasets, out, flush)
        for number, (name, step) in enumerate(steps, start=1):
            typer.echo(f"[{number}/{len(steps)}] {name}", err=True)
            step()
    typer.echo(f"pipeline done in {time.perf_counter() - started:.1f} s")


def register(app: typer.Typer) -> None:
    """Add the whole-pipeline command to the riskscore app."""
    app.command(name="all")(run_all)

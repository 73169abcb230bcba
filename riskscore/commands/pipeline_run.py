"""`riskscore all`: the whole pipeline on the package, as `make all` runs it.

Each step is the command of the same name, run with its defaults; one process means the
libraries are imported once, the package is read and parsed once, and out/riskscore.duckdb is
written once, before the exports that read it, rather than after every step.

With `--jobs 2` (the default) a second process runs the backtest beside score, history and
uncertainty, then the database and the exports beside the report's country pages; the report's
index, which lists every file with its size, waits for them. Each step writes its own output
set, so the files are the same bytes as with `--jobs 1`; what the second process prints is
shown when the first collects its step.
"""

from __future__ import annotations

import contextlib
import functools
import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from riskscore.commands import common, data, evaluate, exports, reporting, scoring

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

DATABASE = "database"  # not a command: the rewrite of out/riskscore.duckdb the exports read
# the undecorated commands: `all` already holds the lock on out/ they would take
STEPS: dict[str, Callable[[Path, Path], None]] = {
    "validate": lambda datasets, out: data.validate(datasets, None, out),
    "backtest": lambda datasets, out: evaluate.backtest.__wrapped__(datasets=datasets, out=out),
    "score": lambda datasets, out: scoring.score.__wrapped__(datasets=datasets, out=out),
    "history": lambda datasets, out: scoring.history.__wrapped__(datasets=datasets, out=out),
    "uncertainty": lambda datasets, out: evaluate.uncertainty.__wrapped__(
        datasets=datasets, out=out
    ),
    "export csv": lambda datasets, out: exports.export(format="csv", out=out),
    "export xlsx": lambda datasets, out: exports.export(format="xlsx", out=out),
    "report": lambda datasets, out: reporting.report.__wrapped__(datasets=datasets, out=out),
    "model card": lambda datasets, out: evaluate.model_card.__wrapped__(datasets=datasets, out=out),
    DATABASE: lambda datasets, out: common.refresh_database(
        out, common.load_package(datasets, out)
    ),
}
ORDER = [
    "validate",
    "backtest",
    "score",
    "history",
    "uncertainty",
    DATABASE,
    "export csv",
    "export xlsx",
    "report",
]
# With a second process, these steps run there, in this order: the backtest from the start,
# then (once score, history and uncertainty are written) the database, which holds all their
# tables, and the exports, which read it. Meanwhile the first process writes the report's
# country pages; its index, which lists every file with its size, waits for them
# (common.run_deferred).
BESIDE = {"backtest", DATABASE, "export csv", "export xlsx"}


def _worker(name: str, datasets: Path, out: Path) -> tuple[int, str, str, float]:
    """Run one step in the second process: its exit code, what it printed (stdout, stderr) and
    its seconds. Only the database step writes the database."""
    started = time.perf_counter()
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    with (
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
        common.one_run(out, write_database=name == DATABASE),
    ):
        try:
            STEPS[name](datasets, out)
        except typer.Exit as stop:
            code = stop.exit_code
    return code, stdout.getvalue(), stderr.getvalue(), time.perf_counter() - started


def _warm_up() -> None:
    """Import what the backtest needs while the first process validates the package."""
    import riskscore.backtest
    import riskscore.pipeline  # noqa: F401


@contextlib.contextmanager
def _second_process(jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    if jobs < 2:
        yield None
        return
    import multiprocessing  # here: `riskscore --help` should not pay for them
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: polars and DuckDB hold thread pools a fork would copy mid-flight
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    pool.submit(_warm_up)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _finish(label: str, future: Future) -> None:
    """Show what a step run in the second process printed; stop the run if it failed."""
    code, stdout, stderr, seconds = future.result()
    if stdout:
        typer.echo(stdout, nl=False)
    if stderr:
        typer.echo(stderr, nl=False, err=True)
    if code:
        raise typer.Exit(code)
    typer.echo(f"{label}: {seconds:.1f} s", err=True)


@common.writes_out
def run_all(
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
    jobs: Annotated[
        int,
        typer.Option(
            min=1,
            max=2,
            help="Processes: 2 runs the backtest, database and exports beside the other steps "
            "(the same files as 1, sooner on two cores)",
        ),
    ] = 2,
) -> None:
    """Run the whole pipeline with every default: validate, backtest, score, history,
    uncertainty, CSV and Excel exports, report (what `make all` does).

    Stops at the first step that fails, with its error; earlier steps' outputs stay whole."""
    started = time.perf_counter()
    total = len(ORDER)
    with common.one_run(out) as flush, _second_process(jobs) as pool:

        def step(label: str, name: str) -> None:
            typer.echo(label, err=True)
            step_started = time.perf_counter()
            flush() if name == DATABASE else STEPS[name](datasets, out)
            typer.echo(f"{label}: {time.perf_counter() - step_started:.1f} s", err=True)

        for number, name in enumerate(ORDER, start=1):
            label = f"[{number}/{total}] {name}"
            if pool is None:
                step(label, name)
            elif name in BESIDE:
                typer.echo(f"{label} (in a second process)", err=True)
                future = pool.submit(_worker, name, datasets, out)
                common.defer(functools.partial(_finish, label, future))
                if name == "backtest":
                    # the backtest and uncertainty each write the card from the outputs they
                    # find, and ran side by side: write it again once both are done, as the
                    # last of them does when the steps run in turn
                    common.defer(functools.partial(step, f"{label} model card", "model card"))
                if name == DATABASE:
                    common.database_written_elsewhere()
            else:
                step(label, name)
        common.run_deferred()
    typer.echo(f"pipeline done in {time.perf_counter() - started:.1f} s")


def register(app: typer.Typer) -> None:
    """Add the whole-pipeline command to the riskscore app."""
    app.command(name="all")(run_all)

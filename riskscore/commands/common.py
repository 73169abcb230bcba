"""What every command shares: option types, date parsing, loading the package, one-line errors.

Commands import from here, never from each other or from cli.py, so the command modules form a
flat layer over the library.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from riskscore import settings, terminal
from riskscore.lock import writes_out as writes_out  # the decorator for writing commands

if TYPE_CHECKING:
    from riskscore.pipeline import Package

DatasetsOption = Annotated[Path, typer.Option(help="Data package folder")]
OutOption = Annotated[Path, typer.Option(help="Output folder")]
DATASETS_DEFAULT = settings.DATASETS_DIR
OUT_DEFAULT = settings.OUT_DIR


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: message` on stderr (made terminal-safe) and exit with `code`
    (2 = bad usage, 1 = bad data). A message listing several failures keeps one per line."""
    first, *rest = message.splitlines() or [""]
    typer.echo(f"error: {terminal.clean(first)}", err=True)
    for line in rest:
        typer.echo(terminal.clean(line), err=True)
    raise typer.Exit(code)


def parse_date(value: str | None, name: str) -> dt.date | None:
    """An ISO date from an option value, or None when the option was not given."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{name} must be a date like 2025-06-30, got {value!r}", 2)


def resolve_as_of(parsed: dt.date | None, package: Package, option: str = "--as-of") -> dt.date:
    """The date to work as of: the one given, else the package cutoff (said on stderr), with a
    one-line warning when the date given lies after the cutoff."""
    from riskscore import pipeline

    if parsed is None:
        typer.echo(f"as of {package.cutoff} (the data cutoff; {option} for another date)", err=True)
        return package.cutoff
    warning = pipeline.after_cutoff(package, parsed)
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    return parsed


def scored_as_of(as_of: str | None, datasets: Path, out: Path):
    """The steps every one-date command starts with: parse --as-of, load the package, settle
    the date (default: the cutoff) and score every member on it. Returns (package, day, run)."""
    from riskscore import pipeline

    parsed = parse_date(as_of, "--as-of")
    package = load_package(datasets, out)
    day = resolve_as_of(parsed, package)
    run, _ = pipeline.run_model([day], package=package)
    return package, day, run


@dataclass
class _Run:
    """Inside `riskscore all` (see `one_run`): the packages its steps loaded, and the package
    of a database rewrite the steps deferred."""

    packages: dict[tuple[Path, Path], Package] = field(default_factory=dict)
    pending: Package | None = None
    # steps to finish before the report's index (see `defer`)
    deferred: list[Callable[[], None]] = field(default_factory=list)


_RUN: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("run", default=None)


@contextlib.contextmanager
def one_run(out: Path, write_database: bool = True) -> Iterator[Callable[[], None]]:
    """Steps run inside share the package they load (read and parsed once) and defer their
    database rewrite. Yields `flush`, which writes the database if a step changed outputs
    since the last write (a step that reads the database needs it); the end flushes too.
    Without `write_database` (a step `riskscore all` runs in its second process) the rewrite
    is left to the run that started it."""
    run = _Run()

    def flush() -> None:
        package, run.pending = run.pending, None
        if package is not None:
            token = _RUN.set(None)  # a real write, not another deferral
            try:
                refresh_database(out, package)
            finally:
                _RUN.reset(token)

    token = _RUN.set(run)
    try:
        yield flush
    finally:
        _RUN.reset(token)
    if write_database:
        flush()


def database_written_elsewhere() -> None:
    """Inside `riskscore all`: the second process writes the database, so this run's end does
    not write it again (no later step changes the outputs it holds)."""
    run = _RUN.get()
    if run is not None:
        run.pending = None


def defer(step: Callable[[], None]) -> None:
    """Inside `riskscore all`: a step to finish before the report's index is written (a step
    running in the second process, or one whose files the index lists); see `run_deferred`."""
    run = _RUN.get()
    if run is None:
        raise RuntimeError("defer outside one_run")
    run.deferred.append(step)


def run_deferred() -> None:
    """Finish, in order, the steps `riskscore all` deferred (none outside it): the report calls
    it before its index lists the files it links, sizes included."""
    from riskscore import outputset

    run = _RUN.get()
    while run is not None and run.deferred:
        with outputset.outside():  # each step writes its own files, not into the report's set
            run.deferred.pop(0)()


def load_package(datasets: Path, out: Path) -> Package:
    """Validate the package; on failure print every failure, record them and exit 1."""
    run = _RUN.get()
    if run is None:
        return _load_package(datasets, out)
    key = (Path(datasets).resolve(), Path(out).resolve())
    if key not in run.packages:
        run.packages[key] = _load_package(datasets, out)
    return run.packages[key]


def _load_package(datasets: Path, out: Path) -> Package:
    from riskscore import pipeline
    from riskscore.validate import stamp

    try:
        with terminal.progress(f"reading the data package {datasets}"):
            package = pipeline.load_package(datasets, cache=out / "riskscore.duckdb")
    except pipeline.InvalidPackage as err:
        for failure in err.report.failures:
            typer.echo(terminal.clean(failure.format()), err=True)
        path = pipeline.record_rejections(err.report, out)
        typer.echo(
            terminal.clean(f"{err}; outputs in {out}/ left unchanged; failures recorded in {path}"),
            err=True,
        )
        raise typer.Exit(1) from None
    if package.validated is not None and out.is_dir() and stamp.read(out) != package.validated:
        stamp.write(out, package.validated)  # the next command here parses it unchecked
    return package


_AHEAD: contextvars.ContextVar = contextvars.ContextVar("database_ahead", default=None)


@contextlib.contextmanager
def database_ahead(out: Path, package: Package, changing: Collection[str] = ()) -> Iterator[None]:
    """Outside `riskscore all`, start writing the database now, on a thread of its own: the
    input tables, then the outputs before the first one the command changes (`changing`: files
    relative to out/), for the command's `refresh_database` to finish once its outputs are
    written (the same file, sooner). A command that ends without that leaves the database as
    it was."""
    from riskscore import database

    if _RUN.get() is not None:  # inside `riskscore all` the rewrite waits for the run's end
        yield
        return
    writer = database.Writer(package, out, ahead=True, changing=changing)
    token = _AHEAD.set(writer)
    try:
        yield
    finally:
        if _AHEAD.get() is writer:  # not finished: the command failed before its rewrite
            writer.abandon()
        _AHEAD.reset(token)


def refresh_database(out: Path, package: Package) -> None:
    """After outputs changed: rewrite out/riskscore.duckdb and out/datapackage.json to match,
    with the dataset tables from `package`.

    The outputs themselves are already written, so a failure here is one warning line.
    Inside `one_run` the rewrite waits for the end of the run.
    """
    from riskscore import database, pipeline

    run = _RUN.get()
    if run is not None:
        run.pending = package
        return

    ahead = _AHEAD.get()
    try:
        if ahead is not None and ahead.out == out:
            _AHEAD.set(None)
            path = ahead.finish()
        else:
            path = pipeline.build_database(package, out)
    except database.DatabaseError as err:
        typer.echo(f"warning: {err}; `riskscore build` rewrites it", err=True)
        return
    typer.echo(f"wrote {path}")

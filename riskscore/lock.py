"""One writer at a time in an output folder: an advisory lock on <out>/.lock.

The holder writes its pid, command and start time into the file, so a second writer can say in
one line who holds it. The lock is fcntl.flock on an open file: the kernel drops it when the
holder exits, however it exits (kill -9 included), so a stale lock never blocks anyone.
By default a second writer fails at once (exit code 75, "try again later"); with
`riskscore --wait ...` it waits for the lock instead.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

LOCK_FILE = ".lock"
EXIT_LOCKED = 75  # sysexits.h EX_TEMPFAIL: someone else is writing, try again later
WAIT_POLL_SECONDS = 0.2

P = ParamSpec("P")
R = TypeVar("R")

_wait = False  # set by the app's --wait option (riskscore.cli), read when a command locks


class OutputLocked(Exception):
    """Another process is writing to the output folder; the message says who and since when."""


def set_wait(wait: bool) -> None:
    """Make later `holding` calls wait for the lock instead of failing (the --wait option)."""
    global _wait
    _wait = wait


def holder(out: Path) -> dict[str, str]:
    """Who holds (or last held) the lock on `out`: pid, command, started; {} if unknown."""
    try:
        return json.loads((out / LOCK_FILE).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def describe(info: dict[str, str]) -> str:
    """'pid 123 (riskscore score --as-of 2025-06-30, started 2026-01-01T10:00:00Z)'."""
    if not info.get("pid"):
        return "another process"
    return f"pid {info['pid']} ({info.get('command', '?')}, started {info.get('started', '?')})"


def _command_line() -> str:
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "riskscore"
    return " ".join([name, *sys.argv[1:]])


@contextmanager
def holding(out: Path, wait: bool | None = None) -> Iterator[None]:
    """Hold the write lock on `out` for the duration of the block.

    Raises OutputLocked at once when another process holds it, unless `wait` (default: the
    --wait option) is set, in which case it waits until the lock is free.
    """
    wait = _wait if wait is None else wait
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    raise OutputLocked(
                        f"{out}/ is being written by {describe(holder(out))}; "
                        f"try again when it has finished, or run riskscore --wait"
                    ) from None
                time.sleep(WAIT_POLL_SECONDS)
        info = {
            "pid": str(os.getpid()),
            "command": _command_line(),
            "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # released: nobody holds it (and reruns leave out/ identical)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def writes_out(command: Callable[P, R]) -> Callable[P, R]:
    """Decorate a CLI command that writes into its `out` folder: it runs holding the lock, after
    the leftovers of any killed run there have been cleaned up or finished (outputset.recover).

    A second writer gets one line naming the holder and exit code 75.
    """
    import typer

    from riskscore import outputset, terminal

    @functools.wraps(command)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        out = Path(kwargs["out"])  # every writing command has the shared --out option
        if out.exists() and not out.is_dir():
            typer.echo(f"error: --out {terminal.clean(out)} is a file, not a folder", err=True)
            raise typer.Exit(2)
        try:
            with holding(out):
                outputset.recover(out)
                return command(*args, **kwargs)
        except OutputLocked as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(EXIT_LOCKED) from None

    return locked


_DUCKDB_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


def database_in_use(error: BaseException) -> str | None:
    """One line for DuckDB's 'could not set lock' error (another process has the file open),
    naming that process; None for any other error."""
    message = str(error)
    if "Could not set lock on file" not in message:
        return None
    path = re.search(r'file "([^"]+)"', message)
    found = _DUCKDB_HOLDER.search(message)
    where = path.group(1) if path else "the database"
    who = "another process"
    if found:
        who = f"pid {found.group(2)} ({Path(found.group(1)).name})"
        writer = holder(Path(where).parent)  # a riskscore writer says what it is running
        if writer.get("pid") == found.group(2):
            who = describe(writer)
    return f"{where} is in use by {who}; try again when it has finished"

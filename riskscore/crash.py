"""No traceback, ever: an unexpected error becomes one line on stderr and exit code 1, and the
full traceback goes to a log file that the line names.

The log lands in <out>/logs/riskscore-<UTC timestamp>-<pid>.log (the command's --out, default
out/), or in the system temp folder when that cannot be written. `GuardedGroup` installs this
for every command of the typer app (riskscore.cli passes it as the app's class).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import traceback
from pathlib import Path

import typer
from typer.core import TyperGroup

from riskscore import lock, settings
from riskscore.terminal import clean

EXIT_UNEXPECTED = 1
EXIT_INTERRUPTED = 130
MESSAGE_CHARS = 300  # the one line stays readable whatever the exception carries


def out_from_args(args: list[str]) -> Path:
    """The --out folder named on a command line, else the default out/."""
    for i, arg in enumerate(args):
        if arg == "--out" and i + 1 < len(args):
            return Path(args[i + 1])
        if arg.startswith("--out="):
            return Path(arg.removeprefix("--out="))
    return settings.OUT_DIR


def write_log(error: BaseException, args: list[str], out: Path) -> Path | None:
    """Write the traceback and the command line to a new log file; None if nowhere writable."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"riskscore-{stamp}-{os.getpid()}.log"
    body = f"riskscore {' '.join(args)}\ncwd: {Path.cwd()}\n\n" + "".join(
        traceback.format_exception(type(error), error, error.__traceback__)
    )
    for folder in (out / "logs", Path(tempfile.gettempdir()) / "riskscore-logs"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(body, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def one_line(error: BaseException) -> str:
    """The exception as one short, terminal-safe line: its type and its first message line."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    message = clean(message)
    if len(message) > MESSAGE_CHARS:
        message = message[: MESSAGE_CHARS - 1] + "…"
    kind = type(error).__name__
    return f"{kind}: {message}" if message else kind


def report(error: BaseException, args: list[str]) -> str:
    """Log the error and return the line to print: what went wrong and where the log is."""
    log = write_log(error, args, out_from_args(args))
    where = f"full traceback in {log}" if log else "no log could be written"
    return f"error: unexpected {one_line(error)} ({where})"


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so exiting does not raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. under a test runner)
        pass


class GuardedGroup(TyperGroup):
    """The typer group every riskscore command runs in: expected exits pass through, anything
    else is logged and reported in one line."""

    def invoke(self, ctx):
        args = [*getattr(ctx, "_protected_args", []), *ctx.args]
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except KeyboardInterrupt:
            typer.echo("error: interrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:  # `riskscore score | head`: the reader left, nothing to say
            _quiet_stdout()
            raise typer.Exit(EXIT_UNEXPECTED) from None
        except Exception as error:  # the one place that turns any other error into one line
            in_use = lock.database_in_use(error)
            if in_use is not None:
                typer.echo(f"error: {clean(in_use)}", err=True)
                raise typer.Exit(lock.EXIT_LOCKED) from None
            typer.echo(report(error, args), err=True)
            raise typer.Exit(EXIT_UNEXPECTED) from None

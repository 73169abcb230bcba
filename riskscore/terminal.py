"""What the CLI prints: text from the data made safe for a terminal, tables that survive a pipe,
and progress bars that stay out of the output.

Text from the data package (country names, descriptions, URLs) is untrusted: rich would read
`[bold]` in it as markup (and raise on a stray `[/bold]`), and a raw escape sequence would reach
the terminal. Every printed cell goes through `clean` and is handed to rich as a `Text`, never
as a markup string.

Tables are drawn with rich only on a terminal wide enough for them; in a pipe, a file or a
narrow terminal they are printed as plain space-aligned columns, never truncated, so that
"Pakistan" is never "Pakis…".
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported when something is printed, not at start-up (--help)
    from rich.console import Console

# C0 and C1 control characters (ESC, BEL, backspace, CSI, ...) and the bidirectional overrides
# that can make a terminal show text in another order than it is stored
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\r\n]+")
COLUMN_GAP = "  "


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: object) -> str:
    """`value` as one line of text that is safe to print: tabs and line breaks become one
    space, every other control or bidi character is shown escaped (ESC as `\\x1b`)."""
    text = "" if value is None else str(value)
    return _UNSAFE.sub(_visible, _LINE_BREAKS.sub(" ", text))


def console(stderr: bool = False) -> Console:
    """The console the commands print through (stdout, or stderr for progress and notes)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _plain_stdout(out: Console | None) -> bool:
    """Whether to write to stdout directly: no console was given and stdout is certainly no
    terminal, where rich would print the same plain text (rich is then never imported)."""
    return out is None and not _may_be_terminal(sys.stdout)


def line(*parts: object | tuple[object, str], out: Console | None = None) -> None:
    """Print one line assembled from parts (plain values, or (value, style) pairs), each
    cleaned; nothing in them is read as markup."""
    if _plain_stdout(out):
        sys.stdout.write("".join(clean(p[0] if isinstance(p, tuple) else p) for p in parts) + "\n")
        return
    from rich.text import Text

    pieces = [
        (clean(p[0]), p[1]) if isinstance(p, tuple) else clean(p)
        for p in parts  # a (value, style) pair or a plain value
    ]
    (out or console()).print(Text.assemble(*pieces), soft_wrap=True)


@dataclass(frozen=True)
class Column:
    """A table column: its header and whether its values align right (numbers)."""

    name: str
    right: bool = False


def table(
    title: str,
    columns: Sequence[str | Column],
    rows: Iterable[Sequence[object]],
    out: Console | None = None,
) -> None:
    """Print a titled table. The title should name the date the figures are as of.

    On a terminal that fits it, a rich table; otherwise (pipe, file, narrow terminal) plain
    columns separated by two spaces, each as wide as its widest cell: nothing is cut.
    """
    spec = [c if isinstance(c, Column) else Column(c) for c in columns]
    cells = [[clean(v) for v in row] for row in rows]
    if _plain_stdout(out):
        sys.stdout.write("".join(f"{text}\n" for text in [*plain_lines(title, spec, cells), ""]))
        return
    from rich.table import Table
    from rich.text import Text

    out = out or console()
    if out.is_terminal:
        rich_table = Table(title=Text(clean(title)))
        for column in spec:
            rich_table.add_column(
                Text(clean(column.name)), justify="right" if column.right else "left"
            )
        for row in cells:
            rich_table.add_row(*(Text(v) for v in row))
        natural = out.measure(rich_table, options=out.options.update_width(1 << 16)).maximum
        if natural <= out.width:  # rich would otherwise squeeze and wrap or cut the cells
            out.print(rich_table)
            return
    for text_line in [*plain_lines(title, spec, cells), ""]:  # a blank line after each table
        out.print(Text(text_line), soft_wrap=True, crop=False)


def plain_lines(title: str, columns: Sequence[Column], cells: list[list[str]]) -> list[str]:
    """The table as plain lines: the title, the header, then one line per row, aligned."""
    from rich.cells import cell_len

    headers = [clean(c.name) for c in columns]
    widths = [cell_len(h) for h in headers]
    for row in cells:
        widths = [max(w, cell_len(v)) for w, v in zip(widths, row, strict=True)]

    def render(values: list[str]) -> str:
        padded = []
        for value, width, column in zip(values, widths, columns, strict=True):
            pad = " " * (width - cell_len(value))
            padded.append(pad + value if column.right else value + pad)
        return COLUMN_GAP.join(padded).rstrip()

    return [clean(title), render(headers), *(render(row) for row in cells)]


class Steps:
    """A progress bar's handle: name the step that starts, or set how much is done."""

    def __init__(self, progress, task) -> None:
        self._progress, self._task, self._started = progress, task, False

    def step(self, description: str) -> None:
        """A new step starts: the previous one counts as done."""
        advance = 1 if self._started else 0
        self._started = True
        self._progress.update(self._task, description=clean(description), advance=advance)

    def restart(self, description: str, total: float | None) -> None:
        """Count a new stretch of work from zero, e.g. pages once their number is known."""
        self._started = True
        self._progress.reset(self._task, description=clean(description), total=total)

    def update(self, completed: float, total: float | None = None) -> None:
        """Set how much is done (and the total, when it becomes known)."""
        self._progress.update(self._task, completed=completed, total=total)

    def advance(self, amount: float = 1) -> None:
        self._progress.advance(self._task, amount)


class _Silent:
    """The progress calls Steps makes, doing nothing (stderr is not a terminal)."""

    def update(self, *args: object, **kwargs: object) -> None:
        pass

    reset = advance = update


def _may_be_terminal(stream: object) -> bool:
    """False when rich would certainly not treat `stream` as a terminal: not a tty, and none of
    the variables that make rich treat it as one (TTY_COMPATIBLE, FORCE_COLOR) is set."""
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed or detached stream
        return False


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Steps]:
    """A transient progress bar on stderr, for a step that can take more than two seconds.

    Hidden when stderr is not a terminal, so pipes and logs get no bar at all.
    """
    # nothing to draw: rich.progress is not imported, nor rich at all when the stream settles it
    err = console(stderr=True) if _may_be_terminal(sys.stderr) else None
    if err is None or not err.is_terminal:
        yield Steps(_Silent(), None)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    with bar:
        yield Steps(bar, bar.add_task(clean(description), total=total))

"""Split one package CSV into text cells, each row knowing its editor line.

Fast path: polars parses the bytes, every column as text. Polars pads a short row with nulls
instead of failing, so the split is confirmed by a count: when some row's last field is null,
every comma of the file must separate fields of a non-blank row or sit inside a value. A lone
carriage return (csv and polars disagree on it) or any polars
error sends the file to the exact path instead: Python's csv module, record by record, which
names the line of each ragged row or syntax error. Editor lines of the fast path are computed
only when a failure needs them, from the line breaks inside quoted cells.
"""

from __future__ import annotations

import contextlib
import csv
import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import polars as pl

from riskscore import settings
from riskscore.validate import failures as fl
from riskscore.validate.failures import Failure

ROW = "__row__"  # each record's position in the split file (the header is row 0)


def cell_column(position: int) -> str:
    """The name a split gives the field at `position` (0-based) of every record."""
    return f"field_{position}"


@dataclass
class Split:
    """A CSV as text: the header's names, every record as columns `field_0..` with its ROW,
    and how to turn a ROW into the editor line the record starts on. `exact` tells which path
    split it (the exact path has stripped nothing either, but cost more)."""

    header: list[str]
    cells: pl.DataFrame  # ROW + fields; fast path: all rows (header, blank lines) as polars gave
    lines: Callable[[pl.Series], pl.Series]
    failures: list[Failure] = field(default_factory=list)
    exact: bool = True
    blank_lines: bool = False  # fast path: polars kept a row of nulls for a blank line

    @property
    def fields(self) -> list[str]:
        return [c for c in self.cells.columns if c != ROW]

    def records(self) -> pl.LazyFrame:
        """The data records (header and blank lines dropped), lazily. Without blank lines that
        is a slice, which copies nothing."""
        if not self.blank_lines:
            return self.cells.lazy().slice(1)
        return self.cells.lazy().filter((pl.col(ROW) > 0) & ~_blank(self.fields))


def _blank(fields: list[str]) -> pl.Expr:
    return pl.all_horizontal(pl.col(c).is_null() for c in fields)


def _whole_records(frame: pl.DataFrame, body: bytes) -> tuple[bool, bool]:
    """Whether polars split the file into whole records, and whether it kept blank lines.

    A short row leaves its last field null, and only then are commas counted: each must
    separate two fields of a non-blank row or sit inside a (quoted) value."""
    fields = [c for c in frame.columns if c != ROW]
    if frame.get_column(fields[-1]).null_count() == 0:  # no short row, no blank line
        return True, False
    blank = _blank(fields)
    short, blanks = frame.select(
        (pl.col(fields[-1]).is_null() & ~blank).sum().alias("short"), blank.sum().alias("blank")
    ).row(0)
    if short == 0:
        return True, blanks > 0
    counts = [(~blank).sum().alias("rows")]
    if b'"' in body:
        counts += [pl.col(c).str.count_matches(",", literal=True).sum() for c in fields]
    rows, *inside = frame.select(counts).row(0)
    return rows * (len(fields) - 1) + sum(inside) == body.count(b","), blanks > 0


def _fast_lines(cells: pl.DataFrame, quoted: bool) -> Callable[[pl.Series], pl.Series]:
    """ROW -> editor line for a polars split: its row number plus line breaks in earlier rows
    (polars gives every blank line a row of its own, so only quoted breaks need counting)."""

    def lines(rows: pl.Series) -> pl.Series:
        if not quoted:
            return rows + 1
        fields = [c for c in cells.columns if c != ROW]
        inner = pl.sum_horizontal(
            pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in fields
        )
        start = cells.select(ROW, line=pl.col(ROW) + 1 + inner.cum_sum() - inner)
        found = pl.DataFrame({ROW: rows}).join(start, on=ROW, how="left", maintain_order="left")
        return found["line"]

    return lines


def _polars_split(body: bytes) -> pl.DataFrame | None:
    """Every row (header and blank lines included) as text, or None for the exact path."""
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        return None  # a lone CR: csv and polars disagree on where lines end
    try:
        frame = pl.read_csv(
            body, has_header=False, infer_schema=False, quote_char='"', raise_if_empty=False
        )
    except Exception:  # malformed quotes, long rows: the exact path explains them
        return None
    if frame.width == 0 or frame.height == 0 or frame.row(0) == (None,) * frame.width:
        return None  # nothing, or a blank first line: let the exact path name the header
    frame.columns = [cell_column(i) for i in range(frame.width)]
    return frame.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))


_FIELD_LIMIT_LOCK = threading.Lock()


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """The csv module's field size limit is process-wide (and some libraries raise it at
    import); pin it while reading so a file gives the same failures in any process. Tables
    are split on two threads: one at a time takes this exact path, so none restores the limit
    while another reads."""
    with _FIELD_LIMIT_LOCK:
        before = csv.field_size_limit(limit)
        try:
            yield
        finally:
            csv.field_size_limit(before)


def _exact_split(text: str, file: str, header_ok: Callable[[list[str]], bool]) -> Split:
    """Record by record with the csv module: ragged rows and syntax errors named by line."""
    with _field_limit(settings.MAX_TABLE_BYTES):
        return _records(text, file, header_ok)


def _records(text: str, file: str, header_ok: Callable[[list[str]], bool]) -> Split:
    # strict: a quote left open or text after a closing quote is a syntax error, not a guess
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        first = next(reader, [])
    except csv.Error as err:
        failure = Failure(file, 1, "", fl.CSV_SYNTAX.name, str(err))
        return Split([], _cells([], 0), lambda rows: rows + 1, [failure])
    header = [h.strip() for h in first]
    width = len(first)
    if not header_ok(header):  # nothing below a wrong header can be attributed to columns
        return Split(header, _cells([], width), lambda rows: rows + 1)
    failures: list[Failure] = []
    records: list[list[str]] = [first]
    starts: list[int] = [1]
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            failures.append(Failure(file, start, "", fl.CSV_SYNTAX.name, str(err)))
            break
        last_line = reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue  # a blank line
        if len(record) != width:
            value = f"{len(record)} fields, header has {width}"
            failures.append(Failure(file, start, "", fl.FIELD_COUNT.name, value))
            continue
        records.append(record)
        starts.append(start)
    line_of = pl.Series("line", starts, dtype=pl.Int64)
    return Split(header, _cells(records, width), lambda rows: line_of.gather(rows), failures)


def _cells(records: list[list[str]], width: int) -> pl.DataFrame:
    names = [cell_column(i) for i in range(width)]
    data = {name: [r[i] for r in records] for i, name in enumerate(names)}
    return pl.DataFrame(
        {ROW: list(range(len(records))), **data},
        schema={ROW: pl.Int64, **dict.fromkeys(names, pl.String)},
    )


def split_csv(
    body: bytes, file: str, header_ok: Callable[[list[str]], bool], exact: bool = False
) -> Split:
    """The header and records of a UTF-8 CSV body (no BOM): fast when polars splits it into
    whole records, else (or when `exact` is asked for) record by record.

    `header_ok` judges the header (and records why it fails); when it says no, the records are
    not split at all, so a file of noise yields one header failure rather than one per line.
    """
    frame = None if exact else _polars_split(body)
    whole, blank_lines = _whole_records(frame, body) if frame is not None else (False, False)
    if frame is None or not whole:
        return _exact_split(body.decode("utf-8"), file, header_ok)
    header = [(v or "").strip() for v in frame.row(0)[1:]]
    if not header_ok(header):
        return Split(header, frame.clear(), lambda rows: rows + 1, exact=False)
    lines = _fast_lines(frame, b'"' in body)
    return Split(header, frame, lines, exact=False, blank_lines=blank_lines)

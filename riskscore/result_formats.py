"""Print or write a query's rows: a table for people, CSV, JSON, JSON Lines, Markdown, Parquet.

Machine formats stream every row (never cut, never shortened); the table view shows the first
`limit` rows, says "N of M rows", wraps long values instead of cutting them, and turns to one
record per block when the columns do not fit the terminal. Values reach the terminal with control
characters made visible, so data cannot move the cursor or recolour the screen.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from riskscore.query import Query, QueryError, printable

FORMATS = ("table", "csv", "json", "jsonl", "markdown", "parquet")
TABLE_LIMIT = 50
NULL = "NULL"
NUMERIC_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL"}  # fmt: skip
MIN_COLUMN_WIDTH = 8  # a column narrower than this makes the table view switch to records


def write_csv(query: Query, stream: TextIO, limit: int | None = None) -> int:
    """Every row as RFC 4180 CSV with a header; NULL is an empty field. Returns the row count."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(query.columns)
    return _count(writer.writerow(row) for row in query.text_rows(limit))


def write_jsonl(query: Query, stream: TextIO, limit: int | None = None) -> int:
    """One JSON object per line."""
    return _count(stream.write(text + "\n") for text in query.json_rows(limit))


def write_json(query: Query, stream: TextIO, limit: int | None = None) -> int:
    """A JSON array of objects, written a row at a time."""
    rows = 0
    stream.write("[")
    for text in query.json_rows(limit):
        stream.write(("," if rows else "") + "\n  " + text)
        rows += 1
    stream.write("\n]\n" if rows else "]\n")
    return rows


def write_markdown(query: Query, stream: TextIO, limit: int | None = None) -> int:
    """A GitHub-flavoured Markdown table (pipes escaped, line breaks as <br>)."""
    stream.write(_markdown_row(query.columns) + "\n")
    stream.write("|" + "---|" * len(query.columns) + "\n")
    return _count(
        stream.write(_markdown_row(["" if v is None else v for v in row]) + "\n")
        for row in query.text_rows(limit)
    )


def _markdown_row(cells: Iterable[str]) -> str:
    escaped = (printable(c.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>"))
               for c in cells)  # fmt: skip
    return "| " + " | ".join(escaped) + " |"


def write_parquet(query: Query, path) -> int:
    """Every row to a Parquet file, streamed batch by batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    reader = query.arrow_batches()
    rows = 0
    try:
        with pq.ParquetWriter(path, reader.schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid) as err:
        first = str(err).splitlines()[0]
        raise QueryError(f"cannot write this result as Parquet ({first}); cast the column, "
                         "e.g. to varchar") from None  # fmt: skip
    return rows


def write_table(query: Query, console, limit: int | None = TABLE_LIMIT, title: str = "") -> int:
    """The first `limit` rows for reading in a terminal, with a "N of M rows" line."""
    from rich.table import Table
    from rich.text import Text

    rows = [[NULL if v is None else printable(v) for v in row] for row in query.text_rows(limit)]
    total = query.count() if limit is not None and len(rows) >= limit else len(rows)
    columns = [printable(c) for c in query.columns]
    if _fits(columns, rows, console.width):
        table = Table(title=Text(title) if title else None, show_lines=False)
        for name, kind in zip(columns, query.types, strict=True):
            right = kind.split("(")[0] in NUMERIC_TYPES
            table.add_column(Text(name), overflow="fold", justify="right" if right else "left")
        for row in rows:
            table.add_row(*(Text(v, style="dim" if v == NULL else "") for v in row))
        console.print(table)
    else:  # too many columns for the width: one block per row, column beside value
        if title:
            console.print(Text(title))
        for number, row in enumerate(rows, start=1):
            record = Table(title=Text(f"row {number}"), show_header=False, title_justify="left")
            record.add_column(overflow="fold", style="bold")
            record.add_column(overflow="fold")
            for name, value in zip(columns, row, strict=True):
                record.add_row(Text(name), Text(value))
            console.print(record)
    note = f"{len(rows)} of {total} rows"
    if len(rows) < total:
        note += " (--limit N shows more; --format csv or json gives them all)"
    console.print(Text(note))
    return len(rows)


def _fits(columns: list[str], rows: list[list[str]], width: int) -> bool:
    """Whether every column gets at least a readable width in a table `width` characters wide."""
    needed = 1
    for i, name in enumerate(columns):
        longest = max([len(name), *(len(row[i]) for row in rows)])
        needed += min(max(longest, 1), MIN_COLUMN_WIDTH) + 3
    return needed <= width


def _count(writes: Iterable) -> int:
    return sum(1 for _ in writes)

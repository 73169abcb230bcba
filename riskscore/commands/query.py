"""`riskscore sql`: one read-only query on out/riskscore.duckdb, printed or written.

Thin: the locked-down runner is riskscore.query, the formats are riskscore.result_formats.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from riskscore.commands import common

FORMAT_HELP = "table (first --limit rows), csv, json, jsonl, markdown, parquet (needs --output)"


def sql(
    query: Annotated[
        str | None, typer.Argument(help="One SQL query; with --schema, a table name (optional)")
    ] = None,
    out: common.OutOption = common.OUT_DEFAULT,
    format: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout")
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(help="Rows to show (default 50 for table; every row for other formats)"),
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="List the tables, or one table's columns")
    ] = False,
    timeout: Annotated[float, typer.Option(help="Stop the query after this many seconds")] = 300,
) -> None:
    """Run one read-only query on out/riskscore.duckdb (`--schema` lists what is in it).

    The engine itself keeps the query inside the database: no other file, no network, no
    extension, no setting can be reached. `select * from contents` describes every table.
    """
    from riskscore import query as querying
    from riskscore import result_formats

    if format not in result_formats.FORMATS:
        common.fail(f"--format must be one of {', '.join(result_formats.FORMATS)}", 2)
    if format == "parquet" and output is None:
        common.fail("--format parquet writes a file: add --output FILE.parquet", 2)
    if limit is not None and limit < 0:
        common.fail("--limit must be 0 or more", 2)
    if not schema and not query:
        common.fail('give a query, e.g. riskscore sql "select * from scores limit 5"', 2)
    if limit is None and format == "table" and not schema:
        limit = result_formats.TABLE_LIMIT
    database = out / "riskscore.duckdb"
    try:
        if output is not None:
            querying.check_target(out, output)
        if schema:
            _schema(database, query, format, output, limit)
        else:
            with querying.run(database, query, timeout=timeout) as result:
                _emit(result, format, output, limit)
    except querying.QueryError as err:
        common.fail(str(err))
    except KeyboardInterrupt:
        common.fail("interrupted", 130)
    except BrokenPipeError:  # `| head` closed the pipe: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _schema(database: Path, table: str | None, format: str, output, limit) -> None:
    from riskscore import query as querying

    if table is None:
        with querying.run(database, querying.catalog_sql("schema_tables"), {"table": None}) as q:
            title = f"Tables in {database} (--schema TABLE lists a table's columns)"
            _emit(q, format, output, limit, title)
        return
    with querying.run(database, querying.catalog_sql("schema_tables"), {"table": table}) as q:
        found = list(q.text_rows())
    if not found:
        raise querying.QueryError(f"no table or view named {table!r}; --schema lists them")
    description = found[0][3] or ""
    with querying.run(database, querying.catalog_sql("schema_columns"), {"table": table}) as q:
        _emit(q, format, output, limit, f"{table}: {description}".rstrip(": "))


def _emit(result, format: str, output: Path | None, limit: int | None, title: str = "") -> None:
    """Write `result` in `format` to `output` (atomically) or stdout."""
    from rich.console import Console

    from riskscore import result_formats

    if format == "parquet":
        tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
        try:
            result_formats.write_parquet(result, tmp)
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)
        typer.echo(f"wrote {output}", err=True)
        return
    writers = {
        "csv": result_formats.write_csv,
        "json": result_formats.write_json,
        "jsonl": result_formats.write_jsonl,
        "markdown": result_formats.write_markdown,
    }
    if output is None:
        if format == "table":
            result_formats.write_table(result, Console(highlight=False), limit, title)
        else:
            writers[format](result, sys.stdout, limit)
        return
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as stream:
            if format == "table":
                console = Console(file=stream, width=120, color_system=None, highlight=False)
                result_formats.write_table(result, console, limit, title)
            else:
                writers[format](result, stream, limit)
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    typer.echo(f"wrote {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add the query command to the riskscore app."""
    app.command()(sql)

"""`riskscore sql`: read-only SQL on the database `build` writes."""

from __future__ import annotations

from typing import Annotated

import typer

from riskscore import terminal
from riskscore.commands import common


def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only)")],
    out: common.OutOption = common.OUT_DEFAULT,
    limit: Annotated[int, typer.Option(help="Rows to print")] = 50,
) -> None:
    """Run read-only SQL against out/riskscore.duckdb and print the result."""
    import duckdb
    import polars as pl

    path = out / "riskscore.duckdb"
    if not path.exists():
        typer.echo(f"error: {path} not found; run `riskscore build` first", err=True)
        raise typer.Exit(1)
    con = duckdb.connect(str(path), read_only=True)
    try:
        frame = con.sql(query).pl()
    except duckdb.Error as err:
        common.fail(str(err))
    except AttributeError:  # a statement with no result set
        typer.echo("ok")
        return
    finally:
        con.close()
    with pl.Config(tbl_rows=limit, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200):
        # cells come from the data: escape sequences are shown, not sent to the terminal
        typer.echo("\n".join(terminal.clean(line) for line in str(frame.head(limit)).splitlines()))


def register(app: typer.Typer) -> None:
    """Add the query command to the riskscore app."""
    app.command()(sql)

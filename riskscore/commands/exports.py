"""`riskscore export`: the main tables as CSV files or one Excel workbook for spreadsheet users."""

from __future__ import annotations

from typing import Annotated

import typer

from riskscore.commands import common


def export(
    format: Annotated[str, typer.Option("--format", "-f", help="csv or xlsx")] = "xlsx",
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """Write scores, contributions, history, uncertainty and sources to out/export/, with a
    table explaining every column. Text that a spreadsheet would run as a formula is quoted."""
    from riskscore import exporting

    if format not in exporting.FORMATS:
        common.fail(f"--format must be one of {', '.join(exporting.FORMATS)}", 2)
    try:
        result = exporting.export(out, format)
    except exporting.ExportError as err:
        common.fail(str(err))
    for path in result.paths:
        typer.echo(f"wrote {path}")
    if result.missing:
        typer.echo(f"not exported (not computed yet): {', '.join(result.missing)}", err=True)


def register(app: typer.Typer) -> None:
    """Add the export command to the riskscore app."""
    app.command()(export)

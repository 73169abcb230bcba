"""The `riskscore` command: a thin layer over the library functions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskscore import settings

app = typer.Typer(
    help="Score the risk that a government's crypto policy collides with its IMF program.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """riskscore: sourced data package, point-in-time scores, reports."""


@app.command()
def ingest(
    shared: Annotated[Path, typer.Option(help="Folder holding sources/ and facts/")] = settings.SHARED_DIR,
    out: Annotated[Path, typer.Option(help="Where to write the tidy CSV tables")] = settings.DATASETS_DIR,
) -> None:
    """Rebuild the data package (datasets/*.csv) from the raw public extracts."""
    from riskscore.ingest import build_all, write_all
    from riskscore.ingest.common import IngestError

    try:
        tables = build_all(shared, settings.curated_dir(out), progress=lambda m: typer.echo(f"ingest: {m}"))
    except IngestError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    for path in write_all(tables, out):
        typer.echo(f"wrote {path}")


if __name__ == "__main__":
    app()

"""`riskscore ingest`, `validate`, `build`: the data package and the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskscore import settings, terminal
from riskscore.commands import common


def ingest(
    shared: Annotated[
        Path, typer.Option(help="Folder holding sources/ and facts/")
    ] = settings.SHARED_DIR,
    out: Annotated[
        Path, typer.Option(help="Where to write the tidy CSV tables")
    ] = common.DATASETS_DEFAULT,
    shapes: Annotated[
        Path, typer.Option(help="Where to write the report's world map shapes (TopoJSON)")
    ] = settings.WORLD_SHAPES_FILE,
) -> None:
    """Rebuild the data package (datasets/*.csv) and the map shapes from the raw extracts."""
    from riskscore import datapackage
    from riskscore.ingest import build_all, world_shapes, write_all
    from riskscore.ingest.common import IngestError

    try:
        tables = build_all(
            shared, settings.curated_dir(out), progress=lambda m: typer.echo(f"ingest: {m}")
        )
        typer.echo("ingest: world_shapes")
        shapes_text = world_shapes.build(shared)
    except IngestError as err:
        common.fail(str(err))
    for path in write_all(tables, out):
        typer.echo(f"wrote {path}")
    typer.echo(f"wrote {datapackage.write(out)}")
    typer.echo(f"wrote {world_shapes.write(shapes_text, shapes)}")


def validate(
    directory: Annotated[
        Path, typer.Argument(help="Data package folder")
    ] = common.DATASETS_DEFAULT,
    failures: Annotated[
        Path | None, typer.Option(help="Also write every failure as a table to this .parquet file")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="On success, stamp this output folder so later commands skip the checks"),
    ] = None,
) -> None:
    """Check every table against its schema and the cross-table rules.

    Prints each failure as `file:line: column: rule: value`, then a count per table.
    Exits 1 if anything failed, 0 when the package is clean.
    """
    from riskscore.validate import stamp, validate_package, write_failures

    report = validate_package(directory)
    for failure in report.failures:  # values come from the files: shown, never obeyed
        typer.echo(terminal.clean(failure.format()))
    summary = report.summary()
    width = max(len(t) for t in summary["table"])
    for row in summary.iter_rows(named=True):
        typer.echo(
            f"{row['table']:<{width}}  {row['rows']:>7} rows  {row['failures']:>5} failures"
            f"  {row['rejected_rows']:>5} rejected rows"
        )
    if failures is not None:
        typer.echo(f"wrote {write_failures(report.failures, failures)}")
    if not report.ok:
        typer.echo(f"{directory}: {len(report.failures)} failure(s)", err=True)
        raise typer.Exit(1)
    if out is not None:
        stamp.write(out, report.stamp())
    typer.echo(f"{directory}: valid")


@common.writes_out
def build(
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """Load the validated tables into out/riskscore.duckdb for ad-hoc SQL.

    The database holds one table per dataset, the model config (cfg_*) and every output
    already in out/, all commented; `select * from contents` lists them. DuckDB 1.1 and later
    open it, and it keeps working when out/ is moved or zipped.
    """
    from riskscore import database, pipeline
    from riskscore.validate import stamp

    package = common.load_package(datasets, out)
    try:
        typer.echo(f"wrote {pipeline.build_database(package, out)}")
    except database.DatabaseError as err:
        common.fail(str(err))
    if package.validated is not None:  # later commands parse the package without the checks
        stamp.write(out, package.validated)


def register(app: typer.Typer) -> None:
    """Add the data-package commands to the riskscore app."""
    app.command()(ingest)
    app.command()(validate)
    app.command()(build)

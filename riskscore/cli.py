"""The `riskscore` command: a thin layer over the library functions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from riskscore import settings
from riskscore.commands import register_all

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
    shared: Annotated[
        Path, typer.Option(help="Folder holding sources/ and facts/")
    ] = settings.SHARED_DIR,
    out: Annotated[
        Path, typer.Option(help="Where to write the tidy CSV tables")
    ] = settings.DATASETS_DIR,
) -> None:
    """Rebuild the data package (datasets/*.csv) from the raw public extracts."""
    from riskscore import datapackage
    from riskscore.ingest import build_all, write_all
    from riskscore.ingest.common import IngestError

    try:
        tables = build_all(
            shared, settings.curated_dir(out), progress=lambda m: typer.echo(f"ingest: {m}")
        )
    except IngestError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    for path in write_all(tables, out):
        typer.echo(f"wrote {path}")
    typer.echo(f"wrote {datapackage.write(out)}")


@app.command()
def validate(
    directory: Annotated[Path, typer.Argument(help="Data package folder")] = settings.DATASETS_DIR,
    failures: Annotated[
        Path | None, typer.Option(help="Also write every failure as a table to this .parquet file")
    ] = None,
) -> None:
    """Check every table against its schema and the cross-table rules.

    Prints each failure as `file:line: column: rule: value`, then a count per table.
    Exits 1 if anything failed, 0 when the package is clean.
    """
    from riskscore.validate import validate_package, write_failures

    report = validate_package(directory)
    for failure in report.failures:
        typer.echo(failure.format())
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
    typer.echo(f"{directory}: valid")


DatasetsOption = Annotated[Path, typer.Option(help="Data package folder")]
OutOption = Annotated[Path, typer.Option(help="Output folder")]


def _parse_date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        typer.echo(f"error: {name} must be a date like 2025-06-30, got {value!r}", err=True)
        raise typer.Exit(2) from None


def _load(datasets: Path, out: Path):
    """Validate the package; on failure print every failure, record them and exit 1."""
    from riskscore import pipeline

    try:
        return pipeline.load_package(datasets, cache=out / "riskscore.duckdb")
    except pipeline.InvalidPackage as err:
        for failure in err.report.failures:
            typer.echo(failure.format(), err=True)
        path = pipeline.record_rejections(err.report, out)
        typer.echo(
            f"{err}; outputs in {out}/ left unchanged; failures recorded in {path}", err=True
        )
        raise typer.Exit(1) from None


def _print_top(scores, n: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Top {n} by IMF-conflict risk")
    for col in ("rank", "iso3", "country", "score", "band", "exposure", "engagement",
                "vulnerability", "completeness"):  # fmt: skip
        table.add_column(col)
    for row in scores.sort("rank").head(n).iter_rows(named=True):
        table.add_row(
            str(row["rank"]), row["iso3"], row["country"], f"{row['score']:.1f}", row["band"],
            f"{row['exposure']:.1f}", f"{row['engagement']:.1f}", f"{row['vulnerability']:.1f}",
            f"{row['completeness']:.0%}",
        )  # fmt: skip
    Console().print(table)


@app.command()
def build(
    datasets: DatasetsOption = settings.DATASETS_DIR, out: OutOption = settings.OUT_DIR
) -> None:
    """Load the validated tables into out/riskscore.duckdb for ad-hoc SQL.

    The database holds one table per dataset, the model config (cfg_*), and views
    scores, contributions, history over the Parquet outputs once they exist.
    """
    from riskscore import pipeline

    package = _load(datasets, out)
    typer.echo(f"wrote {pipeline.build_database(package, out)}")


@app.command()
def score(
    as_of: Annotated[str | None, typer.Option(help="Score as of this date (default today)")] = None,
    datasets: DatasetsOption = settings.DATASETS_DIR,
    out: OutOption = settings.OUT_DIR,
    top: Annotated[int, typer.Option(help="Rows to print")] = 15,
) -> None:
    """Score every IMF member as of a date: out/scores.parquet, out/contributions.parquet."""
    from riskscore import pipeline

    day = _parse_date(as_of, "--as-of") or dt.date.today()
    package = _load(datasets, out)
    run, _ = pipeline.run_model([day], package=package)
    for path in pipeline.write_scores(run, package, out, day):
        typer.echo(f"wrote {path}")
    pipeline.refresh_output_views(out)
    _print_top(run.scores, top)


@app.command()
def history(
    start: Annotated[str, typer.Option(help="First date")] = "2015-01-01",
    end: Annotated[str | None, typer.Option(help="Last date (default today)")] = None,
    freq: Annotated[str, typer.Option(help="month, quarter or year")] = "quarter",
    datasets: DatasetsOption = settings.DATASETS_DIR,
    out: OutOption = settings.OUT_DIR,
) -> None:
    """Score every member at every period end: out/history.parquet (+ contributions)."""
    from riskscore import pipeline

    if freq not in pipeline.FREQUENCIES:
        typer.echo(f"error: --freq must be one of {', '.join(pipeline.FREQUENCIES)}", err=True)
        raise typer.Exit(2)
    first = _parse_date(start, "--start")
    last = _parse_date(end, "--end") or dt.date.today()
    dates = pipeline.period_ends(first, last, freq)
    if not dates:
        typer.echo(f"error: no {freq} end between {first} and {last}", err=True)
        raise typer.Exit(2)
    package = _load(datasets, out)
    run, _ = pipeline.run_model(dates, package=package)
    for path in pipeline.write_history(run, package, out, first, last, freq):
        typer.echo(f"wrote {path}")
    pipeline.refresh_output_views(out)
    typer.echo(f"{len(dates)} dates x {run.scores['iso3'].n_unique()} members scored")


@app.command()
def explain(
    iso3: Annotated[str, typer.Argument(help="ISO3 country code, e.g. PAK")],
    as_of: Annotated[str | None, typer.Option(help="As of this date (default today)")] = None,
    datasets: DatasetsOption = settings.DATASETS_DIR,
    out: OutOption = settings.OUT_DIR,
    top: Annotated[int, typer.Option(help="Rows per section")] = 8,
) -> None:
    """Print why a country scores what it does: pillars, factors, actions, arrangements."""
    from rich.console import Console

    from riskscore import explain as explaining
    from riskscore import pipeline

    day = _parse_date(as_of, "--as-of") or dt.date.today()
    package = _load(datasets, out)
    run, _ = pipeline.run_model([day], package=package)
    try:
        result = explaining.explain(run, package.tables, iso3, day)
    except KeyError as err:
        typer.echo(f"error: {err.args[0]}", err=True)
        raise typer.Exit(1) from None
    explaining.render(result, Console(), top=top)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only)")],
    out: OutOption = settings.OUT_DIR,
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
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    except AttributeError:  # a statement with no result set
        typer.echo("ok")
        return
    finally:
        con.close()
    with pl.Config(tbl_rows=limit, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200):
        typer.echo(frame.head(limit))


register_all(app)

if __name__ == "__main__":
    app()

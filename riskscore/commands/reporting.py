"""Commands `report`, `diff` and `scenario`: argument handling and printing only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from riskscore.commands import common


def register(app: typer.Typer) -> None:
    """Add the reporting commands to the riskscore app."""
    app.command()(report)
    app.command()(diff)
    app.command()(scenario)


def report(
    as_of: Annotated[
        str | None, typer.Option(help="Report as of this date (default today)")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option(help="Only this member's page (repeatable; default all)")
    ] = None,
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """Build the static site out/report/ (index, a page per member) and out/report/summary.md.

    Reads scores and history from out/ and computes (and writes) them if missing.
    """
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from riskscore.report import build_report

    started = time.perf_counter()
    day = common.parse_date(as_of, "--as-of") or dt.date.today()
    package = common.load_package(datasets, out)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("scoring and history", total=None)
        try:
            files = build_report(
                out,
                day,
                package=package,
                countries=country,
                on_start=lambda n: progress.update(task, description="country pages", total=n),
                on_page=lambda iso3: progress.advance(task),
            )
        except KeyError as err:
            typer.echo(f"error: {err.args[0]}", err=True)
            raise typer.Exit(1) from None
    for note in files.notes:
        typer.echo(note)
    typer.echo(f"wrote {files.index}, {files.summary} and {len(files.countries)} country pages")
    typer.echo(f"report built in {time.perf_counter() - started:.1f} s")
    typer.echo(f"open file://{files.index.resolve()}")


def diff(
    from_: Annotated[str, typer.Option("--from", help="Earlier date, e.g. 2025-03-31")],
    to: Annotated[str, typer.Option("--to", help="Later date, e.g. 2025-06-30")],
    iso3: Annotated[list[str] | None, typer.Argument(help="ISO3 codes (default: all)")] = None,
    output: Annotated[
        Path | None, typer.Option(help="Also write the factor rows to this .parquet file")
    ] = None,
    top: Annotated[int, typer.Option(help="Countries to detail")] = 10,
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """How each score changed between two dates, which factors account for it (they add up
    exactly to the change), and which new actions, reviews, arrangements, responses or data
    explain it."""
    from rich.console import Console

    from riskscore import diff as diffing
    from riskscore import export, pipeline

    first, last = common.parse_date(from_, "--from"), common.parse_date(to, "--to")
    package = common.load_package(datasets, out)
    try:
        result = diffing.diff(first, last, iso3, package=package)
    except KeyError as err:
        typer.echo(f"error: {err.args[0]}", err=True)
        raise typer.Exit(1) from None
    evidence = diffing.describe(result.evidence, package.tables)
    diffing.render(result, Console(), evidence=evidence, changed_only=not iso3, top=top)
    if output is not None:
        from riskscore.config import load as load_config

        meta = pipeline.metadata(package, load_config(), start=str(first), end=str(last))
        typer.echo(f"wrote {export.write_parquet(diffing.output_frame(result), output, meta)}")


def scenario(
    file: Annotated[Path, typer.Argument(help="Scenario .toml or .csv of hypothetical rows")],
    as_of: Annotated[
        str | None, typer.Option(help="Score as of this date (default: the file's, else today)")
    ] = None,
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """What if: add hypothetical actions or arrangements (ids HYP-…) to copies of the tables,
    rescore, and write baseline and scenario side by side to out/scenario/<name>.parquet.

    The real data and outputs are never touched.
    """
    from rich.console import Console

    from riskscore import scenario as scenarios

    try:
        spec = scenarios.read(file)
    except scenarios.ScenarioError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    day = common.parse_date(as_of, "--as-of")
    package = common.load_package(datasets, out)
    try:
        result = scenarios.run(spec, package, out, as_of=day)
    except scenarios.ScenarioError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    _print_scenario(result, Console())
    typer.echo(f"wrote {result.path}")


def _print_scenario(result, console) -> None:
    """The hypothetical rows' ids and every country whose score the scenario moves."""
    from rich.table import Table

    s = result.scenario
    console.print(
        f"[bold]Scenario {s.name}[/bold] (hypothetical) as of {result.frame['as_of'][0]}: "
        f"{s.description}",
        highlight=False,
    )
    console.print(f"hypothetical rows: {', '.join(result.hypothetical_ids) or 'none with ids'}")
    affected = result.frame.filter("affected")
    if affected.is_empty():
        console.print("No country's score changes.")
        return
    table = Table(title=f"Affected countries: {affected.height}")
    for col in ("iso3", "country", "baseline", "scenario", "change", "band", "rank"):
        table.add_column(
            col, justify="right" if col in ("baseline", "scenario", "change") else "left"
        )
    for r in affected.iter_rows(named=True):
        band = r["band_scenario"]
        if r["band_baseline"] != band:
            band = f"{r['band_baseline']} → {band}"
        table.add_row(
            r["iso3"], r["country"], f"{r['score_baseline']:.1f}", f"{r['score_scenario']:.1f}",
            f"{r['score_change']:+.1f}", band, f"{r['rank_baseline']} → {r['rank_scenario']}",
        )  # fmt: skip
    console.print(table)

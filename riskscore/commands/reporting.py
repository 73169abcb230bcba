"""Commands `report`, `diff` and `scenario`: argument handling and printing only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskscore import outputset, terminal
from riskscore.commands import common
from riskscore.errors import NotFound


def register(app: typer.Typer) -> None:
    """Add the reporting commands to the riskscore app."""
    app.command()(report)
    app.command()(diff)
    app.command()(scenario)


@common.writes_out
def report(
    as_of: Annotated[
        str | None, typer.Option(help="Report as of this date (default: the data cutoff)")
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

    from riskscore.report import build_report

    started = time.perf_counter()
    parsed = common.parse_date(as_of, "--as-of")
    package = common.load_package(datasets, out)
    day = common.resolve_as_of(parsed, package)
    with terminal.progress("scoring and history") as bar, outputset.staging(out, "report"):
        try:
            files = build_report(
                out,
                day,
                package=package,
                countries=country,
                on_start=lambda n: bar.restart("country pages", total=n),
                on_page=lambda iso3: bar.advance(),
                before_index=common.run_deferred,
            )
        except NotFound as err:
            common.fail(str(err))
    from riskscore import output_docs

    output_docs.write_datapackage(out)  # out/datapackage.json lists the report now it exists
    for note in files.notes:
        typer.echo(note)
    typer.echo(f"wrote {files.index}, {files.summary} and {len(files.countries)} country pages")
    typer.echo(f"report built in {time.perf_counter() - started:.1f} s")
    typer.echo(f"open {files.index.resolve().as_uri()}")


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
    from riskscore import diff as diffing
    from riskscore import export, pipeline

    first, last = common.parse_date(from_, "--from"), common.parse_date(to, "--to")
    package = common.load_package(datasets, out)
    try:
        result = diffing.diff(first, last, iso3, package=package)
    except NotFound as err:
        common.fail(str(err))
    evidence = diffing.describe(result.evidence, package.tables)
    diffing.render(result, terminal.console(), evidence=evidence, changed_only=not iso3, top=top)
    if output is not None:
        from riskscore.config import load as load_config

        meta = pipeline.metadata(package, load_config(), start=str(first), end=str(last))
        typer.echo(f"wrote {export.write_parquet(diffing.output_frame(result), output, meta)}")


@common.writes_out
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
    from riskscore import scenario as scenarios

    try:
        spec = scenarios.read(file)
    except scenarios.ScenarioError as err:
        common.fail(str(err), 2)
    day = common.parse_date(as_of, "--as-of")
    package = common.load_package(datasets, out)
    try:
        with (
            terminal.progress(f"scoring scenario {spec.name}"),
            outputset.staging(out, f"scenario {spec.name}"),
        ):
            result = scenarios.run(spec, package, out, as_of=day)
    except scenarios.ScenarioError as err:
        common.fail(str(err))
    _print_scenario(result, terminal.console())
    typer.echo(f"wrote {result.path}")


def _print_scenario(result, console) -> None:
    """The hypothetical rows' ids and every country whose score the scenario moves."""
    s = result.scenario
    as_of = result.frame["as_of"][0]
    terminal.line(
        (f"Scenario {s.name}", "bold"), f" (hypothetical) as of {as_of}: {s.description}",
        out=console,
    )  # fmt: skip
    terminal.line(
        f"hypothetical rows: {', '.join(result.hypothetical_ids) or 'none with ids'}", out=console
    )
    affected = result.frame.filter("affected")
    if affected.is_empty():
        terminal.line("No country's score changes.", out=console)
        return
    rows = []
    for r in affected.iter_rows(named=True):
        band = r["band_scenario"]
        if r["band_baseline"] != band:
            band = f"{r['band_baseline']} → {band}"
        rows.append(
            (r["iso3"], r["country"], f"{r['score_baseline']:.1f}", f"{r['score_scenario']:.1f}",
             f"{r['score_change']:+.1f}", band, f"{r['rank_baseline']} → {r['rank_scenario']}")
        )  # fmt: skip
    right = terminal.Column
    terminal.table(
        f"Affected countries as of {as_of}: {affected.height}",
        [
            "iso3",
            "country",
            right("baseline", True),
            right("scenario", True),
            right("change", True),
            "band",
            "rank",
        ],
        rows,
        console,
    )

"""`riskscore score`, `history`, `explain`: the model on one date or many."""

from __future__ import annotations

from typing import Annotated

import typer

from riskscore import outputset, terminal
from riskscore.commands import common
from riskscore.errors import NotFound


def _print_top(scores, n: int, data_through) -> None:
    from riskscore.terminal import Column, table

    as_of = scores["as_of"].max()
    columns = [Column("rank", right=True), "iso3", "country", Column("score", right=True), "band",
               Column("exposure", right=True), Column("engagement", right=True),
               Column("vulnerability", right=True), Column("completeness", right=True)]  # fmt: skip
    rows = [
        (
            row["rank"],
            row["iso3"],
            row["country"],
            f"{row['score']:.1f}",
            row["band"],
            f"{row['exposure']:.1f}",
            f"{row['engagement']:.1f}",
            f"{row['vulnerability']:.1f}",
            f"{row['completeness']:.0%}",
        )
        for row in scores.sort("rank").head(n).iter_rows(named=True)
    ]
    table(
        f"Top {n} by IMF-conflict risk as of {as_of} (data through {data_through})", columns, rows
    )


@common.writes_out
def score(
    as_of: Annotated[
        str | None, typer.Option(help="Score as of this date (default: the data cutoff)")
    ] = None,
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
    top: Annotated[int, typer.Option(help="Rows to print")] = 15,
) -> None:
    """Score every IMF member as of a date: out/scores.parquet, out/contributions.parquet."""
    from riskscore import pipeline

    package, day, run = common.scored_as_of(as_of, datasets, out)
    with outputset.staging(out, "score"):
        paths = pipeline.write_scores(run, package, out, day)
    for path in paths:
        typer.echo(f"wrote {path}")
    common.refresh_database(out, package)
    _print_top(run.scores, top, package.cutoff)


@common.writes_out
def history(
    start: Annotated[str, typer.Option(help="First date")] = "2015-01-01",
    end: Annotated[str | None, typer.Option(help="Last date (default: the data cutoff)")] = None,
    freq: Annotated[str, typer.Option(help="day, month, quarter or year")] = "quarter",
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """Score every member on every day or period end: out/history.parquet (+ contributions).

    A daily panel carries no evidence or source lists in its contributions (run `explain` or
    `score --as-of` for the rows behind one day); the other frequencies carry them."""
    from riskscore import model, pipeline

    if freq not in pipeline.FREQUENCIES:
        common.fail(f"--freq must be one of {', '.join(pipeline.FREQUENCIES)}, got {freq!r}", 2)
    first = common.parse_date(start, "--start")
    package = common.load_package(datasets, out)
    last = common.resolve_as_of(common.parse_date(end, "--end"), package, "--end")
    dates = pipeline.period_ends(first, last, freq)
    if not dates:
        common.fail(f"no {freq} end between {first} and {last}", 2)
    with (
        model.Engine(package.tables, cache_dir=package.cache_dir) as engine,
        terminal.progress(f"scoring {len(dates)} dates", total=len(dates)) as bar,
        outputset.staging(out, "history"),
    ):
        runs = engine.batches(
            dates, lineage=freq != "day", progress=lambda done, _: bar.update(completed=done)
        )
        paths, rows = pipeline.write_history(runs, package, engine.config, out, first, last, freq)
    for path in paths:
        typer.echo(f"wrote {path}")
    common.refresh_database(out, package)
    typer.echo(f"{len(dates)} dates, {rows} member-dates scored")


def explain(
    iso3: Annotated[str, typer.Argument(help="ISO3 country code, e.g. PAK")],
    as_of: Annotated[
        str | None, typer.Option(help="As of this date (default: the data cutoff)")
    ] = None,
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
    top: Annotated[int, typer.Option(help="Rows per section")] = 8,
) -> None:
    """Print why a country scores what it does: pillars, factors, actions, arrangements."""
    from riskscore import explain as explaining

    package, day, run = common.scored_as_of(as_of, datasets, out)
    try:
        result = explaining.explain(run, package.tables, iso3, day)
    except NotFound as err:
        common.fail(str(err))
    explaining.render(result, terminal.console(), top=top)


def register(app: typer.Typer) -> None:
    """Add the scoring commands to the riskscore app."""
    app.command()(score)
    app.command()(history)
    app.command()(explain)

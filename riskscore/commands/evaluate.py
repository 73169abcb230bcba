"""`riskscore backtest`, `riskscore uncertainty`, `riskscore model-card`: judge the model.

Thin: argument handling and printing; the work is in riskscore.backtest, riskscore.uncertainty
and riskscore.model_card.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from riskscore.commands import common

WIDEST_PRINTED = 10


def _cell(entry: dict | None) -> str:
    if not entry or entry.get("value") is None:
        return "n/a"
    text = f"{entry['value']:.3f}"
    if entry.get("ci_low") is not None:
        text += f" [{entry['ci_low']:.3f}, {entry['ci_high']:.3f}]"
    return text


def _print_backtest(metrics: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    event = metrics["event_time"]
    detail = event["detail"]
    table = Table(
        title=f"Event-time backtest: units from {event['split_on']} (time split), 95% CI over "
        f"countries, outcomes to {metrics['observed_through']}"
    )
    for col in ("units", "predictor", "AUROC", "average precision", "positives"):
        table.add_column(col)
    for h in (365, 90):
        for scope in ("onset", "all"):
            for predictor in ("probability", "score"):
                entry = detail[f"{scope}_{h}d"][predictor]
                precision = _cell(entry["average_precision"])
                table.add_row(f"{scope}, {h} d", predictor, _cell(entry["auroc"]), precision,
                              str(entry["positives"]))  # fmt: skip
    console.print(table)
    episodes = Table(title=f"Episodes: lead in days from the first warning ({event['warning']})")
    for col in ("episode", "first response", "warned from", "lead (d)", "eve", "outcome"):
        episodes.add_column(col)
    for e in metrics["episodes"]:
        lead = "-" if e["lead_days"] is None else str(e["lead_days"])
        eve = "n/a" if e.get("eve_score") is None else f"{e['eve_score']:.1f} #{e['eve_rank']}"
        episodes.add_row(e["episode"], e["first_response_on"], e["warned_from"] or "never",
                         lead, eve, e["outcome"])  # fmt: skip
    console.print(episodes)
    cal = metrics["calibration"]
    console.print(
        f"Warned >= 30 days ahead: {event['warned_30d']} of {event['episodes']} episodes. "
        f"Calibration ({cal['horizon_days']} d, time split): ECE {cal['ece']:.4f}, largest bin "
        f"gap {cal['max_bin_gap']:.3f} (bins of >= {cal['min_bin_units']} units)."
    )


def _card(package, config, out: Path) -> None:
    from riskscore import model_card

    typer.echo(f"wrote {model_card.write(package, config, out)}")


def backtest(
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
    end: Annotated[
        str | None, typer.Option(help="Last unit date (default: the day outcomes are observed to)")
    ] = None,
    reps: Annotated[
        int | None, typer.Option(help="Bootstrap resamples of countries (default 1000)")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Bootstrap seed (default 20260404)")] = None,
) -> None:
    """Backtest in event time against the IMF's opposing crypto responses: scores and
    calibrated probabilities on every month end and action day, onset metrics on a time split
    and leaving one country out, lead times per episode, calibration: out/backtest.parquet,
    backtest_metrics.json, calibration.parquet, calibration_curve.parquet, model_card.md."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from riskscore import backtest as backtesting
    from riskscore import metrics
    from riskscore.config import load as load_config

    day = common.parse_date(end, "--end")
    # the library's named defaults (the help text quotes them; a test keeps the two in step)
    reps = metrics.BOOTSTRAP_REPS if reps is None else reps
    seed = metrics.BOOTSTRAP_SEED if seed is None else seed
    if reps < 0:
        common.fail(f"--reps must be >= 0, got {reps}", 2)
    package, config = common.load_package(datasets, out), load_config()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("backtest", total=None)
        result = backtesting.run(
            package, config, day, reps, seed,
            progress=lambda step: bar.update(task, description=f"backtest: {step}"),
        )  # fmt: skip
    for path in backtesting.write(result, package, config, out):
        typer.echo(f"wrote {path}")
    common.refresh_database(out, package)
    _print_backtest(result.metrics)
    _card(package, config, out)


def uncertainty(
    draws: Annotated[int | None, typer.Option(help="Monte Carlo draws (default 1000)")] = None,
    as_of: Annotated[str | None, typer.Option(help="Score as of this date (default today)")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default 20260404)")] = None,
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """Score and rank intervals under alternative modelling choices, and which choice matters:
    out/uncertainty.parquet, out/sensitivity.parquet."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from riskscore import uncertainty as simulating
    from riskscore.config import load as load_config

    day = common.parse_date(as_of, "--as-of") or dt.date.today()
    draws = simulating.DRAWS if draws is None else draws
    seed = simulating.SEED if seed is None else seed
    if draws < 2:
        typer.echo("error: --draws must be at least 2", err=True)
        raise typer.Exit(2)
    package, config = common.load_package(datasets, out), load_config()
    with Progress() as progress:
        task = progress.add_task("Monte Carlo draws", total=draws)
        result = simulating.run(
            package, day, config, draws, seed, lambda done, _: progress.update(task, completed=done)
        )
    for path in simulating.write(result, package, config, out):
        typer.echo(f"wrote {path}")
    common.refresh_database(out, package)
    typer.echo(
        f"{draws} draws x {result.members.height} members "
        f"({len(simulating.CHOICES) + 2} model runs per draw) in {result.seconds:.2f} s"
    )
    table = Table(title=f"Widest rank intervals as of {day}")
    for col in ("iso3", "score", "score p5-p95", "rank", "rank p5-p95", "top driver"):
        table.add_column(col)
    widest = result.members.sort(["rank_interval", "rank"], descending=[True, False])
    for r in widest.head(WIDEST_PRINTED).iter_rows(named=True):
        table.add_row(r["iso3"], f"{r['score']:.1f}", f"{r['score_p5']:.1f}-{r['score_p95']:.1f}",
                      str(r["rank"]), f"{r['rank_p5']:.0f}-{r['rank_p95']:.0f}",
                      str(r["top_driver"]))  # fmt: skip
    Console().print(table)
    _card(package, config, out)


def model_card(
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """Regenerate out/model_card.md from the package and the evaluation outputs in out/."""
    from riskscore.config import load as load_config

    _card(common.load_package(datasets, out), load_config(), out)


def register(app: typer.Typer) -> None:
    """Add the evaluation commands to the riskscore app."""
    app.command()(backtest)
    app.command()(uncertainty)
    app.command(name="model-card")(model_card)

"""`riskscore backtest`, `riskscore uncertainty`, `riskscore model-card`: judge the model.

Thin: argument handling and printing; the work is in riskscore.backtest, riskscore.uncertainty
and riskscore.model_card.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from riskscore import outputset, terminal
from riskscore.commands import common

SUMMARY_METRICS = (
    ("AUROC", "auroc"),
    ("average precision", "average_precision"),
    ("top-decile hit rate", "top_decile_precision"),
    ("top-decile capture", "top_decile_capture"),
    ("noise-to-signal (elevated)", "noise_to_signal"),
)
WIDEST_PRINTED = 10


def _cell(entry: dict | None) -> str:
    if not entry or entry.get("value") is None:
        return "n/a"
    text = f"{entry['value']:.3f}"
    if entry.get("ci_low") is not None:
        text += f" [{entry['ci_low']:.3f}, {entry['ci_high']:.3f}]"
    return text


def _print_backtest(metrics: dict) -> None:
    from riskscore import terminal

    out = terminal.console()
    challenger = metrics["challenger"]
    columns = {
        "expert": metrics["expert"],
        "expert, onset only": metrics["expert_onset"],
        "challenger, time split": challenger["time_split"],
        "challenger, leave-one-country-out": challenger["leave_one_country_out"],
    }
    through, panel = metrics["observed_through"], metrics["panel"]
    terminal.table(
        f"Backtest over quarter ends {panel['first_as_of']} to {panel['last_as_of']} "
        f"(95% CI over countries, outcomes observed to {through})",
        ["metric", *columns],
        [
            (label, *(_cell(column.get(key)) for column in columns.values()))
            for label, key in SUMMARY_METRICS
        ],
        out,
    )
    rows = []
    for e in metrics["episodes"]:
        lead = str(e["lead_quarters"]) if e["outcome"] == "warned" else e["outcome"]
        eve = "n/a" if e.get("eve_score") is None else f"{e['eve_score']:.1f} #{e['eve_rank']}"
        rows.append((e["episode"], e["first_response_on"], e["first_elevated_on"] or "never",
                     lead, f"{e['max_score_before']:.1f}", eve))  # fmt: skip
    terminal.table(
        f"Episodes to {through}: lead time to the first opposing response",
        [
            "episode",
            "first response",
            "first elevated",
            terminal.Column("lead (q)", True),
            terminal.Column("max before", True),
            "eve",
        ],
        rows,
        out,
    )
    calibration = metrics["calibration"]
    terminal.line(
        f"Calibration (Platt, past data only): Brier {calibration['brier']:.4f} vs base rate "
        f"{calibration['brier_base_rate']:.4f} on {calibration['rows']} rows",
        out=out,
    )


def _card(package, config, out: Path) -> None:
    from riskscore import model_card

    with outputset.staging(out, "model-card"):
        path = model_card.write(package, config, out)
    typer.echo(f"wrote {path}")


@common.writes_out
def backtest(
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
    end: Annotated[str | None, typer.Option(help="Last date of the panel (default today)")] = None,
    reps: Annotated[
        int | None, typer.Option(help="Bootstrap resamples of countries (default 1000)")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Bootstrap seed (default 20260404)")] = None,
    episode_gap: Annotated[
        int | None, typer.Option(help="Quarters that split two episodes (default 8)")
    ] = None,
) -> None:
    """Backtest the score against the IMF's opposing crypto responses, fit the challenger and
    the calibration: out/backtest.parquet, backtest_metrics.json, calibration.parquet."""
    from riskscore import backtest as backtesting
    from riskscore import metrics
    from riskscore.config import load as load_config

    day = common.parse_date(end, "--end") or dt.date.today()
    # the library's named defaults (the help text quotes them; a test keeps the two in step)
    reps = metrics.BOOTSTRAP_REPS if reps is None else reps
    seed = metrics.BOOTSTRAP_SEED if seed is None else seed
    episode_gap = backtesting.EPISODE_GAP_QUARTERS if episode_gap is None else episode_gap
    if reps < 0 or episode_gap < 1:
        typer.echo("error: --reps must be >= 0 and --episode-gap >= 1", err=True)
        raise typer.Exit(2)
    package, config = common.load_package(datasets, out), load_config()
    with terminal.progress("backtest", total=backtesting.PROGRESS_STEPS) as bar:
        result = backtesting.run(package, config, day, reps, seed, episode_gap, bar.step)
    with outputset.staging(out, "backtest"):
        paths = backtesting.write(result, package, config, out)
    for path in paths:
        typer.echo(f"wrote {path}")
    _print_backtest(result.metrics)
    _card(package, config, out)


@common.writes_out
def uncertainty(
    draws: Annotated[int | None, typer.Option(help="Monte Carlo draws (default 1000)")] = None,
    as_of: Annotated[str | None, typer.Option(help="Score as of this date (default today)")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default 20260404)")] = None,
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """Score and rank intervals under alternative modelling choices, and which choice matters:
    out/uncertainty.parquet, out/sensitivity.parquet."""
    from riskscore import uncertainty as simulating
    from riskscore.config import load as load_config

    day = common.parse_date(as_of, "--as-of") or dt.date.today()
    draws = simulating.DRAWS if draws is None else draws
    seed = simulating.SEED if seed is None else seed
    if draws < 2:
        typer.echo("error: --draws must be at least 2", err=True)
        raise typer.Exit(2)
    package, config = common.load_package(datasets, out), load_config()
    with terminal.progress("Monte Carlo draws", total=draws) as bar:
        result = simulating.run(
            package, day, config, draws, seed, lambda done, _: bar.update(completed=done)
        )
    with outputset.staging(out, "uncertainty"):
        paths = simulating.write(result, package, config, out)
    for path in paths:
        typer.echo(f"wrote {path}")
    typer.echo(
        f"{draws} draws x {result.members.height} members "
        f"({len(simulating.CHOICES) + 2} model runs per draw) in {result.seconds:.2f} s"
    )
    right = terminal.Column
    widest = result.members.sort(["rank_interval", "rank"], descending=[True, False])
    terminal.table(
        f"Widest rank intervals as of {day}",
        [
            "iso3",
            right("score", True),
            right("score p5-p95", True),
            right("rank", True),
            right("rank p5-p95", True),
            "top driver",
        ],
        [
            (
                r["iso3"],
                f"{r['score']:.1f}",
                f"{r['score_p5']:.1f}-{r['score_p95']:.1f}",
                r["rank"],
                f"{r['rank_p5']:.0f}-{r['rank_p95']:.0f}",
                r["top_driver"],
            )
            for r in widest.head(WIDEST_PRINTED).iter_rows(named=True)
        ],
    )
    _card(package, config, out)


@common.writes_out
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

"""`riskscore backtest`, `riskscore uncertainty`, `riskscore model-card`: judge the model.

Thin: argument handling and printing; the work is in riskscore.backtest, riskscore.uncertainty
and riskscore.model_card.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskscore import outputset, terminal
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
    event, through = metrics["event_time"], metrics["observed_through"]
    detail = event["detail"]
    right = terminal.Column
    rows = []
    for h in (365, 90):
        for scope in ("onset", "all"):
            for predictor in ("probability", "score"):
                entry = detail[f"{scope}_{h}d"][predictor]
                rows.append((f"{scope}, {h} d", predictor, _cell(entry["auroc"]),
                             _cell(entry["average_precision"]), entry["positives"]))  # fmt: skip
    terminal.table(
        f"Event-time backtest on units from {event['split_on']} (time split; 95% CI over "
        f"countries; outcomes observed to {through})",
        ["units", "predictor", "AUROC", "average precision", right("positives", True)],
        rows,
    )
    episodes = []
    for e in metrics["episodes"]:
        lead = "-" if e["lead_days"] is None else str(e["lead_days"])
        eve = "n/a" if e.get("eve_score") is None else f"{e['eve_score']:.1f} #{e['eve_rank']}"
        episodes.append((e["episode"], e["first_response_on"], e["warned_from"] or "never",
                         lead, eve, e["outcome"]))  # fmt: skip
    terminal.table(
        f"Episodes to {through}: lead in days from the first warning ({event['warning']})",
        ["episode", "first response", "warned from", right("lead (d)", True), "eve", "outcome"],
        episodes,
    )
    cal = metrics["calibration"]
    ece, gap = (
        "n/a" if cal[k] is None else f"{cal[k]:.{digits}f}"
        for k, digits in (("ece", 4), ("max_bin_gap", 3))
    )  # undefined on a package too small to calibrate
    terminal.line(
        f"Warned >= 30 days ahead: {event['warned_30d']} of {event['episodes']} episodes. "
        f"Calibration ({cal['horizon_days']} d, time split): ECE {ece}, largest bin "
        f"gap {gap} (bins of >= {cal['min_bin_units']} units).",
    )


def _card(package, config, out: Path, scored=None) -> None:
    from riskscore import model_card

    with outputset.staging(out, "model-card"):
        path = model_card.write(package, config, out, scored=scored)
    typer.echo(f"wrote {path}")


@common.writes_out
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
    with common.database_ahead(out, package, backtesting.OUTPUT_FILES):
        with terminal.progress("backtest", total=backtesting.PROGRESS_STEPS) as bar:
            result = backtesting.run(package, config, day, reps, seed, bar.step)
        with outputset.staging(out, "backtest"):
            paths = backtesting.write(result, package, config, out)
        for path in paths:
            typer.echo(f"wrote {path}")
        # the card before the database: the descriptor written with it lists the card
        _card(package, config, out, result.at_cutoff)
        common.refresh_database(out, package)
    _print_backtest(result.metrics)


@common.writes_out
def uncertainty(
    draws: Annotated[int | None, typer.Option(help="Monte Carlo draws (default 1000)")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Score as of this date (default: the data cutoff)")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default 20260404)")] = None,
    datasets: common.DatasetsOption = common.DATASETS_DEFAULT,
    out: common.OutOption = common.OUT_DEFAULT,
) -> None:
    """Score and rank intervals under alternative modelling choices, and which choice matters:
    out/uncertainty.parquet, out/sensitivity.parquet."""
    from riskscore import uncertainty as simulating
    from riskscore.config import load as load_config

    parsed = common.parse_date(as_of, "--as-of")
    draws = simulating.DRAWS if draws is None else draws
    seed = simulating.SEED if seed is None else seed
    if draws < 2:
        common.fail(f"--draws must be at least 2, got {draws}", 2)
    package, config = common.load_package(datasets, out), load_config()
    day = common.resolve_as_of(parsed, package)
    with terminal.progress("Monte Carlo draws", total=draws) as bar:
        result = simulating.run(
            package, day, config, draws, seed, lambda done, _: bar.update(completed=done)
        )
    with outputset.staging(out, "uncertainty"):
        paths = simulating.write(result, package, config, out)
    for path in paths:
        typer.echo(f"wrote {path}")
    common.refresh_database(out, package)
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

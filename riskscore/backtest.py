"""Judge the expert score against what the IMF did: panel, labels, episodes, lead times, metrics.

The panel scores every member at every quarter end as of that date (the model's point-in-time
rules, no re-implementation). A country-quarter is *positive* when an opposing IMF crypto response
to that country (any channel; the membership-wide WLD paper is no country's) is dated in the next
`horizon_months`: as_of < responded_on <= as_of + horizon. A quarter whose window ends after the
data are observed (the last recorded response, or today if earlier) is *censored*: its label is
unknown, not negative, and it is left out of every metric.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riskscore import calibration, challenger, export, metrics, model, pipeline
from riskscore.config import ModelConfig
from riskscore.model import ModelRun

EPISODE_GAP_QUARTERS = 8  # opposing responses closer than this belong to one episode
ALTERNATIVE_GAP_QUARTERS = 5  # reported beside it: splits El Salvador 2021-23 from 2024-25
PANEL_KEYS = ["iso3", "country", "as_of", "score", "band", "rank"]
PILLAR_COLUMNS = ["exposure", "engagement", "vulnerability", "completeness"]


def factor_names(config: ModelConfig) -> list[str]:
    """The model's factors in config order (pillar, then position)."""
    return config.factors()["factor"].to_list()


def factor_values(contributions: pl.DataFrame, config: ModelConfig) -> pl.DataFrame:
    """One row per (iso3, as_of) with each factor's scaled value; null where not observed."""
    names = factor_names(config)
    observed = contributions.filter(pl.col("observed"), pl.col("factor").is_in(names))
    wide = observed.pivot(on="factor", index=["iso3", "as_of"], values="scaled_value")
    absent = [name for name in names if name not in wide.columns]
    wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(name) for name in absent)
    return wide.select("iso3", "as_of", *names)


def panel(run: ModelRun) -> pl.DataFrame:
    """Scores, pillars and factor scaled values of every member on every date of the run.

    Everything here is known on `as_of`; labels come separately (`label`).
    """
    factors = factor_values(run.contributions, run.config)
    return (
        run.scores.select(*PANEL_KEYS, *PILLAR_COLUMNS)
        .join(factors, on=["iso3", "as_of"], how="left")
        .sort("as_of", "iso3")
    )


def opposing_responses(responses: pl.DataFrame) -> pl.DataFrame:
    """Opposing responses to a member country (iso3, responded_on), the outcome we predict."""
    return (
        responses.filter(pl.col("stance") == "opposing", pl.col("iso3") != "WLD")
        .select("iso3", "responded_on", "response_id", "linked_action_ids")
        .sort("iso3", "responded_on")
    )


def observed_through(responses: pl.DataFrame, today: dt.date) -> dt.date:
    """The last day the outcome is observed: the latest recorded response, capped at today."""
    last = responses["responded_on"].max()
    return min(last, today) if last is not None else today


def label(
    frame: pl.DataFrame,
    opposing: pl.DataFrame,
    observed_on: dt.date,
    horizon_months: int,
    recent_quarters: int = EPISODE_GAP_QUARTERS,
) -> pl.DataFrame:
    """Add label_known_on (as_of + horizon), censored, label (null when censored),
    next_opposing_on (first opposing response in the window) and recent_opposing (an opposing
    response in the `recent_quarters` up to as_of: the country is inside an episode)."""
    keyed = frame.with_columns(
        label_known_on=pl.col("as_of").dt.offset_by(f"{horizon_months}mo"),
        recent_from=pl.col("as_of").dt.offset_by(f"-{3 * recent_quarters}mo"),
    )
    pairs = keyed.select("iso3", "as_of", "label_known_on", "recent_from").join(
        opposing.select("iso3", "responded_on"), on="iso3"
    )
    upcoming = (
        pairs.filter(
            pl.col("responded_on") > pl.col("as_of"),
            pl.col("responded_on") <= pl.col("label_known_on"),
        )
        .group_by("iso3", "as_of")
        .agg(next_opposing_on=pl.col("responded_on").min())
    )
    recent = (
        pairs.filter(
            pl.col("responded_on") > pl.col("recent_from"),
            pl.col("responded_on") <= pl.col("as_of"),
        )
        .group_by("iso3", "as_of")
        .agg(recent_opposing=pl.lit(True))
    )
    censored = pl.col("label_known_on") > pl.lit(observed_on)
    return (
        keyed.drop("recent_from")
        .join(upcoming, on=["iso3", "as_of"], how="left")
        .join(recent, on=["iso3", "as_of"], how="left")
        .with_columns(
            censored=censored,
            label=pl.when(censored).then(None).otherwise(pl.col("next_opposing_on").is_not_null()),
            recent_opposing=pl.col("recent_opposing").fill_null(False),
        )
        .sort("as_of", "iso3")
    )


def _quarter_index(column: str) -> pl.Expr:
    return pl.col(column).dt.year() * 4 + (pl.col(column).dt.month() - 1) // 3


def episodes(opposing: pl.DataFrame, gap_quarters: int = EPISODE_GAP_QUARTERS) -> pl.DataFrame:
    """Group each country's opposing responses into episodes: a new episode starts when the
    previous response lies `gap_quarters` calendar quarters or more back."""
    ordered = opposing.sort("iso3", "responded_on").with_columns(
        quarter=_quarter_index("responded_on")
    )
    starts = (pl.col("quarter") - pl.col("quarter").shift(1).over("iso3")).fill_null(gap_quarters)
    grouped = (
        ordered.with_columns(number=(starts >= gap_quarters).cum_sum().over("iso3"))
        .group_by("iso3", "number")
        .agg(
            first_response_on=pl.col("responded_on").min(),
            last_response_on=pl.col("responded_on").max(),
            responses=pl.len(),
            first_response_id=pl.col("response_id").sort_by("responded_on").first(),
        )
        .sort("iso3", "first_response_on")
    )
    first_year = pl.col("first_response_on").dt.year()
    last_year = pl.col("last_response_on").dt.year()
    return grouped.select(
        episode=pl.format("{} {}", "iso3", first_year)
        + pl.when(first_year == last_year).then(pl.lit("")).otherwise(pl.format("-{}", last_year)),
        iso3="iso3",
        first_response_on="first_response_on",
        last_response_on="last_response_on",
        responses="responses",
        first_response_id="first_response_id",
        previous_response_on=pl.col("last_response_on").shift(1).over("iso3"),
    )


def lead_times(
    frame: pl.DataFrame, episode_table: pl.DataFrame, threshold: float, score: str = "score"
) -> pl.DataFrame:
    """Per episode: the first quarter end (after the country's previous episode) at which the
    score reached `threshold`, the lead in quarters to the first response, or "missed" if it never
    did; plus the highest score before the response and the score on the last quarter end."""
    windows = episode_table.join(frame.select("iso3", "as_of", score), on="iso3").filter(
        pl.col("as_of") < pl.col("first_response_on"),
        pl.col("previous_response_on").is_null()
        | (pl.col("as_of") > pl.col("previous_response_on")),
    )
    summary = windows.group_by("iso3", "first_response_on").agg(
        first_elevated_on=pl.col("as_of").filter(pl.col(score) >= threshold).min(),
        max_score_before=pl.col(score).max(),
        last_score_before=pl.col(score).sort_by("as_of").last(),
        quarters_scored=pl.len(),
    )
    lead = _quarter_index("first_response_on") - _quarter_index("first_elevated_on")
    return (
        episode_table.join(summary, on=["iso3", "first_response_on"], how="left")
        .with_columns(
            lead_quarters=lead,
            outcome=pl.when(pl.col("quarters_scored").is_null())
            .then(pl.lit("not scored"))
            .when(pl.col("first_elevated_on").is_null())
            .then(pl.lit("missed"))
            .otherwise(pl.lit("warned")),
            elevated_at_last_quarter=pl.col("last_score_before") >= threshold,
        )
        .sort("first_response_on")
    )


def lead_summary(leads: pl.DataFrame) -> dict:
    """Counts of warned and missed episodes and the median and mean lead in quarters."""
    warned = leads.filter(pl.col("outcome") == "warned")["lead_quarters"]
    return {
        "episodes": leads.height,
        "warned": warned.len(),
        "missed": leads.filter(pl.col("outcome") == "missed").height,
        "median_lead_quarters": float(warned.median()) if warned.len() else None,
        "mean_lead_quarters": float(warned.mean()) if warned.len() else None,
    }


@dataclass(frozen=True)
class Backtest:
    """The labelled panel, episodes with lead times, calibration and every metric (JSON-able)."""

    panel: pl.DataFrame
    episodes: pl.DataFrame
    calibration: pl.DataFrame
    calibration_curve: pl.DataFrame
    coefficients: pl.DataFrame
    metrics: dict


PROGRESS_STEPS = 8  # scoring, challenger, calibration and five bootstrapped evaluations


def quarter_ends(today: dt.date) -> list[dt.date]:
    """Every quarter end from the first of the history to the latest one on or before today."""
    return pipeline.period_ends(pipeline.HISTORY_START, today)


def run(
    package: pipeline.Package,
    config: ModelConfig | None = None,
    today: dt.date | None = None,
    reps: int = metrics.BOOTSTRAP_REPS,
    seed: int = metrics.BOOTSTRAP_SEED,
    gap_quarters: int = EPISODE_GAP_QUARTERS,
    progress: Callable[[str], None] | None = None,
) -> Backtest:
    """Score the panel, label it, and judge the expert score, the challenger and the calibration
    against the IMF's opposing responses (metrics on uncensored quarters only).

    `progress(step)` is called as each of its PROGRESS_STEPS slow steps starts."""
    step = progress or (lambda _: None)

    def evaluate(*args) -> dict:  # the bootstrap: about two seconds each
        step("bootstrap intervals")
        return metrics.evaluate(*args)

    today = today or dt.date.today()
    step("scoring every quarter end")
    model_run, _ = pipeline.run_model(quarter_ends(today), config=config, package=package)
    config = model_run.config
    horizon = int(config.raw["model"]["horizon_months"])
    threshold = float(config.raw["bands"]["elevated"])
    responses = package.tables["imf_crypto_responses"]
    opposing = opposing_responses(responses)
    observed_on = observed_through(responses, today)
    frame = label(panel(model_run), opposing, observed_on, horizon, gap_quarters)
    step("fitting the challenger")
    champion = challenger.fit(frame, config)
    step("calibrating")
    calibrated = calibration.calibrate(frame)
    frame = (
        frame.join(champion.predictions, on=["iso3", "as_of"], how="left")
        .join(calibrated.select("iso3", "as_of", "probability"), on=["iso3", "as_of"])
        .sort("as_of", "iso3")
    )
    gaps = (gap_quarters, ALTERNATIVE_GAP_QUARTERS)
    tables = {gap: episodes(opposing, gap) for gap in gaps}
    eve = eve_scores(package, config, pl.concat(tables.values()))
    trigger = triggers(opposing, package.tables["crypto_actions"])
    leads = {gap: with_eve(lead_times(frame, tables[gap], threshold), eve, trigger) for gap in gaps}
    time_split_rows = frame.filter(pl.col("challenger_time_split").is_not_null())
    result = {
        "observed_through": observed_on.isoformat(),
        "horizon_months": horizon,
        "elevated_threshold": threshold,
        "episode_gap_quarters": gap_quarters,
        "bootstrap": {"unit": "country", "reps": reps, "seed": seed},
        "panel": _panel_summary(frame),
        "expert": evaluate(frame, "score", threshold, reps, seed),
        "expert_onset": evaluate(
            frame.filter(~pl.col("recent_opposing")), "score", threshold, reps, seed
        ),
        "lead_time": lead_summary(leads[gap_quarters]),
        "episodes": metrics.records(leads[gap_quarters]),
        "alternative_gap": {
            "episode_gap_quarters": ALTERNATIVE_GAP_QUARTERS,
            "lead_time": lead_summary(leads[ALTERNATIVE_GAP_QUARTERS]),
            "episodes": metrics.records(leads[ALTERNATIVE_GAP_QUARTERS]),
        },
        "challenger": {
            "regularisation_c": challenger.REGULARISATION_C,
            "intercept": champion.intercept,
            "time_split": evaluate(time_split_rows, "challenger_time_split", None, reps, seed),
            "expert_on_time_split_rows": evaluate(time_split_rows, "score", threshold, reps, seed),
            "leave_one_country_out": evaluate(frame, "challenger_loco", None, reps, seed),
            "coefficients": metrics.records(champion.coefficients),
        },
        "calibration": {
            "method": "platt",
            **calibration.brier(calibrated),
            "latest_curve": calibration.latest_curve(frame, _band_bounds(config)),
        },
    }
    curve = calibration.curve(calibrated)
    result["calibration"]["curve"] = metrics.records(curve)
    return Backtest(frame, leads[gap_quarters], calibrated, curve, champion.coefficients, result)


def eve_scores(
    package: pipeline.Package, config: ModelConfig, episode_table: pl.DataFrame
) -> pl.DataFrame:
    """Each episode country's score on the day before its first response (the response itself
    not yet known), with its tie-aware rank: 1 + members scoring strictly higher that day."""
    # the panel's last date keeps the run valid when there is no episode at all
    days = sorted({day - dt.timedelta(days=1) for day in episode_table["first_response_on"]})
    days = days or [quarter_ends(dt.date.today())[-1]]
    scores = model.run(package.tables, days, config).scores
    return scores.select(
        "iso3",
        eve_on="as_of",
        eve_score="score",
        eve_band="band",
        eve_rank=pl.col("score").rank("min", descending=True).over("as_of").cast(pl.UInt32),
    )


def triggers(opposing: pl.DataFrame, actions: pl.DataFrame) -> pl.DataFrame:
    """Per response: the latest crypto action it names that was announced on or before it."""
    links = opposing.select(
        "response_id", "responded_on", action_id=pl.col("linked_action_ids").str.split(";")
    ).explode("action_id")
    return (
        links.join(actions.select("action_id", "announced_on"), on="action_id")
        .filter(pl.col("announced_on") <= pl.col("responded_on"))
        .group_by("response_id")
        .agg(trigger_on=pl.col("announced_on").max())
    )


def with_eve(leads: pl.DataFrame, eve: pl.DataFrame, trigger: pl.DataFrame) -> pl.DataFrame:
    """Add the eve-of-response score, band and rank, and the days from the latest action the
    first response names to that response (how fast the IMF reacted)."""
    return (
        leads.with_columns(eve_on=pl.col("first_response_on") - pl.duration(days=1))
        .join(eve, on=["iso3", "eve_on"], how="left")
        .join(
            trigger.rename({"response_id": "first_response_id"}), on="first_response_id", how="left"
        )
        .with_columns(
            days_after_trigger=(pl.col("first_response_on") - pl.col("trigger_on")).dt.total_days()
        )
    )


def _band_bounds(config: ModelConfig) -> tuple[float, ...]:
    """The band lower bounds, the scores at which the calibrated probability is quoted."""
    return tuple(float(v) for v in config.raw["bands"].values())


def _panel_summary(frame: pl.DataFrame) -> dict:
    labelled = frame.filter(~pl.col("censored"))
    return {
        "first_as_of": frame["as_of"].min().isoformat(),
        "last_as_of": frame["as_of"].max().isoformat(),
        "rows": frame.height,
        "members": frame["iso3"].n_unique(),
        "labelled_rows": labelled.height,
        "censored_rows": frame.height - labelled.height,
        "last_labelled_as_of": labelled["as_of"].max().isoformat() if labelled.height else None,
        "positives": int(labelled["label"].sum()),
        "positive_countries": sorted(labelled.filter(pl.col("label"))["iso3"].unique()),
    }


PANEL_OUTPUT = "backtest.parquet"
METRICS_OUTPUT = "backtest_metrics.json"
CALIBRATION_OUTPUT = "calibration.parquet"
CURVE_OUTPUT = "calibration_curve.parquet"
LABEL_COLUMNS = ["label", "censored", "label_known_on", "next_opposing_on", "recent_opposing"]


def write(
    result: Backtest, package: pipeline.Package, config: ModelConfig, out: Path
) -> list[Path]:
    """out/backtest.parquet (the labelled panel), out/backtest_metrics.json, out/calibration.parquet
    (as_of, iso3, score, probability, ...) and out/calibration_curve.parquet."""
    meta = pipeline.metadata(
        package, config, observed_through=result.metrics["observed_through"],
        horizon_months=str(result.metrics["horizon_months"]),
    )  # fmt: skip
    first = ["iso3", "as_of", "score", "band", "rank", *PILLAR_COLUMNS, *LABEL_COLUMNS]
    frame = result.panel.select(*first, pl.exclude(first))
    leading = ["as_of", "iso3", "score", "probability"]
    calibrated = result.calibration.select(*leading, pl.exclude(leading))
    document = {**meta, **result.metrics}
    return [
        export.write_parquet(frame, out / PANEL_OUTPUT, meta),
        export.write_text(out / METRICS_OUTPUT, json.dumps(document, indent=2) + "\n"),
        export.write_parquet(calibrated, out / CALIBRATION_OUTPUT, meta),
        export.write_parquet(result.calibration_curve, out / CURVE_OUTPUT, meta),
    ]

"""Judge the model against what the IMF did, in event time.

Units: every member at every month end, plus each acting member on the day after each of its
crypto actions (the moment the score can first react), from 2015 to the package cutoff, each
scored point-in-time. Labels: an opposing IMF response within 90 and within 365 days
(riskscore.outcomes: censored, never negative, past the day responses are observed). Onset units
have had no opposing response in the 24 months before.

The headline predictor is the calibrated probability (riskscore.calibration: refitted monthly on
past labels only); the expert score is reported beside it. Metrics come with 95% intervals from
resampling countries: (a) the time split — every choice the evaluation depends on (signals,
curve, thresholds) was fixed on data before SPLIT_ON, and the metrics are taken on units from
SPLIT_ON on — and (b) leave one country out. Per episode: the lead in days from the start of the
warning spell still running on the eve of the IMF's first opposing response (warning: a top-5
rank with a score above 0; the elevated band is reported beside it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from riskscore import (
    calendar,
    calibration,
    challenger,
    db,
    export,
    metrics,
    model,
    outcomes,
    pipeline,
)
from riskscore.config import ModelConfig
from riskscore.config import load as load_config
from riskscore.model import ModelRun

SPLIT_ON = dt.date(2022, 1, 1)
TOP_RANK = 5
WARNING_LEAD_DAYS = 30
HEADLINE_HORIZON = 365
PROGRESS_STEPS = 4  # scoring, probability curves, challenger, measuring
CANDIDATE_SIGNALS = ("mission_due",)  # tried beside the score; kept only if they help
VALIDATION_FROM = dt.date(2019, 1, 1)  # the pre-split stretch the choice of signals is made on
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


def unit_dates(actions: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The evaluation's units as (iso3, as_of, unit): every member at each month end (iso3
    null: all members), and each national action's member the day after the action."""
    month_ends = pl.DataFrame(
        {"as_of": pipeline.period_ends(start, end, "month")}, schema={"as_of": pl.Date}
    ).with_columns(iso3=pl.lit(None, dtype=pl.String), unit=pl.lit("month_end"))
    after_actions = (
        actions.filter(pl.col("scope") == "national")
        .select("iso3", as_of=pl.col("announced_on") + pl.duration(days=1))
        .filter(pl.col("as_of").is_between(start, end))
        .unique()
        .with_columns(unit=pl.lit("action_day"))
    )
    return pl.concat([month_ends, after_actions], how="diagonal").select("iso3", "as_of", "unit")


def score_dates(
    package: pipeline.Package,
    config: ModelConfig,
    dates: list[dt.date],
    partial_dates: Collection[dt.date] = (),
) -> tuple[ModelRun, ModelRun]:
    """Every member scored on every date, and on the package cutoff (what the model card
    describes), in one engine (scores and factor values only: neither needs contribution
    rows).

    On `partial_dates` only the members with a crypto action in the package are scored:
    without one a member's exposure, hence its score, is 0, so every score there is the same
    and so is every rank (a tie at 0 takes the rank after the last score above 0)."""
    acting = frozenset(package.tables["crypto_actions"]["iso3"].to_list())
    partial = db.Partial(frozenset(partial_dates) - {package.cutoff}, acting)
    with model.Engine(package.tables, config, package.cache_dir) as engine:
        run = model.concat(
            list(
                engine.batches(
                    [*dates, package.cutoff], lineage=False, partial=partial, contributions=False
                )
            )
        )
    at_cutoff = model.on_dates(run, [package.cutoff])
    return (run if package.cutoff in dates else model.on_dates(run, dates)), at_cutoff


def panel(run: ModelRun, units: pl.DataFrame) -> pl.DataFrame:
    """The scored units: every member at the month ends, the acting member on action days
    (a month end that is also an action day is one month-end unit)."""
    scored = run.scores.select(*PANEL_KEYS, *PILLAR_COLUMNS).join(
        run.factor_values(), on=["iso3", "as_of"], how="left"
    )
    month_end_days = units.filter(pl.col("unit") == "month_end")["as_of"]
    monthly = scored.filter(pl.col("as_of").is_in(month_end_days.implode())).with_columns(
        unit=pl.lit("month_end")
    )
    acting = units.filter(
        pl.col("unit") == "action_day", ~pl.col("as_of").is_in(month_end_days.implode())
    ).select("iso3", "as_of", "unit")
    daily = scored.join(acting, on=["iso3", "as_of"])
    return pl.concat([monthly, daily]).sort("as_of", "iso3")


def warnings(scores: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Per member and date: warned by rank (top TOP_RANK with a score above 0) and by band."""
    return scores.select(
        "iso3",
        "as_of",
        "score",
        "rank",
        warned_rank=(pl.col("rank") <= TOP_RANK) & (pl.col("score") > 0),
        warned_band=pl.col("score") >= threshold,
    )


def lead_times(episode_table: pl.DataFrame, warned: pl.DataFrame, column: str) -> pl.DataFrame:
    """Per episode: the start of the `column` warning spell that still runs on the last scored
    date before the first response (lead_days from it), or missed."""
    rows = []
    by_country = warned.partition_by("iso3", as_dict=True)
    for e in episode_table.iter_rows(named=True):
        history = by_country.get((e["iso3"],))
        lead = spell_start = eve = None
        if history is not None:
            window = history.filter(
                pl.col("as_of") < e["first_response_on"],
                pl.col("as_of") > (e["previous_response_on"] or dt.date.min),
            ).sort("as_of")
            if window.height:
                flags = window[column].to_list()
                days = window["as_of"].to_list()
                eve = window.row(-1, named=True)
                if flags[-1]:
                    i = len(flags) - 1
                    while i > 0 and flags[i - 1]:
                        i -= 1
                    spell_start = days[i]
                    lead = (e["first_response_on"] - spell_start).days
        rows.append(
            {
                "episode": e["episode"],
                "warned_from": spell_start,
                "lead_days": lead,
                "eve_on": eve["as_of"] if eve else None,
                "eve_score": eve["score"] if eve else None,
                "eve_rank": eve["rank"] if eve else None,
            }
        )
    schema = {"episode": pl.String, "warned_from": pl.Date, "lead_days": pl.Int64,
              "eve_on": pl.Date, "eve_score": pl.Float64, "eve_rank": pl.Int64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


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


@dataclass(frozen=True)
class Backtest:
    """The labelled units, episodes with lead times, calibration tables and every metric
    (and the scores on the package cutoff, for the model card)."""

    panel: pl.DataFrame
    episodes: pl.DataFrame
    reliability: pl.DataFrame
    current: pl.DataFrame
    coefficients: pl.DataFrame
    metrics: dict
    at_cutoff: ModelRun | None = None


def _rank_metrics(frame: pl.DataFrame, column: str, label: str, reps: int, seed: int) -> dict:
    rows = frame.filter(pl.col(label).is_not_null(), pl.col(column).is_not_null())
    y = rows[label].to_numpy().astype(bool)
    out = metrics.rank_metrics_with_intervals(
        y, rows[column].to_numpy().astype(float), rows["iso3"], reps, seed
    )
    return {
        "units": rows.height,
        "positives": int(y.sum()),
        "positive_countries": rows.filter(pl.col(label))["iso3"].n_unique(),
        **out,
    }


def run(
    package: pipeline.Package,
    config: ModelConfig | None = None,
    end: dt.date | None = None,
    reps: int = metrics.BOOTSTRAP_REPS,
    seed: int = metrics.BOOTSTRAP_SEED,
    progress: Callable[[str], None] | None = None,
) -> Backtest:
    """Score the units, label them, fit the probability curves on past data, and measure."""
    config = config or load_config()
    say = progress or (lambda _: None)
    responses = package.tables["imf_crypto_responses"]
    observed_on = outcomes.observed_through(responses, package.tables.get("coverage"))
    end = end or min(observed_on, package.cutoff)
    start = pipeline.HISTORY_START
    units = unit_dates(package.tables["crypto_actions"], start, end)
    say("scoring the units")
    # every member at month ends and on the last day (today's probabilities); on the action
    # days between, only the units' members and those that could outrank them
    whole = set(units.filter(pl.col("unit") == "month_end")["as_of"]) | {end}
    dates = sorted(set(units["as_of"]))
    scored, at_cutoff = score_dates(package, config, dates, set(dates) - whole)
    threshold = float(config.raw["bands"]["elevated"])
    opposing = outcomes.opposing_responses(responses)
    frame = outcomes.label(panel(scored, units), opposing, observed_on)
    frame = calendar.mission_due(frame, package.tables, outcomes.HORIZONS_DAYS)
    say("fitting the probability curves")
    curves = Curves(frame)
    chosen, trials = choose_signals(curves)
    predictions = {}
    for h in outcomes.HORIZONS_DAYS:
        signals = tuple(f"{name}_{h}d" for name in chosen)
        predictions[f"p{h}"] = curves(h, signals)
        predictions[f"p{h}_loco"] = calibration.leave_one_country_out(frame, h, signals)
    frame = frame.with_columns(
        pl.Series(name, values).fill_nan(None) for name, values in predictions.items()
    ).with_columns(
        split=pl.when(pl.col("as_of") >= SPLIT_ON).then(pl.lit("test")).otherwise(pl.lit("train"))
    )
    say("the challenger")
    champion = challenger.fit(frame, config, scored, SPLIT_ON, HEADLINE_HORIZON)
    frame = frame.join(champion.predictions, on=["iso3", "as_of"], how="left")
    say("measuring")
    episode_table = outcomes.episodes(opposing)
    warned = warnings(scored.scores, threshold)
    leads = (
        episode_table.join(lead_times(episode_table, warned, "warned_rank"), on="episode")
        .join(
            lead_times(episode_table, warned, "warned_band").select(
                "episode", band_warned_from="warned_from", band_lead_days="lead_days"
            ),
            on="episode",
        )
        .join(
            triggers(opposing, package.tables["crypto_actions"]).rename(
                {"response_id": "first_response_id"}
            ),
            on="first_response_id",
            how="left",
        )
        .with_columns(
            days_after_trigger=(pl.col("first_response_on") - pl.col("trigger_on")).dt.total_days(),
            outcome=pl.when(pl.col("lead_days").is_null())
            .then(pl.lit("missed"))
            .when(pl.col("lead_days") >= WARNING_LEAD_DAYS)
            .then(pl.lit("warned"))
            .otherwise(pl.lit("late")),
        )
    )
    test = frame.filter(pl.col("split") == "test")
    detail: dict = {}
    for h in outcomes.HORIZONS_DAYS:
        label = f"label_{h}d"
        for scope, rows in (("all", test), ("onset", test.filter("onset"))):
            detail[f"{scope}_{h}d"] = {
                "probability": _rank_metrics(rows, f"p{h}", label, reps, seed),
                "score": _rank_metrics(rows, "score", label, reps, seed),
            }
        onset_rows = frame.filter("onset")
        detail[f"loco_onset_{h}d"] = _rank_metrics(onset_rows, f"p{h}_loco", label, reps, seed)
        detail[f"whole_panel_onset_{h}d"] = _rank_metrics(onset_rows, "score", label, reps, seed)
    reliability_tables, errors = [], {}
    for h in outcomes.HORIZONS_DAYS:
        rows = test.filter(pl.col(f"label_{h}d").is_not_null(), pl.col(f"p{h}").is_not_null())
        table = calibration.reliability(
            rows[f"label_{h}d"].cast(pl.Float64).to_numpy(), rows[f"p{h}"].to_numpy()
        )
        reliability_tables.append(table.with_columns(horizon_days=pl.lit(h)))
        errors[f"{h}d"] = {
            **calibration.calibration_error(table),
            "units": rows.height,
            "brier": calibration.brier(
                rows[f"label_{h}d"].cast(pl.Float64).to_numpy(), rows[f"p{h}"].to_numpy()
            ),
        }
    warned_leads = leads.filter(pl.col("lead_days").is_not_null())["lead_days"]
    result = {
        "event_time": {
            "onset_auroc_365d": detail["onset_365d"]["probability"]["auroc"],
            "onset_auroc_90d": detail["onset_90d"]["probability"]["auroc"],
            "episodes": leads.height,
            "warned_30d": int((leads["lead_days"].fill_null(-1) >= WARNING_LEAD_DAYS).sum()),
            "median_lead_days": float(warned_leads.median()) if warned_leads.len() else None,
            "warning": f"rank <= {TOP_RANK} with a score above 0",
            "split_on": SPLIT_ON.isoformat(),
            "detail": detail,
        },
        "calibration": {
            "ece": errors[f"{HEADLINE_HORIZON}d"]["ece"],
            "max_bin_gap": errors[f"{HEADLINE_HORIZON}d"]["max_bin_gap"],
            "horizon_days": HEADLINE_HORIZON,
            "min_bin_units": calibration.MIN_BIN_UNITS,
            "by_horizon": errors,
        },
        "observed_through": observed_on.isoformat(),
        "units": {
            "first_as_of": frame["as_of"].min().isoformat(),
            "last_as_of": frame["as_of"].max().isoformat(),
            "rows": frame.height,
            "month_end": frame.filter(pl.col("unit") == "month_end").height,
            "action_day": frame.filter(pl.col("unit") == "action_day").height,
            "onset": frame.filter("onset").height,
        },
        "bootstrap": {"unit": "country", "reps": reps, "seed": seed},
        "signals": list(chosen),
        "signal_trials": trials,
        "episodes": metrics.records(leads),
        "challenger": champion.summary(frame, reps, seed),
    }
    current = _current(frame, scored, package, chosen)
    return Backtest(
        frame, leads, pl.concat(reliability_tables), current, champion.coefficients,
        _finite(result), at_cutoff,
    )  # fmt: skip


class Curves:
    """Out-of-sample probabilities per (horizon, signals), each computed once: a curve fitted
    at a month end uses only labels known then, so the probabilities of the units before the
    split are the same whether or not later units are in the frame."""

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame
        self._done: dict[tuple[int, tuple[str, ...]], np.ndarray] = {}

    def __call__(self, horizon: int, signals: tuple[str, ...]) -> np.ndarray:
        key = (horizon, signals)
        if key not in self._done:
            self._done[key], _ = calibration.expanding(self.frame, horizon, signals)
        return self._done[key]

    def onset_auroc(self, horizon: int, signals: tuple[str, ...], rows: pl.Expr) -> float:
        picked = self.frame.with_columns(p=pl.Series(self(horizon, signals))).filter(
            rows, "onset", pl.col("p").is_not_nan(), pl.col(f"label_{horizon}d").is_not_null()
        )
        return metrics.auroc(
            picked[f"label_{horizon}d"].to_numpy().astype(bool), picked["p"].to_numpy()
        )


def choose_signals(curves: Curves) -> tuple[tuple[str, ...], list[dict]]:
    """Keep a candidate signal only if, on the onset units from VALIDATION_FROM to SPLIT_ON
    whose labels were known before SPLIT_ON, it raises the probability's AUROC at both horizons
    (curves fitted on past labels as usual). Nothing after SPLIT_ON enters the choice; the
    test-period figure is recorded beside it for information only."""
    trials, kept = [], []
    for name in CANDIDATE_SIGNALS:
        validation, test = {}, {}
        for h in outcomes.HORIZONS_DAYS:
            known = (pl.col("as_of") >= VALIDATION_FROM) & (
                pl.col("as_of") + pl.duration(days=h) < pl.lit(SPLIT_ON)
            )
            later = pl.col("as_of") >= SPLIT_ON
            pair = {"without": (), "with": (f"{name}_{h}d",)}
            validation[f"{h}d"] = {
                k: metrics.finite(curves.onset_auroc(h, v, known)) for k, v in pair.items()
            }
            test[f"{h}d"] = {
                k: metrics.finite(curves.onset_auroc(h, v, later)) for k, v in pair.items()
            }
        helps = all(
            g["with"] is not None and g["without"] is not None and g["with"] > g["without"]
            for g in validation.values()
        )
        trials.append({"signal": name, "kept": helps, "validation_onset_auroc": validation,
                       "test_onset_auroc_for_information": test})  # fmt: skip
        if helps:
            kept.append(name)
    return tuple(kept), trials


def _current(
    frame: pl.DataFrame, scored: ModelRun, package: pipeline.Package, chosen: tuple[str, ...]
) -> pl.DataFrame:
    """Today's probabilities: every member on the last scored date, from the curves fitted on
    every labelled unit."""
    last = scored.scores["as_of"].max()
    today = calendar.mission_due(
        scored.scores.filter(pl.col("as_of") == last).select(
            "iso3", "country", "as_of", "score", "band", "rank"
        ),
        package.tables,
        outcomes.HORIZONS_DAYS,
    )
    columns = {}
    for h in outcomes.HORIZONS_DAYS:
        signals = tuple(f"{name}_{h}d" for name in chosen)
        curve = calibration.latest(frame, h, signals)
        columns[f"p{h}"] = curve.predict(calibration.signal_columns(today, signals))
    keep = ["iso3", "country", "as_of", "score", "band", "rank"]
    return (
        today.select(keep)
        .with_columns(pl.Series(k, v) for k, v in columns.items())
        .sort("rank", "iso3")
    )


def _finite(value):
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float):
        return metrics.finite(value)
    return value


PANEL_OUTPUT = "backtest.parquet"
METRICS_OUTPUT = "backtest_metrics.json"
CALIBRATION_OUTPUT = "calibration.parquet"
CURVE_OUTPUT = "calibration_curve.parquet"
OUTPUT_FILES = (PANEL_OUTPUT, METRICS_OUTPUT, CALIBRATION_OUTPUT, CURVE_OUTPUT)


def write(
    result: Backtest, package: pipeline.Package, config: ModelConfig, out: Path
) -> list[Path]:
    """out/backtest.parquet (the labelled units), out/backtest_metrics.json,
    out/calibration.parquet (today's probabilities) and out/calibration_curve.parquet."""
    meta = pipeline.metadata(package, config, observed_through=result.metrics["observed_through"])
    document = {**meta, **result.metrics}
    return [
        export.write_parquet(result.panel, out / PANEL_OUTPUT, meta),
        export.write_text(out / METRICS_OUTPUT, json.dumps(document, indent=2) + "\n"),
        export.write_parquet(result.current, out / CALIBRATION_OUTPUT, meta),
        export.write_parquet(result.reliability, out / CURVE_OUTPUT, meta),
    ]

"""out/model_card.md: what the model is, what data it stands on, and how well it did.

Built from the package, a scoring run, and whichever evaluation outputs exist in out/
(backtest_metrics.json, uncertainty.parquet, sensitivity.parquet); a section whose output is
missing says which command makes it. Plain Markdown, no HTML.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from pathlib import Path

import polars as pl

from riskscore import __version__, backtest, calibration, export, pipeline, uncertainty
from riskscore.config import ModelConfig
from riskscore.model import ModelRun
from riskscore.schemas import EVENT_DATES

CARD_OUTPUT = "model_card.md"
WIDEST_SHOWN = 10  # members listed under "largest uncertainties"
INTERVAL_LABEL = "95% CI"


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _with_interval(entry: dict | None, digits: int = 3) -> str:
    """'0.781 (95% CI 0.493-0.858)' from a metric entry of backtest_metrics.json."""
    if not entry:
        return "n/a"
    text = _num(entry.get("value"), digits)
    if entry.get("ci_low") is not None:
        low, high = _num(entry["ci_low"], digits), _num(entry["ci_high"], digits)
        text += f" ({INTERVAL_LABEL} {low} to {high})"
    return text


def header(package: pipeline.Package, config: ModelConfig, today: dt.date) -> str:
    return "\n".join(
        [
            "# riskscore model card",
            "",
            f"Generated {today.isoformat()} by riskscore {__version__}.",
            "",
            f"- Method version: {config.version} (see METHOD.md)",
            f"- Config SHA-256: `{config.sha256}`",
            f"- Data package SHA-256: `{package.data_sha256}`",
            "- Published score: the expert model (weights in riskscore/config/model.toml). The",
            "  fitted challenger and the calibrated probability below are checks and aids, not",
            "  replacements.",
        ]
    )


def coverage(
    package: pipeline.Package,
    config: ModelConfig,
    as_of: dt.date,
    out: Path | None = None,
    scored: ModelRun | None = None,
) -> str:
    """Rows and date range of each table, and how complete the factors are on `as_of` (from
    `scored` or the scores in `out` when they were made for that date, data and config)."""
    rows = []
    for name, frame in package.tables.items():
        column = EVENT_DATES.get(name, (None, None))[0]
        dates = frame[column].drop_nulls() if column else None
        first = str(dates.min()) if dates is not None and dates.len() else ""
        last = str(dates.max()) if dates is not None and dates.len() else ""
        rows.append([name, str(frame.height), column or "", first, last])
    scores, factors = _scored(package, config, as_of, out, scored)
    observed = factors.select(pl.exclude("iso3", "as_of").is_not_null().mean())
    factor_rows = [[name, f"{observed[name][0]:.0%}"] for name in observed.columns]
    complete = (scores["completeness"] == 1).mean()
    return "\n\n".join(
        [
            "## Data coverage and completeness",
            _table(["table", "rows", "dated by", "first", "last"], rows),
            f"Scores as of {as_of.isoformat()}: {scores.height} IMF members, mean completeness "
            f"{scores['completeness'].mean():.0%} (share of the 13 factors observed), "
            f"{complete:.0%} of members with every factor observed, "
            f"{(scores['score'] > 0).sum()} members with a score above 0.",
            "Share of members with each factor observed on that date (a pillar with no "
            "observed factor counts all its factors as missing):",
            _table(["factor", "observed"], factor_rows),
        ]
    )


def _metric_row(label: str, entry: dict) -> list[str]:
    positives = f"{entry['positives']} ({entry['positive_countries']})"
    auroc, precision = entry.get("auroc"), entry.get("average_precision")
    return [label, str(entry["units"]), positives, _with_interval(auroc), _with_interval(precision)]


def backtest_section(metrics: dict | None) -> str:
    if metrics is None:
        return "## Backtest\n\nNot run yet: `riskscore backtest` writes out/backtest_metrics.json."
    event, units, boot = metrics["event_time"], metrics["units"], metrics["bootstrap"]
    detail = event["detail"]
    rows = []
    for h in (365, 90):
        for scope, name in (("onset", "onset units"), ("all", "all units")):
            pair = detail[f"{scope}_{h}d"]
            rows.append(_metric_row(f"{h} d, {name}: probability", pair["probability"]))
            rows.append(_metric_row(f"{h} d, {name}: expert score", pair["score"]))
        loco = detail[f"loco_onset_{h}d"]
        rows.append(_metric_row(f"{h} d, onset: leave one country out", loco))
    return "\n\n".join(
        [
            "## Backtest in event time",
            f"Units: every member at every month end, plus each acting member on the day after "
            f"each of its crypto actions, {units['first_as_of']} to {units['last_as_of']} "
            f"({units['rows']} units: {units['month_end']} month-end, {units['action_day']} "
            f"action-day), each scored with only the data known on its date. Labels: an opposing "
            f"IMF response within 90 and within 365 days; outcomes are observed through "
            f"{metrics['observed_through']}, so later windows are censored (unknown, not "
            f"negative). Onset units ({units['onset']}) had no opposing response in the 24 "
            "months before: they ask whether the model foresees new conflicts.",
            f"Time split: every choice (signals, curve, warning rule) was fixed on data before "
            f"{event['split_on']}; the metrics below are on units from that day on. The "
            "probability is refitted each month on labels already known. Leave one country "
            "out: each country's units by a curve fitted on all other countries. "
            f"Intervals: {INTERVAL_LABEL} from {boot['reps']} resamples of countries "
            f"(seed {boot['seed']}). Signals in the curve beyond the score: "
            f"{', '.join(metrics['signals']) or 'none kept'}.",
            _table(
                ["predictor", "units", "positives (countries)", "AUROC", "average precision"], rows
            ),
            signal_trials(metrics.get("signal_trials", [])),
            episodes_section(metrics),
        ]
    )


def signal_trials(trials: list[dict]) -> str:
    """What was tried beside the score, and why it was kept or dropped (METHOD.md's rule)."""
    if not trials:
        return "Signals tried beside the score: none."

    def auroc(pair: dict) -> str:
        if pair["without"] is None or pair["with"] is None:
            return "undefined (no curve fitted on that horizon before the split)"
        return f"{pair['without']:.3f} without, {pair['with']:.3f} with"

    lines = [
        "Signals tried beside the score (kept only if they raise the onset AUROC of the "
        f"probability at both horizons on the units from {backtest.VALIDATION_FROM} whose "
        "labels were known before the split; the test figures are shown for information, "
        "never used):"
    ]
    for t in trials:
        validation, test = t["validation_onset_auroc"], t["test_onset_auroc_for_information"]
        lines.append(
            f"- `{t['signal']}`: {'kept' if t['kept'] else 'dropped'}. Validation: "
            + "; ".join(f"{h} {auroc(validation[h])}" for h in ("365d", "90d"))
            + ". Test: "
            + "; ".join(f"{h} {auroc(test[h])}" for h in ("365d", "90d"))
            + "."
        )
    return "\n".join(lines)


def episodes_section(metrics: dict) -> str:
    event = metrics["event_time"]
    rows = []
    for e in metrics["episodes"]:
        lead = "missed" if e["lead_days"] is None else str(e["lead_days"])
        band = "never" if e["band_lead_days"] is None else str(e["band_lead_days"])
        trigger = "n/a" if e.get("days_after_trigger") is None else str(e["days_after_trigger"])
        eve = f"{_num(e.get('eve_score'), 1)} (rank {e.get('eve_rank')})"
        rows.append([e["episode"], e["first_response_on"], str(e["responses"]), trigger,
                     e["warned_from"] or "never", lead, band, eve, e["outcome"]])  # fmt: skip
    return "\n\n".join(
        [
            "### Episodes and lead times",
            "An episode starts with a country's first opposing response after 24 months without "
            f"one. Warning: {event['warning']}; the lead is counted in days from the start of the "
            "warning spell still running on the last scored date before the first response "
            "(units are month ends and action days, so a spell that began between month ends is "
            "dated at the next unit). The band column gives the same lead for the elevated band "
            "or above. Days after named action: from the latest crypto action the response names.",
            _table(
                [
                    "episode",
                    "first response",
                    "responses",
                    "days after named action",
                    "warned from",
                    "lead (days)",
                    "lead, elevated band",
                    "eve score",
                    "outcome",
                ],
                rows,
            ),
            f"Warned at least 30 days ahead: {event['warned_30d']} of {event['episodes']} "
            f"episodes; median lead of the warned episodes "
            f"{_num(event['median_lead_days'], 0)} days.",
        ]
    )


def challenger_section(metrics: dict | None) -> str:
    if metrics is None:
        return "## Challenger\n\nNot run yet: `riskscore backtest`."
    ch = metrics["challenger"]
    rows = [
        ["challenger", _with_interval(ch["onset_time_split"]["auroc"]),
         _with_interval(ch["onset_time_split"]["average_precision"])],
        ["expert score", _with_interval(ch["expert_onset_time_split"]["auroc"]),
         _with_interval(ch["expert_onset_time_split"]["average_precision"])],
    ]  # fmt: skip
    coefficients = [[c["pillar"], c["factor"], _num(c["expert_weight_share"], 2),
                     _num(c["expert_points_per_unit"], 3), _num(c["challenger_coefficient"], 3)]
                    for c in ch["coefficients"]]  # fmt: skip
    return "\n\n".join(
        [
            "## Fitted challenger vs expert weights",
            f"L2-regularised logistic regression (C = {ch['regularisation_c']:g}) on the 13 "
            f"scaled factors, fitted on the units whose {ch['horizon_days']}-day label was known "
            "before the split and judged on the onset units after it, beside the expert score "
            "on the same units.",
            _table(["predictor", "onset AUROC", "onset average precision"], rows),
            "Weights side by side. Expert: the factor's share of its pillar, and the mean score "
            "points per scaled point over the training units (the formula's exact derivative; "
            "zero wherever exposure is zero, the gate). Challenger: log-odds per scaled point "
            f"(intercept {_num(ch['intercept'], 2)}).",
            _table(
                [
                    "pillar",
                    "factor",
                    "expert share",
                    "expert points/unit",
                    "challenger coefficient",
                ],
                coefficients,
            ),
        ]
    )


def calibration_section(metrics: dict | None) -> str:
    if metrics is None:
        return "## Calibration\n\nNot run yet: `riskscore backtest`."
    cal = metrics["calibration"]
    rows = []
    for horizon, values in cal["by_horizon"].items():
        rows.append([horizon, str(values["units"]), _num(values["ece"], 4),
                     _num(values["max_bin_gap"], 3), str(values["bins_counted"]),
                     _num(values["brier"], 4)])  # fmt: skip
    return "\n\n".join(
        [
            "## Calibration: the probability of an opposing response",
            "A logistic curve on log(1 + score), refitted at every month end on the labels "
            "known by then (past data only, mild L2 penalty), gives P(opposing response within "
            "90 / 365 days); out/calibration.parquet publishes today's probabilities. Judged "
            f"on the time-split units: expected calibration error (ECE) over {10} equal-width "
            f"bins, and the largest gap between mean forecast and observed frequency over bins "
            f"holding at least {cal['min_bin_units']} units.",
            _table(["horizon", "units", "ECE", "max bin gap", "bins counted", "Brier"], rows),
            "![Reliability diagram](reliability.svg)",
        ]
    )


def uncertainty_section(out: Path) -> str:
    path, sens_path = out / uncertainty.UNCERTAINTY_OUTPUT, out / uncertainty.SENSITIVITY_OUTPUT
    if not path.exists() or not sens_path.exists():
        return "## Uncertainty\n\nNot run yet: `riskscore uncertainty` writes the intervals."
    meta = export.read_metadata(path)
    members = pl.read_parquet(path)
    widest = members.sort(["rank_interval", "rank"], descending=[True, False]).head(WIDEST_SHOWN)
    rows = [[r["iso3"], _num(r["score"], 1), f"{_num(r['score_p5'], 1)}-{_num(r['score_p95'], 1)}",
             str(r["rank"]), f"{r['rank_p5']:.0f}-{r['rank_p95']:.0f}", str(r["top_driver"])]
            for r in widest.iter_rows(named=True)]  # fmt: skip
    overall = pl.read_parquet(sens_path).filter(pl.col("scope") == "overall")
    sens = [[r["output"], r["choice"], _num(r["first_order"]), _num(r["total_order"])]
            for r in overall.sort("output", "choice").iter_rows(named=True)]  # fmt: skip
    return "\n\n".join(
        [
            "## Uncertainty and sensitivity",
            f"As of {meta.get('as_of')}: {meta.get('draws')} Monte Carlo draws of the modelling "
            f"choices (seed {meta.get('seed')}). Choices: factor "
            "weights and aggregation coefficients +-25%, caps +-25% with a linear or concave "
            "scaling, missing factors re-weighted / 0 / 10, action half-lives +-50% "
            "(state_actions recomputed; exposure_size and past-IMF attention kept). Intervals "
            "are 5th-95th percentiles; ranks count members scoring strictly higher (ties share).",
            f"Largest rank uncertainties ({WIDEST_SHOWN} widest rank intervals):",
            _table(["iso3", "score", "score p5-p95", "rank", "rank p5-p95", "top driver"], rows),
            "Sensitivity (Saltelli design, choices as groups; overall = pooled over members):",
            _table(["output", "choice", "first order", "total order"], sens),
        ]
    )


def gaps_section(metrics: dict | None) -> str:
    lines = ["## Known gaps", ""]
    if metrics is not None:
        missed = [e["episode"] for e in metrics["episodes"] if e["outcome"] != "warned"]
        lines.append(
            f"- Episodes not warned at least 30 days ahead: {', '.join(missed) or 'none'}."
        )
        delays = sorted(e["days_after_trigger"] for e in metrics["episodes"]
                        if e.get("days_after_trigger") is not None)  # fmt: skip
        if delays:
            lines.append(
                f"- The IMF's first response came a median of {statistics.median(delays):g} days "
                f"(range {delays[0]} to {delays[-1]}) after the latest crypto action it names: "
                "a warning must come from exposure already in place before the trigger."
            )
        lines.append(
            f"- Outcomes observed through {metrics['observed_through']}; later windows are "
            "unlabelled, and the outcome table rests on searches of public reports (see "
            "datasets/curated/RESEARCH_LOG.md), so unreported IMF objections count as none."
        )
    lines += [
        "- Few episodes, concentrated in a handful of countries: every metric has wide "
        "intervals, and the weights cannot be estimated from outcomes with any precision.",
        "- Conflicts that start inside IMF program talks without a state crypto exposure "
        "(commitments written into a new program) have no signal in the score: the exposure "
        "pillar is a gate.",
        "- Macro values come from one vintage, and an action's status is as of the latest "
        "source (METHOD.md, Known limits).",
    ]
    return "\n".join(lines)


def _scored(
    package: pipeline.Package,
    config: ModelConfig,
    as_of: dt.date,
    out: Path | None,
    scored: ModelRun | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The scores and factor values as of `as_of`: from `scored`, the outputs in `out` made
    for that date, data and config, or a run of the model."""
    if scored is not None and scored.scores["as_of"].unique().to_list() == [as_of]:
        return scored.scores, scored.factor_values()
    files = [out / pipeline.OUTPUT_VIEWS[n] for n in ("scores", "contributions")] if out else []
    provenance = pipeline.metadata(package, config)
    if files and all(pipeline.made_from(f, provenance, as_of=as_of.isoformat()) for f in files):
        contributions = pl.read_parquet(files[1])
        return pl.read_parquet(files[0]), backtest.factor_values(contributions, config)
    run, _ = pipeline.run_model([as_of], config=config, package=package)
    return run.scores, run.factor_values()


def build(
    package: pipeline.Package,
    config: ModelConfig,
    out: Path,
    today: dt.date | None = None,
    scored: ModelRun | None = None,
) -> str:
    """The model card's Markdown from the package and the evaluation outputs present in `out`;
    coverage as of the uncertainty run's date, else the package cutoff (`scored` may hold
    the scores on that date, saving a model run)."""
    today = today or dt.date.today()
    metrics_path = out / backtest.METRICS_OUTPUT
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else None
    unc_path = out / uncertainty.UNCERTAINTY_OUTPUT
    as_of = package.cutoff
    if unc_path.exists() and "as_of" in export.read_metadata(unc_path):
        as_of = dt.date.fromisoformat(export.read_metadata(unc_path)["as_of"])
    sections = [
        header(package, config, today),
        coverage(package, config, as_of, out, scored),
        backtest_section(metrics),
        challenger_section(metrics),
        calibration_section(metrics),
        uncertainty_section(out),
        gaps_section(metrics),
    ]
    return "\n\n".join(sections) + "\n"


RELIABILITY_OUTPUT = "reliability.svg"


def write(
    package: pipeline.Package,
    config: ModelConfig,
    out: Path,
    today: dt.date | None = None,
    scored: ModelRun | None = None,
) -> Path:
    """Regenerate out/model_card.md (and the reliability diagram it shows)."""
    curve = out / backtest.CURVE_OUTPUT
    if curve.exists():
        from riskscore.report.charts import reliability_chart

        table = pl.read_parquet(curve)
        by_horizon = {
            f"{h} days": rows.sort("bin_low").to_dicts()
            for (h,), rows in table.partition_by("horizon_days", as_dict=True).items()
        }
        svg = reliability_chart(by_horizon, calibration.MIN_BIN_UNITS)
        export.write_text(out / RELIABILITY_OUTPUT, str(svg) + "\n")
    return export.write_text(out / CARD_OUTPUT, build(package, config, out, today, scored))

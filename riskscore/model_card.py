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

from riskscore import __version__, backtest, export, pipeline, uncertainty
from riskscore.config import ModelConfig
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


def coverage(package: pipeline.Package, config: ModelConfig, as_of: dt.date) -> str:
    """Rows and date range of each table, and how complete the factors are on `as_of`."""
    rows = []
    for name, frame in package.tables.items():
        column = EVENT_DATES.get(name, (None, None))[0]
        dates = frame[column].drop_nulls() if column else None
        first = str(dates.min()) if dates is not None and dates.len() else ""
        last = str(dates.max()) if dates is not None and dates.len() else ""
        rows.append([name, str(frame.height), column or "", first, last])
    run, _ = pipeline.run_model([as_of], config=config, package=package)
    scores, contributions = run.scores, run.contributions
    factors = backtest.factor_values(contributions, config)
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


def backtest_section(metrics: dict | None) -> str:
    if metrics is None:
        return "## Backtest\n\nNot run yet: `riskscore backtest` writes out/backtest_metrics.json."
    panel, expert, onset = metrics["panel"], metrics["expert"], metrics["expert_onset"]
    boot = metrics["bootstrap"]
    names = [
        ("AUROC", "auroc"),
        ("Average precision", "average_precision"),
        ("Top-decile hit rate (positives among flagged)", "top_decile_precision"),
        ("Top-decile capture (positives flagged)", "top_decile_capture"),
        (f"Hit rate at score >= {metrics['elevated_threshold']:g}", "hit_rate"),
        ("False-alarm rate at the same threshold", "false_alarm_rate"),
        ("Noise-to-signal ratio", "noise_to_signal"),
    ]
    rows = [[label, _with_interval(expert.get(key)), _with_interval(onset.get(key))]
            for label, key in names]  # fmt: skip
    return "\n\n".join(
        [
            "## Backtest",
            f"Panel: every member at every quarter end from {panel['first_as_of']} to "
            f"{panel['last_as_of']} ({panel['rows']} country-quarters), each scored with only "
            f"the data known on that date. Label: an opposing IMF crypto response to the country "
            f"within the next {metrics['horizon_months']} months. Outcomes are observed through "
            f"{metrics['observed_through']} (the last recorded IMF response), so quarters after "
            f"{panel['last_labelled_as_of']} are censored ({panel['censored_rows']} rows): "
            "unknown, not negative, and left out of every metric. "
            f"Labelled: {panel['labelled_rows']} rows, "
            f"{panel['positives']} positive, from {len(panel['positive_countries'])} countries "
            f"({', '.join(panel['positive_countries'])}).",
            f"Intervals: {INTERVAL_LABEL} percentile intervals from {boot['reps']} bootstrap "
            f"resamples of countries (seed {boot['seed']}); a country's whole history moves "
            "together, so the intervals reflect how few countries carry the positives. "
            "The top decile is the riskiest 10% of members on each date (ties at the cut-off "
            "shared). *Onset* drops quarters within "
            f"{metrics['episode_gap_quarters']} quarters after an opposing response, so it asks "
            "whether the score foresees new conflicts rather than the persistence of old ones.",
            _table(["metric", "expert score, all quarters", "expert score, onset only"], rows),
            episodes_section(metrics),
        ]
    )


def episodes_section(metrics: dict) -> str:
    rows = []
    for e in metrics["episodes"]:
        lead = str(e["lead_quarters"]) if e["outcome"] == "warned" else e["outcome"]
        eve = f"{_num(e.get('eve_score'), 1)} ({e.get('eve_band')}, rank {e.get('eve_rank')})"
        trigger = "n/a" if e.get("days_after_trigger") is None else str(e["days_after_trigger"])
        rows.append([e["episode"], e["first_response_on"], str(e["responses"]), trigger,
                     e["first_elevated_on"] or "never", lead, _num(e["max_score_before"], 1),
                     eve])  # fmt: skip
    summary, alternative = metrics["lead_time"], metrics["alternative_gap"]
    alt = alternative["lead_time"]
    return "\n\n".join(
        [
            "### Episodes and lead times",
            f"An episode is a country's run of opposing responses with gaps under "
            f"{metrics['episode_gap_quarters']} quarters. Lead time: quarters from the first "
            f"quarter end (after the country's previous episode) with a score of at least "
            f"{metrics['elevated_threshold']:g} to the first response; *missed* if there was "
            "none. The eve score is the score on the day before the first response (that "
            "response not yet known); rank 1 = riskiest, ties share a rank. Days after named "
            "action: from the latest crypto action the first response names to that response.",
            _table(
                [
                    "episode",
                    "first response",
                    "responses",
                    "days after named action",
                    "first elevated quarter",
                    "lead (quarters)",
                    "max score before",
                    "eve score",
                ],
                rows,
            ),
            f"Warned {summary['warned']} of {summary['episodes']} episodes, missed "
            f"{summary['missed']}; median lead {_num(summary['median_lead_quarters'], 1)} "
            f"quarters. With a {alternative['episode_gap_quarters']}-quarter gap instead: "
            f"{alt['episodes']} episodes, warned {alt['warned']}, missed {alt['missed']}, median "
            f"lead {_num(alt['median_lead_quarters'], 1)} quarters.",
        ]
    )


def challenger_section(metrics: dict | None) -> str:
    if metrics is None:
        return "## Challenger\n\nNot run yet: `riskscore backtest`."
    ch = metrics["challenger"]
    rows = []
    for label, left, right in (
        ("Time split (expanding window)", ch["time_split"], ch["expert_on_time_split_rows"]),
        ("Leave one country out", ch["leave_one_country_out"], metrics["expert"]),
    ):
        for key in ("auroc", "average_precision", "top_decile_capture"):
            rows.append([label, key, _with_interval(left.get(key)), _with_interval(right.get(key))])
    coefficients = [[c["pillar"], c["factor"], _num(c["expert_weight_share"], 2),
                     _num(c["expert_points_per_unit"], 3), _num(c["challenger_coefficient"], 3)]
                    for c in ch["coefficients"]]  # fmt: skip
    return "\n\n".join(
        [
            "## Fitted challenger vs expert weights",
            "L2-regularised logistic regression (C = "
            f"{ch['regularisation_c']:g}) on the 13 scaled factors; a missing factor takes its "
            "pillar's value, as the expert model implicitly does. Time split: each quarter is "
            "predicted by a fit on the quarters whose label was known by then. Leave one country "
            "out: each country by a fit on all others (uses other countries' future, so it is "
            "the weaker check). The expert column is the published score on the same rows.",
            _table(["validation", "metric", "challenger", "expert"], rows),
            "Weights side by side. Expert: the factor's share of its pillar, and the mean score "
            "points per scaled point over the labelled panel (zero wherever exposure is zero, "
            "the gate). Challenger: log-odds per scaled point from a fit on every labelled "
            f"row (intercept {_num(ch['intercept'], 2)}).",
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
    latest = cal["latest_curve"]
    mapping = ", ".join(f"{s} -> {p:.1%}" for s, p in latest["probability_at"].items())
    rows = [[f"{b['bin_low']:.2f}-{b['bin_high']:.2f}", str(b["forecasts"]),
             _num(b["mean_probability"]), str(b["positives"]), _num(b["observed_frequency"])]
            for b in cal["curve"]]  # fmt: skip
    return "\n\n".join(
        [
            "## Calibration: score to 12-month probability",
            "Platt scaling (a two-parameter logistic curve on the score), refitted every quarter "
            "on past labels only; chosen over isotonic regression because the positives come "
            "from a handful of episodes, which a free step function would memorise. "
            "out/calibration.parquet publishes the probability beside each score.",
            f"Out-of-sample Brier score {_num(cal['brier'], 4)} on {cal['rows']} labelled rows "
            f"from {cal['first_as_of']} ({cal['positives']} positive), against "
            f"{_num(cal['brier_base_rate'], 4)} for the base rate known at the time: skill "
            f"{_num(cal['brier_skill'], 3)}. Current curve (all labels): {mapping}.",
            _table(
                ["probability bin", "forecasts", "mean forecast", "positives", "observed"], rows
            ),
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
            f"- Episodes the score did not flag in advance: {', '.join(missed) or 'none'}."
        )
        delays = sorted(e["days_after_trigger"] for e in metrics["episodes"]
                        if e.get("days_after_trigger") is not None)  # fmt: skip
        if delays:
            lines.append(
                f"- The IMF's first response came a median of {statistics.median(delays):g} days "
                f"(range {delays[0]} to {delays[-1]}) after the latest crypto action it names: "
                "mostly faster than quarter-end scores can show, so a warning must come from "
                "exposure already in place; compare the eve scores above."
            )
        lines.append(
            f"- Outcomes observed through {metrics['observed_through']}; later quarters are "
            "unlabelled, and the outcome table rests on searches of public reports (see "
            "datasets/curated/RESEARCH_LOG.md), so unreported IMF objections count as none."
        )
    lines += [
        "- Few positive episodes, concentrated in a handful of countries: every metric has wide "
        "intervals, and the weights cannot be estimated from outcomes with any precision.",
        "- Past IMF responses feed the score (imf_crypto_attention), so quarters inside an "
        "episode are partly scored on the response history itself; the onset metrics remove "
        "that.",
        "- Crisis data end in 2017, macro values come from one vintage, and an action's status "
        "is as of the latest source (METHOD.md, Known limits).",
    ]
    return "\n".join(lines)


def build(
    package: pipeline.Package, config: ModelConfig, out: Path, today: dt.date | None = None
) -> str:
    """The model card's Markdown from the package and the evaluation outputs present in `out`."""
    today = today or dt.date.today()
    metrics_path = out / backtest.METRICS_OUTPUT
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else None
    unc_path = out / uncertainty.UNCERTAINTY_OUTPUT
    as_of = today
    if unc_path.exists() and "as_of" in export.read_metadata(unc_path):
        as_of = dt.date.fromisoformat(export.read_metadata(unc_path)["as_of"])
    sections = [
        header(package, config, today),
        coverage(package, config, as_of),
        backtest_section(metrics),
        challenger_section(metrics),
        calibration_section(metrics),
        uncertainty_section(out),
        gaps_section(metrics),
    ]
    return "\n\n".join(sections) + "\n"


def write(
    package: pipeline.Package, config: ModelConfig, out: Path, today: dt.date | None = None
) -> Path:
    """Regenerate out/model_card.md."""
    return export.write_text(out / CARD_OUTPUT, build(package, config, out, today))

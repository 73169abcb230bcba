"""Why a country scores what it does: pillars, factors, and the dated, sourced rows behind them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from rich.console import Console

from riskscore import terminal
from riskscore.errors import NotFound
from riskscore.model import ModelRun


@dataclass(frozen=True)
class Explanation:
    """Everything `riskscore explain` prints, as frames a notebook can use too."""

    score: dict
    contributions: pl.DataFrame  # factor rows, largest points first
    actions: pl.DataFrame  # crypto actions behind the exposure factors, with sources
    arrangements: pl.DataFrame  # arrangements in force or recent, with sources
    responses: pl.DataFrame  # past IMF crypto responses counted, with sources


def explain(
    run: ModelRun, tables: dict[str, pl.DataFrame], iso3: str, as_of: dt.date
) -> Explanation:
    """Collect the breakdown of one country's score on one date from a model run."""
    iso3 = iso3.upper()
    scores = run.scores.filter(pl.col("iso3") == iso3, pl.col("as_of") == as_of)
    if scores.is_empty():
        raise NotFound(f"{iso3} is not a scored IMF member on {as_of}")
    sources = tables["sources"].select("source_id", "publisher", "url")
    contributions = run.contributions.filter(pl.col("iso3") == iso3, pl.col("as_of") == as_of).sort(
        "points", descending=True
    )

    actions = (
        run.action_points.filter(pl.col("iso3") == iso3, pl.col("as_of") == as_of)
        .join(tables["crypto_actions"].select("action_id", "description"), on="action_id")
        .with_columns(first_source=pl.col("source_id").str.split(";").list.first())
        .join(sources, left_on="first_source", right_on="source_id", how="left")
        .select(
            "announced_on", "action_id", "action_type", "status", "points", "description",
            "publisher", "url",
        )
        .sort("points", descending=True)
    )  # fmt: skip

    evidence = set()
    for ids in contributions.filter(pl.col("pillar") == "engagement")["evidence_ids"].to_list():
        evidence.update(ids or [])
    arrangements = (
        tables["imf_arrangements"]
        .filter(pl.col("iso3") == iso3, pl.col("approved_on") <= as_of)
        .with_columns(counted=pl.col("arrangement_id").is_in(list(evidence)))
        .sort("approved_on", descending=True)
        .head(5)
        .with_columns(first_source=pl.col("source_id").str.split(";").list.first())
        .join(sources, left_on="first_source", right_on="source_id", how="left")
        .select(
            "arrangement_id", "facility", "approved_on", "expires_on", "ended_on",
            "amount_sdr_m", "counted", "publisher", "url",
        )
    )  # fmt: skip
    responses = (
        tables["imf_crypto_responses"]
        .filter(pl.col("iso3") == iso3, pl.col("responded_on") <= as_of)
        .with_columns(first_source=pl.col("source_id").str.split(";").list.first())
        .join(sources, left_on="first_source", right_on="source_id", how="left")
        .select("responded_on", "response_id", "response_type", "stance", "publisher", "url")
        .sort("responded_on", descending=True)
    )
    return Explanation(scores.row(0, named=True), contributions, actions, arrangements, responses)


def _fmt(value: object, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render(explanation: Explanation, console: Console, top: int = 8) -> None:
    """Print the breakdown: headline, pillars, top factors, and the rows behind them. Every
    table names the as-of date; text from the data is printed literally (riskscore.terminal)."""
    s = explanation.score
    day = s["as_of"]
    terminal.line(
        (f"{s['country']} ({s['iso3']})", "bold"), f" as of {day}: score ",
        (f"{s['score']:.1f}", "bold"), f" ({s['band']}), rank {s['rank']}, ",
        f"completeness {s['completeness']:.0%}, model {s['model_version']}", out=console,
    )  # fmt: skip
    right = terminal.Column
    per_pillar = explanation.contributions.group_by("pillar").agg(pl.col("points").sum())
    terminal.table(
        f"Pillars (0-10) and the points each adds to the score, as of {day}",
        ["pillar", right("value", True), right("points", True)],
        [
            (
                pillar,
                _fmt(s[pillar]),
                _fmt(per_pillar.filter(pl.col("pillar") == pillar)["points"].sum()),
            )
            for pillar in ("exposure", "engagement", "vulnerability")
        ],
        console,
    )
    terminal.table(
        f"Top {top} factors as of {day}",
        [
            "pillar",
            "factor",
            right("raw", True),
            right("scaled", True),
            right("weight", True),
            right("points", True),
            "sources",
        ],
        [
            (
                row["pillar"],
                row["factor"],
                _fmt(row["raw_value"]),
                _fmt(row["scaled_value"]),
                _fmt(row["weight"]),
                _fmt(row["points"]),
                ", ".join(row["source_ids"][:3]),
            )
            for row in explanation.contributions.head(top).iter_rows(named=True)
        ],
        console,
    )
    terminal.table(
        f"Crypto actions counted as of {day} (points before scaling)",
        ["date", "action", "type", "status", right("points", True), "source"],
        [
            (
                row["announced_on"],
                row["action_id"],
                row["action_type"],
                row["status"],
                _fmt(row["points"]),
                f"{row['publisher']} {row['url']}",
            )
            for row in explanation.actions.head(top).iter_rows(named=True)
        ],
        console,
    )
    terminal.table(
        f"IMF arrangements (latest five approved by {day})",
        [
            "arrangement",
            "approved",
            "scheduled end",
            "ended",
            right("SDR m", True),
            "in force",
            "source",
        ],
        [
            (
                row["arrangement_id"],
                row["approved_on"],
                _fmt(row["expires_on"]),
                _fmt(row["ended_on"]),
                _fmt(row["amount_sdr_m"], 1),
                "yes" if row["counted"] else "",
                f"{row['publisher'] or ''} {row['url'] or ''}",
            )
            for row in explanation.arrangements.iter_rows(named=True)
        ],
        console,
    )
    if not explanation.responses.is_empty():
        terminal.table(
            f"Earlier IMF responses on its crypto policy, to {day}",
            ["date", "response", "type", "stance", "source"],
            [
                (
                    row["responded_on"],
                    row["response_id"],
                    row["response_type"],
                    row["stance"],
                    f"{row['publisher']} {row['url']}",
                )
                for row in explanation.responses.iter_rows(named=True)
            ],
            console,
        )

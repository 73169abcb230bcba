"""Why a country scores what it does: pillars, factors, and the dated, sourced rows behind them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from rich.console import Console
from rich.table import Table

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
        raise KeyError(f"{iso3} is not a scored IMF member on {as_of}")
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
    """Print the breakdown: headline, pillars, top factors, and the rows behind them."""
    s = explanation.score
    console.print(
        f"[bold]{s['country']} ({s['iso3']})[/bold] as of {s['as_of']}: "
        f"score [bold]{s['score']:.1f}[/bold] ({s['band']}), rank {s['rank']}, "
        f"completeness {s['completeness']:.0%}, model {s['model_version']}"
    )
    pillars = Table(title="Pillars (0-10) and the points each adds to the score")
    for col in ("pillar", "value", "points"):
        pillars.add_column(col, justify="right" if col != "pillar" else "left")
    per_pillar = explanation.contributions.group_by("pillar").agg(pl.col("points").sum())
    for pillar in ("exposure", "engagement", "vulnerability"):
        points = per_pillar.filter(pl.col("pillar") == pillar)["points"].sum()
        pillars.add_row(pillar, _fmt(s[pillar]), _fmt(points))
    console.print(pillars)

    factors = Table(title=f"Top {top} factors")
    for col in ("pillar", "factor", "raw", "scaled", "weight", "points", "sources"):
        factors.add_column(col)
    for row in explanation.contributions.head(top).iter_rows(named=True):
        factors.add_row(
            row["pillar"], row["factor"], _fmt(row["raw_value"]), _fmt(row["scaled_value"]),
            _fmt(row["weight"]), _fmt(row["points"]), ", ".join(row["source_ids"][:3]),
        )  # fmt: skip
    console.print(factors)

    actions = Table(title="Crypto actions counted (points before scaling)")
    for col in ("date", "action", "type", "status", "points", "source"):
        actions.add_column(col)
    for row in explanation.actions.head(top).iter_rows(named=True):
        actions.add_row(
            str(row["announced_on"]), row["action_id"], row["action_type"], row["status"],
            _fmt(row["points"]), f"{row['publisher']} {row['url']}",
        )  # fmt: skip
    console.print(actions)

    arrangements = Table(title="IMF arrangements (latest five approved by this date)")
    for col in ("arrangement", "approved", "scheduled end", "ended", "SDR m", "in force", "source"):
        arrangements.add_column(col)
    for row in explanation.arrangements.iter_rows(named=True):
        arrangements.add_row(
            row["arrangement_id"], str(row["approved_on"]), _fmt(row["expires_on"]),
            _fmt(row["ended_on"]), _fmt(row["amount_sdr_m"], 1), "yes" if row["counted"] else "",
            f"{row['publisher'] or ''} {row['url'] or ''}",
        )  # fmt: skip
    console.print(arrangements)

    if not explanation.responses.is_empty():
        responses = Table(title="Earlier IMF responses on its crypto policy")
        for col in ("date", "response", "type", "stance", "source"):
            responses.add_column(col)
        for row in explanation.responses.iter_rows(named=True):
            responses.add_row(
                str(row["responded_on"]), row["response_id"], row["response_type"],
                row["stance"], f"{row['publisher']} {row['url']}",
            )  # fmt: skip
        console.print(responses)

"""Run the scoring model for a set of as-of dates: tables in, scores and contributions out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from riskscore import db
from riskscore.config import ModelConfig
from riskscore.config import load as load_config

SCORE_COLUMNS = [
    "iso3", "country", "as_of", "score", "band", "rank",
    "exposure", "engagement", "vulnerability", "completeness", "model_version",
]  # fmt: skip
CONTRIBUTION_COLUMNS = [
    "iso3", "as_of", "pillar", "factor", "label", "raw_value", "scaled_value", "weight",
    "points", "observed", "evidence_ids", "source_ids",
]  # fmt: skip


@dataclass(frozen=True)
class ModelRun:
    """Everything one run produced, for the dates it was asked about."""

    scores: pl.DataFrame
    contributions: pl.DataFrame
    action_points: pl.DataFrame
    config: ModelConfig


def run(
    tables: dict[str, pl.DataFrame],
    as_of_dates: list[dt.date],
    config: ModelConfig | None = None,
) -> ModelRun:
    """Score every IMF member on every date, using only what was known on that date."""
    if not as_of_dates:
        raise ValueError("no as-of dates to score")
    config = config or load_config()
    con = db.connect(threads=1)  # bit-identical reruns
    try:
        db.load_frames(con, tables)
        db.load_frames(con, config.tables())
        db.bind_as_of_dates(con, as_of_dates)
        db.run_models(con)
        scores = db.table(con, "scores", order_by="as_of, rank").with_columns(
            model_version=pl.lit(config.version)
        )
        contributions = db.table(
            con, "contributions", order_by="as_of, iso3, pillar, position, factor"
        )
        action_points = db.table(con, "actions__points", order_by="as_of, iso3, announced_on")
    finally:
        con.close()
    return ModelRun(
        scores=scores.select(SCORE_COLUMNS),
        contributions=contributions.select(CONTRIBUTION_COLUMNS),
        action_points=action_points,
        config=config,
    )

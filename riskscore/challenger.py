"""A fitted challenger to the expert weights: L2-regularised logistic regression on the same
13 transparent factors, validated by time split and by leaving one country out.

Features are the factors' scaled values (0-10). They share one scale, so the coefficients
(log-odds per scaled point) compare with each other without standardising. A missing factor
takes its pillar's value on that row: the weighted mean of the pillar's observed factors, or the
pillar's configured missing value when none is observed. That is exactly what the expert model
assumes when it drops a missing factor and re-weights the rest, so both models see the same
information. The published score stays the expert model; this one only tests its weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from riskscore import formula, logistic, metrics
from riskscore.config import ModelConfig
from riskscore.model import ModelRun

REGULARISATION_C = 1.0  # inverse L2 strength; fixed a priori, too few episodes to tune it


@dataclass(frozen=True)
class Challenger:
    """Out-of-sample predictions and the coefficients beside the expert weights."""

    predictions: pl.DataFrame  # iso3, as_of, challenger
    coefficients: pl.DataFrame  # pillar, factor, expert weight and effect, coefficient
    intercept: float
    horizon: int

    def summary(self, frame: pl.DataFrame, reps: int, seed: int) -> dict:
        """Time-split ranking metrics of the challenger and of the expert score on the same
        onset units, and the coefficients."""
        rows = frame.filter(
            pl.col("split") == "test", "onset", pl.col(f"label_{self.horizon}d").is_not_null()
        )
        y = rows[f"label_{self.horizon}d"].to_numpy().astype(bool)
        cluster = rows["iso3"]
        return {
            "regularisation_c": REGULARISATION_C,
            "horizon_days": self.horizon,
            "intercept": self.intercept,
            "onset_time_split": metrics.rank_metrics_with_intervals(
                y, rows["challenger"].fill_null(0).to_numpy(), cluster, reps, seed
            ),
            "expert_onset_time_split": metrics.rank_metrics_with_intervals(
                y, rows["score"].to_numpy(), cluster, reps, seed
            ),
            "coefficients": metrics.records(self.coefficients),
        }


def design_matrix(frame: pl.DataFrame, config: ModelConfig) -> np.ndarray:
    """Rows x 13 scaled factor values, a missing factor replaced by its pillar's value."""
    factors = config.factors()
    columns = [
        pl.col(name).fill_null(pl.col(pillar)).cast(pl.Float64)
        for name, pillar in zip(factors["factor"], factors["pillar"], strict=True)
    ]
    return frame.select(columns).to_numpy()


def expert_effects(run: ModelRun, rows: pl.DataFrame) -> np.ndarray:
    """Mean points the expert score gains per scaled point of each factor over `rows` (iso3,
    as_of) of the run: the published formula's exact derivatives (0 where a factor is missing)."""
    index = run.keys.select("iso3", "as_of").with_row_index("row")
    picked = rows.select("iso3", "as_of").join(index, on=["iso3", "as_of"])["row"].to_numpy()
    return formula.sensitivities(run.inputs.subset(np.sort(picked)), run.params).mean(axis=0)


def fit(
    frame: pl.DataFrame, config: ModelConfig, run: ModelRun, split_on, horizon: int
) -> Challenger:
    """Fit on the units whose `horizon` label was known before `split_on` (every choice fixed
    before the test period), predict every unit; the coefficients are read beside the expert's
    derivatives over the same training units."""
    features = design_matrix(frame, config)
    y = frame[f"label_{horizon}d"].cast(pl.Float64).to_numpy()
    known_on = frame.select(pl.col("as_of") + pl.duration(days=horizon)).to_series()
    train = np.isfinite(y) & (known_on < split_on).to_numpy()
    fitted = logistic.fit(features[train], y[train], REGULARISATION_C)
    predictions = frame.select("iso3", "as_of").with_columns(
        challenger=pl.Series(fitted.predict(features))
    )
    coefficients = config.factors().select(
        "pillar",
        "factor",
        expert_weight="weight",
        expert_weight_share=pl.col("weight") / pl.col("weight").sum().over("pillar"),
        expert_points_per_unit=pl.Series(expert_effects(run, frame.filter(pl.Series(train)))),
        challenger_coefficient=pl.Series(fitted.slopes),
    )
    return Challenger(predictions, coefficients, fitted.intercept, horizon)

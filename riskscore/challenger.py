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

from riskscore import formula, metrics
from riskscore.config import ModelConfig
from riskscore.model import ModelRun

REGULARISATION_C = 1.0  # inverse L2 strength; fixed a priori, too few episodes to tune it
MIN_TRAIN_POSITIVES = 4  # positive country-quarters needed before the time split predicts
MAX_ITERATIONS = 5000
SOLVER = "newton-cholesky"  # few features: converges exactly in a few steps (lbfgs stops early)


@dataclass(frozen=True)
class Challenger:
    """Out-of-sample predictions and the full-sample coefficients beside the expert weights."""

    predictions: pl.DataFrame  # iso3, as_of, challenger_time_split, challenger_loco, ...
    coefficients: pl.DataFrame  # pillar, factor, expert weight and effect, coefficient
    intercept: float


def make_model():
    """The challenger's estimator, unfitted (scikit-learn is imported only when fitting)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=REGULARISATION_C, max_iter=MAX_ITERATIONS, solver=SOLVER)


def design_matrix(frame: pl.DataFrame, config: ModelConfig) -> np.ndarray:
    """Rows x 13 scaled factor values, a missing factor replaced by its pillar's value."""
    factors = config.factors()
    columns = [
        pl.col(name).fill_null(pl.col(pillar)).cast(pl.Float64)
        for name, pillar in zip(factors["factor"], factors["pillar"], strict=True)
    ]
    return frame.select(columns).to_numpy()


def _labels(frame: pl.DataFrame) -> np.ndarray:
    """1/0 labels with NaN for censored rows (never trained on)."""
    return frame["label"].cast(pl.Float64).to_numpy()


def expert_effects(run: ModelRun, rows: pl.DataFrame) -> np.ndarray:
    """Mean points the expert score gains per scaled point of each factor over `rows` (iso3,
    as_of) of the run: the published formula's exact derivatives (0 where a factor is missing)."""
    index = run.keys.select("iso3", "as_of").with_row_index("row")
    picked = rows.select("iso3", "as_of").join(index, on=["iso3", "as_of"])["row"].to_numpy()
    return formula.sensitivities(run.inputs.subset(np.sort(picked)), run.params).mean(axis=0)


def fit(frame: pl.DataFrame, config: ModelConfig, run: ModelRun) -> Challenger:
    """Time-split and leave-one-country-out predictions on the labelled panel `frame`, and the
    coefficients of a fit on every labelled row (for reading, not for scoring)."""
    features = design_matrix(frame, config)
    y = _labels(frame)
    as_of = frame["as_of"].to_physical().to_numpy()
    known_on = frame["label_known_on"].to_physical().to_numpy()
    time_split, positives = metrics.expanding_window_predict(
        features, y, as_of, known_on, make_model, MIN_TRAIN_POSITIVES
    )
    loco = metrics.leave_one_group_out_predict(features, y, frame["iso3"].to_numpy(), make_model)
    predictions = frame.select("iso3", "as_of").with_columns(
        challenger_time_split=pl.Series(time_split).fill_nan(None),
        challenger_train_positives=pl.Series(positives),
        challenger_loco=pl.Series(loco).fill_nan(None),
    )
    known = np.isfinite(y)
    full = make_model().fit(features[known], y[known].astype(int))
    labelled = frame.filter(~pl.col("censored"))
    coefficients = config.factors().select(
        "pillar",
        "factor",
        expert_weight="weight",
        expert_weight_share=pl.col("weight") / pl.col("weight").sum().over("pillar"),
        expert_points_per_unit=pl.Series(expert_effects(run, labelled)),
        challenger_coefficient=pl.Series(full.coef_[0]),
    )
    return Challenger(predictions, coefficients, float(full.intercept_[0]))

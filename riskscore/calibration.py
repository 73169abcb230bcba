"""Turn the expert score into a 12-month probability of an opposing IMF response.

Platt scaling: a two-parameter logistic curve P = 1 / (1 + exp(-(a + b x score))), refitted at
every quarter end on the rows whose label was known by then (expanding window, past data only).
Why not isotonic regression: the positives come from a handful of episodes, so a free monotone
step function would mostly memorise them; two parameters keep the curve smooth, monotone in the
score, and stable as episodes are added. The fit is effectively unpenalised (Platt's method).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from riskscore import metrics

PLATT_C = 1e6  # effectively no penalty: Platt scaling is a plain logistic fit
MIN_TRAIN_POSITIVES = 4  # positive country-quarters needed before a curve is fitted
PROBABILITY_BINS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 1.0)
MAX_ITERATIONS = 5000
SOLVER = "newton-cholesky"  # few features: converges exactly in a few steps (lbfgs stops early)


def platt_model():
    """The calibration curve's estimator, unfitted (scikit-learn is imported only when fitting)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=PLATT_C, max_iter=MAX_ITERATIONS, solver=SOLVER)


def _arrays(frame: pl.DataFrame) -> tuple[np.ndarray, ...]:
    return (
        frame.select(pl.col("score").cast(pl.Float64)).to_numpy(),
        frame["label"].cast(pl.Float64).to_numpy(),
        frame["as_of"].to_physical().to_numpy(),
        frame["label_known_on"].to_physical().to_numpy(),
    )


def calibrate(frame: pl.DataFrame) -> pl.DataFrame:
    """Per panel row: the score, its probability from the curve fitted on past labels only, the
    base rate known then (the reference forecast), the label and whether it is censored."""
    from sklearn.dummy import DummyClassifier

    score, y, as_of, known_on = _arrays(frame)
    probability, positives = metrics.expanding_window_predict(
        score, y, as_of, known_on, platt_model, MIN_TRAIN_POSITIVES
    )
    base_rate, _ = metrics.expanding_window_predict(
        score, y, as_of, known_on, lambda: DummyClassifier(strategy="prior"), MIN_TRAIN_POSITIVES
    )
    return frame.select(
        "iso3",
        "as_of",
        "score",
        probability=pl.Series(probability).fill_nan(None),
        base_rate=pl.Series(base_rate).fill_nan(None),
        train_positives=pl.Series(positives),
        label="label",
        censored="censored",
    )


def _scored(calibrated: pl.DataFrame) -> pl.DataFrame:
    return calibrated.filter(~pl.col("censored"), pl.col("probability").is_not_null())


def brier(calibrated: pl.DataFrame) -> dict:
    """Brier score of the out-of-sample probabilities on labelled rows, beside the Brier of the
    base rate known at the time; skill = 1 - brier / reference (above 0 beats the base rate)."""
    rows = _scored(calibrated)
    y = rows["label"].cast(pl.Float64).to_numpy()
    model = metrics.brier(y, rows["probability"].to_numpy())
    reference = metrics.brier(y, rows["base_rate"].to_numpy())
    return {
        "rows": rows.height,
        "positives": int(y.sum()),
        "first_as_of": rows["as_of"].min().isoformat() if rows.height else None,
        "brier": model,
        "brier_base_rate": reference,
        "brier_skill": 1 - model / reference if reference else None,
    }


def curve(calibrated: pl.DataFrame, edges: tuple[float, ...] = PROBABILITY_BINS) -> pl.DataFrame:
    """Reliability table: per probability bin, forecasts, mean forecast, positives and the
    observed frequency, on labelled out-of-sample rows."""
    rows = _scored(calibrated)
    bins = np.clip(np.digitize(rows["probability"].to_numpy(), edges[1:-1]), 0, len(edges) - 2)
    grouped = (
        rows.with_columns(bin=pl.Series(bins))
        .group_by("bin")
        .agg("probability", forecasts=pl.len(), positives=pl.col("label").cast(pl.Int64).sum())
    )
    # the mean as an exact sum (math.fsum): polars' parallel group-by mean adds partial sums in
    # whatever order its threads finish, which changed the 16th digit from one run to the next
    table = grouped.with_columns(
        mean_probability=pl.Series([math.fsum(p) / len(p) for p in grouped["probability"]])
    ).select("bin", "forecasts", "mean_probability", "positives")
    frame = pl.DataFrame(
        {"bin": range(len(edges) - 1), "bin_low": edges[:-1], "bin_high": edges[1:]},
        schema_overrides={"bin": pl.Int64},
    )
    return (
        frame.join(table.with_columns(pl.col("bin").cast(pl.Int64)), on="bin", how="left")
        .with_columns(
            pl.col("forecasts").fill_null(0).cast(pl.Int64),
            pl.col("positives").fill_null(0).cast(pl.Int64),
        )
        .with_columns(
            observed_frequency=pl.when(pl.col("forecasts") > 0).then(
                pl.col("positives") / pl.col("forecasts")
            )
        )
        .sort("bin")
        .drop("bin")
    )


def latest_curve(frame: pl.DataFrame, scores: tuple[float, ...]) -> dict:
    """The curve fitted on every labelled row (what the latest quarter's probabilities use):
    intercept, slope per score point, and the probability at the given scores."""
    rows = frame.filter(~pl.col("censored"))
    fitted = platt_model().fit(
        rows.select(pl.col("score").cast(pl.Float64)).to_numpy(), rows["label"].cast(pl.Int8)
    )
    at = fitted.predict_proba(np.asarray(scores, float)[:, None])[:, 1]
    return {
        "intercept": float(fitted.intercept_[0]),
        "slope_per_point": float(fitted.coef_[0][0]),
        "probability_at": {f"{s:g}": float(p) for s, p in zip(scores, at, strict=True)},
    }

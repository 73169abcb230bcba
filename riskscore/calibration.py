"""The score as a probability: P(an opposing IMF response within h days), fitted on past data.

A logistic curve on the signals (log(1 + score), and any signal METHOD.md keeps) is refitted at
every month end on the units whose label was known by then (as_of + h on or before the month
end) and applied to the units of the month that follows: each probability uses only what was
known when it was issued. Mild L2 regularisation keeps the early curves (few episodes) from the
overconfident extremes an unpenalised fit reaches with a handful of positives.

Reliability: forecasts grouped in equal-width probability bins; the expected calibration error
(ECE) is the forecast-weighted mean gap |mean forecast - observed frequency| over the bins, and
the largest gap is taken over bins holding at least MIN_BIN_UNITS units.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from riskscore import logistic
from riskscore.logistic import Curve

REGULARISATION_C = 1.0
MIN_TRAIN_POSITIVES = 10  # positive units known before a curve is fitted
MIN_TRAIN_EPISODES = 1  # ... from at least this many countries
BINS = 10
MIN_BIN_UNITS = 20


def signal_columns(frame: pl.DataFrame, signals: tuple[str, ...]) -> np.ndarray:
    """The curve's inputs: log(1 + score), then the kept signals (0 where missing)."""
    columns = [np.log1p(frame["score"].to_numpy().astype(float))]
    columns += [frame[name].fill_null(0).cast(pl.Float64).to_numpy() for name in signals]
    return np.column_stack(columns)


def _fit_each(
    rows: logistic.Rows, train: np.ndarray, country: int
) -> tuple[np.ndarray, list[Curve]]:
    """For each training selection (a row of `train`, fits x rows): whether it holds enough
    positives (at least MIN_TRAIN_POSITIVES units from MIN_TRAIN_EPISODES countries, the
    countries in key column `country`), and the curves of those that do, solved together
    from the curve on every row."""
    positive = rows.y == 1
    _, code = np.unique(rows.key[positive, country], return_inverse=True)
    chosen = train[:, positive].astype(float)
    units = chosen @ rows.weight[positive]
    countries = ((chosen @ np.eye(code.max(initial=-1) + 1)[code]) > 0).sum(axis=1)
    enough = (units >= MIN_TRAIN_POSITIVES) & (countries >= MIN_TRAIN_EPISODES)
    pooled = logistic.fit_many(rows, rows.weight[None, :], REGULARISATION_C)[0]
    return enough, logistic.fit_many(rows, rows.weight * train[enough], REGULARISATION_C, pooled)


def _country_codes(frame: pl.DataFrame) -> np.ndarray:
    return frame["iso3"].cast(pl.Categorical).to_physical().cast(pl.Int64).to_numpy()


def expanding(
    frame: pl.DataFrame, horizon: int, signals: tuple[str, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """P(opposing response within `horizon` days) per unit from curves refitted at each month
    end on the labels known by then; NaN before enough positives are known. Returns the
    probabilities and, per unit, the day of the fit behind it."""
    x = signal_columns(frame, signals)
    y = frame[f"label_{horizon}d"].cast(pl.Float64).to_numpy()
    labelled = np.isfinite(y)
    # a label is known before a month starts iff the month in which it became known began
    # earlier, so units merge per month known (and per country for positives: `_fit_each`)
    known_month = (
        (frame["as_of"] + dt.timedelta(days=horizon)).dt.month_start().to_physical().to_numpy()
    )
    country = np.where(y == 1, _country_codes(frame), -1)
    rows = logistic.compress(
        x[labelled], y[labelled], np.column_stack([known_month, country])[labelled]
    )
    month = frame["as_of"].dt.month_start().to_physical().to_numpy()
    probability = np.full(frame.height, np.nan)
    fitted_on = np.full(frame.height, -1, dtype=np.int64)
    starts = np.unique(month)
    enough, curves = _fit_each(rows, rows.key[None, :, 0] < starts[:, None], country=1)
    for start, curve in zip(starts[enough], curves, strict=True):
        target = month == start
        probability[target] = curve.predict(x[target])
        fitted_on[target] = start
    return probability, fitted_on


def leave_one_country_out(
    frame: pl.DataFrame, horizon: int, signals: tuple[str, ...] = ()
) -> np.ndarray:
    """Each country's units scored by a curve fitted on every other country's labelled units."""
    x = signal_columns(frame, signals)
    y = frame[f"label_{horizon}d"].cast(pl.Float64).to_numpy()
    country = _country_codes(frame)
    labelled = np.isfinite(y)
    rows = logistic.compress(x[labelled], y[labelled], country[labelled])
    probability = np.full(frame.height, np.nan)
    codes = np.unique(country)
    enough, curves = _fit_each(rows, rows.key[None, :, 0] != codes[:, None], country=0)
    for code, curve in zip(codes[enough], curves, strict=True):
        target = country == code
        probability[target] = curve.predict(x[target])
    return probability


def latest(frame: pl.DataFrame, horizon: int, signals: tuple[str, ...] = ()) -> Curve:
    """The curve fitted on every labelled unit: what today's probabilities use."""
    x = signal_columns(frame, signals)
    y = frame[f"label_{horizon}d"].cast(pl.Float64).to_numpy()
    labelled = np.isfinite(y)
    return logistic.fit(x[labelled], y[labelled], REGULARISATION_C)


def reliability(label: np.ndarray, probability: np.ndarray, bins: int = BINS) -> pl.DataFrame:
    """Per equal-width probability bin: units, mean forecast, positives, observed frequency
    and the gap between them."""
    label = np.asarray(label, float)
    probability = np.asarray(probability, float)
    index = np.clip((probability * bins).astype(int), 0, bins - 1)
    units = np.bincount(index, minlength=bins)
    forecast = np.bincount(index, weights=probability, minlength=bins)
    positives = np.bincount(index, weights=label, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_forecast = np.where(units > 0, forecast / units, np.nan)
        observed = np.where(units > 0, positives / units, np.nan)
    return (
        pl.DataFrame(
            {
                "bin_low": np.arange(bins) / bins,
                "bin_high": (np.arange(bins) + 1) / bins,
                "units": units.astype(np.int64),
                "mean_probability": mean_forecast,
                "positives": positives.astype(np.int64),
                "observed_frequency": observed,
            }
        )
        .with_columns(pl.col("mean_probability", "observed_frequency").fill_nan(None))
        .with_columns(gap=(pl.col("mean_probability") - pl.col("observed_frequency")).abs())
    )


def calibration_error(table: pl.DataFrame, min_units: int = MIN_BIN_UNITS) -> dict[str, float]:
    """ECE (unit-weighted mean gap over all bins) and the largest gap among bins holding at
    least `min_units` units."""
    filled = table.filter(pl.col("units") > 0)
    total = filled["units"].sum()
    ece = float((filled["gap"] * filled["units"]).sum() / total) if total else float("nan")
    large = filled.filter(pl.col("units") >= min_units)
    gap = float(large["gap"].max()) if large.height else float("nan")
    return {"ece": ece, "max_bin_gap": gap, "bins_counted": large.height}


def brier(label: np.ndarray, probability: np.ndarray) -> float:
    """Mean squared difference between the forecast and the 0/1 outcome."""
    label, probability = np.asarray(label, float), np.asarray(probability, float)
    return float(np.mean((probability - label) ** 2)) if label.size else float("nan")

"""Calibration of the score into a 12-month probability: past data only, Brier, reliability."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from riskscore import backtest, calibration

D = dt.date


def _labelled(scores: list[float], labels: list[bool | None], dates: list[dt.date]) -> pl.DataFrame:
    """A hand-made labelled panel; a label is known one quarter (92 days) after its date."""
    return pl.DataFrame(
        {
            "iso3": [f"C{i:02d}" for i in range(len(scores))],
            "as_of": dates,
            "score": scores,
            "label": labels,
            "censored": [label is None for label in labels],
        }
    ).with_columns(label_known_on=pl.col("as_of") + pl.duration(days=92))


def _history(periods: int = 8, members: int = 20) -> pl.DataFrame:
    """Members on consecutive quarter ends; the riskiest two are positive on every date."""
    dates = backtest.pipeline.period_ends(D(2020, 1, 1), D(2030, 1, 1))[:periods]
    scores, labels, days = [], [], []
    for day in dates:
        for member in range(members):
            scores.append(float(member * 5))
            labels.append(member >= members - 2)
            days.append(day)
    return _labelled(scores, labels, days)


def test_probability_is_fitted_on_past_labels_and_rises_with_the_score() -> None:
    frame = _history()
    result = calibration.calibrate(frame)
    first_date = frame["as_of"].min()
    assert result.filter(pl.col("as_of") == first_date)["probability"].null_count() == 20
    later = result.filter(pl.col("as_of") == frame["as_of"].max()).sort("score")
    probability = later["probability"].to_numpy()
    assert np.all(np.diff(probability) >= 0) and probability[-1] > 0.5 > probability[0]


def test_changing_a_later_label_leaves_earlier_probabilities_unchanged() -> None:
    frame = _history()
    last = frame["as_of"].max()
    flipped = frame.with_columns(
        label=pl.when(pl.col("as_of") == last).then(~pl.col("label")).otherwise(pl.col("label"))
    )
    before = calibration.calibrate(frame).filter(pl.col("as_of") <= last)
    after = calibration.calibrate(flipped).filter(pl.col("as_of") <= last)
    assert before["probability"].equals(after["probability"])


def test_censored_rows_get_a_probability_but_are_never_scored() -> None:
    frame = _history()
    last = frame["as_of"].max()
    frame = frame.with_columns(
        censored=pl.col("as_of") == last,
        label=pl.when(pl.col("as_of") == last).then(None).otherwise(pl.col("label")),
    )
    result = calibration.calibrate(frame)
    assert result.filter(pl.col("as_of") == last)["probability"].null_count() == 0
    brier = calibration.brier(result)
    assert (
        brier["rows"]
        == result.filter(~pl.col("censored"), pl.col("probability").is_not_null()).height
    )


def test_brier_compares_the_forecast_with_the_base_rate_known_then() -> None:
    calibrated = pl.DataFrame(
        {
            "as_of": [D(2021, 3, 31)] * 4,
            "probability": [0.9, 0.1, 0.2, 0.0],
            "base_rate": [0.25] * 4,
            "label": [True, False, False, False],
            "censored": [False] * 4,
        }
    )
    result = calibration.brier(calibrated)
    assert result["brier"] == pytest.approx((0.01 + 0.01 + 0.04 + 0.0) / 4)
    assert result["brier_base_rate"] == pytest.approx((0.5625 + 3 * 0.0625) / 4)
    assert result["brier_skill"] == pytest.approx(1 - result["brier"] / result["brier_base_rate"])


def test_reliability_table_counts_forecasts_and_observed_frequency_per_bin() -> None:
    calibrated = pl.DataFrame(
        {
            "probability": [0.005, 0.006, 0.5, 0.7, 0.9],
            "label": [False, True, True, True, False],
            "censored": [False] * 5,
        }
    )
    table = calibration.curve(calibrated, edges=(0.0, 0.01, 0.4, 1.0))
    assert table["forecasts"].to_list() == [2, 0, 3]
    assert table["positives"].to_list() == [1, 0, 2]
    assert table["observed_frequency"].to_list()[0] == 0.5
    assert table["observed_frequency"].to_list()[1] is None
    assert table["observed_frequency"].to_list()[2] == pytest.approx(2 / 3)


def test_shipped_probabilities_sit_beside_the_scores(real_package, real_history) -> None:
    frame = backtest.label(
        backtest.panel(real_history),
        backtest.opposing_responses(real_package.tables["imf_crypto_responses"]),
        D(2025, 12, 22),
        horizon_months=12,
    )
    result = calibration.calibrate(frame)
    assert result.columns[:4] == ["iso3", "as_of", "score", "probability"]
    assert result.height == frame.height
    latest = result.filter(pl.col("as_of") == result["as_of"].max()).sort("score")
    assert latest["probability"].null_count() == 0  # the published quarter has a probability
    assert latest["probability"].is_between(0, 1).all()
    assert (latest["probability"].diff().drop_nulls() >= 0).all()  # monotone in the score
    # no curve before the first opposing responses (Marshall Islands, 2018) were known
    assert result.filter(pl.col("as_of") < D(2018, 6, 30))["probability"].null_count() > 0

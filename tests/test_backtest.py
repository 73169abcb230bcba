"""The backtest: metric arithmetic on hand-made panels, labels, censoring, episodes, lead times,
time-split and leave-one-country-out fits, the point-in-time panel and the command."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from sklearn.metrics import average_precision_score, roc_auc_score
from typer.testing import CliRunner

from riskscore import backtest, metrics, model, pointintime
from riskscore.cli import app

D = dt.date
runner = CliRunner()


def _responses(rows: list[tuple[str, str]], stance: str = "opposing") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "response_id": [f"R{i}" for i in range(len(rows))],
            "iso3": [iso3 for iso3, _ in rows],
            "responded_on": [D.fromisoformat(day) for _, day in rows],
            "stance": [stance] * len(rows),
            "linked_action_ids": [None] * len(rows),
        },
        schema_overrides={"linked_action_ids": pl.String},
    )


def _quarters(start: str, count: int) -> list[dt.date]:
    return backtest.pipeline.period_ends(D.fromisoformat(start), D(2100, 1, 1))[:count]


def _panel(scores: dict[str, list[float]], start: str = "2020-03-31") -> pl.DataFrame:
    """A hand-made panel: one row per country and quarter end from `start`."""
    rows = []
    for iso3, values in scores.items():
        for as_of, score in zip(_quarters(start, len(values)), values, strict=True):
            rows.append({"iso3": iso3, "as_of": as_of, "score": float(score)})
    return pl.DataFrame(rows)


# --- metric arithmetic ---------------------------------------------------------------------


def test_perfect_ranker_scores_one_on_auroc_and_average_precision() -> None:
    label = np.array([0, 0, 1, 0, 1, 1])
    score = np.array([0.1, 0.2, 0.9, 0.3, 0.8, 0.7])
    assert metrics.auroc(label, score) == 1.0
    assert metrics.average_precision(label, score) == 1.0
    assert metrics.auroc(label, -score) == 0.0


def test_auroc_counts_a_tied_pair_as_half() -> None:
    assert metrics.auroc(np.array([1, 0]), np.array([5.0, 5.0])) == 0.5
    assert math.isnan(metrics.auroc(np.array([1, 1]), np.array([1.0, 2.0])))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(min_value=0, max_value=4)), min_size=2, max_size=40
    ).filter(lambda rows: 0 < sum(label for label, _ in rows) < len(rows))
)
def test_auroc_and_average_precision_agree_with_scikit_learn(rows) -> None:
    label = np.array([int(lab) for lab, _ in rows])
    score = np.array([float(s) for _, s in rows])  # few distinct values: many ties
    assert metrics.auroc(label, score) == pytest.approx(roc_auc_score(label, score))
    assert metrics.average_precision(label, score) == pytest.approx(
        average_precision_score(label, score)
    )


def test_top_decile_shares_places_among_tied_scores() -> None:
    # one date, 20 members: the top decile is 2 places; three members tie for the second
    score = np.array([9.0, 5.0, 5.0, 5.0] + [0.0] * 16)
    label = np.array([0, 1, 0, 0] + [0] * 16, dtype=bool)
    weights = metrics.top_share_weights(score, np.zeros(20))
    assert weights[:4].tolist() == pytest.approx([1, 1 / 3, 1 / 3, 1 / 3])
    result = metrics.top_decile(label, score, np.zeros(20))
    assert result["top_decile_precision"] == pytest.approx((1 / 3) / 2)
    assert result["top_decile_capture"] == pytest.approx(1 / 3)


def test_top_decile_is_taken_within_each_date() -> None:
    score = np.array([1.0] * 10 + [2.0] * 10)
    group = np.array([0] * 10 + [1] * 10)
    score[3], score[15] = 5.0, 6.0  # the riskiest member on each date
    assert np.flatnonzero(metrics.top_share_weights(score, group)).tolist() == [3, 15]


def test_noise_to_signal_is_false_alarm_rate_over_hit_rate() -> None:
    # A = 2 signalled positives, C = 2 missed, B = 1 false alarm, D = 5 quiet negatives
    label = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], dtype=bool)
    signal = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0], dtype=bool)
    table = metrics.signal_table(label, signal)
    assert table["hit_rate"] == 0.5 and table["false_alarm_rate"] == pytest.approx(1 / 6)
    assert table["noise_to_signal"] == pytest.approx((1 / 6) / 0.5)
    assert table["signal_precision"] == pytest.approx(2 / 3)
    assert math.isnan(metrics.signal_table(label, np.zeros(10, dtype=bool))["noise_to_signal"])


def test_country_bootstrap_is_reproducible_and_brackets_a_clear_signal() -> None:
    rng = np.random.default_rng(0)
    country = np.repeat(np.arange(30), 10)
    label = np.isin(country, [1, 5, 9, 13, 17, 21])
    score = label + rng.normal(0, 0.3, label.size)
    group = np.tile(np.arange(10), 30)

    def stat(index):
        return metrics.ranking_metrics(label[index], score[index], group[index], 0.5)

    first, _ = metrics.cluster_bootstrap(stat, country, reps=50, seed=7)
    again, _ = metrics.cluster_bootstrap(stat, country, reps=50, seed=7)
    assert first == again
    low, high = first["auroc"]
    assert low <= metrics.auroc(label, score) <= high and low > 0.9


# --- labels, censoring, episodes, lead times -----------------------------------------------


def test_label_counts_a_response_within_the_next_twelve_months_only() -> None:
    frame = _panel({"AAA": [0] * 8, "BBB": [0] * 8})  # 2020-03-31 .. 2021-12-31
    opposing = backtest.opposing_responses(_responses([("AAA", "2021-03-31")]))
    labelled = backtest.label(frame, opposing, D(2030, 1, 1), horizon_months=12)
    aaa = labelled.filter(pl.col("iso3") == "AAA").sort("as_of")
    # window (as_of, as_of + 12 months]: 2020-03-31 reaches 2021-03-31 (included); 2021-03-31
    # itself does not count the response dated that day
    assert aaa["label"].to_list() == [True, True, True, True, False, False, False, False]
    assert not labelled.filter(pl.col("iso3") == "BBB")["label"].any()
    assert aaa["recent_opposing"].to_list() == [False] * 4 + [True] * 4


def test_quarters_whose_window_passes_the_observed_date_are_censored_not_negative() -> None:
    frame = _panel({"AAA": [0] * 8})
    opposing = backtest.opposing_responses(_responses([("AAA", "2021-03-31")]))
    labelled = backtest.label(frame, opposing, D(2021, 6, 30), horizon_months=12)
    censored = labelled.filter(pl.col("censored"))
    assert censored["as_of"].min() == D(2020, 9, 30)  # its window ends 2021-09-30
    assert censored["label"].null_count() == censored.height
    assert labelled.filter(~pl.col("censored"))["label"].to_list() == [True, True]


def test_observed_through_is_the_last_response_or_today() -> None:
    responses = _responses([("AAA", "2025-12-22"), ("BBB", "2024-01-01")], stance="neutral")
    assert backtest.observed_through(responses, D(2026, 11, 28)) == D(2025, 12, 22)
    assert backtest.observed_through(responses, D(2025, 1, 1)) == D(2025, 1, 1)


def test_only_opposing_responses_to_a_member_are_outcomes() -> None:
    responses = pl.concat(
        [
            _responses([("AAA", "2021-01-01"), ("WLD", "2023-02-23")]),
            _responses([("BBB", "2021-01-01")], stance="cautionary"),
        ]
    )
    assert backtest.opposing_responses(responses)["iso3"].to_list() == ["AAA"]


def test_episodes_split_at_the_quarter_gap() -> None:
    days = ["2021-01-15", "2022-09-01", "2024-09-30", "2024-10-01"]  # gaps: 6, 8, 1 quarters
    table = backtest.episodes(backtest.opposing_responses(_responses([("AAA", d) for d in days])))
    assert table["episode"].to_list() == ["AAA 2021-2022", "AAA 2024"]
    assert table["responses"].to_list() == [2, 2]
    assert table["previous_response_on"].to_list() == [None, D(2022, 9, 1)]
    shorter = backtest.episodes(
        backtest.opposing_responses(_responses([("AAA", d) for d in days])), 6
    )
    assert shorter.height == 3


def test_lead_time_counts_quarters_from_the_first_elevated_quarter_end() -> None:
    # quarter ends 2020-03-31 .. 2021-06-30; elevated from 2020-09-30; response 2021-05-15
    frame = _panel({"AAA": [10, 20, 40, 30, 50, 60]})
    table = backtest.episodes(backtest.opposing_responses(_responses([("AAA", "2021-05-15")])))
    lead = backtest.lead_times(frame, table, threshold=35).row(0, named=True)
    assert lead["first_elevated_on"] == D(2020, 9, 30)
    assert lead["lead_quarters"] == 3  # 2020Q3 -> 2021Q2
    assert lead["outcome"] == "warned"
    assert lead["max_score_before"] == 50 and lead["last_score_before"] == 50
    assert lead["elevated_at_last_quarter"]


def test_an_episode_never_elevated_before_its_first_response_is_missed() -> None:
    frame = _panel({"AAA": [10, 20, 30, 90]})  # elevated only after the response
    table = backtest.episodes(backtest.opposing_responses(_responses([("AAA", "2020-11-01")])))
    lead = backtest.lead_times(frame, table, threshold=35).row(0, named=True)
    assert lead["outcome"] == "missed" and lead["lead_quarters"] is None
    assert lead["max_score_before"] == 30


def test_a_later_episode_looks_back_only_to_the_previous_one() -> None:
    frame = _panel({"AAA": [50, 50, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]}, "2019-03-31")
    days = ["2019-08-01", "2021-12-01"]  # 9 quarters apart: two episodes
    table = backtest.episodes(backtest.opposing_responses(_responses([("AAA", d) for d in days])))
    leads = backtest.lead_times(frame, table, threshold=35)
    assert leads["outcome"].to_list() == ["warned", "missed"]  # old elevation does not count


# --- fitted models: time split and leave one country out -----------------------------------


def _logistic():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression()


def test_time_split_trains_only_on_labels_known_by_the_prediction_date() -> None:
    as_of = np.repeat(np.arange(6), 4)  # six dates, four rows each
    known_on = as_of + 2  # a label is known two dates later
    label = np.tile([1.0, 0.0, 0.0, 0.0], 6)
    features = np.column_stack([label + np.linspace(0, 0.1, 24)])
    probability, used = metrics.expanding_window_predict(
        features, label, as_of, known_on, _logistic, min_positives=2
    )
    # at date t the known labels are those of dates <= t - 2: one positive per date
    assert used.tolist() == np.repeat([0, 0, 1, 2, 3, 4], 4).tolist()
    assert np.isnan(probability[as_of < 3]).all() and np.isfinite(probability[as_of >= 3]).all()


def test_leave_one_country_out_never_sees_the_country_it_predicts() -> None:
    rng = np.random.default_rng(1)
    group = np.repeat(np.arange(8), 20)
    features = rng.normal(size=(160, 2))
    label = (features[:, 0] > 0.5).astype(float)
    base = metrics.leave_one_group_out_predict(features, label, group, _logistic)
    flipped = label.copy()
    flipped[group == 3] = 1 - flipped[group == 3]
    again = metrics.leave_one_group_out_predict(features, flipped, group, _logistic)
    np.testing.assert_allclose(base[group == 3], again[group == 3])
    assert not np.allclose(base[group != 3], again[group != 3])


# --- the shipped data ----------------------------------------------------------------------


@pytest.mark.parametrize("day", [D(2021, 3, 31), D(2025, 3, 31)])
def test_panel_at_a_quarter_does_not_change_when_later_data_are_removed(
    real_package, real_history, day
) -> None:
    full = backtest.panel(real_history).filter(pl.col("as_of") == day)
    truncated = backtest.panel(model.run(pointintime.truncate(real_package.tables, day), [day]))
    assert_frame_equal(full, truncated, check_exact=False, abs_tol=1e-9)


def test_shipped_labels_mark_el_salvador_before_the_bitcoin_law_response(
    real_package, real_history
) -> None:
    frame = backtest.panel(real_history)
    opposing = backtest.opposing_responses(real_package.tables["imf_crypto_responses"])
    labelled = backtest.label(frame, opposing, D(2025, 12, 22), horizon_months=12)
    slv = labelled.filter(pl.col("iso3") == "SLV")
    assert slv.filter(pl.col("as_of") == D(2021, 3, 31))["label"].item()  # response 2021-06-10
    assert not slv.filter(pl.col("as_of") == D(2019, 12, 31))["label"].item()
    assert labelled.filter(pl.col("as_of") > D(2024, 9, 30))["censored"].all()
    assert not labelled.filter(pl.col("as_of") <= D(2024, 9, 30))["censored"].any()
    assert set(labelled.columns) >= set(backtest.factor_names(real_history.config))


def test_backtest_command_writes_panel_metrics_and_calibration(tmp_path: Path) -> None:
    args = ["backtest", "--out", str(tmp_path), "--end", "2026-09-30", "--reps", "20"]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "AUROC" in result.output and "Traceback" not in result.output
    panel = pl.read_parquet(tmp_path / "backtest.parquet")
    assert panel.columns[:4] == ["iso3", "as_of", "score", "band"]
    assert {"label", "censored", "state_actions", "challenger_loco"} <= set(panel.columns)
    document = json.loads((tmp_path / "backtest_metrics.json").read_text())
    expert = document["expert"]
    assert 0 <= expert["auroc"]["ci_low"] <= expert["auroc"]["value"] <= expert["auroc"]["ci_high"]
    assert document["panel"]["censored_rows"] == panel["censored"].sum()
    assert len(document["challenger"]["coefficients"]) == 13
    calibration = pl.read_parquet(tmp_path / "calibration.parquet")
    assert calibration.columns[:4] == ["as_of", "iso3", "score", "probability"]
    assert (tmp_path / "model_card.md").exists()

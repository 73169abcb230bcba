"""The event-time backtest: metric arithmetic, labels, onset, episodes, lead times, the
probability curves, the shipped units and the command."""

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
from sklearn.metrics import average_precision_score, roc_auc_score
from typer.testing import CliRunner

from riskscore import backtest, calibration, logistic, metrics, outcomes
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


def _units(iso3: str, days: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"iso3": [iso3] * len(days), "as_of": [D.fromisoformat(d) for d in days]})


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
        st.tuples(st.booleans(), st.integers(min_value=0, max_value=4), st.integers(0, 3)),
        min_size=2,
        max_size=40,
    ).filter(lambda rows: 0 < sum(label for label, _, _ in rows) < len(rows))
)
def test_weighted_metrics_equal_the_metrics_of_repeated_rows(rows) -> None:
    label = np.array([int(lab) for lab, _, _ in rows])
    score = np.array([float(s) for _, s, _ in rows])  # few distinct values: many ties
    weight = np.array([w for _, _, w in rows])
    assert metrics.auroc(label, score) == pytest.approx(roc_auc_score(label, score))
    assert metrics.average_precision(label, score) == pytest.approx(
        average_precision_score(label, score)
    )
    repeated = np.repeat(np.arange(len(rows)), weight)
    weighted = metrics.weighted_rank_metrics(label, score, weight[None, :])
    if 0 < label[repeated].sum() < repeated.size:
        assert weighted["auroc"][0] == pytest.approx(
            metrics.auroc(label[repeated], score[repeated])
        )
        assert weighted["average_precision"][0] == pytest.approx(
            metrics.average_precision(label[repeated], score[repeated])
        )


def test_country_bootstrap_is_reproducible_and_brackets_a_clear_signal() -> None:
    rng = np.random.default_rng(0)
    country = np.repeat(np.arange(30), 10)
    label = np.isin(country, [1, 5, 9, 13, 17, 21])
    score = label + rng.normal(0, 0.3, label.size)
    first = metrics.rank_metrics_with_intervals(label, score, country, reps=200, seed=7)
    again = metrics.rank_metrics_with_intervals(label, score, country, reps=200, seed=7)
    assert first == again
    auc = first["auroc"]
    assert auc["ci_low"] <= auc["value"] <= auc["ci_high"] and auc["ci_low"] > 0.9
    draws = metrics.cluster_draws(30, 3, 1)
    assert (draws.sum(axis=1) == 30).all()  # each replicate draws as many countries as there are
    # drawn at once, the same stream as drawing replicate by replicate
    one_by_one = np.random.default_rng(1)
    expected = [np.bincount(one_by_one.integers(0, 30, 30), minlength=30) for _ in range(3)]
    np.testing.assert_array_equal(draws, expected)
    # counting per (country, score) cell gives what weighting every row by its country gives
    cells = metrics.clustered_rank_metrics(label, score, country, draws)
    rows = metrics.weighted_rank_metrics(label, score, draws[:, country])
    np.testing.assert_allclose(cells["auroc"], rows["auroc"])
    np.testing.assert_allclose(cells["average_precision"], rows["average_precision"])


def test_country_codes_from_polars_text_match_numpy_order_and_give_the_same_intervals() -> None:
    rng = np.random.default_rng(3)
    names = np.array(["ZWE", "ARG", "SLV", "PAK", "AFG", "ZMB", "BRA"])
    country = names[rng.integers(0, names.size, 400)]
    label = np.isin(country, ["SLV", "ARG"]) & (rng.random(400) < 0.7)
    score = label + rng.normal(0, 0.5, 400)
    codes, clusters = metrics.cluster_codes(pl.Series(country))
    expected, expected_clusters = metrics.cluster_codes(country.astype(object))
    np.testing.assert_array_equal(codes, expected)
    assert clusters == expected_clusters == names.size
    from_series = metrics.rank_metrics_with_intervals(label, score, pl.Series(country), 300, 5)
    assert from_series == metrics.rank_metrics_with_intervals(label, score, country, 300, 5)


# --- labels, onset, episodes, lead times ---------------------------------------------------


def test_labels_look_90_and_365_days_ahead_and_censor_past_the_observed_day() -> None:
    units = _units("AAA", ["2020-01-31", "2020-06-30", "2020-11-30", "2021-06-30"])
    opposing = outcomes.opposing_responses(_responses([("AAA", "2021-03-01")]))
    labelled = outcomes.label(units, opposing, D(2021, 12, 31)).sort("as_of")
    assert labelled["label_90d"].to_list() == [False, False, False, False]
    assert labelled["label_365d"].to_list() == [False, True, True, None]
    assert labelled["censored_365d"].to_list() == [False, False, False, True]


def test_onset_means_no_opposing_response_in_the_24_months_before() -> None:
    units = _units("AAA", ["2019-12-31", "2020-06-30", "2022-06-30", "2022-07-31"])
    opposing = outcomes.opposing_responses(_responses([("AAA", "2020-07-15")]))
    labelled = outcomes.label(units, opposing, D(2030, 1, 1)).sort("as_of")
    assert labelled["onset"].to_list() == [True, True, False, True]


def test_only_opposing_responses_to_a_member_count() -> None:
    responses = pl.concat(
        [_responses([("AAA", "2021-01-01")], "cautionary"), _responses([("WLD", "2021-01-01")])]
    )
    assert outcomes.opposing_responses(responses).is_empty()


def test_episodes_start_after_24_months_without_an_opposing_response() -> None:
    opposing = outcomes.opposing_responses(
        _responses(
            [
                ("AAA", "2018-05-01"),
                ("AAA", "2019-01-01"),
                ("AAA", "2021-06-01"),
                ("BBB", "2022-01-01"),
            ]
        )
    )
    table = outcomes.episodes(opposing)
    assert table["episode"].to_list() == ["AAA 2018", "AAA 2021", "BBB 2022"]
    assert table["responses"].to_list() == [2, 1, 1]
    assert table["previous_response_on"].to_list() == [None, D(2019, 1, 1), None]


def test_lead_counts_days_from_the_start_of_the_spell_still_running_on_the_eve() -> None:
    opposing = outcomes.opposing_responses(_responses([("AAA", "2021-06-10")]))
    table = outcomes.episodes(opposing)
    warned = pl.DataFrame(
        {
            "iso3": ["AAA"] * 5,
            "as_of": [D(2021, 1, 31), D(2021, 2, 28), D(2021, 3, 31), D(2021, 4, 30),
                      D(2021, 5, 31)],
            "score": [10.0, 0.0, 5.0, 6.0, 7.0],
            "rank": [1, 9, 3, 2, 2],
        }
    ).with_columns(warned_rank=pl.col("rank") <= 5, warned_band=pl.col("score") >= 35)  # fmt: skip
    leads = backtest.lead_times(table, warned, "warned_rank")
    assert leads["warned_from"].item() == D(2021, 3, 31)  # the January spell was broken
    assert leads["lead_days"].item() == (D(2021, 6, 10) - D(2021, 3, 31)).days
    assert leads["eve_rank"].item() == 2
    assert backtest.lead_times(table, warned, "warned_band")["lead_days"].item() is None


def test_warning_needs_a_score_above_zero_even_when_zeros_share_a_top_rank() -> None:
    scores = pl.DataFrame(
        {"iso3": ["A", "B", "C"], "as_of": [D(2020, 1, 31)] * 3, "score": [3.0, 0.0, 0.0],
         "rank": [1, 2, 2]}
    )  # fmt: skip
    assert backtest.warnings(scores, 35.0)["warned_rank"].to_list() == [True, False, False]


def test_units_are_month_ends_and_the_day_after_each_national_action() -> None:
    actions = pl.DataFrame(
        {"iso3": ["AAA", "BBB"], "announced_on": [D(2020, 2, 10), D(2020, 2, 11)],
         "scope": ["national", "subnational"]}
    )  # fmt: skip
    units = backtest.unit_dates(actions, D(2020, 1, 1), D(2020, 3, 31))
    assert units.filter(pl.col("unit") == "month_end")["as_of"].to_list() == [
        D(2020, 1, 31), D(2020, 2, 29), D(2020, 3, 31)
    ]  # fmt: skip
    assert units.filter(pl.col("unit") == "action_day").rows() == [("AAA", D(2020, 2, 11),
                                                                   "action_day")]  # fmt: skip


# --- the probability curves ----------------------------------------------------------------


def _curve_frame(seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    months = pl.date_range(D(2016, 1, 1), D(2023, 12, 1), "1mo", eager=True).dt.month_end()
    rows = []
    for c in range(40):
        for m in months:
            score = float(rng.choice([0.0, 0.0, 0.0, 10.0, 40.0]))
            rows.append({"iso3": f"C{c:02d}", "as_of": m, "score": score,
                         "label_365d": bool(rng.random() < 0.002 + score / 200)})  # fmt: skip
    return pl.DataFrame(rows)


def test_each_month_is_scored_by_a_curve_fitted_on_labels_known_before_it() -> None:
    frame = _curve_frame()
    probability, fitted_on = calibration.expanding(frame, 365)
    as_of = frame["as_of"].to_physical().to_numpy()
    assert (fitted_on[fitted_on >= 0] <= as_of[fitted_on >= 0]).all()
    # changing a label known only after a month leaves that month's probabilities unchanged
    cut = D(2021, 1, 1)
    later = frame.with_columns(
        label_365d=pl.when(pl.col("as_of") >= pl.lit(cut) - pl.duration(days=365))
        .then(~pl.col("label_365d"))
        .otherwise(pl.col("label_365d"))
    )
    again, _ = calibration.expanding(later, 365)
    early = (frame["as_of"] < cut).to_numpy() & np.isfinite(probability)
    np.testing.assert_allclose(probability[early], again[early])
    high = probability[(frame["score"] == 40).to_numpy() & np.isfinite(probability)]
    low = probability[(frame["score"] == 0).to_numpy() & np.isfinite(probability)]
    assert high.mean() > low.mean()


def test_leave_one_country_out_never_sees_the_country_it_predicts() -> None:
    frame = _curve_frame(1)
    base = calibration.leave_one_country_out(frame, 365)
    flipped = frame.with_columns(
        label_365d=pl.when(pl.col("iso3") == "C03").then(~pl.col("label_365d"))
        .otherwise(pl.col("label_365d"))
    )  # fmt: skip
    again = calibration.leave_one_country_out(flipped, 365)
    mine = (frame["iso3"] == "C03").to_numpy()
    np.testing.assert_allclose(base[mine], again[mine])
    assert not np.allclose(base[~mine], again[~mine])


def test_the_newton_fit_matches_scikit_learn() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(2)
    x = rng.normal(size=(500, 2))
    y = (rng.random(500) < 1 / (1 + np.exp(-(x @ [1.5, -0.5] - 1)))).astype(float)
    ours = logistic.fit(x, y, calibration.REGULARISATION_C)
    theirs = LogisticRegression(C=calibration.REGULARISATION_C, tol=1e-10).fit(x, y)
    np.testing.assert_allclose(ours.predict(x), theirs.predict_proba(x)[:, 1], atol=1e-6)
    # rows with every feature at 0 collapse into weights without changing the fit
    zeros = np.vstack([x, np.zeros((300, 2))])
    labels = np.r_[y, (np.arange(300) < 7).astype(float)]
    theirs = LogisticRegression(C=calibration.REGULARISATION_C, tol=1e-10).fit(zeros, labels)
    ours = logistic.fit(zeros, labels, calibration.REGULARISATION_C)
    np.testing.assert_allclose(ours.slopes, theirs.coef_[0], atol=1e-5)
    assert ours.intercept == pytest.approx(theirs.intercept_[0], abs=1e-5)


def test_fits_solved_together_match_fits_one_by_one_and_wait_for_enough_positives() -> None:
    rng = np.random.default_rng(5)
    x = np.r_[rng.normal(size=(60, 2)), np.zeros((40, 2))]
    y = (rng.random(100) < 0.3).astype(float)
    country = np.arange(100) % 4
    rows = logistic.compress(x, y, country[:, None])
    # training selections by (country, label), the same on the rows before and after merging:
    # everything, every country but 0, the negatives and country 1's positives
    rules = [lambda c, lab: c >= 0, lambda c, lab: c != 0, lambda c, lab: (c == 1) | (lab == 0)]
    train = np.array([rule(rows.key[:, 0], rows.y) for rule in rules])
    together = logistic.fit_many(rows, rows.weight * train, calibration.REGULARISATION_C)
    for rule, curve in zip(rules, together, strict=True):
        kept = rule(country, y)
        alone = logistic.fit(x[kept], y[kept], calibration.REGULARISATION_C)
        np.testing.assert_allclose(curve.predict(x), alone.predict(x), atol=1e-8)
    # enough: MIN_TRAIN_POSITIVES positive units (weights count) from MIN_TRAIN_EPISODES countries
    positives = np.flatnonzero(rows.y == 1)
    few = np.zeros(len(rows.y), bool)
    few[positives[: calibration.MIN_TRAIN_POSITIVES - 1]] = True
    just = few.copy()
    just[positives[calibration.MIN_TRAIN_POSITIVES - 1]] = True
    enough, curves = calibration._fit_each(rows, np.array([few, just, train[0]]), country=0)
    assert enough.tolist() == [False, True, True] and len(curves) == 2


def test_reliability_bins_and_calibration_errors() -> None:
    label = np.array([0, 0, 0, 1, 1, 0, 1, 1, 1, 1])
    probability = np.array([0.05, 0.05, 0.05, 0.05, 0.55, 0.55, 0.55, 0.55, 0.95, 0.95])
    table = calibration.reliability(label, probability)
    filled = table.filter(pl.col("units") > 0)
    assert filled["units"].to_list() == [4, 4, 2]
    assert filled["observed_frequency"].to_list() == pytest.approx([0.25, 0.75, 1.0])
    errors = calibration.calibration_error(table, min_units=3)
    expected = (4 * 0.2 + 4 * 0.2 + 2 * 0.05) / 10
    assert errors["ece"] == pytest.approx(expected)
    assert errors["max_bin_gap"] == pytest.approx(0.2) and errors["bins_counted"] == 2


# --- the shipped data ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped(real_package) -> backtest.Backtest:
    return backtest.run(real_package, reps=30)


def test_shipped_units_label_el_salvador_before_the_bitcoin_law_response(shipped) -> None:
    slv = shipped.panel.filter(pl.col("iso3") == "SLV")
    assert slv.filter(pl.col("as_of") == D(2021, 3, 31))["label_365d"].item()
    assert not slv.filter(pl.col("as_of") == D(2019, 12, 31))["label_365d"].item()
    after = slv.filter(pl.col("as_of") == D(2021, 6, 10))  # the day after the Bitcoin Law
    assert after["unit"].item() == "action_day" and after["label_90d"].item()
    assert not slv.filter(pl.col("as_of") == D(2021, 12, 31))["onset"].item()


def test_shipped_metrics_carry_the_issue_keys(shipped) -> None:
    event, cal = shipped.metrics["event_time"], shipped.metrics["calibration"]
    for key in ("onset_auroc_365d", "onset_auroc_90d"):
        entry = event[key]
        assert entry["ci_low"] <= entry["value"] <= entry["ci_high"]
    assert event["episodes"] == shipped.episodes.height
    assert event["warned_30d"] == (shipped.episodes["lead_days"].fill_null(-1) >= 30).sum()
    assert 0 <= cal["ece"] <= 1 and 0 <= cal["max_bin_gap"] <= 1
    test_units = shipped.panel.filter(pl.col("as_of") >= backtest.SPLIT_ON)
    assert (
        event["detail"]["onset_365d"]["score"]["units"]
        == test_units.filter("onset", pl.col("label_365d").is_not_null()).height
    )


def test_backtest_command_writes_units_metrics_and_probabilities(tmp_path: Path) -> None:
    result = runner.invoke(app, ["backtest", "--out", str(tmp_path), "--reps", "20"],
                           env={"COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "AUROC" in result.output and "Traceback" not in result.output
    panel = pl.read_parquet(tmp_path / "backtest.parquet")
    assert {"label_90d", "label_365d", "onset", "p90", "p365", "state_actions"} <= set(
        panel.columns
    )
    document = json.loads((tmp_path / "backtest_metrics.json").read_text())
    assert set(document["event_time"]) >= {"onset_auroc_365d", "episodes", "warned_30d",
                                           "median_lead_days"}  # fmt: skip
    assert set(document["calibration"]) >= {"ece", "max_bin_gap"}
    current = pl.read_parquet(tmp_path / "calibration.parquet")
    assert current["p365"].is_between(0, 1).all() and current.height > 150
    assert (tmp_path / "model_card.md").exists() and (tmp_path / "reliability.svg").exists()


def test_backtest_rejects_negative_resamples(tmp_path: Path) -> None:
    result = runner.invoke(app, ["backtest", "--out", str(tmp_path), "--reps", "-1"])
    assert result.exit_code == 2 and "--reps" in result.output


def test_mission_due_counts_expected_reviews_and_article_iv_boards_for_exposed_members() -> None:
    from riskscore import calendar

    tables = {
        "imf_arrangements": pl.DataFrame(
            {"iso3": ["AAA"], "arrangement_id": ["AAA-EFF"], "instrument_kind": ["lending"],
             "approved_on": [D(2024, 1, 10)], "ended_on": [None], "expires_on": [D(2027, 1, 9)]},
            schema_overrides={"ended_on": pl.Date},
        ),
        "imf_reviews": pl.DataFrame(
            {"arrangement_id": ["AAA-EFF", "AAA-EFF"],
             "completed_on": [D(2024, 7, 1), D(2025, 3, 1)]}
        ),
        "imf_article_iv": pl.DataFrame(
            {"iso3": ["BBB", "BBB"], "event": ["board_concluded", "mission_concluded"],
             "event_on": [D(2023, 5, 1), D(2024, 3, 1)]}
        ),
    }  # fmt: skip
    units = pl.DataFrame(
        {"iso3": ["AAA", "AAA", "AAA", "BBB", "BBB", "CCC"],
         # a review is due 182 days after the last completed one (2024-12-30, then 2025-08-30)
         "as_of": [D(2024, 11, 1), D(2024, 11, 1), D(2025, 3, 2), D(2024, 4, 1), D(2024, 4, 1),
                   D(2024, 4, 1)],
         "score": [5.0, 0.0, 5.0, 5.0, 0.0, 5.0]}
    )  # fmt: skip
    due = calendar.mission_due(units, tables, (90, 365))
    # AAA: due 2024-12-30, within 90 days of 2024-11-01 but only with a score above 0; from
    # 2025-03-02 the next is 2025-08-30 (181 days). BBB: a mission without a Board yet puts
    # the Board 60 days after it (2024-04-30). CCC: no calendar at all.
    assert due["mission_due_90d"].to_list() == [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert due["mission_due_365d"].to_list() == [1.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    assert due.select("iso3", "as_of", "score").equals(units)

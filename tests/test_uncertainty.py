"""The vectorised Monte Carlo: it reproduces the SQL model, perturbs within the stated ranges,
imputes as documented, estimates sensitivity correctly, and writes the output contract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from riskscore import export
from riskscore import uncertainty as mc
from riskscore.cli import app

runner = CliRunner()
TOLERANCE = 1e-9


def test_published_choices_reproduce_the_sql_scores_for_every_member(real_history) -> None:
    for day in real_history.scores["as_of"].unique().sort():
        inputs = mc.inputs(real_history, day)
        drawn = mc.scores(inputs, mc.published(inputs))[0]
        sql = real_history.scores.filter(pl.col("as_of") == day).sort("iso3")
        assert inputs.iso3.tolist() == sql["iso3"].to_list()
        np.testing.assert_allclose(drawn, sql["score"].to_numpy(), rtol=0, atol=TOLERANCE)
        ranks = sql["score"].rank("min", descending=True).cast(pl.Int64).to_numpy()
        assert (mc.ranks(drawn[None, :])[0] == ranks).all()


def test_sampled_choices_stay_within_their_ranges(real_history) -> None:
    inputs = mc.inputs(real_history, dt.date(2025, 6, 30))
    params = mc.sample(inputs, 500, np.random.default_rng(0))
    assert params["weights"].min() >= 1 - mc.WEIGHT_SPREAD
    assert params["weights"].max() <= 1 + mc.WEIGHT_SPREAD
    np.testing.assert_allclose(params["aggregation"].sum(axis=1), 1.0)
    assert params["half_lives"].min() >= 1 - mc.HALF_LIFE_SPREAD
    assert params["half_lives"].max() <= 1 + mc.HALF_LIFE_SPREAD
    assert set(params["imputation"]) == set(range(len(mc.IMPUTATIONS)))
    assert set(params["transform"]) == set(range(len(mc.TRANSFORMS)))


def _toy_inputs(vulnerability_observed: bool = False) -> mc.Inputs:
    """One member: state_actions from one action worth 5 points, exposure_size 10, one
    engagement factor at 4, vulnerability 6 and a second vulnerability factor (missing)."""
    return mc.Inputs(
        iso3=np.array(["AAA"]),
        raw=np.array([[np.nan, 10.0, 4.0, 6.0, 2.0 if vulnerability_observed else np.nan]]),
        observed=np.array([[True, True, True, True, vulnerability_observed]]),
        pillar=np.array([0, 0, 1, 2, 2]),
        weight=np.array([0.6, 0.4, 1.0, 1.0, 1.0]),
        lo=np.zeros(5),
        hi=np.full(5, 10.0),
        missing_value=np.array([0.0, 0.0, 5.0]),
        coefficient=np.array([0.40, 0.45, 0.15]),
        state_actions=0,
        active=np.array([True]),
        action_member=np.array([0]),
        action_type=np.array([0]),
        action_base=np.array([5.0]),
        action_age=np.array([0.0]),
        half_life=np.array([12.0]),
    )


@pytest.mark.parametrize(("choice", "vulnerability"), [("reweight", 6), ("zero", 3), ("worst", 8)])
def test_imputation_choices_drop_or_fill_a_missing_factor(choice, vulnerability) -> None:
    inputs = _toy_inputs()
    params = mc.published(inputs)
    params["imputation"][:] = mc.IMPUTATIONS.index(choice)
    exposure = (0.6 * 5 + 0.4 * 10) / 1.0  # 7
    expected = 100 * exposure / 10 * (0.40 + 0.45 * 4 / 10 + 0.15 * vulnerability / 10)
    assert mc.scores(inputs, params)[0, 0] == pytest.approx(expected, abs=TOLERANCE)


def test_half_lives_recompute_the_state_actions_points() -> None:
    inputs = _toy_inputs()
    aged = mc.Inputs(**{**inputs.__dict__, "action_age": np.array([12.0])})  # one half-life
    params = mc.published(aged)
    params["half_lives"][:] = 2.0  # half-life 24 months: 5 x 0.5^(12/24)
    exposure = (0.6 * 5 * 0.5**0.5 + 0.4 * 10) / 1.0
    expected = 100 * exposure / 10 * (0.40 + 0.45 * 0.4 + 0.15 * 0.6)
    assert mc.scores(aged, params)[0, 0] == pytest.approx(expected, abs=TOLERANCE)


def test_saltelli_indices_recover_known_variance_shares() -> None:
    # f = 3 x1 + x2 with x1, x2 ~ U(0, 1) independent: first-order shares 0.9 and 0.1
    rng = np.random.default_rng(3)
    n = 20000
    a, b = rng.uniform(size=(n, 2)), rng.uniform(size=(n, 2))

    def f(x):
        return (3 * x[:, 0] + x[:, 1])[:, None]

    swapped = {"factor_weights": np.column_stack([b[:, 0], a[:, 1]]),
               "aggregation": np.column_stack([a[:, 0], b[:, 1]])}  # fmt: skip
    f_ab = {c: f(swapped[c]) if c in swapped else f(a) for c in mc.CHOICES}
    sums = mc._Indices(np.full(1, 2.0))  # centred near E f, as simulate centres on the published
    sums.add(f(a), f(b), f_ab)
    indices = sums.indices()
    assert indices["factor_weights"][0][0] == pytest.approx(0.9, abs=0.03)
    assert indices["aggregation"][0][0] == pytest.approx(0.1, abs=0.03)
    assert indices["imputation"][0][0] == 0 and indices["imputation"][1][0] == 0


def test_simulation_is_reproducible_and_members_without_actions_stay_at_zero(real_history) -> None:
    day = dt.date(2025, 6, 30)
    first = mc.simulate(real_history, day, draws=30, seed=5)
    again = mc.simulate(real_history, day, draws=30, seed=5)
    assert first.members.equals(again.members) and first.sensitivity.equals(again.sensitivity)
    inputs = mc.inputs(real_history, day)
    inactive = set(inputs.iso3[~inputs.active])
    quiet = first.members.filter(pl.col("iso3").is_in(list(inactive)))
    assert quiet.height == len(inactive) and (quiet["score_p95"] == 0).all()
    members = first.members
    assert (members["score_p5"] <= members["score_p50"]).all()
    assert (members["score_p50"] <= members["score_p95"]).all()


def test_uncertainty_command_writes_the_output_contract(tmp_path: Path) -> None:
    args = ["uncertainty", "--draws", "40", "--as-of", "2025-06-30", "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    members = pl.read_parquet(tmp_path / "uncertainty.parquet")
    assert members.columns[: len(mc.OUTPUT_COLUMNS)] == mc.OUTPUT_COLUMNS
    assert members.height == members["iso3"].n_unique()
    assert members.filter(pl.col("iso3") == "SLV")["rank"].item() == 1
    meta = export.read_metadata(tmp_path / "uncertainty.parquet")
    assert (
        meta["draws"] == "40" and meta["as_of"] == "2025-06-30" and len(meta["config_sha256"]) == 64
    )
    sensitivity = pl.read_parquet(tmp_path / "sensitivity.parquet")
    overall = sensitivity.filter(pl.col("scope") == "overall")
    assert set(overall["choice"]) == set(mc.CHOICES) and set(overall["output"]) == {"rank", "score"}
    assert (tmp_path / "model_card.md").exists()


def test_uncertainty_command_rejects_too_few_draws(tmp_path: Path) -> None:
    result = runner.invoke(app, ["uncertainty", "--draws", "1", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--draws" in result.output

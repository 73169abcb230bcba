"""The vectorised Monte Carlo: it reproduces the SQL model, perturbs within the stated ranges,
imputes as documented, estimates sensitivity correctly, and writes the output contract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from riskscore import export, formula
from riskscore import uncertainty as mc
from riskscore.cli import app

runner = CliRunner()
TOLERANCE = 1e-9


def test_published_choices_reproduce_the_published_scores_for_every_member(real_history) -> None:
    for day in real_history.scores["as_of"].unique().sort():
        inputs = mc.inputs(real_history, day)
        drawn = mc.scores(inputs, mc.published(inputs))[0]
        published = real_history.scores.filter(pl.col("as_of") == day).sort("iso3")
        assert inputs.iso3.tolist() == published["iso3"].to_list()
        np.testing.assert_allclose(drawn, published["score"].to_numpy(), rtol=0, atol=TOLERANCE)
        assert (mc.ranks(drawn[None, :])[0] == published["rank"].to_numpy()).all()


def test_sampled_choices_stay_within_their_ranges(real_history) -> None:
    inputs = mc.inputs(real_history, dt.date(2025, 6, 30))
    params = mc.sample(inputs, 500, np.random.default_rng(0))
    ratio = params.weight / inputs.published.weight
    assert ratio.min() >= 1 - mc.WEIGHT_SPREAD and ratio.max() <= 1 + mc.WEIGHT_SPREAD
    np.testing.assert_allclose(params.coefficient.sum(axis=1), 1.0)
    span = (params.hi - params.lo) / (inputs.published.hi - inputs.published.lo)
    assert span.min() >= 1 - mc.CAP_SPREAD and span.max() <= 1 + mc.CAP_SPREAD
    multiplier = params.half_life_multiplier
    assert multiplier.min() >= 1 - mc.HALF_LIFE_SPREAD
    assert multiplier.max() <= 1 + mc.HALF_LIFE_SPREAD
    assert set(params.imputation) == set(range(len(formula.IMPUTATIONS)))
    assert set(params.transform) == set(range(len(formula.TRANSFORMS)))


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
    inactive = set(inputs.iso3[~inputs.can_score])
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

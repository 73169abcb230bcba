"""The score's one definition (riskscore.formula): hand-checked arithmetic, exact decomposition,
ranks, and every consumer agreeing with it under a perturbed configuration."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscore import challenger, config, diff, formula, model
from riskscore import uncertainty as mc

TOLERANCE = 1e-9
MID_2025 = dt.date(2025, 6, 30)


def toy_inputs(second_vulnerability: float | None = None, age_half_lives: float = 0.0):
    """One member: state_actions from one action of base 5, exposure_size 10, one engagement
    factor at 4, a vulnerability factor at 6 and a second one (missing unless given)."""
    observed = second_vulnerability is not None
    return formula.Inputs(
        raw=np.array([[np.nan, 10.0, 4.0, 6.0, second_vulnerability if observed else np.nan]]),
        observed=np.array([[True, True, True, True, observed]]),
        pillar=np.array([0, 0, 1, 2, 2]),
        state_actions=0,
        exposure_size=1,
        action_row=np.array([0]),
        action_type=np.array([0]),
        action_base=np.array([5.0]),
        action_decay=np.array([0.5**age_half_lives]),
        size_action=np.array([], dtype=int),
        size_share=np.array([]),
    )


def toy_params(**changes) -> formula.Params:
    params = dict(
        weight=np.array([[0.6, 0.4, 1.0, 1.0, 1.0]]),
        lo=np.zeros((1, 5)),
        hi=np.full((1, 5), 10.0),
        transform=np.zeros(1, dtype=int),
        imputation=np.zeros(1, dtype=int),
        missing_value=np.array([[0.0, 0.0, 5.0]]),
        coefficient=np.array([[0.40, 0.45, 0.15]]),
        half_life_multiplier=np.ones((1, 1)),
    )
    return formula.Params(**(params | changes))


@pytest.mark.parametrize(("choice", "vulnerability"), [("reweight", 6), ("zero", 3), ("worst", 8)])
def test_imputation_choices_drop_or_fill_a_missing_factor(choice, vulnerability) -> None:
    params = toy_params(imputation=np.array([formula.IMPUTATIONS.index(choice)]))
    exposure = 0.6 * 5 + 0.4 * 10  # 7
    expected = 100 * exposure / 10 * (0.40 + 0.45 * 4 / 10 + 0.15 * vulnerability / 10)
    assert formula.scores(toy_inputs(), params)[0, 0] == pytest.approx(expected, abs=TOLERANCE)


def test_a_sized_action_decays_with_its_half_life_and_the_largest_share_counts() -> None:
    inputs = toy_inputs(age_half_lives=1.0)
    sized = formula.Inputs(
        **{**inputs.__dict__, "raw": np.array([[np.nan, 0.3, 4.0, 6.0, np.nan]]),
           "size_action": np.array([0]), "size_share": np.array([1.6])}
    )  # fmt: skip
    published = formula.evaluate(sized, toy_params()).raw[0, 0, 1]
    slower = formula.evaluate(sized, toy_params(half_life_multiplier=np.array([[2.0]])))
    assert published == pytest.approx(0.8)  # 1.6 x 0.5 beats the holdings floor 0.3
    assert slower.raw[0, 0, 1] == pytest.approx(1.6 * 0.5**0.5)
    floor = formula.Inputs(**{**sized.__dict__, "size_share": np.array([0.2])})
    assert formula.evaluate(floor, toy_params()).raw[0, 0, 1] == pytest.approx(0.3)


def test_a_longer_half_life_slows_the_decay_of_an_action() -> None:
    # the action is one published half-life old; doubling the half-life: 5 x 0.5^(1/2)
    params = toy_params(half_life_multiplier=np.array([[2.0]]))
    result = formula.evaluate(toy_inputs(age_half_lives=1.0), params)
    assert result.action_points[0, 0] == pytest.approx(5 * 0.5**0.5, abs=TOLERANCE)
    exposure = 0.6 * 5 * 0.5**0.5 + 0.4 * 10
    expected = 100 * exposure / 10 * (0.40 + 0.45 * 0.4 + 0.15 * 0.6)
    assert result.score[0, 0] == pytest.approx(expected, abs=TOLERANCE)


def test_concave_scaling_maps_the_caps_to_0_and_10_and_lifts_the_middle() -> None:
    params = toy_params(transform=np.array([formula.TRANSFORMS.index("concave")]))
    raw = np.array([[[0.0, 5.0, 10.0, 20.0, -3.0]]])
    scaled = formula.scale(raw, params)[0, 0]
    assert scaled[0] == 0 and scaled[2] == pytest.approx(10) and scaled[3] == pytest.approx(10)
    assert scaled[4] == 0 and scaled[1] > 5


def test_without_exposure_the_score_is_zero_whatever_the_program() -> None:
    inputs = toy_inputs()
    quiet = formula.Inputs(
        **{**inputs.__dict__, "raw": np.array([[np.nan, 0.0, 10.0, 10.0, 10.0]]),
           "action_row": np.array([], dtype=int), "action_type": np.array([], dtype=int),
           "action_base": np.array([]), "action_decay": np.array([])}
    )  # fmt: skip
    assert formula.scores(quiet, toy_params())[0, 0] == 0
    assert not formula.can_score(quiet)[0] and formula.can_score(inputs)[0]


@settings(max_examples=60, deadline=None)
@given(
    weights=st.lists(st.floats(0.05, 3), min_size=5, max_size=5),
    coefficients=st.lists(st.floats(0.05, 1), min_size=3, max_size=3),
    imputation=st.integers(0, 2),
    transform=st.integers(0, 1),
    second=st.one_of(st.none(), st.floats(-50, 50)),
)
def test_factor_points_always_add_up_to_the_score(
    weights, coefficients, imputation, transform, second
) -> None:
    coefficient = np.array([coefficients]) / sum(coefficients)
    params = toy_params(
        weight=np.array([weights]), coefficient=coefficient,
        imputation=np.array([imputation]), transform=np.array([transform]),
    )  # fmt: skip
    result = formula.evaluate(toy_inputs(second), params)
    total = result.points.sum(axis=2) + result.imputed_points.sum(axis=2)
    np.testing.assert_allclose(total, result.score, atol=TOLERANCE)


def test_sensitivities_are_the_exact_gain_per_scaled_point() -> None:
    inputs, params = toy_inputs(), toy_params()
    gains = formula.sensitivities(inputs, params)[0]
    exposure, engagement, vulnerability = 7.0, 4.0, 6.0
    multiplier = 0.40 + 0.45 * engagement / 10 + 0.15 * vulnerability / 10
    expected = [10 * 0.6 * multiplier, 10 * 0.4 * multiplier, exposure * 0.45,
                exposure * 0.15, 0.0]  # fmt: skip
    np.testing.assert_allclose(gains, expected, atol=1e-9)


def test_ties_share_the_best_rank_within_each_group() -> None:
    score = np.array([5.0, 0.0, 5.0, 9.0, 0.0, 1.0, 1.0])
    group = np.array([1, 1, 1, 1, 2, 2, 2])
    assert formula.ranks(score, group).tolist() == [2, 4, 2, 1, 3, 1, 1]
    assert formula.ranks(score[None, :4]).tolist() == [[2, 4, 2, 1]]


def test_bands_take_the_highest_lower_bound_reached() -> None:
    bounds = np.array([0.0, 20.0, 35.0, 50.0, 65.0])
    assert formula.band_index(np.array([0, 19.99, 20, 64.9, 65, 100]), bounds).tolist() == [
        0, 0, 1, 3, 4, 4,
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# every consumer uses the one definition, also away from the published settings
# ---------------------------------------------------------------------------------------------


def perturbed_config(tmp_path: Path) -> tuple[config.ModelConfig, dict]:
    """model.toml with other weights, caps, half-lives and aggregation."""
    raw = tomllib.loads(config.DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["aggregation"] = {"base": 0.5, "engagement": 0.3, "vulnerability": 0.2}
    raw["pillars"]["exposure"]["factors"]["state_actions"]["weight"] = 0.3
    raw["pillars"]["exposure"]["factors"]["state_actions"]["hi"] = 5.0
    raw["pillars"]["engagement"]["factors"]["program_in_force"]["weight"] = 0.7
    raw["pillars"]["vulnerability"]["factors"]["inflation_pct"]["hi"] = 60.0
    for spec in raw["action_types"].values():
        spec["half_life_months"] *= 2
    path = tmp_path / "model.toml"
    path.write_text(_toml(raw), encoding="utf-8")
    return config.load(path), raw


def _toml(data: dict, prefix: str = "") -> str:
    """A minimal TOML writer for the config's shape (tables of scalars and inline tables)."""
    lines, tables = [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_value(value)}")
    out = "\n".join(lines) + "\n"
    for key, value in tables:
        name = f"{prefix}{key}"
        scalars = {k: v for k, v in value.items() if not isinstance(v, dict)}
        nested = {k: v for k, v in value.items() if isinstance(v, dict)}
        inline = (
            nested
            and all(not isinstance(x, dict) for v in nested.values() for x in v.values())
            and name == "action_types"
        )
        out += f"\n[{name}]\n" + "".join(f"{k} = {_value(v)}\n" for k, v in scalars.items())
        if inline:
            out += "".join(
                f"{k} = {{ {', '.join(f'{a} = {_value(b)}' for a, b in v.items())} }}\n"
                for k, v in nested.items()
            )
        else:
            out += _toml(nested, prefix=f"{name}.") if nested else ""
    return out


def _value(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def test_the_toml_writer_round_trips_the_shipped_config() -> None:
    raw = tomllib.loads(config.DEFAULT_PATH.read_text(encoding="utf-8"))
    assert tomllib.loads(_toml(raw)) == raw


def test_every_consumer_agrees_under_a_perturbed_config(real_package, tmp_path: Path) -> None:
    days = [dt.date(2022, 6, 30), MID_2025]
    published = model.run(real_package.tables, days)
    changed, raw = perturbed_config(tmp_path)
    rerun = model.run(real_package.tables, days, changed)
    # the Monte Carlo: the published run's inputs with the changed parameters
    old, new = published.params, rerun.params
    mapped = formula.Params(
        weight=new.weight, lo=new.lo, hi=new.hi, transform=old.transform,
        imputation=old.imputation, missing_value=new.missing_value,
        coefficient=new.coefficient,
        half_life_multiplier=np.full_like(old.half_life_multiplier, 2.0),
    )  # fmt: skip
    for day in days:
        inputs = mc.inputs(published, day)
        drawn = mc.scores(inputs, mapped)[0]
        expected = rerun.scores.filter(pl.col("as_of") == day).sort("iso3")
        np.testing.assert_allclose(drawn, expected["score"].to_numpy(), atol=TOLERANCE)
        assert (mc.ranks(drawn[None, :])[0] == expected["rank"].to_numpy()).all()
    assert rerun.scores["score"].to_list() != published.scores["score"].to_list()
    # decomposition and diff under the changed config
    sums = rerun.contributions.group_by("iso3", "as_of").agg(pl.col("points").sum())
    joined = rerun.scores.join(sums, on=["iso3", "as_of"])
    assert (joined["score"] - joined["points"]).abs().max() < TOLERANCE
    change = diff.attribute(rerun.scores, rerun.contributions, days[0], days[1])
    assert abs(diff.residual(change)) < 1e-6
    # the challenger's expert effects: the derivative of the changed formula
    rows = rerun.keys.filter(pl.col("iso3") == "PAK", pl.col("as_of") == MID_2025)
    effects = challenger.expert_effects(rerun, rows)
    pak = rerun.scores.filter(pl.col("iso3") == "PAK", pl.col("as_of") == MID_2025).row(
        0, named=True
    )
    multiplier = 0.5 + 0.3 * pak["engagement"] / 10 + 0.2 * pak["vulnerability"] / 10
    state = raw["pillars"]["exposure"]["factors"]
    share = state["state_actions"]["weight"] / (
        state["state_actions"]["weight"] + state["exposure_size"]["weight"]
    )
    assert effects[0] == pytest.approx(10 * share * multiplier, rel=1e-9)


def test_runs_over_batches_concatenate_into_the_run_over_all_dates(real_package) -> None:
    days = [dt.date(2021, 12, 31), dt.date(2022, 6, 30), MID_2025]
    whole = model.run(real_package.tables, days)
    with model.Engine(real_package.tables) as engine:
        parts = [engine.run(days[:1], lineage=False), engine.run(days[1:], lineage=False)]
    joined = model.concat(parts)
    assert joined.scores.equals(whole.scores.sort("as_of", "rank", "iso3"))
    rerun = formula.evaluate(joined.inputs, joined.params)
    np.testing.assert_allclose(
        rerun.score[0], formula.evaluate(whole.inputs, whole.params).score[0]
    )

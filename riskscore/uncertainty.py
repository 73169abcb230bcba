"""How much the scores and ranks depend on the modelling choices: vectorised Monte Carlo.

The model's arithmetic is re-implemented in numpy on one date's run (factor raw values and
observed flags from the contributions, crypto actions from action_points), so thousands of
alternative models run in seconds. With no perturbation it reproduces the SQL scores exactly
(tested to 1e-9). Choices perturbed, each drawn independently per draw:

- factor_weights: each factor's weight x U(0.75, 1.25);
- aggregation: base, engagement and vulnerability coefficients x U(0.75, 1.25), renormalised to 1;
- normalisation: each factor's cap range (hi - lo) x U(0.75, 1.25), and the scaling either linear
  (as published) or concave, 10 log(1 + 9x)/log(10), with equal chance;
- imputation of missing factors: re-weight the pillar's observed factors (as published; a pillar
  with nothing observed takes its configured missing value), impute 0, or impute the worst case
  10, with equal chance;
- half_lives: each action type's half-life x U(0.5, 1.5); state_actions is recomputed from the
  actions. exposure_size keeps its published value (its decay is not recomputed), and so does
  imf_crypto_attention.

Sensitivity: Saltelli's design with the five choices as groups (matrices A and B of N draws each,
plus one matrix per choice that takes that choice from B and the rest from A: N x 7 model runs).
First-order index S_i = mean(f_B (f_ABi - f_A)) / Var f (Saltelli 2010), total index
ST_i = mean((f_A - f_ABi)^2) / 2 / Var f (Jansen). Per country on its rank and its score; the
overall index pools every country (sum of partial variances over sum of variances). Percentiles
come from the N draws of A. A rank is 1 + members scoring strictly higher, so tied (zero) scores
share a rank instead of the published alphabetical order, kept as published_rank.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from riskscore import export, pipeline
from riskscore.config import PILLARS, ModelConfig
from riskscore.model import ModelRun

DRAWS = 1000
SEED = 20260404
CHUNK_DRAWS = 500  # draws evaluated per vectorised block (bounds memory)
WEIGHT_SPREAD = 0.25
AGGREGATION_SPREAD = 0.25
CAP_SPREAD = 0.25
HALF_LIFE_SPREAD = 0.50
LOG_CURVATURE = 9.0  # concave alternative: 10 log(1 + 9x) / log(10), 0 -> 0 and 1 -> 10
WORST_CASE = 10.0
IMPUTATIONS = ("reweight", "zero", "worst")
TRANSFORMS = ("linear", "log")
CHOICES = ("factor_weights", "aggregation", "normalisation", "imputation", "half_lives")
PERCENTILES = (5, 50, 95)
OUTPUT_COLUMNS = [
    "iso3", "as_of", "score", "score_p5", "score_p50", "score_p95",
    "rank", "rank_p5", "rank_p50", "rank_p95", "top_driver",
]  # fmt: skip


@dataclass(frozen=True)
class Inputs:
    """One date's model as arrays: N members (iso3 order), F factors, A actions, T types."""

    iso3: np.ndarray  # (N,)
    raw: np.ndarray  # (N, F), NaN where not observed
    observed: np.ndarray  # (N, F) bool
    pillar: np.ndarray  # (F,) index into PILLARS
    weight: np.ndarray  # (F,)
    lo: np.ndarray  # (F,)
    hi: np.ndarray  # (F,)
    missing_value: np.ndarray  # (P,)
    coefficient: np.ndarray  # (P,) base, engagement, vulnerability
    state_actions: int  # column of the factor recomputed from the actions
    active: np.ndarray  # (N,) bool: has a crypto action; every other member scores 0 (the gate)
    action_member: np.ndarray  # (A,) index into the active members
    action_type: np.ndarray  # (A,) index into the half-lives
    action_base: np.ndarray  # (A,) type weight x status multiplier
    action_age: np.ndarray  # (A,) months
    half_life: np.ndarray  # (T,) months


def inputs(run: ModelRun, as_of: dt.date) -> Inputs:
    """Arrays for `as_of` from a model run that scored that date."""
    factors = run.config.factors()
    pillars = run.config.pillars()
    scores = run.scores.filter(pl.col("as_of") == as_of).sort("iso3")
    if scores.is_empty():
        raise ValueError(f"the run did not score {as_of}")
    iso3 = scores["iso3"].to_numpy()
    grid = pl.DataFrame({"iso3": iso3, "member": range(iso3.size)}).join(
        factors.select("factor", column=pl.int_range(pl.len())), how="cross"
    )
    on_day = run.contributions.filter(pl.col("as_of") == as_of)
    values = grid.join(
        on_day.select("iso3", "factor", "raw_value", "observed"), on=["iso3", "factor"], how="left"
    ).sort("member", "column")  # the reshape below needs member-major, config factor order
    shape = (iso3.size, factors.height)
    observed = values["observed"].fill_null(False).to_numpy().reshape(shape)
    raw = values["raw_value"].fill_null(np.nan).to_numpy().reshape(shape)
    raw = np.where(observed, raw, np.nan)
    actions = run.action_points.filter(pl.col("as_of") == as_of)
    types = sorted(set(actions["action_type"]))
    half_life = dict(zip(actions["action_type"], actions["half_life_months"], strict=True))
    active = np.isin(iso3, actions["iso3"].to_numpy())
    position = {code: i for i, code in enumerate(iso3[active])}
    return Inputs(
        iso3=iso3,
        raw=raw,
        observed=observed,
        pillar=np.array([PILLARS.index(p) for p in factors["pillar"]]),
        weight=factors["weight"].to_numpy(),
        lo=factors["lo"].to_numpy(),
        hi=factors["hi"].to_numpy(),
        missing_value=pillars["missing_value"].to_numpy(),
        coefficient=pillars["coefficient"].to_numpy(),
        state_actions=factors["factor"].to_list().index("state_actions"),
        active=active,
        action_member=np.array([position[c] for c in actions["iso3"]], dtype=int),
        action_type=np.array([types.index(t) for t in actions["action_type"]], dtype=int),
        action_base=(actions["type_weight"] * actions["status_multiplier"]).to_numpy(),
        action_age=actions["age_months"].to_numpy(),
        half_life=np.array([half_life[t] for t in types], dtype=float),
    )


def published(model_inputs: Inputs, draws: int = 1) -> dict[str, np.ndarray]:
    """The published model's choices, repeated `draws` times (no perturbation)."""
    f, t = model_inputs.weight.size, model_inputs.half_life.size
    return {
        "weights": np.ones((draws, f)),
        "aggregation": np.tile(model_inputs.coefficient, (draws, 1)),
        "caps": np.ones((draws, f)),
        "transform": np.zeros(draws, dtype=int),
        "imputation": np.zeros(draws, dtype=int),
        "half_lives": np.ones((draws, t)),
    }


def sample(model_inputs: Inputs, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """`draws` independent alternative models (see the module docstring for the ranges)."""
    f, t = model_inputs.weight.size, model_inputs.half_life.size
    aggregation = model_inputs.coefficient * rng.uniform(
        1 - AGGREGATION_SPREAD, 1 + AGGREGATION_SPREAD, (draws, model_inputs.coefficient.size)
    )
    return {
        "weights": rng.uniform(1 - WEIGHT_SPREAD, 1 + WEIGHT_SPREAD, (draws, f)),
        "aggregation": aggregation / aggregation.sum(axis=1, keepdims=True),
        "caps": rng.uniform(1 - CAP_SPREAD, 1 + CAP_SPREAD, (draws, f)),
        "transform": rng.integers(0, len(TRANSFORMS), draws),
        "imputation": rng.integers(0, len(IMPUTATIONS), draws),
        "half_lives": rng.uniform(1 - HALF_LIFE_SPREAD, 1 + HALF_LIFE_SPREAD, (draws, t)),
    }


# which sampled arrays make up each modelling choice (the groups of the sensitivity design)
CHOICE_PARAMETERS = {
    "factor_weights": ("weights",),
    "aggregation": ("aggregation",),
    "normalisation": ("caps", "transform"),
    "imputation": ("imputation",),
    "half_lives": ("half_lives",),
}


def scores(model_inputs: Inputs, params: dict[str, np.ndarray]) -> np.ndarray:
    """(draws, members) scores of the alternative models described by `params`.

    A member without any crypto action has no exposure under every choice here (no actions, and
    a size of 0 observed), so it scores 0 and only the others are computed.
    """
    m = model_inputs
    draws = params["weights"].shape[0]
    observed = m.observed[m.active]
    # state_actions: sum of weight x status x 0.5^(age / half-life) over each member's actions
    half_life = m.half_life[m.action_type] * params["half_lives"][:, m.action_type]
    points = m.action_base * np.power(0.5, m.action_age / half_life)  # (D, A)
    net = points @ (m.action_member[:, None] == np.arange(observed.shape[0]))  # (D, n)
    raw = np.broadcast_to(np.where(observed, m.raw[m.active], m.lo), (draws, *observed.shape))
    raw = raw.copy()
    raw[:, :, m.state_actions] = net
    # scaling between (possibly moved) caps, linear or concave
    span = (m.hi - m.lo) * params["caps"]  # (D, F)
    scaled = np.clip((raw - m.lo) / span[:, None, :], 0.0, 1.0)
    concave = params["transform"] == TRANSFORMS.index("log")
    scaled[concave] = np.log1p(LOG_CURVATURE * scaled[concave]) / np.log1p(LOG_CURVATURE)
    scaled *= 10.0
    # missing factors: dropped (re-weight) or filled with 0 or the worst case
    mode = params["imputation"][:, None, None]
    fill = np.where(mode == IMPUTATIONS.index("worst"), WORST_CASE, 0.0)
    counted = observed | (mode != IMPUTATIONS.index("reweight"))
    scaled = np.where(observed, scaled, fill)
    weight = params["weights"][:, None, :] * m.weight * counted  # (D, n, F)
    membership = np.eye(len(PILLARS))[m.pillar]  # (F, P)
    numerator = (weight * scaled) @ membership
    denominator = weight @ membership
    pillar = np.where(
        denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), m.missing_value
    )
    # score = 100 (E/10) (base + engagement L/10 + vulnerability V/10)
    terms = np.concatenate([np.ones_like(pillar[..., :1]), pillar[..., 1:] / 10.0], axis=2)
    multiplier = (params["aggregation"][:, None, :] * terms).sum(axis=2)
    out = np.zeros((draws, m.iso3.size))
    out[:, m.active] = 100.0 * (pillar[..., 0] / 10.0) * multiplier
    return out


def ranks(score: np.ndarray) -> np.ndarray:
    """Rank per draw, 1 + members scoring strictly higher: tied members (in practice the many
    zero scores) share the best rank of the tie, so alphabetical order never shows as spread."""
    order = np.argsort(-score, axis=1, kind="stable")
    ranked = np.take_along_axis(score, order, axis=1)
    position = np.arange(score.shape[1])
    starts_tie = np.ones(score.shape, dtype=bool)
    starts_tie[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
    first = np.maximum.accumulate(np.where(starts_tie, position, 0), axis=1)
    out = np.empty(score.shape, dtype=int)
    np.put_along_axis(out, order, first + 1, axis=1)
    return out


@dataclass(frozen=True)
class Uncertainty:
    """Per-member score and rank intervals, sensitivity indices, and how long the draws took."""

    members: pl.DataFrame  # OUTPUT_COLUMNS, then country, band, published_rank, rank_interval...
    sensitivity: pl.DataFrame  # scope (iso3 or "overall"), output, choice, first/total order
    as_of: dt.date
    draws: int
    seed: int
    seconds: float


class _Indices:
    """Running sums of Saltelli's estimators for one output (score or rank), per member."""

    def __init__(self, centre: np.ndarray):
        self.centre = centre
        self.count = 0
        self.total = np.zeros_like(centre)
        self.squares = np.zeros_like(centre)
        self.first = {c: np.zeros_like(centre) for c in CHOICES}
        self.whole = {c: np.zeros_like(centre) for c in CHOICES}

    def add(self, f_a: np.ndarray, f_b: np.ndarray, f_ab: dict[str, np.ndarray]) -> None:
        a, b = f_a - self.centre, f_b - self.centre  # centring cuts the estimators' noise
        self.count += a.shape[0]
        self.total += a.sum(axis=0) + b.sum(axis=0)
        self.squares += (a**2).sum(axis=0) + (b**2).sum(axis=0)
        for choice, values in f_ab.items():
            ab = values - self.centre
            self.first[choice] += (b * (ab - a)).sum(axis=0)
            self.whole[choice] += ((a - ab) ** 2).sum(axis=0)

    def variance(self) -> np.ndarray:
        n = 2 * self.count
        return self.squares / n - (self.total / n) ** 2

    def indices(self, pooled: bool = False) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """{choice: (first order, total order)} per member, or pooled over members."""
        variance = self.variance()
        out = {}
        for choice in CHOICES:
            first, whole = self.first[choice] / self.count, self.whole[choice] / 2 / self.count
            if pooled:
                first, whole, variance_ = first.sum(), whole.sum(), variance.sum()
            else:
                variance_ = variance
            positive = variance_ > 0
            safe = np.where(positive, variance_, 1.0)
            out[choice] = (
                np.where(positive, first / safe, np.nan),
                np.where(positive, whole / safe, np.nan),
            )
        return out


def simulate(
    run: ModelRun,
    as_of: dt.date,
    draws: int = DRAWS,
    seed: int = SEED,
    progress: Callable[[int, int], None] | None = None,
) -> Uncertainty:
    """Monte Carlo over the modelling choices for every member on `as_of` (N = `draws`), with
    Saltelli's sensitivity design; `progress(done, total)` is called after each block."""
    started = time.perf_counter()
    model_inputs = inputs(run, as_of)
    published_scores = run.scores.filter(pl.col("as_of") == as_of).sort("iso3")
    rng = np.random.default_rng(seed)
    score_sums = _Indices(published_scores["score"].to_numpy())
    published_ranks = ranks(published_scores["score"].to_numpy()[None, :])[0]
    rank_sums = _Indices(published_ranks.astype(float))
    kept_scores, kept_ranks = [], []
    for start in range(0, draws, CHUNK_DRAWS):
        size = min(CHUNK_DRAWS, draws - start)
        a, b = sample(model_inputs, size, rng), sample(model_inputs, size, rng)
        f_a, f_b = scores(model_inputs, a), scores(model_inputs, b)
        f_ab = {}
        for choice in CHOICES:
            swapped = set(CHOICE_PARAMETERS[choice])
            f_ab[choice] = scores(
                model_inputs, {k: b[k] if k in swapped else v for k, v in a.items()}
            )
        score_sums.add(f_a, f_b, f_ab)
        rank_sums.add(ranks(f_a), ranks(f_b), {c: ranks(v) for c, v in f_ab.items()})
        kept_scores.append(f_a)
        kept_ranks.append(ranks(f_a))
        if progress:
            progress(start + size, draws)
    members = _members(
        published_scores, published_ranks, np.vstack(kept_scores), np.vstack(kept_ranks), rank_sums
    )
    sensitivity = _sensitivity(model_inputs.iso3, {"rank": rank_sums, "score": score_sums}, as_of)
    seconds = time.perf_counter() - started
    return Uncertainty(members, sensitivity, as_of, draws, seed, seconds)


def _members(
    published_scores: pl.DataFrame,
    published_ranks: np.ndarray,
    drawn: np.ndarray,
    drawn_ranks: np.ndarray,
    rank_sums: _Indices,
) -> pl.DataFrame:
    score_q = np.percentile(drawn, PERCENTILES, axis=0)
    rank_q = np.percentile(drawn_ranks, PERCENTILES, axis=0)
    return (
        published_scores.select("iso3", "as_of", "score")
        .with_columns(
            **{f"score_p{p}": score_q[i] for i, p in enumerate(PERCENTILES)},
            rank=pl.Series(published_ranks),
            **{f"rank_p{p}": rank_q[i] for i, p in enumerate(PERCENTILES)},
            top_driver=pl.Series(top_drivers(rank_sums), dtype=pl.String),
            country=published_scores["country"],
            band=published_scores["band"],
            published_rank=published_scores["rank"],
            rank_interval=rank_q[-1] - rank_q[0],
            score_sd=drawn.std(axis=0),
        )
        .sort("rank", "iso3")
    )


def top_drivers(rank_sums: _Indices) -> list[str | None]:
    """Per member, the choice with the largest first-order index on its rank; None when its rank
    never moves."""
    indices = rank_sums.indices()
    first = np.column_stack([indices[c][0] for c in CHOICES])
    drivers = []
    for row in first:
        drivers.append(CHOICES[int(np.nanargmax(row))] if np.isfinite(row).any() else None)
    return drivers


def _sensitivity(iso3: np.ndarray, sums: dict[str, _Indices], as_of: dt.date) -> pl.DataFrame:
    frames = []
    for output, accumulator in sums.items():
        for pooled, scope in ((True, np.array(["overall"])), (False, iso3)):
            for choice, (first, whole) in accumulator.indices(pooled).items():
                columns = {"scope": scope, "output": output, "choice": choice}
                columns |= {
                    "first_order": np.atleast_1d(first),
                    "total_order": np.atleast_1d(whole),
                }
                frames.append(pl.DataFrame(columns))
    return pl.concat(frames).with_columns(as_of=pl.lit(as_of)).fill_nan(None)


UNCERTAINTY_OUTPUT = "uncertainty.parquet"
SENSITIVITY_OUTPUT = "sensitivity.parquet"


def run(
    package: pipeline.Package,
    as_of: dt.date,
    config: ModelConfig | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    progress: Callable[[int, int], None] | None = None,
) -> Uncertainty:
    """Score every member on `as_of` with the published model, then simulate the alternatives."""
    model_run, _ = pipeline.run_model([as_of], config=config, package=package)
    return simulate(model_run, as_of, draws, seed, progress)


def write(
    result: Uncertainty, package: pipeline.Package, config: ModelConfig, out: Path
) -> list[Path]:
    """out/uncertainty.parquet (OUTPUT_COLUMNS first) and out/sensitivity.parquet."""
    # no run time in the metadata: identical runs must write byte-identical files
    meta = pipeline.metadata(
        package, config, as_of=result.as_of.isoformat(), draws=str(result.draws),
        seed=str(result.seed),
    )  # fmt: skip
    members = result.members.select(*OUTPUT_COLUMNS, pl.exclude(OUTPUT_COLUMNS))
    return [
        export.write_parquet(members, out / UNCERTAINTY_OUTPUT, meta),
        export.write_parquet(result.sensitivity, out / SENSITIVITY_OUTPUT, meta),
    ]

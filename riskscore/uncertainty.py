"""How much the scores and ranks depend on the modelling choices: vectorised Monte Carlo.

The alternative models are the published model (riskscore.formula, the one definition of the
score) evaluated with other parameters, drawn independently per draw:

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
come from the N draws of A. Ranks are the published rule (formula.ranks: ties share a rank).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from riskscore import export, formula, pipeline
from riskscore.config import ModelConfig
from riskscore.model import ModelRun

DRAWS = 1000
SEED = 20260404
CHUNK_DRAWS = 500  # draws evaluated per vectorised block (bounds memory)
WEIGHT_SPREAD = 0.25
AGGREGATION_SPREAD = 0.25
CAP_SPREAD = 0.25
HALF_LIFE_SPREAD = 0.50
CHOICES = ("factor_weights", "aggregation", "normalisation", "imputation", "half_lives")
PERCENTILES = (5, 50, 95)
OUTPUT_COLUMNS = [
    "iso3", "as_of", "score", "score_p5", "score_p50", "score_p95",
    "rank", "rank_p5", "rank_p50", "rank_p95", "top_driver",
]  # fmt: skip


@dataclass(frozen=True)
class Inputs:
    """One date's model: the members (iso3 order), the formula's arrays for them, and the rows
    whose score can move at all (the others have no exposure under any choice: score 0)."""

    iso3: np.ndarray  # (N,)
    model: formula.Inputs  # the rows that can score
    can_score: np.ndarray  # (N,) bool
    published: formula.Params


def inputs(run: ModelRun, as_of: dt.date) -> Inputs:
    """The members scored on `as_of` by `run`, in iso3 order."""
    on_day = run.keys.with_row_index("row").filter(pl.col("as_of") == as_of).sort("iso3")
    if on_day.is_empty():
        raise ValueError(f"the run did not score {as_of}")
    rows = on_day["row"].to_numpy()
    day = run.inputs.subset(rows)
    can_score = formula.can_score(day)
    return Inputs(
        iso3=on_day["iso3"].to_numpy(),
        model=day.subset(np.flatnonzero(can_score)),
        can_score=can_score,
        published=run.params,
    )


def published(model_inputs: Inputs, draws: int = 1) -> formula.Params:
    """The published model's parameters, repeated `draws` times (no perturbation)."""
    return model_inputs.published.take(np.zeros(draws, dtype=int))


def sample(model_inputs: Inputs, draws: int, rng: np.random.Generator) -> formula.Params:
    """`draws` independent alternative models (see the module docstring for the ranges)."""
    base = published(model_inputs, draws)
    f, t = base.weight.shape[1], base.half_life_multiplier.shape[1]
    aggregation = base.coefficient * rng.uniform(
        1 - AGGREGATION_SPREAD, 1 + AGGREGATION_SPREAD, base.coefficient.shape
    )
    span = (base.hi - base.lo) * rng.uniform(1 - CAP_SPREAD, 1 + CAP_SPREAD, (draws, f))
    return formula.Params(
        weight=base.weight * rng.uniform(1 - WEIGHT_SPREAD, 1 + WEIGHT_SPREAD, (draws, f)),
        lo=base.lo,
        hi=base.lo + span,
        transform=rng.integers(0, len(formula.TRANSFORMS), draws),
        imputation=rng.integers(0, len(formula.IMPUTATIONS), draws),
        missing_value=base.missing_value,
        coefficient=aggregation / aggregation.sum(axis=1, keepdims=True),
        half_life_multiplier=rng.uniform(1 - HALF_LIFE_SPREAD, 1 + HALF_LIFE_SPREAD, (draws, t)),
    )


# which parameters make up each modelling choice (the groups of the sensitivity design)
CHOICE_PARAMETERS = {
    "factor_weights": ("weight",),
    "aggregation": ("coefficient",),
    "normalisation": ("hi", "transform"),
    "imputation": ("imputation",),
    "half_lives": ("half_life_multiplier",),
}


def scores(model_inputs: Inputs, params: formula.Params) -> np.ndarray:
    """(draws, members) scores of the alternative models described by `params`."""
    out = np.zeros((params.draws, model_inputs.iso3.size))
    out[:, model_inputs.can_score] = formula.scores(model_inputs.model, params)
    return out


def ranks(score: np.ndarray) -> np.ndarray:
    """Rank per draw with the published rule (ties share the best rank)."""
    return formula.ranks(score)


def _swap(a: formula.Params, b: formula.Params, names: tuple[str, ...]) -> formula.Params:
    return formula.Params(
        **{k: getattr(b if k in names else a, k) for k in formula.Params.__dataclass_fields__}
    )


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
            f_ab[choice] = scores(model_inputs, _swap(a, b, CHOICE_PARAMETERS[choice]))
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

"""The score's arithmetic, defined once: action points, scaling, imputation, pillars, the score,
its exact decomposition into factor points, bands and ranks.

Every consumer goes through `evaluate`: the published score (one set of parameters), the Monte
Carlo (thousands of alternative parameter sets, `draws`), the challenger's expert effects and the
scenarios. Arrays have a leading draws axis D, then rows N (a member on a date), then factors F
or pillars P:

    decay   = decay at the published half-life ^ (1 / half-life multiplier)   per crypto action
    points  = base x decay
    state_actions = sum of a row's action points
    exposure_size = max(holdings share, max of the sized actions' full share x decay)
    scaled  = 10 x clamp((raw - lo) / (hi - lo), 0, 1)         or the concave 10 log(1+9x)/log 10
    pillar  = sum(w x scaled) / sum(w) over counted factors    else the pillar's missing value
    score   = 100 x (E/10) x (a + b L/10 + c V/10)

A half-life scaled by m turns an action's decay d = 0.5^(age/half-life) into d^(1/m), so the SQL
computes the decay once and the draws only rescale it. Missing factors are dropped and the rest
re-weighted (published), or counted with 0 or the worst case 10 (alternatives for the Monte Carlo).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

PILLARS = ("exposure", "engagement", "vulnerability")
TRANSFORMS = ("linear", "concave")
IMPUTATIONS = ("reweight", "zero", "worst")
CONCAVE_CURVATURE = 9.0  # 10 log(1 + 9x) / log(10): 0 -> 0 and 1 -> 10, steeper near 0
WORST_CASE = 10.0
SCALE = 10.0  # factors and pillars run 0-10; the score 0-100


@dataclass(frozen=True)
class Params:
    """Model parameters, one row per draw (D = 1 for the published model)."""

    weight: np.ndarray  # (D, F) factor weights within their pillar
    lo: np.ndarray  # (D, F) raw value scaled to 0
    hi: np.ndarray  # (D, F) raw value scaled to 10 (hi < lo: lower is riskier)
    transform: np.ndarray  # (D,) index into TRANSFORMS
    imputation: np.ndarray  # (D,) index into IMPUTATIONS
    missing_value: np.ndarray  # (D, P) a pillar's value when none of its factors counts
    coefficient: np.ndarray  # (D, P) base, engagement and vulnerability coefficients
    half_life_multiplier: np.ndarray  # (D, T) per action type

    @property
    def draws(self) -> int:
        return self.weight.shape[0]

    def take(self, rows: np.ndarray | slice) -> Params:
        """The parameter sets of some draws."""
        return Params(**{k: getattr(self, k)[rows] for k in self.__dataclass_fields__})


@dataclass(frozen=True)
class Inputs:
    """The factors' raw values for N rows (member x date) and the crypto actions behind them."""

    raw: np.ndarray  # (N, F) raw values, NaN where not observed
    observed: np.ndarray  # (N, F) bool
    pillar: np.ndarray  # (F,) index into PILLARS
    state_actions: int  # the factor column computed here from the actions
    exposure_size: int  # the factor column raised here to the largest decayed action share
    action_row: np.ndarray  # (A,) index into the N rows
    action_type: np.ndarray  # (A,) index into the half-life multipliers
    action_base: np.ndarray  # (A,) type weight x status multiplier
    action_decay: np.ndarray  # (A,) 0.5 ^ (age / half-life) at the published half-life
    size_action: np.ndarray  # (S,) index into the actions: the sized ones
    size_share: np.ndarray  # (S,) the action's share of its size cap before decay

    @property
    def rows(self) -> int:
        return self.raw.shape[0]

    @staticmethod
    def concat(parts: list[Inputs]) -> Inputs:
        """Inputs of consecutive row blocks as one (action and size indices shifted)."""
        rows = np.cumsum([0, *(p.rows for p in parts[:-1])])
        actions = np.cumsum([0, *(p.action_row.size for p in parts[:-1])])
        cat = np.concatenate
        return replace(
            parts[0],
            raw=cat([p.raw for p in parts]),
            observed=cat([p.observed for p in parts]),
            action_row=cat([p.action_row + o for p, o in zip(parts, rows, strict=True)]),
            action_type=cat([p.action_type for p in parts]),
            action_base=cat([p.action_base for p in parts]),
            action_decay=cat([p.action_decay for p in parts]),
            size_action=cat([p.size_action + o for p, o in zip(parts, actions, strict=True)]),
            size_share=cat([p.size_share for p in parts]),
        )

    def subset(self, rows: np.ndarray) -> Inputs:
        """Only the given rows (sorted indices), with their actions re-indexed."""
        position = np.full(self.rows, -1)
        position[rows] = np.arange(rows.size)
        keep = position[self.action_row] >= 0
        renumber = np.cumsum(keep) - 1
        sized = keep[self.size_action]
        return replace(
            self,
            raw=self.raw[rows],
            observed=self.observed[rows],
            action_row=position[self.action_row[keep]],
            action_type=self.action_type[keep],
            action_base=self.action_base[keep],
            action_decay=self.action_decay[keep],
            size_action=renumber[self.size_action[sized]],
            size_share=self.size_share[sized],
        )


@dataclass(frozen=True)
class Result:
    """Everything the model computes, per draw."""

    action_points: np.ndarray  # (D, A)
    raw: np.ndarray  # (D, N, F) raw values with state_actions filled in
    counted: np.ndarray  # (D, N, F) bool: the factor enters its pillar
    scaled: np.ndarray  # (D, N, F) 0-10; the fill value where counted but not observed
    effective_weight: np.ndarray  # (D, N, F) weight / sum of counted weights in the pillar
    pillars: np.ndarray  # (D, N, P) 0-10
    imputed: np.ndarray  # (D, N, P) bool: no factor counted, missing value used
    score: np.ndarray  # (D, N) 0-100
    points: np.ndarray  # (D, N, F) each factor's share of the score
    imputed_points: np.ndarray  # (D, N, P) an imputed pillar's share of the score


def action_decay(inputs: Inputs, params: Params) -> np.ndarray:
    """(D, A) each action's decay under each draw's half-lives."""
    exponent = 1.0 / params.half_life_multiplier[:, inputs.action_type]
    return np.power(inputs.action_decay, exponent)


def scale(raw: np.ndarray, params: Params) -> np.ndarray:
    """Raw values (D, N, F) to 0-10 between the fixed caps, linear or concave per draw."""
    fraction = np.clip((raw - params.lo[:, None, :]) / (params.hi - params.lo)[:, None, :], 0, 1)
    concave = params.transform == TRANSFORMS.index("concave")
    fraction[concave] = np.log1p(CONCAVE_CURVATURE * fraction[concave]) / np.log1p(
        CONCAVE_CURVATURE
    )
    return SCALE * fraction


def aggregate(
    scaled: np.ndarray, counted: np.ndarray, pillar: np.ndarray, params: Params
) -> tuple[np.ndarray, ...]:
    """Pillars, the score and its decomposition from scaled values (D, N, F) and the mask of
    factors that count. Returns (effective_weight, pillars, imputed, score, points,
    imputed_points). The score is linear in each single factor's scaled value, so a unit
    finite difference of this function is an exact derivative."""
    membership = np.eye(len(PILLARS))[pillar]  # (F, P)
    weight = np.where(counted, params.weight[:, None, :], 0.0)
    total = weight @ membership  # (D, N, P)
    imputed = total <= 0
    effective = weight / (np.where(imputed, 1.0, total) @ membership.T)
    observed_value = (effective * np.where(counted, scaled, 0.0)) @ membership
    pillars = np.where(imputed, params.missing_value[:, None, :], observed_value)
    coefficient = params.coefficient[:, None, :]  # a, b, c
    exposure = pillars[..., 0]
    # score = 10 a E + E b L + E c V: points per unit of (weight x scaled) in each pillar
    per_unit = np.concatenate(
        [
            SCALE * coefficient[..., :1] * np.ones_like(exposure)[..., None],
            coefficient[..., 1:] * exposure[..., None],
        ],
        axis=2,
    )
    score = (per_unit * pillars).sum(axis=2)
    points = effective * np.where(counted, scaled, 0.0) * (per_unit @ membership.T)
    imputed_points = np.where(imputed, per_unit * pillars, 0.0)
    return effective, pillars, imputed, score, points, imputed_points


def evaluate(inputs: Inputs, params: Params) -> Result:
    """The whole model for every draw and row."""
    draws = params.draws
    decay = action_decay(inputs, params)
    points = inputs.action_base * decay
    raw = np.broadcast_to(inputs.raw, (draws, *inputs.raw.shape)).copy()
    size = np.nan_to_num(raw[:, :, inputs.exposure_size])
    shares = inputs.size_share * decay[:, inputs.size_action]
    rows = inputs.action_row[inputs.size_action]
    for d in range(draws):  # a scatter per draw; the actions are few
        raw[d, :, inputs.state_actions] = np.bincount(
            inputs.action_row, weights=points[d], minlength=inputs.rows
        )
        np.maximum.at(size[d], rows, shares[d])
    raw[:, :, inputs.exposure_size] = size
    observed = np.broadcast_to(inputs.observed, raw.shape)
    mode = params.imputation[:, None, None]
    counted = observed | (mode != IMPUTATIONS.index("reweight"))
    fill = np.where(mode == IMPUTATIONS.index("worst"), WORST_CASE, 0.0)
    scaled = np.where(observed, scale(np.where(observed, raw, 0.0), params), fill)
    effective, pillars, imputed, score, factor_points, imputed_points = aggregate(
        scaled, counted, inputs.pillar, params
    )
    return Result(
        action_points=points,
        raw=np.where(observed, raw, np.nan),
        counted=counted,
        scaled=np.where(counted, scaled, np.nan),
        effective_weight=effective,
        pillars=pillars,
        imputed=imputed,
        score=score,
        points=factor_points,
        imputed_points=imputed_points,
    )


def scores(inputs: Inputs, params: Params) -> np.ndarray:
    """(D, N) scores only (the Monte Carlo's inner loop)."""
    return evaluate(inputs, params).score


def sensitivities(inputs: Inputs, params: Params) -> np.ndarray:
    """(N, F) points the score gains per scaled point of each factor, 0 where the factor does
    not count: exact, since the score is linear in each single scaled value (one draw)."""
    result = evaluate(inputs, params.take(slice(0, 1)))
    scaled = np.nan_to_num(result.scaled[0])
    base = result.score[0]
    out = np.zeros_like(scaled)
    for f in range(scaled.shape[1]):
        bumped = scaled.copy()
        bumped[:, f] += 1.0
        score = aggregate(
            bumped[None], result.counted[:1], inputs.pillar, params.take(slice(0, 1))
        )[3]
        out[:, f] = np.where(result.counted[0, :, f], score[0] - base, 0.0)
    return out


def can_score(inputs: Inputs) -> np.ndarray:
    """(N,) rows whose score can be above 0 under some parameters. Exposure is a gate (E = 0
    gives a score of 0), and a row without any crypto action whose other exposure factors are
    observed at or below 0 (their lower cap) has E = 0 under every weighting, scaling and
    imputation; the Monte Carlo evaluates only the other rows."""
    exposure = inputs.pillar == PILLARS.index("exposure")
    exposure[inputs.state_actions] = False
    has_action = np.bincount(inputs.action_row, minlength=inputs.rows) > 0
    values = inputs.raw[:, exposure]
    live = ~inputs.observed[:, exposure] | (np.nan_to_num(values) > 0)
    return has_action | live.any(axis=1)


def completeness(observed: np.ndarray) -> np.ndarray:
    """Share of the factors observed rather than missing, per row."""
    return observed.mean(axis=-1)


def band_index(score: np.ndarray, lower_bounds: np.ndarray) -> np.ndarray:
    """Index of each score's band, given the bands' ascending lower bounds."""
    return np.searchsorted(lower_bounds, score, side="right") - 1


def ranks(score: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
    """Rank 1 = riskiest; tied scores share the best rank of the tie (1 + rows scoring strictly
    higher in the same group), so an alphabetical order never shows as a difference.

    `score` is (N,) with optional `group` (N,) labels (e.g. the as-of date), or (D, N) ranked
    within each draw."""
    if score.ndim == 2:
        order = np.argsort(-score, axis=1, kind="stable")
        ranked = np.take_along_axis(score, order, axis=1)
        position = np.broadcast_to(np.arange(score.shape[1]), score.shape)
        new_value = np.ones(score.shape, dtype=bool)
        new_value[:, 1:] = ranked[:, 1:] != ranked[:, :-1]
        tie_start = np.maximum.accumulate(np.where(new_value, position, 0), axis=1)
        out = np.empty(score.shape, dtype=np.int64)
        np.put_along_axis(out, order, tie_start + 1, axis=1)
        return out
    group = np.zeros(score.shape, dtype=int) if group is None else np.asarray(group)
    _, group_id = np.unique(group, return_inverse=True)
    order = np.lexsort((-score, group_id))
    ranked, ranked_group = score[order], group_id[order]
    position = np.arange(score.size)
    new_group = np.r_[True, ranked_group[1:] != ranked_group[:-1]]
    new_value = new_group | np.r_[True, ranked[1:] != ranked[:-1]]
    group_start = np.maximum.accumulate(np.where(new_group, position, 0))
    tie_start = np.maximum.accumulate(np.where(new_value, position, 0))
    out = np.empty(score.size, dtype=np.int64)
    out[order] = tie_start - group_start + 1
    return out

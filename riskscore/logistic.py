"""Penalised logistic regression, the one estimator behind the probability curves and the
challenger: Newton's method with step halving on rows collapsed into weights.

The slopes carry an L2 penalty of 1 / (2 C) and the intercept none, exactly the objective of
scikit-learn's LogisticRegression(C) (a test checks the two agree). Rows with every feature at 0
(most units: no exposure) are merged into weights first, once for all the fits of a backtest,
and its hundreds of fits (one per month, one per country left out) are solved together as
arrays, so they take a few hundredths of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_NEWTON_STEPS = 50
TOLERANCE = 1e-10


@dataclass(frozen=True)
class Curve:
    """A fitted logistic curve: P = 1 / (1 + exp(-(intercept + x @ slopes)))."""

    intercept: float
    slopes: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        return _expit(self.intercept + np.asarray(x, float) @ self.slopes)


def _expit(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _log_expit(z: np.ndarray) -> np.ndarray:
    """log(1 / (1 + exp(-z))) without overflow: min(z, 0) - log(1 + exp(-|z|)), a third of
    the time np.logaddexp takes."""
    tail = np.exp(-np.abs(z))
    np.log1p(tail, out=tail)
    return np.minimum(z, 0.0) - tail


@dataclass(frozen=True)
class Rows:
    """Training rows with the all-zero ones merged: features, labels, weights, and the key
    each row carries (merged rows share theirs)."""

    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    key: np.ndarray


def _count_distinct(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows in sorted order and how often each occurs (np.unique(axis=0) does
    this too, but through a structured view many times slower)."""
    if not len(rows):
        return rows, np.zeros(0, np.int64)
    ordered = rows[np.lexsort(rows.T[::-1])]
    first = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)]
    return ordered[first], np.diff(np.r_[np.flatnonzero(first), len(ordered)])


def compress(x: np.ndarray, y: np.ndarray, key: np.ndarray | None = None) -> Rows:
    """The rows whose features are all 0 (most units: no exposure, no signal) merged into one
    weighted row per (key, label); the others kept with weight 1. `key` (rows x columns of
    integers) says what a later selection of training rows depends on, so that selecting on
    it picks the same units before and after merging; without it everything zero merges."""
    x = np.asarray(x, float).reshape(len(y), -1)
    y = np.asarray(y, float)
    key = np.zeros((len(y), 1), np.int64) if key is None else np.asarray(key).reshape(len(y), -1)
    zero = ~x.any(axis=1)
    groups, counts = _count_distinct(np.column_stack([key[zero], y[zero]]))
    return Rows(
        np.vstack([x[~zero], np.zeros((len(groups), x.shape[1]))]),
        np.r_[y[~zero], groups[:, -1]],
        np.r_[np.ones(int((~zero).sum())), counts].astype(float),
        np.vstack([key[~zero], groups[:, :-1].astype(key.dtype)]),
    )


def fit(x: np.ndarray, y: np.ndarray, c: float = 1.0) -> Curve:
    """The curve maximising the L2-penalised likelihood of labels `y` (0/1) given `x` (rows x
    features)."""
    rows = compress(x, y)
    return fit_many(rows, rows.weight[None, :], c)[0]


def fit_many(
    rows: Rows, weights: np.ndarray, c: float = 1.0, start: Curve | None = None
) -> list[Curve]:
    """One curve per row of `weights` (fits x rows), each fitted on `rows` weighted by it (a
    weight of 0 leaves a row out): the hundreds of curves of a backtest (one per month, one
    per country left out) solved together, Newton step by Newton step, each from `start`
    (a curve near them all saves steps) or from 0, until its own steps stop mattering."""
    design = np.column_stack([np.ones(len(rows.y)), rows.x])  # rows x k
    # each row's outer product, flattened: a Hessian for every fit is then one matrix product
    outer = (design[:, :, None] * design[:, None, :]).reshape(len(rows.y), -1)
    sign = 2 * rows.y - 1  # log-likelihood of a row: log expit(sign * z)
    fits, k = weights.shape[0], design.shape[1]
    penalty = np.full(k, 1.0 / c)
    penalty[0] = 0.0
    first = np.zeros(k) if start is None else np.r_[start.intercept, start.slopes]
    beta = np.tile(first, (fits, 1))

    def loss(w: np.ndarray, z: np.ndarray, b: np.ndarray) -> np.ndarray:
        return -(w * _log_expit(sign * z)).sum(axis=1) + 0.5 * (penalty * b * b).sum(axis=1)

    z = beta @ design.T  # fits x rows
    current = loss(weights, z, beta)
    active = np.arange(fits)  # the fits still moving: only they are computed
    for _ in range(MAX_NEWTON_STEPS):
        w, b = weights[active], beta[active]
        p = _expit(z[active])
        gradient = (w * (p - rows.y)) @ design + penalty * b
        curvature = (w * p * (1 - p)) @ outer
        hessian = curvature.reshape(len(active), k, k) + np.diag(penalty)
        try:
            step = np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:  # singular (a feature constant at 0): least squares
            step = (np.linalg.pinv(hessian) @ gradient[:, :, None])[:, :, 0]
        size = np.ones(len(active))
        while True:  # halve each fit's step until its penalised loss does not rise
            candidate = b - size[:, None] * step
            z_candidate = candidate @ design.T
            value = loss(w, z_candidate, candidate)
            rising = (value > current[active]) & (size >= 1e-6)
            if not rising.any():
                break
            size[rising] /= 2
        improvement = current[active] - value
        beta[active], z[active], current[active] = candidate, z_candidate, value
        moving = (np.abs(size[:, None] * step).max(axis=1) >= TOLERANCE) & (improvement >= 1e-12)
        active = active[moving]
        if not active.size:
            break
    return [Curve(float(b[0]), b[1:].copy()) for b in beta]

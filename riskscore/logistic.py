"""Penalised logistic regression, the one estimator behind the probability curves and the
challenger: Newton's method with step halving on rows collapsed into weights.

The slopes carry an L2 penalty of 1 / (2 C) and the intercept none, exactly the objective of
scikit-learn's LogisticRegression(C) (a test checks the two agree). Rows with every feature at 0
(most units: no exposure) are merged into weights first, once for all the fits of a backtest,
and a refit starts from the previous curve, so its hundreds of fits take a fraction of a second.
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
    """log(1 / (1 + exp(-z))) without overflow."""
    return -np.logaddexp(0.0, -z)


@dataclass(frozen=True)
class Rows:
    """Training rows with the all-zero ones merged: features, labels, weights, and the key
    each row carries (merged rows share theirs)."""

    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    key: np.ndarray

    def take(self, mask: np.ndarray) -> Rows:
        return Rows(self.x[mask], self.y[mask], self.weight[mask], self.key[mask])


def compress(x: np.ndarray, y: np.ndarray, key: np.ndarray | None = None) -> Rows:
    """The rows whose features are all 0 (most units: no exposure, no signal) merged into one
    weighted row per (key, label); the others kept with weight 1. `key` (rows x columns of
    integers) says what a later selection of training rows depends on, so that selecting on
    it picks the same units before and after merging; without it everything zero merges."""
    x = np.asarray(x, float).reshape(len(y), -1)
    y = np.asarray(y, float)
    key = np.zeros((len(y), 1), np.int64) if key is None else np.asarray(key).reshape(len(y), -1)
    zero = ~x.any(axis=1)
    groups, counts = np.unique(np.column_stack([key[zero], y[zero]]), axis=0, return_counts=True)
    return Rows(
        np.vstack([x[~zero], np.zeros((len(groups), x.shape[1]))]),
        np.r_[y[~zero], groups[:, -1]],
        np.r_[np.ones(int((~zero).sum())), counts].astype(float),
        np.vstack([key[~zero], groups[:, :-1].astype(key.dtype)]),
    )


def fit(x: np.ndarray, y: np.ndarray, c: float = 1.0, start: Curve | None = None) -> Curve:
    """The curve maximising the L2-penalised likelihood of labels `y` (0/1) given `x` (rows x
    features), starting from `start` when given."""
    return fit_rows(compress(x, y), c, start)


def fit_rows(rows: Rows, c: float = 1.0, start: Curve | None = None) -> Curve:
    """`fit` on rows already merged by `compress` (a selection of them is merged too)."""
    x, y, weight = rows.x, rows.y, rows.weight
    design = np.column_stack([np.ones(len(y)), x])
    beta = np.zeros(design.shape[1]) if start is None else np.r_[start.intercept, start.slopes]
    penalty = np.full(design.shape[1], 1.0 / c)
    penalty[0] = 0.0

    def loss(z: np.ndarray, b: np.ndarray) -> float:
        likelihood = weight * (y * _log_expit(z) + (1 - y) * _log_expit(-z))
        return -likelihood.sum() + 0.5 * (penalty * b * b).sum()

    z = design @ beta
    current = loss(z, beta)
    for _ in range(MAX_NEWTON_STEPS):
        p = _expit(z)
        gradient = design.T @ (weight * (p - y)) + penalty * beta
        hessian = (design.T * (weight * p * (1 - p))) @ design + np.diag(penalty)
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:  # singular (a feature constant at 0): least squares
            step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        size = 1.0
        while True:  # halve the step until the penalised loss does not rise
            candidate = beta - size * step
            z_candidate = design @ candidate
            value = loss(z_candidate, candidate)
            if value <= current or size < 1e-6:
                break
            size /= 2
        beta, z, improvement, current = candidate, z_candidate, current - value, value
        if np.abs(size * step).max() < TOLERANCE or improvement < 1e-12:
            break
    return Curve(float(beta[0]), beta[1:].copy())

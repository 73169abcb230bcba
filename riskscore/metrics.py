"""Ranking metrics for the backtest and the challenger, with country-bootstrap intervals.

Plain numpy on arrays (label 0/1, a score where higher means riskier), so each function can be
checked on a hand-made panel. Ties are handled the way scikit-learn does (AUROC counts a tied
positive-negative pair as half a success; average precision steps only at distinct scores).
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import polars as pl

CI_LEVEL = 0.95
BOOTSTRAP_REPS = 1000
BOOTSTRAP_SEED = 20260404


def auroc(label: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney with mid-ranks); NaN without both classes."""
    label = np.asarray(label, dtype=bool)
    positives, negatives = int(label.sum()), int((~label).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    _, inverse, counts = np.unique(
        np.asarray(score, float), return_inverse=True, return_counts=True
    )
    midrank = np.cumsum(counts) - (counts - 1) / 2.0
    rank_sum = midrank[inverse][label].sum()
    return float((rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives))


def average_precision(label: np.ndarray, score: np.ndarray) -> float:
    """Average precision, sum over distinct thresholds of (recall step) x precision; NaN if no
    positive. Equals sklearn.metrics.average_precision_score."""
    label = np.asarray(label, dtype=float)
    if label.sum() == 0:
        return float("nan")
    score = np.asarray(score, float)
    order = np.argsort(-score, kind="stable")
    ranked_score, ranked_label = score[order], label[order]
    # the last row of each run of tied scores is where the threshold takes effect
    ends = np.r_[np.flatnonzero(np.diff(ranked_score)), ranked_score.size - 1]
    true_pos = np.cumsum(ranked_label)[ends]
    precision = true_pos / (ends + 1)
    recall = true_pos / true_pos[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _tie_groups(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order of the rows by ascending score, and the start of each run of tied scores."""
    order = np.argsort(score, kind="stable")
    ranked = score[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ranked)) + 1]
    return order, starts


def weighted_rank_metrics(
    label: np.ndarray, score: np.ndarray, weights: np.ndarray
) -> dict[str, np.ndarray]:
    """AUROC and average precision for each row of `weights` (R, N): row r counts unit i
    weights[r, i] times (a bootstrap replicate's multiplicities). Ties count as in `auroc` and
    `average_precision`; NaN where a replicate has no positive or no negative."""
    label = np.asarray(label, dtype=bool)
    w = np.atleast_2d(np.asarray(weights, float))
    if label.size == 0:  # no units (a small package's empty test split): nothing is defined
        return _from_groups(np.zeros((w.shape[0], 0)), np.zeros((w.shape[0], 0)))
    order, starts = _tie_groups(np.asarray(score, float))
    w = w[:, order]
    positive = label[order]
    pos = np.add.reduceat(w * positive, starts, axis=1)  # (R, G) per tie group, ascending
    neg = np.add.reduceat(w * ~positive, starts, axis=1)
    return _from_groups(pos, neg)


def _from_groups(pos: np.ndarray, neg: np.ndarray) -> dict[str, np.ndarray]:
    """AUROC and average precision from weighted positives and negatives per tie group
    (R replicates x G groups, groups in ascending score)."""
    total_pos, total_neg = pos.sum(axis=1), neg.sum(axis=1)
    below = np.cumsum(neg, axis=1) - neg
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (pos * (below + neg / 2)).sum(axis=1) / (total_pos * total_neg)
        # average precision: thresholds from the highest group down
        true_pos = np.cumsum(pos[:, ::-1], axis=1)
        flagged = np.cumsum((pos + neg)[:, ::-1], axis=1)
        precision = np.where(flagged > 0, true_pos / np.where(flagged > 0, flagged, 1), 0)
        ap = (pos[:, ::-1] * precision).sum(axis=1) / total_pos
    auc = np.where((total_pos > 0) & (total_neg > 0), auc, np.nan)
    ap = np.where(total_pos > 0, ap, np.nan)
    return {"auroc": auc, "average_precision": ap}


def clustered_rank_metrics(
    label: np.ndarray, score: np.ndarray, cluster: np.ndarray, cluster_weights: np.ndarray
) -> dict[str, np.ndarray]:
    """`weighted_rank_metrics` when every unit of a cluster carries its cluster's weight
    (cluster_weights: R replicates x C clusters, clusters in np.unique order).

    The units are first counted per (cluster, tie group) cell, and everything a replicate needs
    is then a product with its weights, never a pass over the units or the tie groups:
    - AUROC's numerator, the positive-negative pairs with the positive above (a tie counting
      half), is the quadratic form w' M w of a C x C matrix of pairs between clusters;
    - average precision needs the true positives and the units flagged at each tie group that
      holds a positive, sums over the clusters above it (C x groups with positives).
    Counts and weights are whole numbers (halves for ties), so the pair and unit counts are
    exact whatever order the products take them in."""
    label = np.asarray(label, dtype=bool)
    w = np.atleast_2d(np.asarray(cluster_weights, float))
    _, group = np.unique(np.asarray(score, float), return_inverse=True)
    country, clusters = cluster_codes(cluster)
    groups = int(group.max()) + 1 if group.size else 0
    cell = country.astype(np.int64) * groups + group
    size = clusters * groups
    pos = np.bincount(cell, weights=label, minlength=size).reshape(clusters, groups)
    neg = np.bincount(cell, weights=~label, minlength=size).reshape(clusters, groups)
    total_pos, total_neg = w @ pos.sum(axis=1), w @ neg.sum(axis=1)
    # pairs[a, b]: positives of cluster a above negatives of cluster b, ties counted half
    pairs = pos @ (np.cumsum(neg, axis=1) - neg / 2).T
    # tie groups holding a positive, from the highest score down; above = that group and higher
    held = np.flatnonzero(pos.sum(axis=0) > 0)[::-1]
    pos_above = np.cumsum(pos[:, ::-1], axis=1)[:, groups - 1 - held]
    all_above = np.cumsum((pos + neg)[:, ::-1], axis=1)[:, groups - 1 - held]
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = ((w @ pairs) * w).sum(axis=1) / (total_pos * total_neg)
        true_pos, flagged = w @ pos_above, w @ all_above
        precision = np.where(flagged > 0, true_pos / np.where(flagged > 0, flagged, 1), 0)
        ap = ((w @ pos[:, held]) * precision).sum(axis=1) / total_pos
    auc = np.where((total_pos > 0) & (total_neg > 0), auc, np.nan)
    ap = np.where(total_pos > 0, ap, np.nan)
    return {"auroc": auc, "average_precision": ap}


def cluster_codes(cluster: np.ndarray | pl.Series) -> tuple[np.ndarray, int]:
    """Each unit's cluster as 0..C-1 in np.unique order, and C. A polars Series of text (the
    country codes) is coded through an Enum of its sorted distinct values: the same order as
    numpy's, without converting every value to a Python object (about 5x faster). Other text
    is compared as fixed-width strings, which numpy sorts in C."""
    if isinstance(cluster, pl.Series) and cluster.dtype == pl.String:
        levels = cluster.unique().sort()
        return cluster.cast(pl.Enum(levels)).to_physical().to_numpy().astype(np.int64), len(levels)
    values = np.asarray(cluster)
    if values.dtype == object:
        values = values.astype(str)
    _, codes = np.unique(values, return_inverse=True)
    return codes, int(codes.max()) + 1 if codes.size else 0


@functools.lru_cache(maxsize=8)
def cluster_draws(clusters: int, reps: int, seed: int) -> np.ndarray:
    """(reps, clusters) times each cluster is drawn when `clusters` are resampled with
    replacement, `reps` times (read-only: the same draws serve every metric of a run)."""
    rng = np.random.default_rng(seed)
    # one call draws the same stream as `reps` calls of `clusters` each (a test checks it)
    drawn = rng.integers(0, clusters, (reps, clusters))
    offsets = np.arange(reps)[:, None] * clusters
    counts = np.bincount((drawn + offsets).ravel(), minlength=reps * clusters)
    counts = counts.reshape(reps, clusters).astype(float)
    counts.setflags(write=False)
    return counts


def rank_metrics_with_intervals(
    label: np.ndarray,
    score: np.ndarray,
    cluster: np.ndarray | pl.Series,
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
    level: float = CI_LEVEL,
) -> dict[str, dict]:
    """AUROC and average precision with percentile intervals over resampled clusters:
    {metric: {"value", "ci_low", "ci_high"}} (null where undefined), plus counts."""
    label = np.asarray(label, dtype=bool)
    point = weighted_rank_metrics(label, score, np.ones((1, label.size)))
    out: dict[str, dict] = {}
    intervals = {}
    if reps and label.any() and (~label).any():
        codes, clusters = cluster_codes(cluster)
        drawn = clustered_rank_metrics(label, score, codes, cluster_draws(clusters, reps, seed))
        tail = (1 - level) / 2 * 100
        for name, values in drawn.items():
            values = values[np.isfinite(values)]
            intervals[name] = (
                np.percentile(values, [tail, 100 - tail]) if values.size else (np.nan, np.nan)
            )
    for name, value in point.items():
        entry = {"value": finite(value[0])}
        if name in intervals:
            entry["ci_low"], entry["ci_high"] = (finite(v) for v in intervals[name])
        out[name] = entry
    return out


def finite(value: float) -> float | None:
    """JSON has no NaN: undefined metrics are null."""
    return float(value) if value is not None and np.isfinite(value) else None


def records(frame: pl.DataFrame) -> list[dict]:
    """Rows as JSON-able dicts (dates as ISO strings, NaN as null)."""
    out = []
    for row in frame.iter_rows(named=True):
        out.append(
            {
                k: v.isoformat() if isinstance(v, dt.date)
                else finite(v) if isinstance(v, float) else v
                for k, v in row.items()
            }
        )  # fmt: skip
    return out

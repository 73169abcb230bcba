"""Metric arithmetic shared by the backtest, the challenger and the calibration.

Plain numpy on arrays (label 0/1, a score where higher means riskier), so each function can be
checked on a hand-made panel. Ties are handled the way scikit-learn does (AUROC counts a tied
positive-negative pair as half a success; average precision steps only at distinct scores).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import polars as pl

TOP_SHARE = 0.10  # "top decile": the riskiest 10% of members on each date
CI_LEVEL = 0.95
BOOTSTRAP_REPS = 1000
BOOTSTRAP_SEED = 20260404
INTERVAL_METRICS = (
    "auroc", "average_precision", "top_decile_precision", "top_decile_capture",
    "noise_to_signal", "hit_rate", "false_alarm_rate",
)  # fmt: skip


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


def top_share_weights(score: np.ndarray, group: np.ndarray, share: float = TOP_SHARE) -> np.ndarray:
    """How much of each row falls in the top `share` of its group (k = ceil(share x group size)
    rows, highest scores first): 1 above the k-th score, 0 below it, and rows tied with the k-th
    score share the remaining places equally (the expected count under random tie-breaking, so an
    alphabetical tie order among zero scores never counts as a hit)."""
    score, group = np.asarray(score, float), np.asarray(group)
    order = np.lexsort((-score, group))  # group first, then score descending
    ranked, ranked_group = score[order], group[order]
    starts = np.r_[0, np.flatnonzero(ranked_group[1:] != ranked_group[:-1]) + 1]
    sizes = np.diff(np.r_[starts, score.size])
    places = np.ceil(share * sizes).astype(int)
    cutoff = np.repeat(ranked[starts + places - 1], sizes)
    above, tied = ranked > cutoff, ranked == cutoff
    above_count = np.repeat(np.add.reduceat(above, starts), sizes)
    tied_count = np.repeat(np.add.reduceat(tied, starts), sizes)
    left = np.repeat(places, sizes) - above_count
    weight = np.where(above, 1.0, np.where(tied, left / np.maximum(tied_count, 1), 0.0))
    out = np.empty(score.size)
    out[order] = weight
    return out


def top_decile(label: np.ndarray, score: np.ndarray, group: np.ndarray) -> dict[str, float]:
    """Hit rate of each date's top decile: share of positives among the flagged rows
    (`precision`) and share of all positives that were flagged (`capture`)."""
    label = np.asarray(label, dtype=bool)
    flagged = top_share_weights(score, group)
    hits = float(flagged[label].sum())
    return {
        "top_decile_precision": hits / flagged.sum() if flagged.sum() else float("nan"),
        "top_decile_capture": hits / label.sum() if label.any() else float("nan"),
    }


def signal_table(label: np.ndarray, signal: np.ndarray) -> dict[str, float]:
    """Kaminsky-Reinhart signal arithmetic for a 0/1 warning against a 0/1 outcome.

    hit_rate = A/(A+C) (positives signalled), false_alarm_rate = B/(B+D) (negatives signalled),
    noise_to_signal = false_alarm_rate / hit_rate (NaN when nothing was hit), and
    precision = A/(A+B), with A signal&positive, B signal&negative, C missed, D quiet negatives.
    """
    label, signal = np.asarray(label, dtype=bool), np.asarray(signal, dtype=bool)
    a = int((signal & label).sum())
    b = int((signal & ~label).sum())
    c = int((~signal & label).sum())
    d = int((~signal & ~label).sum())
    hit = a / (a + c) if a + c else float("nan")
    false_alarm = b / (b + d) if b + d else float("nan")
    return {
        "hit_rate": hit,
        "false_alarm_rate": false_alarm,
        "noise_to_signal": false_alarm / hit if hit and hit == hit else float("nan"),
        "signal_precision": a / (a + b) if a + b else float("nan"),
        "signals": a + b,
        "signalled_positives": a,
    }


def brier(label: np.ndarray, probability: np.ndarray) -> float:
    """Mean squared difference between the forecast probability and the 0/1 outcome."""
    label, probability = np.asarray(label, float), np.asarray(probability, float)
    return float(np.mean((probability - label) ** 2)) if label.size else float("nan")


def ranking_metrics(
    label: np.ndarray, score: np.ndarray, group: np.ndarray, threshold: float | None
) -> dict[str, float]:
    """AUROC, average precision, top-decile hit rates and (given a threshold) the signal table."""
    out = {"auroc": auroc(label, score), "average_precision": average_precision(label, score)}
    out.update(top_decile(label, score, group))
    if threshold is not None:
        out.update(signal_table(label, np.asarray(score) >= threshold))
    return out


def cluster_bootstrap(
    statistic: Callable[[np.ndarray], dict[str, float]],
    cluster: np.ndarray,
    reps: int,
    seed: int,
    level: float = CI_LEVEL,
) -> tuple[dict[str, tuple[float, float]], int]:
    """Percentile intervals of `statistic(row_index)` when whole clusters (countries) are
    resampled with replacement. Replicates where a metric is undefined (no positive drawn) are
    left out of that metric's interval; returns the intervals and the number of replicates.
    """
    rng = np.random.default_rng(seed)
    cluster = np.asarray(cluster)
    _, inverse = np.unique(cluster, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.r_[0, np.cumsum(np.bincount(inverse))]
    members = [order[starts[i] : starts[i + 1]] for i in range(starts.size - 1)]
    draws: dict[str, list[float]] = {}
    for _ in range(reps):
        chosen = rng.integers(0, len(members), size=len(members))
        rows = np.concatenate([members[i] for i in chosen])
        for name, value in statistic(rows).items():
            draws.setdefault(name, []).append(value)
    tail = (1 - level) / 2 * 100
    intervals = {}
    for name, values in draws.items():
        finite = np.asarray(values, float)
        finite = finite[np.isfinite(finite)]
        intervals[name] = (
            tuple(float(v) for v in np.percentile(finite, [tail, 100 - tail]))
            if finite.size
            else (float("nan"), float("nan"))
        )
    return intervals, reps


def expanding_window_predict(
    features: np.ndarray,
    label: np.ndarray,
    as_of: np.ndarray,
    label_known_on: np.ndarray,
    make_model: Callable[[], object],
    min_positives: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Time-split predictions: the rows of each date t are scored by a model fitted only on
    rows whose label was known by t (label_known_on <= t). Labels may be NaN (censored); such
    rows are never trained on. Returns P(positive) per row (NaN while fewer than `min_positives`
    positives are known) and the number of training positives behind each prediction.
    """
    label = np.asarray(label, float)
    known = np.isfinite(label)
    probability = np.full(label.size, np.nan)
    positives_used = np.zeros(label.size, dtype=int)
    for day in np.unique(as_of):
        train = known & (label_known_on <= day)
        positives = int(label[train].sum())
        target = as_of == day
        positives_used[target] = positives
        if positives < min_positives or positives == train.sum():
            continue
        fitted = make_model().fit(features[train], label[train].astype(int))
        probability[target] = fitted.predict_proba(features[target])[:, 1]
    return probability, positives_used


def leave_one_group_out_predict(
    features: np.ndarray,
    label: np.ndarray,
    group: np.ndarray,
    make_model: Callable[[], object],
) -> np.ndarray:
    """Each group's (country's) rows scored by a model fitted on every other group's labelled
    rows; NaN labels are never trained on. Returns P(positive) per row."""
    label = np.asarray(label, float)
    known = np.isfinite(label)
    probability = np.full(label.size, np.nan)
    for held_out in np.unique(group):
        target = group == held_out
        train = known & ~target
        fitted = make_model().fit(features[train], label[train].astype(int))
        probability[target] = fitted.predict_proba(features[target])[:, 1]
    return probability


def evaluate(
    frame: pl.DataFrame,
    score: str,
    threshold: float | None,
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
) -> dict:
    """Ranking metrics of `score` on the labelled rows of `frame`, with percentile intervals
    from resampling countries (whole country histories) with replacement."""
    rows = frame.filter(~pl.col("censored"), pl.col(score).is_not_null())
    y = rows["label"].to_numpy().astype(bool)
    s = rows[score].to_numpy().astype(float)
    quarter = rows["as_of"].to_physical().to_numpy()

    def statistic(index: np.ndarray) -> dict[str, float]:
        return ranking_metrics(y[index], s[index], quarter[index], threshold)

    point = statistic(np.arange(rows.height))
    out: dict = {
        "rows": rows.height,
        "positives": int(y.sum()),
        "positive_countries": rows.filter(pl.col("label"))["iso3"].n_unique(),
        "quarters": rows["as_of"].n_unique(),
    }
    intervals: dict = {}
    if reps and point["auroc"] == point["auroc"]:
        intervals, _ = cluster_bootstrap(statistic, rows["iso3"].to_numpy(), reps, seed)
    for name, value in point.items():
        entry = {"value": finite(value)}
        if name in intervals and name in INTERVAL_METRICS:
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

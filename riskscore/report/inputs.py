"""What a report reads: the outputs in out/ (computed and written if missing) and the tables.

Outputs are reused only when their provenance matches the package and config in hand and
they cover the report's date; otherwise they are recomputed in memory, and written to out/
only where no file existed (a report never overwrites another date's scores).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import weakref
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riskscore import export, model, pipeline
from riskscore.config import ModelConfig

UNCERTAINTY_FILE = "uncertainty.parquet"


@dataclass(frozen=True)
class ReportInputs:
    """Everything the pages and the brief are built from, as of one date."""

    as_of: dt.date
    previous_on: dt.date | None  # the latest quarter end before as_of (for "change since")
    scores: pl.DataFrame  # as of as_of, ranked
    contributions: pl.DataFrame  # as of as_of
    history: pl.DataFrame  # quarter ends 2015 -> as_of, plus as_of itself
    history_contributions: pl.DataFrame  # the same dates
    action_points: pl.DataFrame  # actions known on as_of, with their points
    uncertainty: pl.DataFrame | None  # score_p5 … for as_of, or None when not computed
    tables: dict[str, pl.DataFrame]
    config: ModelConfig
    provenance: dict[str, str]
    notes: list[str]  # what was reused, computed or written, for the command to print
    # the last day the data package covers, when the scores' metadata records it (else None)
    data_through: str | None = None


_SPLITS: dict[int, dict[tuple, pl.DataFrame]] = {}


def country_rows(frame: pl.DataFrame, iso3: str) -> pl.DataFrame:
    """The rows of `frame` for one country, in their order. The frame is split by country once
    (a page per member would otherwise scan every frame once per member); the split is
    forgotten with the frame."""
    key = id(frame)
    parts = _SPLITS.get(key)
    if parts is None:
        parts = _SPLITS[key] = frame.partition_by("iso3", as_dict=True, maintain_order=True)
        weakref.finalize(frame, _SPLITS.pop, key, None)
    found = parts.get((iso3,))
    return found if found is not None else frame.clear()


def previous_quarter_end(day: dt.date) -> dt.date | None:
    """The latest quarter end strictly before `day` (None before 2015's first)."""
    ends = pipeline.period_ends(pipeline.HISTORY_START, day - dt.timedelta(days=1), "quarter")
    return ends[-1] if ends else None


def _history_covers(path: Path, provenance: dict[str, str], as_of: dt.date) -> bool:
    if not pipeline.made_from(path, provenance, freq="quarter"):
        return False
    meta = export.read_metadata(path)
    start, end = meta.get("start", ""), meta.get("end", "")
    last_end = previous_quarter_end(as_of + dt.timedelta(days=1))
    return (
        start <= pipeline.HISTORY_START.isoformat()
        and last_end is not None
        and (end >= last_end.isoformat())
    )


def load(out: Path, as_of: dt.date, package: pipeline.Package, config: ModelConfig) -> ReportInputs:
    """Read or compute the scores as of `as_of` and the quarterly history up to it."""
    provenance = pipeline.metadata(package, config)
    notes: list[str] = []
    files = {name: out / file for name, file in pipeline.OUTPUT_VIEWS.items()}
    current_ok = all(
        pipeline.made_from(files[name], provenance, as_of=as_of.isoformat())
        for name in ("scores", "contributions")
    )
    history_ok = _history_covers(files["history"], provenance, as_of) and _history_covers(
        files["history_contributions"], provenance, as_of
    )
    quarter_ends = pipeline.period_ends(pipeline.HISTORY_START, as_of, "quarter")
    # the run always covers as_of: the action points behind each score are not in out/
    dates = sorted({as_of, *([] if history_ok else quarter_ends)})
    run = model.run(package.tables, dates, config, cache_dir=package.cache_dir)

    data_through = provenance.get("data_through")
    if current_ok:
        scores = pl.read_parquet(files["scores"])
        contributions = pl.read_parquet(files["contributions"])
        data_through = export.read_metadata(files["scores"]).get("data_through", data_through)
        notes.append(f"read {files['scores']} and {files['contributions']}")
    else:
        scores = run.scores.filter(pl.col("as_of") == as_of)
        contributions = run.contributions.filter(pl.col("as_of") == as_of)
        current = dataclasses.replace(run, scores=scores, contributions=contributions)
        if not files["scores"].exists() and not files["contributions"].exists():
            for path in pipeline.write_scores(current, package, out, as_of):
                notes.append(f"wrote {path}")
        else:
            notes.append(f"scores in {out}/ are for another date or data; computed as of {as_of}")

    if history_ok:
        history = pl.read_parquet(files["history"])
        history_contributions = pl.read_parquet(files["history_contributions"])
        notes.append(f"read {files['history']}")
    else:
        keep = pl.col("as_of").is_in(quarter_ends)
        history = run.scores.filter(keep)
        history_contributions = run.contributions.filter(keep)
        if quarter_ends and not files["history"].exists():
            past = dataclasses.replace(run, scores=history, contributions=history_contributions)
            start, freq = pipeline.HISTORY_START, "quarter"
            paths, _ = pipeline.write_history([past], package, config, out, start, as_of, freq)
            for path in paths:
                notes.append(f"wrote {path}")
    # no look-ahead: a report as of a date shows nothing scored after it
    history = pl.concat([history.filter(pl.col("as_of") < as_of), scores]).sort("as_of", "rank")
    history_contributions = pl.concat(
        [history_contributions.filter(pl.col("as_of") < as_of), contributions]
    )
    return ReportInputs(
        as_of=as_of,
        previous_on=previous_quarter_end(as_of),
        scores=scores.sort("rank"),
        contributions=contributions,
        history=history,
        history_contributions=history_contributions,
        action_points=run.action_points.filter(pl.col("as_of") == as_of),
        uncertainty=_uncertainty(out / UNCERTAINTY_FILE, as_of, provenance, notes),
        tables=package.tables,
        config=config,
        provenance={**provenance, "as_of": as_of.isoformat()},
        notes=notes,
        data_through=data_through,
    )


def _uncertainty(
    path: Path, as_of: dt.date, provenance: dict[str, str], notes: list[str]
) -> pl.DataFrame | None:
    """The uncertainty intervals for as_of, if out/ holds them for this date and data."""
    if not path.exists():
        notes.append(f"{path} not found: uncertainty intervals shown as 'not computed'")
        return None
    frame = pl.read_parquet(path)
    missing = {"iso3", "as_of", "score_p5", "score_p50", "score_p95"} - set(frame.columns)
    if missing:
        notes.append(
            f"{path} lacks {', '.join(sorted(missing))}: intervals shown as 'not computed'"
        )
        return None
    meta = export.read_metadata(path)
    stale = any(
        key in meta and meta[key] != provenance[key] for key in ("config_sha256", "data_sha256")
    )
    dates = (
        set(frame["as_of"].cast(pl.Date).unique().to_list()) if "as_of" in frame.columns else set()
    )
    if stale or as_of not in dates:
        notes.append(f"{path} is for another date or data: intervals shown as 'not computed'")
        return None
    notes.append(f"read {path}")
    return frame.filter(pl.col("as_of").cast(pl.Date) == as_of)

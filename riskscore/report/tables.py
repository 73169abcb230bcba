"""The rows behind each page: ranked members, a country's factors, actions, arrangements, reviews.

Plain dicts and lists, so templates only lay them out; all facts are as known on the as-of date.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from riskscore.diff import ScoreDiff
from riskscore.report.inputs import ReportInputs, country_rows

SINCE = dt.date(2015, 1, 1)


def source_index(sources: pl.DataFrame) -> dict[str, dict]:
    """source_id -> publisher, title, url (only http(s) urls become links)."""
    out = {}
    for row in sources.select("source_id", "publisher", "title", "url").iter_rows(named=True):
        url = row["url"] if str(row["url"]).startswith(("http://", "https://")) else None
        out[row["source_id"]] = {"publisher": row["publisher"], "title": row["title"], "url": url}
    return out


def links(source_ids: str | list[str] | None, sources: dict[str, dict]) -> list[dict]:
    """Sources cited by a row (one id, ';'-joined ids or a list), in order, without repeats."""
    if not source_ids:
        return []
    ids = source_ids.split(";") if isinstance(source_ids, str) else list(source_ids)
    seen, out = set(), []
    for source_id in ids:
        if source_id in seen:
            continue
        seen.add(source_id)
        known = sources.get(source_id, {"publisher": source_id, "title": None, "url": None})
        out.append({"id": source_id, **known})
    return out


def band_since(points: list[tuple[dt.date, str]]) -> dt.date | None:
    """The first date of the latest unbroken run in the current band (points oldest first)."""
    if not points:
        return None
    band, since = points[-1][1], points[-1][0]
    for on, b in reversed(points):
        if b != band:
            break
        since = on
    return since


def quarter_changes(inputs: ReportInputs, change: ScoreDiff | None) -> dict[str, float | None]:
    if change is None:
        return {}
    return dict(change.countries.select("iso3", "score_change").iter_rows())


def ranked_rows(inputs: ReportInputs, change: ScoreDiff | None) -> list[dict]:
    """One row per member for the index table, rank order."""
    deltas = quarter_changes(inputs, change)
    bands = (
        inputs.history.sort("as_of")
        .group_by("iso3", maintain_order=True)
        .agg(pl.col("as_of"), pl.col("band"))
    )
    since = {r[0]: band_since(list(zip(r[1], r[2], strict=True))) for r in bands.iter_rows()}
    intervals = {}
    if inputs.uncertainty is not None:
        for r in inputs.uncertainty.iter_rows(named=True):
            intervals[r["iso3"]] = (r["score_p5"], r["score_p95"])
    rows = []
    for r in inputs.scores.sort("rank").iter_rows(named=True):
        rows.append(
            {
                **r,
                "change": deltas.get(r["iso3"]),
                "band_since": since.get(r["iso3"]),
                "interval": intervals.get(r["iso3"]),
            }
        )
    return rows


def factor_rows(inputs: ReportInputs, iso3: str, change: ScoreDiff | None, sources) -> list[dict]:
    """The current score's factors, in pillar order, largest points first within a pillar."""
    order = {"exposure": 0, "engagement": 1, "vulnerability": 2}
    deltas = {}
    if change is not None:
        for r in country_rows(change.factors, iso3).iter_rows(named=True):
            deltas[r["factor"]] = r["points_change"]
    rows = []
    for r in country_rows(inputs.contributions, iso3).iter_rows(named=True):
        rows.append(
            {**r, "change": deltas.get(r["factor"]), "links": links(r["source_ids"], sources)}
        )
    return sorted(rows, key=lambda r: (order.get(r["pillar"], 9), -r["points"]))


def action_rows(inputs: ReportInputs, iso3: str, sources) -> list[dict]:
    """Crypto actions known on the as-of date, newest first, with their points and sources."""
    points = country_rows(inputs.action_points, iso3).select("action_id", "points")
    actions = (
        country_rows(inputs.tables["crypto_actions"], iso3)
        .filter(pl.col("announced_on") <= inputs.as_of)
        .join(points, on="action_id", how="left")
        .sort("announced_on", "action_id", descending=True)
    )
    return [{**r, "links": links(r["source_id"], sources)} for r in actions.iter_rows(named=True)]


def arrangement_rows(inputs: ReportInputs, iso3: str, sources) -> list[dict]:
    """Arrangements running at some point since 2015 (else the latest one), newest first."""
    evidence = set()
    engaged = country_rows(inputs.contributions, iso3).filter(pl.col("pillar") == "engagement")
    for ids in engaged["evidence_ids"].to_list():
        evidence.update(ids or [])
    frame = country_rows(inputs.tables["imf_arrangements"], iso3).filter(
        pl.col("approved_on") <= inputs.as_of
    )
    rows = []
    for r in frame.sort("approved_on", descending=True).iter_rows(named=True):
        ended = r["ended_on"] if r["ended_on"] and r["ended_on"] <= inputs.as_of else None
        end = ended or r["expires_on"] or r["approved_on"]
        rows.append(
            {
                **r,
                "ended_on": ended,
                "end": end,
                "counted": r["arrangement_id"] in evidence,
                "links": links(r["source_id"], sources),
            }
        )
    recent = [r for r in rows if r["end"] >= SINCE]
    return recent or rows[:1]


def review_rows(inputs: ReportInputs, arrangement_ids: list[str], sources) -> list[dict]:
    """Reviews of the listed arrangements with a status as of the as-of date."""
    reviews = inputs.tables["imf_reviews"].filter(pl.col("arrangement_id").is_in(arrangement_ids))
    rows = []
    for r in reviews.sort("arrangement_id", "review_no").iter_rows(named=True):
        done = (
            r["completed_on"] if r["completed_on"] and r["completed_on"] <= inputs.as_of else None
        )
        scheduled = r["scheduled_on"]
        if done:
            late = scheduled is not None and (done - scheduled).days > 90
            status = f"completed {(done - scheduled).days} days late" if late else "completed"
        elif scheduled is not None and scheduled <= inputs.as_of:
            status = "no completion recorded"
        else:
            status = "scheduled"
        rows.append(
            {**r, "completed_on": done, "status": status, "links": links(r["source_id"], sources)}
        )
    return rows


def response_rows(inputs: ReportInputs, iso3: str, sources) -> list[dict]:
    """IMF responses on the country's crypto policy dated by the as-of date, newest first."""
    frame = country_rows(inputs.tables["imf_crypto_responses"], iso3).filter(
        pl.col("responded_on") <= inputs.as_of
    )
    return [
        {**r, "links": links(r["source_id"], sources)}
        for r in frame.sort("responded_on", descending=True).iter_rows(named=True)
    ]


def reviews_for_timeline(inputs: ReportInputs, iso3: str) -> pl.DataFrame:
    ids = country_rows(inputs.tables["imf_arrangements"], iso3).filter(
        pl.col("approved_on") <= inputs.as_of
    )["arrangement_id"]
    return inputs.tables["imf_reviews"].filter(pl.col("arrangement_id").is_in(ids.to_list()))

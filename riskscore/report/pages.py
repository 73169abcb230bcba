"""Render the HTML pages (index and one per member) from the report inputs, with Jinja2.

Autoescaping is on for every template and the charts escape by construction (`svg.py`), so
text from the data package always shows as text.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from riskscore import settings
from riskscore.diff import ScoreDiff
from riskscore.report import charts, maps, tables, theme
from riskscore.report.inputs import ReportInputs, country_rows
from riskscore.report.timeline import Marker, review_markers, timeline_chart

TOP_SERIES = 6  # lines in the index's "riskiest countries" chart
TOOLTIP_CHARS = 280
ZOOM_YEARS = 3  # the close-up timeline covers this many years before the as-of date


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("riskscore.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        human=theme.humanize,
        band_label=theme.band_label,
        signed=lambda v, d=1: "–" if v is None else f"{v:+.{d}f}",
        num=lambda v, d=1: "–" if v is None else f"{v:,.{d}f}",
        pct=lambda v: "–" if v is None else f"{v:.0%}",
    )
    env.globals.update(
        band_colors=theme.BAND_COLORS,
        band_text=theme.BAND_TEXT,
        pillar_colors=theme.PILLAR_COLORS,
        pillar_labels=theme.PILLAR_LABELS,
    )
    return env


def method_html(path: Path | None = None) -> Markup:
    """METHOD.md (the method on one page) as HTML, through a CommonMark parser with tables;
    raw HTML in the file is shown as text, never passed through."""
    from markdown_it import MarkdownIt

    text = (path or settings.method_file()).read_text(encoding="utf-8")
    body = text.split("\n", 1)[1] if text.startswith("# ") else text  # the page has its own h2
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    return Markup(parser.render(body))


def _bands(inputs: ReportInputs) -> dict[str, float]:
    return dict(inputs.config.bands().iter_rows())


def band_rule(bands: dict[str, float]) -> str:
    """'low < 20 ≤ moderate < 35 ≤ …' from the config's band bounds."""
    ordered = sorted(bands.items(), key=lambda kv: kv[1])
    parts = [theme.band_label(ordered[0][0])]
    for band, lower in ordered[1:]:
        parts.append(f"< {lower:g} ≤ {theme.band_label(band)}")
    return " ".join(parts)


def _points(history: pl.DataFrame, iso3: str) -> list[tuple[dt.date, float, str]]:
    rows = country_rows(history, iso3).sort("as_of")
    return list(rows.select("as_of", "score", "band").iter_rows())


def index_page(
    inputs: ReportInputs,
    change: ScoreDiff | None,
    model_card: bool,
    world: Markup | None = None,
    downloads: dict[str, list] | None = None,
) -> str:
    """The index: the world map (`world`, drawn here if not given), history, ranked table,
    downloads."""
    rows = tables.ranked_rows(inputs, change)
    leaders = [r for r in rows if r["score"] > 0][:TOP_SERIES]
    series = [
        charts.Series(r["iso3"], _points(inputs.history, r["iso3"]), theme.SERIES_COLORS[i])
        for i, r in enumerate(leaders)
    ]
    chart = charts.history_chart(
        series,
        inputs.as_of,
        _bands(inputs),
        f"Score history 2015–{inputs.as_of.year} of the {len(series)} highest-scoring members",
    )
    counts = inputs.scores.group_by("band").len()
    band_counts = [
        (band, counts.filter(pl.col("band") == band)["len"].sum()) for band in theme.BAND_COLORS
    ]
    return (
        environment()
        .get_template("index.html.j2")
        .render(
            inputs=inputs,
            rows=rows,
            chart=chart,
            band_counts=band_counts,
            leaders=leaders,
            method=method_html(),
            model_card=model_card,
            interval_done=inputs.uncertainty is not None,
            band_rule=band_rule(_bands(inputs)),
            first_on=inputs.history["as_of"].min(),
            world=world if world is not None else maps.score_map(inputs),
            pillar_maps=maps.pillar_maps(inputs),
            downloads=downloads or {},
        )
    )


def _shorten(text: str | None, limit: int = TOOLTIP_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _timeline_events(inputs: ReportInputs, iso3: str) -> tuple[list, list, list, list]:
    """Arrangement spans and review, action and response marks known on the as-of date."""
    as_of = inputs.as_of
    spans = []
    arrangements = country_rows(inputs.tables["imf_arrangements"], iso3).filter(
        pl.col("approved_on") <= as_of
    )
    for r in arrangements.iter_rows(named=True):
        ended = r["ended_on"] if r["ended_on"] and r["ended_on"] <= as_of else None
        end = ended or r["expires_on"] or (r["approved_on"] + dt.timedelta(days=30))
        amount = "" if r["amount_sdr_m"] is None else f", SDR {r['amount_sdr_m']:,.0f}m"
        title = (
            f"{r['arrangement_id']}: {r['facility']} approved {r['approved_on']}, "
            f"{'ended ' + str(ended) if ended else 'scheduled to end ' + str(r['expires_on'])}"
            f"{amount}"
        )
        color = theme.INSTRUMENT_COLORS.get(r["instrument_kind"], "#888")
        spans.append(
            {
                "start": r["approved_on"],
                "end": end,
                "label": r["facility"],
                "color": color,
                "title": title,
            }
        )
    reviews = review_markers(tables.reviews_for_timeline(inputs, iso3), as_of)
    actions = [
        Marker(
            r["announced_on"],
            theme.DIRECTION_COLORS.get(r["direction"], "#888"),
            f"{r['announced_on']} · {r['action_id']} · {theme.humanize(r['action_type'])} "
            f"({r['status']}): {_shorten(r['description'])}",
            hollow=r["status"] == "reversed",
        )
        for r in country_rows(inputs.tables["crypto_actions"], iso3)
        .filter(pl.col("announced_on") <= as_of)
        .iter_rows(named=True)
    ]
    responses = [
        Marker(
            r["responded_on"],
            theme.STANCE_COLORS.get(r["stance"], "#888"),
            f"{r['responded_on']} · {r['response_id']} · IMF {theme.humanize(r['response_type'])}"
            f" ({r['stance']}): {_shorten(r['description'])}",
        )
        for r in country_rows(inputs.tables["imf_crypto_responses"], iso3)
        .filter(pl.col("responded_on") <= as_of)
        .iter_rows(named=True)
    ]
    return spans, reviews, actions, responses


def _timelines(inputs: ReportInputs, iso3: str, name: str) -> tuple[Markup, Markup | None]:
    """The full timeline from 2015 and, when anything happened in them, the last three years."""
    events = _timeline_events(inputs, iso3)
    as_of = inputs.as_of
    what = "IMF arrangements, reviews, crypto actions and IMF responses"
    full = timeline_chart(as_of, *events, f"{name}: {what}, 2015–{as_of.year}")
    start = dt.date(as_of.year - ZOOM_YEARS, as_of.month, 1)
    recent = [m for marks in events[1:] for m in marks if m.on >= start]
    if not recent:
        return full, None
    zoom = timeline_chart(as_of, *events, f"{name}: {what} since {start}", start=start)
    return full, zoom


def country_page(
    inputs: ReportInputs,
    iso3: str,
    change: ScoreDiff | None,
    evidence: pl.DataFrame | None,
    sources: dict[str, dict],
    neighbours: tuple[dict | None, dict | None],
) -> str:
    score = country_rows(inputs.scores, iso3).row(0, named=True)
    name = score["country"]
    interval, note = None, "Uncertainty interval: not computed"
    if inputs.uncertainty is not None:
        found = country_rows(inputs.uncertainty, iso3)
        if not found.is_empty():
            u = found.row(0, named=True)
            interval = charts.Interval(inputs.as_of, u["score_p5"], u["score_p50"], u["score_p95"])
            note = f"90% interval on {inputs.as_of} only (earlier dates: not computed)"
    points = _points(inputs.history, iso3)
    history = charts.history_chart(
        [charts.Series(iso3, points, "#1a1a1a")],
        inputs.as_of,
        _bands(inputs),
        f"{name}: score history 2015–{inputs.as_of.year}",
        interval=interval,
        interval_note=note,
    )
    factors = tables.factor_rows(inputs, iso3, change, sources)
    drivers = [f for f in factors if abs(f["points"]) > 1e-9]
    waterfall = (
        charts.waterfall_chart(
            drivers, score["score"], score["band"], f"{name}: points each factor adds to the score"
        )
        if drivers and score["score"] > 0
        else None
    )
    arrangements = tables.arrangement_rows(inputs, iso3, sources)
    timelines = _timelines(inputs, iso3, name)
    moved, facts = [], []
    if change is not None:
        moved = country_rows(change.factors, iso3).filter(pl.col("points_change").abs() > 1e-9)
        moved = moved.sort(pl.col("points_change").abs(), descending=True).to_dicts()
        if evidence is not None:
            facts = [
                {**r, "links": tables.links(r["source_ids"], sources)}
                for r in country_rows(evidence, iso3).iter_rows(named=True)
            ]
    country_change = None
    if change is not None:
        found = country_rows(change.countries, iso3)
        country_change = found.row(0, named=True) if not found.is_empty() else None
    return (
        environment()
        .get_template("country.html.j2")
        .render(
            inputs=inputs,
            s=score,
            n_members=inputs.scores.height,
            n_zero=inputs.scores.filter(pl.col("score") <= 0).height,
            history=history,
            timeline=timelines[0],
            zoom=timelines[1],
            waterfall=waterfall,
            factors=factors,
            drivers=sorted(drivers, key=lambda f: -f["points"])[:3],
            interval=interval,
            band_since=tables.band_since([(d, b) for d, _, b in points]),
            actions=tables.action_rows(inputs, iso3, sources),
            arrangements=arrangements,
            reviews=tables.review_rows(
                inputs, [a["arrangement_id"] for a in arrangements], sources
            ),
            responses=tables.response_rows(inputs, iso3, sources),
            moved=moved,
            facts=facts,
            change=country_change,
            previous=neighbours[0],
            following=neighbours[1],
            first_on=inputs.history["as_of"].min(),
            zoom_years=ZOOM_YEARS,
        )
    )

"""One time axis for a country: IMF arrangements as spans, reviews, crypto actions, IMF responses.

A review counts as delayed when the Board completed it more than 90 days after its schedule,
and as not completed when its scheduled date has passed by the as-of date with no completion.
Everything is shown as known on the as-of date: nothing approved, completed or announced later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from markupsafe import Markup

from riskscore.report import theme
from riskscore.report.charts import HISTORY_START, LEFT, WIDTH, time_scale
from riskscore.report.svg import Svg, date_axis

DELAY_DAYS = 90
SUBROW = 17  # height of one sub-row of a lane
MAX_SUBROWS = 4
MIN_GAP = 13  # px between markers in one sub-row


@dataclass(frozen=True)
class Marker:
    """One dated event: where, what shape and colour, and its tooltip."""

    on: dt.date
    color: str
    title: str
    hollow: bool = False
    until: dt.date | None = None  # for a delayed review: scheduled -> completed


def review_markers(reviews: pl.DataFrame, as_of: dt.date) -> list[Marker]:
    """Completed, delayed (> 90 days late) and overdue-not-completed reviews, as of a date."""
    out = []
    for r in reviews.iter_rows(named=True):
        name = f"{r['arrangement_id']} review {r['review_no']}"
        note = f" ({r['notes']})" if r.get("notes") else ""
        done = r["completed_on"] if r["completed_on"] and r["completed_on"] <= as_of else None
        scheduled = r["scheduled_on"]
        if done:
            late = scheduled is not None and (done - scheduled).days > DELAY_DAYS
            if late:
                title = (
                    f"{name}: completed {done}, {(done - scheduled).days} days after {scheduled}"
                )
                out.append(Marker(done, theme.REVIEW_COLORS["delayed"], title, until=scheduled))
            else:
                out.append(
                    Marker(done, theme.REVIEW_COLORS["completed"], f"{name}: completed {done}")
                )
        elif scheduled is not None and scheduled <= as_of:
            title = f"{name}: scheduled {scheduled}, no completion recorded by {as_of}{note}"
            out.append(Marker(scheduled, theme.REVIEW_COLORS["not_completed"], title, hollow=True))
    return out


def _pack(markers: list[Marker], x) -> list[tuple[Marker, int]]:
    """Assign each marker a sub-row so that markers in one row keep MIN_GAP apart."""
    last: list[float] = []
    placed = []
    for m in sorted(markers, key=lambda m: m.on):
        px = x(m.on)
        for row, end in enumerate(last):
            if px - end >= MIN_GAP:
                last[row] = px
                placed.append((m, row))
                break
        else:
            if len(last) < MAX_SUBROWS:
                last.append(px)
                placed.append((m, len(last) - 1))
            else:
                placed.append((m, MAX_SUBROWS - 1))
    return placed


def _span_rows(spans: list[dict]) -> list[tuple[dict, int]]:
    """Stack overlapping arrangement spans into rows."""
    ends: list[dt.date] = []
    out = []
    for s in sorted(spans, key=lambda s: s["start"]):
        for row, end in enumerate(ends):
            if s["start"] > end:
                ends[row] = s["end"]
                out.append((s, row))
                break
        else:
            ends.append(s["end"])
            out.append((s, len(ends) - 1))
    return out


def _shape(svg: Svg, kind: str, px: float, py: float, m: Marker) -> None:
    fill = "#ffffff" if m.hollow else m.color
    common = {"fill": fill, "stroke": m.color, "stroke_width": 1.6, "title": m.title}
    if kind == "action":
        svg.circle(px, py, 5, class_="event action", **common)
    elif kind == "response":
        svg.polygon(
            [(px, py - 6), (px + 6, py + 5), (px - 6, py + 5)], class_="event response", **common
        )
    else:
        svg.polygon(
            [(px, py - 6), (px + 6, py), (px, py + 6), (px - 6, py)],
            class_="event review",
            **common,
        )


def timeline_chart(
    as_of: dt.date,
    spans: list[dict],
    reviews: list[Marker],
    actions: list[Marker],
    responses: list[Marker],
    title: str,
    start: dt.date = HISTORY_START,
) -> Markup:
    """Lanes of events on the shared time axis; spans hold start, end, label, color, title."""
    x = time_scale(as_of, start)
    lo, hi = x.first, x.last
    spans = [s for s in spans if s["end"] >= lo and s["start"] <= hi]
    span_rows = _span_rows(spans)
    lanes = [
        ("IMF arrangements", "span", span_rows, max([r for _, r in span_rows], default=0) + 1),
    ]
    for name, kind, markers in (
        ("Reviews", "review", reviews),
        ("Crypto actions", "action", actions),
        ("IMF responses", "response", responses),
    ):
        packed = _pack([m for m in markers if lo <= m.on <= hi], x)
        lanes.append((name, kind, packed, max([r for _, r in packed], default=0) + 1))

    top = 8
    height = top + sum(n * SUBROW + 14 for *_, n in lanes) + 76
    svg = Svg(WIDTH, height, title, class_="chart timeline")
    bottom = height - 76
    date_axis(svg, x, top, bottom)
    y = top
    for name, kind, items, rows in lanes:
        lane_h = rows * SUBROW + 14
        svg.rect(LEFT, y, x(hi) - LEFT, lane_h - 4, class_="lane")
        svg.text(LEFT - 10, y + lane_h / 2 + 2, name, text_anchor="end", class_="lane-name")
        if not items:
            svg.text(LEFT + 8, y + lane_h / 2 + 2, f"none since {lo.year}", class_="empty")
        for item, row in items:
            cy = y + 5 + row * SUBROW + SUBROW / 2
            if kind == "span":
                x0, x1 = x.clamp(item["start"]), x.clamp(item["end"])
                svg.rect(
                    x0,
                    cy - 6,
                    max(x1 - x0, 3),
                    12,
                    rx=3,
                    fill=item["color"],
                    title=item["title"],
                    class_="span",
                )
                if x1 - x0 > 7 * len(item["label"]) + 6:
                    svg.text(x0 + 4, cy + 4, item["label"], fill="#fff", font_size=10)
            else:
                px = x(item.on)
                if item.until is not None:
                    svg.line(
                        x.clamp(item.until),
                        cy,
                        px,
                        cy,
                        stroke=item.color,
                        stroke_width=1.5,
                        stroke_dasharray="3 2",
                    )
                _shape(svg, kind, px, cy, item)
        y += lane_h
    svg.line(x(as_of), top, x(as_of), bottom, class_="as-of")
    _legend(svg, bottom + 26)
    return svg.markup()


def _legend(svg: Svg, y: float) -> None:
    """Two rows: event marks, then arrangement kinds."""
    dot = dt.date.min
    marks = [
        ("action", Marker(dot, theme.DIRECTION_COLORS["state_exposure"], ""), "state exposure"),
        ("action", Marker(dot, theme.DIRECTION_COLORS["liberalizing"], ""), "liberalizing"),
        ("action", Marker(dot, theme.DIRECTION_COLORS["restrictive"], ""), "restrictive action"),
        ("response", Marker(dot, theme.STANCE_COLORS["opposing"], ""), "IMF opposing"),
        ("response", Marker(dot, theme.STANCE_COLORS["cautionary"], ""), "IMF cautionary"),
        ("review", Marker(dot, theme.REVIEW_COLORS["completed"], ""), "review completed"),
        ("review", Marker(dot, theme.REVIEW_COLORS["delayed"], ""), "review > 90 days late"),
        (
            "review",
            Marker(dot, theme.REVIEW_COLORS["not_completed"], "", hollow=True),
            "no completion recorded",
        ),
    ]
    px, row = LEFT, 0
    for kind, marker, label in marks:
        width = 22 + 6.4 * len(label) + 10
        if px + width > WIDTH - 10:
            px, row = LEFT, row + 1
        _shape(svg, kind, px + 6, y + row * 20, marker)
        svg.text(px + 16, y + row * 20 + 4, label, class_="legend")
        px += width
    px, row = LEFT, row + 1
    kinds = {
        "lending": "lending arrangement",
        "precautionary_line": "precautionary line",
        "emergency": "emergency financing",
        "non_lending": "non-lending (SMP/PCI/PSI)",
    }
    for kind, label in kinds.items():
        svg.rect(px, y + row * 20 - 5, 16, 10, rx=2, fill=theme.INSTRUMENT_COLORS[kind])
        svg.text(px + 22, y + row * 20 + 4, label, class_="legend")
        px += 22 + 6.4 * len(label) + 14

"""Score charts as static SVG: score history (one or several countries) and the factor waterfall.

The history chart and the event timeline (`timeline.py`) share their width, margins and time
axis, so an event sits straight under the quarter it moved.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from markupsafe import Markup

from riskscore.report import theme
from riskscore.report.svg import DateScale, LinearScale, Svg, date_axis

WIDTH = 960
LEFT = 150  # room for band names (history) and lane names (timeline)
RIGHT = 110  # room for direct labels at the end of each line
HISTORY_START = dt.date(2015, 1, 1)
AXIS_TITLE = "Score (0–100)"
LABEL_CHARS = 62  # factor labels longer than this are cut in the waterfall (full text on hover)


def time_scale(as_of: dt.date, start: dt.date = HISTORY_START) -> DateScale:
    """The shared time axis: 2015 (or `start`) to a little after the as-of date."""
    return DateScale(start, as_of + dt.timedelta(days=60), LEFT, WIDTH - RIGHT)


@dataclass(frozen=True)
class Series:
    """One country's score line: (date, score, band) points, oldest first."""

    label: str
    points: list[tuple[dt.date, float, str]]
    color: str = "#222222"


@dataclass(frozen=True)
class Interval:
    """A p5-p95 score interval on one date (from out/uncertainty.parquet)."""

    on: dt.date
    p5: float
    p50: float
    p95: float


def _band_background(svg: Svg, y: LinearScale, bands: dict[str, float], x0: float, x1: float):
    ordered = sorted(bands.items(), key=lambda kv: kv[1])
    for i, (band, lower) in enumerate(ordered):
        upper = ordered[i + 1][1] if i + 1 < len(ordered) else 100.0
        svg.rect(
            x0,
            y(upper),
            x1 - x0,
            y(lower) - y(upper),
            fill=theme.BAND_COLORS[band],
            fill_opacity=0.2,
            class_=f"band band-{band}",
        )
        svg.text(
            x0 - 44,
            (y(lower) + y(upper)) / 2 + 4,
            theme.band_label(band),
            text_anchor="end",
            class_="band-name",
            fill="#444",
        )
        svg.line(x0 - 4, y(lower), x1, y(lower), class_="grid")
        svg.text(x0 - 8, y(lower) + 4, f"{lower:g}", text_anchor="end", class_="tick")
    svg.text(x0 - 8, y(100) + 4, "100", text_anchor="end", class_="tick")


def _spread_labels(wanted: list[float], gap: float, top: float, bottom: float) -> list[float]:
    """Move label y positions apart by at least `gap`, keeping their order."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [0.0] * len(wanted)
    last = top - gap
    for i in order:
        placed[i] = max(wanted[i], last + gap)
        last = placed[i]
    overflow = last - bottom
    if overflow > 0:
        for i in order:
            placed[i] -= overflow
    return placed


def history_chart(
    series: list[Series],
    as_of: dt.date,
    bands: dict[str, float],
    title: str,
    interval: Interval | None = None,
    interval_note: str | None = None,
    height: int = 320,
) -> Markup:
    """Score (0-100) over time on band-coloured ground, one line per series, labelled at its end."""
    svg = Svg(WIDTH, height, title)
    top, bottom = 14, height - 30
    x = time_scale(as_of)
    y = LinearScale(0, 100, bottom, top)
    _band_background(svg, y, bands, LEFT, WIDTH - RIGHT)
    middle = (top + bottom) / 2  # the y-axis title, turned to run up the left edge
    svg.text(16, middle, AXIS_TITLE, text_anchor="middle", transform=f"rotate(-90 16 {middle:g})",
             class_="axis-title", fill="#444")  # fmt: skip
    date_axis(svg, x, top, bottom)
    svg.line(x(as_of), top, x(as_of), bottom, class_="as-of")

    ends = []
    for s in series:
        pts = [(x(d), y(v)) for d, v, _ in s.points]
        if not pts:
            continue
        svg.polyline(pts, stroke=s.color, stroke_width=2.2, class_="series")
        for (d, v, band), (px, py) in zip(s.points, pts, strict=True):
            svg.circle(
                px,
                py,
                2.6,
                fill=s.color,
                title=f"{s.label}, {d}: {v:.1f} ({theme.band_label(band)})",
            )
        ends.append((s, pts[-1]))
    label_ys = _spread_labels([p[1] for _, p in ends], 14, top + 6, bottom)
    for (s, _), ly in zip(ends, label_ys, strict=True):
        value = s.points[-1][1]
        svg.text(
            x(as_of) + 8,
            ly + 4,
            f"{s.label} {value:.1f}",
            fill=s.color,
            font_weight="600",
            class_="end-label",
        )

    if interval is not None:
        px = x(interval.on)
        svg.line(
            px,
            y(interval.p5),
            px,
            y(interval.p95),
            stroke="#111",
            stroke_width=2.5,
            class_="interval",
            title=f"90% interval {interval.p5:.1f}–{interval.p95:.1f}",
        )
        for v in (interval.p5, interval.p95):
            svg.line(px - 6, y(v), px + 6, y(v), stroke="#111", stroke_width=2)
        svg.circle(px, y(interval.p50), 3.5, fill="#fff", stroke="#111", stroke_width=1.5)
    if interval_note:
        svg.text(LEFT + 8, top + 16, interval_note, class_="note", fill="#333")
    return svg.markup()


def waterfall_chart(rows: list[dict], score: float, band: str, title: str) -> Markup:
    """Each factor's points stacked left to right, ending in the score they add up to.

    `rows` hold pillar, label and points (largest first within each pillar).
    """
    row_h, label_w, pad = 24, 430, 12
    height = pad * 2 + row_h * (len(rows) + 1) + 26
    svg = Svg(WIDTH, height, title, class_="chart waterfall")
    total = max([score, *[abs(r["points"]) for r in rows]], default=1.0)
    cumulative_max = 0.0
    running = 0.0
    for r in rows:
        running += r["points"]
        cumulative_max = max(cumulative_max, running)
    top_value = max(total, cumulative_max, 1.0)
    x = LinearScale(0, min(100.0, 10 * math.ceil(top_value * 1.05 / 10)), label_w, WIDTH - 70)
    bottom = pad + row_h * (len(rows) + 1)
    for tick in range(0, 101, 10):
        if tick <= x.hi:
            svg.line(x(tick), pad, x(tick), bottom, class_="grid")
            svg.text(x(tick), bottom + 16, str(tick), text_anchor="middle", class_="tick")

    running = 0.0
    for i, r in enumerate(rows):
        cy = pad + i * row_h
        start, end = running, running + r["points"]
        color = theme.PILLAR_COLORS.get(r["pillar"], "#888")
        label = (
            r["label"] if len(r["label"]) <= LABEL_CHARS else r["label"][: LABEL_CHARS - 1] + "…"
        )
        svg.text(
            label_w - 10,
            cy + row_h / 2 + 4,
            label,
            text_anchor="end",
            class_="label",
            title=r["label"],
        )
        svg.rect(
            x(min(start, end)),
            cy + 4,
            max(abs(x(end) - x(start)), 1.0),
            row_h - 8,
            fill=color,
            title=f"{r['label']}: {r['points']:+.2f} points",
        )
        svg.text(x(max(start, end)) + 6, cy + row_h / 2 + 4, f"{r['points']:+.1f}", class_="value")
        if i + 1 < len(rows):
            svg.line(x(end), cy + row_h - 4, x(end), cy + row_h + 4, class_="connector")
        running = end
    cy = pad + len(rows) * row_h
    svg.text(label_w - 10, cy + row_h / 2 + 4, "Score", text_anchor="end", font_weight="700")
    svg.rect(
        x(0),
        cy + 3,
        x(score) - x(0),
        row_h - 6,
        fill=theme.BAND_COLORS[band],
        stroke="#333",
        stroke_width=0.8,
        title=f"score {score:.1f} ({theme.band_label(band)})",
    )
    svg.text(x(score) + 6, cy + row_h / 2 + 4, f"{score:.1f}", font_weight="700")
    return svg.markup()


RELIABILITY_SIZE = 420


def reliability_chart(tables: dict[str, list[dict]], min_units: int) -> Markup:
    """Reliability diagram: per horizon, each probability bin's mean forecast (x) against the
    observed frequency (y), the dot's area growing with the units in the bin; bins with fewer
    than `min_units` units are hollow. The diagonal is perfect calibration."""
    size, margin = RELIABILITY_SIZE, 56
    svg = Svg(size + margin + 20, size + margin + 30, "Reliability of the probability forecasts")
    x = LinearScale(0, 1, margin, margin + size)
    y = LinearScale(0, 1, size + 10, 10)
    for tick in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
        svg.line(x(tick), y(0), x(tick), y(1), class_="grid", stroke="#ddd")
        svg.line(x(0), y(tick), x(1), y(tick), class_="grid", stroke="#ddd")
        svg.text(x(tick), y(0) + 16, f"{tick:.1f}", text_anchor="middle", class_="tick")
        svg.text(x(0) - 6, y(tick) + 4, f"{tick:.1f}", text_anchor="end", class_="tick")
    svg.line(x(0), y(0), x(1), y(1), stroke="#888", stroke_dasharray="4 4")
    svg.text(x(0.5), y(0) + 36, "mean forecast probability", text_anchor="middle")
    svg.text(14, y(0.5), "observed frequency", text_anchor="middle",
             transform=f"rotate(-90 14 {y(0.5):.1f})")  # fmt: skip
    colors = ("#1f5fa8", "#c0392b", "#2e8540")
    most = max((b["units"] for rows in tables.values() for b in rows), default=1) or 1
    for i, (name, rows) in enumerate(tables.items()):
        color = colors[i % len(colors)]
        points = [(b["mean_probability"], b["observed_frequency"], b) for b in rows
                  if b["units"] and b["mean_probability"] is not None]  # fmt: skip
        svg.polyline([(x(px), y(py)) for px, py, _ in points], stroke=color, stroke_width=1.5)
        for px, py, b in points:
            radius = 3 + 9 * math.sqrt(b["units"] / most)
            filled = b["units"] >= min_units
            svg.circle(
                x(px), y(py), radius, stroke=color, fill=color if filled else "white",
                fill_opacity=0.6 if filled else 1,
                title=(f"{name}: {b['units']} units, forecast {px:.3f}, observed {py:.3f}, "
                       f"{b['positives']} positive"),
            )  # fmt: skip
        svg.text(x(0.03), y(0.95) + 16 * i, f"● {name}", fill=color)
    return svg.markup()

"""World maps as plain SVG: the shipped Natural Earth shapes in the Equal Earth projection.

`world_map` draws every shape of `settings.WORLD_SHAPES_FILE` with the fill, hover title and
link the caller gives per iso3, greys the rest, and draws a marker for each filled country
that is too small to see at world scale (absent from the 1:110m shapes, or smaller than
`MARKER_BELOW_AREA`). A legend and notes go under the map, inside the SVG, so the same
drawing works inline in a page and as a file of its own. No script, font or URL is needed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from markupsafe import Markup

from riskscore import settings, topojson
from riskscore.report.svg import Svg
from riskscore.report.theme import UNSCORED_FILL

Point = topojson.Point

# Equal Earth (Šavrič, Patterson & Jenny 2018): equal-area, so a large country does not look
# riskier than it is, with the familiar shape of a compromise projection.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2

UNSCORED_TEXT = "not an IMF member or territory (not scored)"
OCEAN_FILL = "#e4ecf3"
BORDER = "#ffffff"
MARKER_STROKE = "#3a3a3a"
QUIET_STROKE = "#8c8c8c"
# A shape under this many square units of a 1000-unit-wide map (about 4 x 4 px at that size:
# Luxembourg, Cyprus, El Salvador, Jamaica …) is hard to see or hover; it gets a marker too.
MARKER_BELOW_AREA = 20.0
REFERENCE_WIDTH = 1000.0
MERIDIAN_STEP_DEG = 2.0  # where a ring is cut at 180°, the edge follows the curved meridian
PAD = 4.0


def equal_earth(lon: float, lat: float) -> Point:
    """Equal Earth x, y (unit sphere, y up) of a longitude and latitude in degrees."""
    theta = math.asin(_M * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        math.radians(lon)
        * math.cos(theta)
        / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    )
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


def split_at_antimeridian(ring: list[Point]) -> list[list[Point]]:
    """A lon/lat ring cut where it jumps across 180° (Fiji, Chukotka), each piece closed.

    Drawn as is, such a ring would cross the whole map. Natural Earth cuts its shapes at 180°,
    so each piece runs from the meridian back to it; it is closed along the meridian.
    """
    pieces: list[list[Point]] = [[ring[0]]]
    for (lon0, lat0), (lon1, lat1) in pairwise(ring):
        if abs(lon1 - lon0) > 180:
            side = 180.0 if lon0 > 0 else -180.0
            unwrapped = lon1 + 360 if lon0 > 0 else lon1 - 360
            t = (side - lon0) / (unwrapped - lon0) if unwrapped != lon0 else 0.0
            lat = lat0 + t * (lat1 - lat0)
            pieces[-1].append((side, lat))
            pieces.append([(-side, lat)])
        pieces[-1].append((lon1, lat1))
    if len(pieces) == 1:
        return pieces
    pieces[0] = pieces.pop() + pieces[0][1:]  # the ring's end and start are one piece
    closed = []
    for piece in pieces:
        (lon, end), start = piece[-1], piece[0][1]
        steps = max(1, int(abs(start - end) / MERIDIAN_STEP_DEG))
        edge = [(lon, end + (start - end) * k / steps) for k in range(1, steps + 1)]
        closed.append(piece + edge)
    return closed


@dataclass(frozen=True)
class Region:
    """One shape, projected to Equal Earth (y up): rings of its polygons, holes included."""

    iso3: str | None
    name: str
    rings: tuple[tuple[Point, ...], ...]
    area: float  # outer rings only, at the 1000-unit reference width
    anchor: Point  # centroid of its largest outer ring: where a marker goes


@dataclass(frozen=True)
class World:
    """The shipped shapes, projected: regions, and the centroids of countries too small for them."""

    regions: tuple[Region, ...]
    small: dict[str, tuple[str, Point]]  # iso3 -> (name, projected centroid)
    bounds: tuple[float, float, float, float]  # x0, y0, x1, y1 of everything drawn


@cache
def load_world(path: Path = settings.WORLD_SHAPES_FILE) -> World:
    """Read and project the shipped shapes (once per process)."""
    topo = json.loads(path.read_text(encoding="utf-8"))
    arcs = topojson.decode_arcs(topo)
    x_half = equal_earth(180, 0)[0]
    unit = (REFERENCE_WIDTH / (2 * x_half)) ** 2  # square units of the reference map
    regions = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        rings, outer = [], []
        for polygon in geometry["arcs"]:
            for i, indices in enumerate(polygon):
                for piece in split_at_antimeridian(topojson.ring(arcs, indices)):
                    projected = tuple(equal_earth(lon, lat) for lon, lat in piece)
                    rings.append(projected)
                    if i == 0:
                        outer.append(topojson.area_centroid(projected))
        area = sum(a for a, _ in outer) * unit
        anchor = max(outer, key=lambda p: p[0])[1]
        regions.append(
            Region(geometry.get("id"), geometry["properties"]["name"], tuple(rings), area, anchor)
        )
    small = {}
    for point in topo["objects"]["small"]["geometries"]:
        lon, lat = topojson.point(topo, point["coordinates"])
        small[point["id"]] = (point["properties"]["name"], equal_earth(lon, lat))
    ys = [y for r in regions for ring in r.rings for _, y in ring]
    ys += [p[1] for _, p in small.values()]
    return World(tuple(regions), small, (-x_half, min(ys), x_half, max(ys)))


@dataclass(frozen=True)
class Fill:
    """How one country is drawn: colour, hover title, and the page it links to (if any)."""

    color: str
    title: str
    href: str | None = None
    quiet: bool = False  # as a marker: smaller and paler (a member scoring 0)


@dataclass(frozen=True)
class LegendItem:
    color: str
    label: str
    marker: bool = False  # drawn as a circle, like the small countries' markers


@dataclass(frozen=True)
class MapStyle:
    """Sizes in viewBox units: the main map is read at full width, the pillar maps at a third."""

    width: float = 1000.0
    decimals: int = 1  # coordinate precision of the paths
    marker_radius: float = 4.5
    # markers in the neutral tint (score 0) are smaller and paler, so the scored ones stand out
    zero_marker_radius: float = 3.2
    font_size: float = 15.5  # about 12 px when the map shrinks to an 800 px window
    border_width: float = 0.5


@dataclass(frozen=True)
class Marker:
    iso3: str
    anchor: Point  # where the country is, in SVG units
    at: Point  # where the marker is drawn (moved off its neighbours)


def spread_markers(
    anchors: dict[str, Point], radius: float, gap: float = 1.0, rounds: int = 200
) -> list[Marker]:
    """Markers at their anchors, pushed apart until none overlaps (the Lesser Antilles)."""
    order = sorted(anchors)
    at = {iso3: list(anchors[iso3]) for iso3 in order}
    least = 2 * radius + gap
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(order):
            for b in order[i + 1 :]:
                (ax, ay), (bx, by) = at[a], at[b]
                dx, dy = bx - ax, by - ay
                d = math.hypot(dx, dy)
                if d >= least:
                    continue
                if d == 0:  # same spot: split them left and right, deterministically
                    dx, dy, d = 1.0, 0.0, 1.0
                push = (least - d) / 2 + 0.01
                at[a][0], at[a][1] = ax - dx / d * push, ay - dy / d * push
                at[b][0], at[b][1] = bx + dx / d * push, by + dy / d * push
                moved = True
        if not moved:
            break
    return [Marker(iso3, anchors[iso3], (at[iso3][0], at[iso3][1])) for iso3 in order]


def _path(rings: Iterable[Iterable[Point]], decimals: int) -> str:
    """SVG path data with relative moves between rounded points (short and exact)."""
    scale = 10**decimals
    parts = []
    px = py = 0
    for ring in rings:
        grid = [(round(x * scale), round(y * scale)) for x, y in ring]
        points = [p for i, p in enumerate(grid) if i == 0 or p != grid[i - 1]]
        if len(points) < 3:
            continue
        (x, y), rest = points[0], points[1:]
        steps = []
        for nx, ny in rest:
            steps.append(f"{_num(nx - x, decimals)} {_num(ny - y, decimals)}")
            x, y = nx, ny
        # an explicit "l": pairs after the first ring's absolute "M" would be absolute too
        move = f"{_num(points[0][0] - px, decimals)} {_num(points[0][1] - py, decimals)}"
        parts.append(f"m{move}l{' '.join(steps)}z")
        px, py = points[0]  # after z the current point is the ring's start
    return "M" + "".join(parts)[1:] if parts else ""


def _num(value: int, decimals: int) -> str:
    if decimals == 0:
        return str(value)
    text = f"{value / 10**decimals:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text_width(text: str, font_size: float) -> float:
    return len(text) * font_size * 0.52  # system sans-serif text averages about half an em


def _wrap(text: str, width: float, font_size: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and _text_width(candidate, font_size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


# Inline so that map.svg behaves the same on its own: the hovered or focused country is outlined.
_HOVER_CSS = (
    ".worldmap a:hover path,.worldmap a:focus path{stroke:#111;stroke-width:1.6}"
    ".worldmap a:hover circle,.worldmap a:focus circle{stroke:#000;stroke-width:2}"
    ".worldmap a:focus{outline:none}"
)


def world_map(
    fills: dict[str, Fill],
    label: str,
    legend: Sequence[LegendItem],
    notes: Sequence[str] = (),
    style: MapStyle | None = None,
    world: World | None = None,
) -> Markup:
    """The map as an `<svg>` element: every filled iso3 as one link (shape and/or marker).

    Countries in `fills` that have no shape at all and no centroid are left out; the caller
    checks coverage (`missing`). Shapes not in `fills` are drawn grey with their own name.
    """
    style = style or MapStyle()
    world = world or load_world()
    x0, y0, x1, y1 = world.bounds
    scale = (style.width - 2 * PAD) / (x1 - x0)

    def fit(p: Point) -> Point:
        return PAD + (p[0] - x0) * scale, PAD + (y1 - p[1]) * scale

    map_height = (y1 - y0) * scale + 2 * PAD
    anchors: dict[str, Point] = {}
    shapes: dict[str, Region] = {}
    for region in world.regions:
        if region.iso3 in fills:
            shapes[region.iso3] = region
            if region.area < MARKER_BELOW_AREA:  # at the reference width, whatever this one
                anchors[region.iso3] = fit(region.anchor)
    for iso3, (_, centroid) in world.small.items():
        if iso3 in fills and iso3 not in shapes:
            anchors[iso3] = fit(centroid)
    markers = spread_markers(anchors, style.marker_radius)

    legend_rows = _legend_rows(legend, style)
    note_lines = [
        line for note in notes for line in _wrap(note, style.width - 2 * PAD, style.font_size)
    ]
    line_height = style.font_size * 1.45
    below = len(legend_rows) + len(note_lines)
    height = map_height + (line_height * below + style.font_size if below else 0)

    links = any(f.href for f in fills.values())
    svg = Svg(style.width, height, label, class_="worldmap", role="group" if links else "img")
    if links:
        svg.element("style", text=_HOVER_CSS)
    svg.element("path", d=_sphere(fit, y0, y1, style.decimals), fill=OCEAN_FILL)
    svg.open_group(stroke=BORDER, stroke_width=style.border_width, stroke_linejoin="round")
    for region in world.regions:  # the unscored first: they never take a link
        if region.iso3 not in fills:
            title = f"{region.name}: {UNSCORED_TEXT}"
            svg.element(
                "path",
                title=title,
                d=_path(_fit_rings(region, fit), style.decimals),
                fill=UNSCORED_FILL,
            )
    by_link = {m.iso3: m for m in markers}
    for iso3, fill in fills.items():
        if iso3 in shapes and iso3 not in by_link:
            _open(svg, fill)
            d = _path(_fit_rings(shapes[iso3], fit), style.decimals)
            svg.element("path", d=d, fill=fill.color, data_iso3=iso3)
            _close(svg, fill)
    # markers last, on top of every shape; a tiny shape goes with its marker into one link
    for iso3, fill in fills.items():
        if iso3 in by_link:
            _open(svg, fill)
            if iso3 in shapes:
                d = _path(_fit_rings(shapes[iso3], fit), style.decimals)
                svg.element("path", d=d, fill=fill.color, data_iso3=iso3)
            _marker(svg, by_link[iso3], fill, style)
            _close(svg, fill)
    svg.close_group()

    y = map_height + style.font_size * 1.2
    for row in legend_rows:
        for x, item in row:
            _legend_key(svg, x, y, item, style)
        y += line_height
    for line in note_lines:
        svg.text(PAD, y, line, font_size=style.font_size * 0.9, fill="#555")
        y += line_height
    return svg.markup()


def missing(fills: Iterable[str], world: World | None = None) -> list[str]:
    """The iso3 codes that would not be drawn: no shape and no small-country centroid."""
    world = world or load_world()
    drawn = {r.iso3 for r in world.regions} | set(world.small)
    return sorted(set(fills) - drawn)


def _fit_rings(region: Region, fit) -> list[list[Point]]:
    return [[fit(p) for p in ring] for ring in region.rings]


def _sphere(fit, y0: float, y1: float, decimals: int) -> str:
    """The Equal Earth outline between the map's lowest and highest latitudes (the ocean)."""
    lat0 = _latitude(y0)
    lat1 = _latitude(y1)
    steps = 60
    lats = [lat0 + (lat1 - lat0) * k / steps for k in range(steps + 1)]
    right = [fit(equal_earth(180, lat)) for lat in lats]
    left = [fit(equal_earth(-180, lat)) for lat in reversed(lats)]
    return _path([right + left], decimals)


def _latitude(y: float) -> float:
    """Inverse of Equal Earth's y for x = 0 (bisection: y rises with latitude)."""
    lo, hi = -90.0, 90.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if equal_earth(0, mid)[1] < y else (lo, mid)
    return (lo + hi) / 2


def _open(svg: Svg, fill: Fill) -> None:
    if fill.href:
        svg.open_link(fill.href, fill.title)
    else:
        svg.open_group()
        svg.element("title", text=fill.title)


def _close(svg: Svg, fill: Fill) -> None:
    if fill.href:
        svg.close_link()
    else:
        svg.close_group()


def _marker(svg: Svg, marker: Marker, fill: Fill, style: MapStyle) -> None:
    (ax, ay), (x, y) = marker.anchor, marker.at
    radius = style.zero_marker_radius if fill.quiet else style.marker_radius
    stroke = QUIET_STROKE if fill.quiet else MARKER_STROKE
    if math.dist(marker.anchor, marker.at) > radius:  # moved off its neighbours: a leader line
        svg.line(ax, ay, x, y, stroke=stroke, stroke_width=style.border_width)
    svg.circle(
        x,
        y,
        radius,
        fill=fill.color,
        stroke=stroke,
        stroke_width=style.border_width * 1.6,
        class_="marker",
        data_iso3=marker.iso3,
    )


def _legend_rows(
    items: Sequence[LegendItem], style: MapStyle
) -> list[list[tuple[float, LegendItem]]]:
    """Legend keys laid out left to right, wrapped onto new rows when the width runs out."""
    if not items:
        return []
    rows: list[list[tuple[float, LegendItem]]] = [[]]
    x = PAD
    box = style.font_size
    for item in items:
        width = box + 5 + _text_width(item.label, style.font_size) + style.font_size * 1.2
        if rows[-1] and x + width > style.width - PAD:
            rows.append([])
            x = PAD
        rows[-1].append((x, item))
        x += width
    return rows


def _legend_key(svg: Svg, x: float, y: float, item: LegendItem, style: MapStyle) -> None:
    box = style.font_size
    if item.marker:
        svg.circle(
            x + box / 2,
            y - box * 0.3,
            style.marker_radius,
            fill=item.color,
            stroke=MARKER_STROKE,
            stroke_width=style.border_width * 1.6,
        )
    else:
        svg.rect(x, y - box * 0.8, box, box, fill=item.color, stroke="#999", stroke_width=0.6)
    svg.text(x + box + 5, y, item.label, font_size=style.font_size, fill="#222")

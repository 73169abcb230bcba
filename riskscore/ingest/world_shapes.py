"""The country shapes the report's world map ships with, from Natural Earth (world-atlas TopoJSON).

Promises of the file it writes (`settings.WORLD_SHAPES_FILE`, TopoJSON):
- object `countries`: every 1:110m shape except Antarctica, with `id` = ISO 3166-1 alpha-3
  (from the ISO numeric id through pycountry, Debian's maintained iso-codes data; Kosovo,
  which has no ISO code, as `vocab.KOSOVO_ISO3`), no `id` where Natural Earth gives none
  (N. Cyprus, Somaliland), and `properties.name`, Natural Earth's short name.
- object `small`: a Point for every country that the 1:10m file has and the 1:110m file does
  not (Tuvalu, Nauru, Palau … and small territories), at the area-weighted centroid of its
  1:10m shape, so that a member too small for the world scale can be drawn as a marker.
- arcs simplified (Douglas–Peucker, `TOLERANCE_DEG`) and quantised to `GRID_DEG`; shared
  borders stay shared, so neighbours never gap or overlap. Output is deterministic: the same
  inputs give the same bytes (a test rebuilds and compares).
- the ISC notice of the world-atlas packaging travels inside the file (`license`).

Run by `riskscore ingest` (make datasets); the report only reads the shipped file, so a user
without ../shared can build it, and pycountry is needed here only (a dev dependency).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from riskscore import settings, topojson, vocab
from riskscore.ingest.common import IngestError
from riskscore.topojson import Point

SOURCE_DIR = "natural_earth_world_atlas"
BASE_FILE = "countries-110m.json"  # the world-scale shapes
DETAIL_FILE = "countries-10m.json"  # the only scale that has every member (Tuvalu)
LICENSE_FILE = "LICENSE"

# At the report's 1000-unit-wide map one unit is about 0.36° of longitude: a 0.2° tolerance
# (about half a unit) drops 40% of the 1:110m vertices that no reader could see, and a 0.01°
# grid is far finer than a unit.
TOLERANCE_DEG = 0.2
GRID_DEG = 0.01

# Antarctica (ISO 010) holds no state and no IMF member; leaving it out saves a fifth of the
# map's height, as INFORM's and the IMF DataMapper's world maps do.
DROPPED = {"010"}

# Shapes Natural Earth gives no ISO numeric id, by its name. ISO 3166-1 has no code for
# Kosovo (an IMF member since 2009); the IMF and the World Bank use the user-assigned XKX.
# N. Cyprus and Somaliland are de facto areas with no ISO code: they stay without an id.
UNCODED_NAMES = {"Kosovo": vocab.KOSOVO_ISO3}


@dataclass(frozen=True)
class Topology:
    """A decoded world-atlas file: arcs in lon/lat, and the `countries` geometries."""

    arcs: list[list[Point]]
    geometries: list[dict]


def read_topology(path: Path) -> Topology:
    """Decode a world-atlas TopoJSON file (quantised, delta-encoded arcs)."""
    try:
        topo = json.loads(path.read_text(encoding="utf-8"))
        return Topology(topojson.decode_arcs(topo), topo["objects"]["countries"]["geometries"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise IngestError(f"{path}: not a world-atlas TopoJSON file ({err})") from err


def iso3_of(geometry: dict) -> str | None:
    """ISO alpha-3 for a shape: its ISO numeric id through pycountry, or a listed special case."""
    try:
        import pycountry  # ingest-only dependency: the report never imports this module
    except ImportError as err:
        raise IngestError(
            "pycountry is needed to rebuild the map shapes: pip install pycountry"
        ) from err

    code = geometry.get("id")
    name = geometry.get("properties", {}).get("name", "")
    if code is None:
        return UNCODED_NAMES.get(name)
    country = pycountry.countries.get(numeric=str(code).zfill(3))
    if country is None:
        raise IngestError(f"{name!r}: ISO numeric id {code} unknown to pycountry's ISO 3166-1")
    return country.alpha_3


def _perpendicular(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy)
    if length == 0:
        return math.hypot(px - ax, py - ay)
    return abs(dy * px - dx * py + bx * ay - by * ax) / length


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """The points that keep an open line within `tolerance` of the original (ends kept)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:  # iterative: long coastlines would exceed the recursion limit
        first, last = stack.pop()
        worst, index = 0.0, 0
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _quantise(points: list[Point]) -> list[tuple[int, int]]:
    grid = [(round((x + 180) / GRID_DEG), round((y + 90) / GRID_DEG)) for x, y in points]
    return [q for i, q in enumerate(grid) if i == 0 or q != grid[i - 1]]


def simplify_arc(points: list[Point]) -> list[tuple[int, int]]:
    """An arc simplified and quantised; a closed arc (an island) keeps at least a triangle."""
    if points[0] == points[-1] and len(points) > 3:
        # a closed line has no chord to measure from: split it at its farthest vertex
        far = max(range(len(points)), key=lambda i: math.dist(points[0], points[i]))
        simple = douglas_peucker(points[: far + 1], TOLERANCE_DEG)[:-1]
        simple += douglas_peucker(points[far:], TOLERANCE_DEG)
        quantised = _quantise(simple)
        return quantised if len(quantised) >= 4 else _quantise(points)
    return _quantise(douglas_peucker(points, TOLERANCE_DEG))


def centroid(rings: list[tuple[list[Point], bool]]) -> Point:
    """Area-weighted centroid of (ring, is_hole) pairs, in lon/lat.

    Archipelagos that straddle 180° (Kiribati, Fiji) are first moved next to their largest
    part, so the centroid lies among the islands and not on the far side of the globe.
    """
    parts = []
    for ring, hole in rings:
        area, (x, y) = topojson.area_centroid(ring)
        parts.append((area, x, y, hole))
    reference = max(parts, key=lambda p: p[0])[1]
    total = sx = sy = 0.0
    for area, x, y, hole in parts:
        x += 360 * round((reference - x) / 360)
        weight = -area if hole else area
        total, sx, sy = total + weight, sx + weight * x, sy + weight * y
    if total <= 0:  # degenerate slivers: fall back to the plain mean of the parts
        total = float(len(parts))
        sx, sy = sum(p[1] for p in parts), sum(p[2] for p in parts)
    lon = (sx / total + 180) % 360 - 180
    return lon, sy / total


def small_countries(detail: Topology, drawn: set[str]) -> dict[str, tuple[str, Point]]:
    """iso3 -> (name, centroid) for every coded 1:10m country absent from the drawn set."""
    rings: dict[str, list[tuple[list[Point], bool]]] = {}
    names: dict[str, str] = {}
    for geometry in detail.geometries:
        iso3 = iso3_of(geometry)
        if iso3 is None or iso3 in drawn or str(geometry.get("id")) in DROPPED:
            continue
        names.setdefault(iso3, geometry["properties"]["name"])
        for polygon in topojson.polygons(geometry):
            for i, indices in enumerate(polygon):
                rings.setdefault(iso3, []).append((topojson.ring(detail.arcs, indices), i > 0))
    return {iso3: (names[iso3], centroid(parts)) for iso3, parts in sorted(rings.items())}


def _delta(points: list[tuple[int, int]]) -> list[list[int]]:
    out, px, py = [], 0, 0
    for x, y in points:
        out.append([x - px, y - py])
        px, py = x, y
    return out


def _remap(indices: list[int], new_index: dict[int, int]) -> list[int]:
    return [new_index[i] if i >= 0 else ~new_index[~i] for i in indices]


def build(shared: Path) -> str:
    """The shipped shapes file's text, built from ../shared's Natural Earth extract."""
    folder = shared / "sources" / SOURCE_DIR
    base = read_topology(folder / BASE_FILE)
    detail = read_topology(folder / DETAIL_FILE)
    notice = (folder / LICENSE_FILE).read_text(encoding="utf-8").strip()

    kept, used = [], []
    new_index: dict[int, int] = {}
    for geometry in base.geometries:
        if str(geometry.get("id")) in DROPPED:
            continue
        iso3 = iso3_of(geometry)
        polygons = []
        for polygon in topojson.polygons(geometry):
            if len(set(topojson.ring(base.arcs, polygon[0]))) < 3:
                continue  # world-atlas 1:110m holds a zero-area polygon for North Korea
            for indices in polygon:
                for i in indices:
                    arc = i if i >= 0 else ~i
                    if arc not in new_index:
                        new_index[arc] = len(used)
                        used.append(arc)
            polygons.append([_remap(indices, new_index) for indices in polygon])
        entry: dict = {"type": "MultiPolygon", "arcs": polygons}
        if iso3:
            entry["id"] = iso3
        entry["properties"] = {"name": geometry["properties"]["name"]}
        kept.append(entry)
    kept.sort(key=lambda g: (g.get("id") is None, g.get("id") or "", g["properties"]["name"]))
    drawn = {g["id"] for g in kept if "id" in g}
    duplicated = len(drawn) != sum("id" in g for g in kept)
    if duplicated:
        raise IngestError(f"{BASE_FILE}: two shapes share an ISO code")

    points = []
    for iso3, (name, (lon, lat)) in small_countries(detail, drawn).items():
        x, y = _quantise([(lon, lat)])[0]
        points.append(
            {
                "type": "Point",
                "coordinates": [x, y],
                "id": iso3,
                "properties": {"name": name, "from": "10m centroid"},
            }
        )

    arcs = [_delta(simplify_arc(base.arcs[i])) for i in used]
    return _serialise(kept, points, arcs, notice)


def _serialise(countries: list[dict], points: list[dict], arcs: list, notice: str) -> str:
    """TopoJSON with one geometry or arc per line, so a rebuild's diff is readable."""

    def dump(value: object) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    head = {
        "type": "Topology",
        "source": (
            "Natural Earth 4.1.0 (public domain) via world-atlas 2.0.2: countries-110m.json "
            "(shapes, simplified) and countries-10m.json (centroids of the smallest countries); "
            "built by riskscore.ingest.world_shapes"
        ),
        "license": notice,
        "transform": {"scale": [GRID_DEG, GRID_DEG], "translate": [-180, -90]},
    }
    lines = [dump(head)[:-1] + ',"objects":{']
    for name, geometries in (("countries", countries), ("small", points)):
        lines.append(f'"{name}":{{"type":"GeometryCollection","geometries":[')
        lines += [
            dump(g) + ("," if i + 1 < len(geometries) else "") for i, g in enumerate(geometries)
        ]
        lines.append("]}" + ("," if name == "countries" else ""))
    lines.append('},"arcs":[')
    lines += [dump(a) + ("," if i + 1 < len(arcs) else "") for i, a in enumerate(arcs)]
    lines.append("]}")
    return "\n".join(lines) + "\n"


def write(text: str, path: Path = settings.WORLD_SHAPES_FILE) -> Path:
    """Write the text `build` returned to `path` (atomically)."""
    from riskscore import export

    return export.write_text(path, text)

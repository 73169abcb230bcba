"""TopoJSON decoding and planar ring geometry, shared by the ingest that writes the world shapes
(`ingest.world_shapes`) and the report that draws them (`report.worldmap`).
"""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[float, float]


def decode_arcs(topo: dict) -> list[list[Point]]:
    """A quantised topology's arcs as absolute coordinates (undoing delta encoding)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def point(topo: dict, coordinates: Sequence[int]) -> Point:
    """A quantised Point geometry's coordinates, untransformed."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    return coordinates[0] * sx + tx, coordinates[1] * sy + ty


def polygons(geometry: dict) -> list[list[list[int]]]:
    """A Polygon's or MultiPolygon's arc indices as polygons (lists of rings); [] otherwise."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def ring(arcs: list[list[Point]], indices: list[int]) -> list[Point]:
    """The closed ring that a list of arc indices traces (~i means arc i reversed)."""
    points: list[Point] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def area_centroid(points: Sequence[Point]) -> tuple[float, Point]:
    """Absolute area and centroid of a closed planar ring (shoelace formula).

    A ring with no area (a sliver) gets the mean of its points as centroid.
    """
    twice = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(points, [*points[1:], points[0]], strict=True):
        cross = x1 * y2 - x2 * y1
        twice, cx, cy = twice + cross, cx + (x1 + x2) * cross, cy + (y1 + y2) * cross
    if twice == 0:
        xs, ys = zip(*points, strict=True)
        return 0.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    return abs(twice) / 2, (cx / (3 * twice), cy / (3 * twice))

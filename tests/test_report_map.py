"""The world map: every member drawn once, linked and titled, in its band's colour; the pillar
maps; the shipped shapes and their rebuild; the map as Chromium shows it."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import polars as pl
import pytest
from conftest import SHARED, needs_raw, read_table
from test_report import _chromium, _console_errors, needs_chromium

from riskscore import export, settings
from riskscore.config import load as load_config
from riskscore.report import build_report, maps, theme, worldmap

AS_OF = dt.date(2025, 6, 30)
SVG = "{http://www.w3.org/2000/svg}"
# absent from the 1:110m shapes: these can only be markers
MARKER_ONLY = ["MHL", "PLW", "TON", "TUV", "NRU", "KIR", "SGP", "MLT", "LIE", "AND"]


@pytest.fixture(scope="module")
def map_out(tmp_path_factory, real_package) -> Path:
    """out/ with a report as of 2025-06-30 (index, brief, map.svg and the PAK page)."""
    out = tmp_path_factory.mktemp("out")
    build_report(out, AS_OF, package=real_package, countries=["PAK"])
    return out


@pytest.fixture(scope="module")
def scores(map_out: Path) -> pl.DataFrame:
    return pl.read_parquet(map_out / "scores.parquet")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _links(svg_text: str) -> dict[str, list[ET.Element]]:
    """iso3 -> the <a> elements linking to its page."""
    root = ET.fromstring(svg_text)
    found: dict[str, list[ET.Element]] = {}
    for link in root.iter(f"{SVG}a"):
        iso3 = re.fullmatch(r"country/([A-Z]{3})\.html", link.get("href", "")).group(1)
        found.setdefault(iso3, []).append(link)
    return found


def _map_svg(out: Path) -> str:
    return _text(out / "report" / "map.svg").split("\n", 1)[1]  # past the XML declaration


def _band_of(score: float) -> str:
    """The band a score falls in, from the config's lower bounds (independent of the model)."""
    bounds = sorted(load_config().bands().iter_rows(), key=lambda b: b[1])
    return [band for band, lower in bounds if score >= lower][-1]


def test_every_member_is_one_linked_titled_shape_or_marker(map_out: Path, scores) -> None:
    links = _links(_map_svg(map_out))
    assert set(links) == set(scores["iso3"]) and len(scores) == 191
    ties = dict(scores.group_by("rank").len().iter_rows())
    for row in scores.iter_rows(named=True):
        (link,) = links[row["iso3"]]
        title = link.find(f"{SVG}title").text
        assert title.startswith(f"{row['country']}: score {row['score']:.1f}, ")
        assert f", {theme.band_label(row['band'])}, rank {row['rank']} of 191" in title
        assert ("tied with" in title) == (ties[row["rank"]] > 1), title
        drawn = link.findall(f"{SVG}path") + link.findall(f"{SVG}circle")
        assert drawn, row["iso3"]


def test_members_too_small_for_the_world_scale_are_markers(map_out: Path) -> None:
    links = _links(_map_svg(map_out))
    for iso3 in MARKER_ONLY:
        (link,) = links[iso3]
        assert link.find(f"{SVG}path") is None and link.find(f"{SVG}circle") is not None, iso3
    # a shape of a few pixels keeps its shape and gets a marker too; a large one only its shape
    (slv,) = links["SLV"]
    assert slv.find(f"{SVG}path") is not None and slv.find(f"{SVG}circle") is not None
    (pak,) = links["PAK"]
    assert pak.find(f"{SVG}path") is not None and pak.find(f"{SVG}circle") is None


def test_colours_follow_the_bands(map_out: Path, scores) -> None:
    links = _links(_map_svg(map_out))
    seen = set()
    for row in scores.iter_rows(named=True):
        assert row["band"] == _band_of(row["score"])
        expected = (
            theme.ZERO_SCORE_FILL
            if row["score"] <= 0
            else theme.BAND_COLORS[_band_of(row["score"])]
        )
        (link,) = links[row["iso3"]]
        for shape in [*link.findall(f"{SVG}path"), *link.findall(f"{SVG}circle")]:
            assert shape.get("fill") == expected, row["iso3"]
        seen.add(expected)
    assert {theme.ZERO_SCORE_FILL, theme.BAND_COLORS["very_high"]} <= seen  # SLV, and the zeros


def test_non_members_are_grey_and_not_linked(map_out: Path) -> None:
    text = _map_svg(map_out)
    root = ET.fromstring(text)
    grey = {
        p.find(f"{SVG}title").text.split(":")[0]
        for p in root.iter(f"{SVG}path")
        if p.get("fill") == theme.UNSCORED_FILL
    }
    assert {"Greenland", "Taiwan", "Puerto Rico", "W. Sahara", "Somaliland"} <= grey
    assert not {"GRL", "TWN", "PRI"} & set(_links(text))


def test_legend_has_thresholds_dates_and_the_boundary_note(map_out: Path, scores) -> None:
    root = ET.fromstring(_map_svg(map_out))
    words = " ".join(t.text for t in root.iter(f"{SVG}text"))
    n_zero = scores.filter(pl.col("score") <= 0).height
    for needle in (
        "very high 65+",
        "high 50–65",
        "elevated 35–50",
        "moderate 20–35",
        "low under 20",
        f"0: no crypto exposure ({n_zero})",
        f"Scores as of {AS_OF}",
        "de facto boundaries",
        "Natural Earth",
    ):
        assert needle in words, needle
    from riskscore import export

    through = export.read_metadata(map_out / "scores.parquet")["data_through"]
    assert f"data through {through}" in words  # stamped on every output by the pipeline
    assert root.get("role") == "group" and "191 IMF members" in root.get("aria-label")


def test_data_through_is_shown_when_the_scores_record_it(tmp_path, map_out, real_package):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("scores", "contributions", "history", "history_contributions"):
        source = map_out / f"{name}.parquet"
        meta = export.read_metadata(source)
        if name == "scores":
            meta["data_through"] = "2025-06-27"
        export.write_parquet(pl.read_parquet(source), out / f"{name}.parquet", meta)
    build_report(out, AS_OF, package=real_package, countries=["PAK"])
    assert "data through 2025-06-27" in _text(out / "report" / "map.svg")
    assert "data through 2025-06-27" in _text(out / "report" / "index.html")


def test_index_shows_the_same_map_and_three_pillar_maps(map_out: Path) -> None:
    html = _text(map_out / "report" / "index.html")
    assert _map_svg(map_out).strip() in html
    assert html.index('class="worldmap"') < html.index("Riskiest members over time")
    assert html.count('class="worldmap"') == 1 + 3 + 1  # the figure, its svg, three pillar svgs
    assert '<a href="map.svg">' in html
    assert "](map.svg)" in _text(map_out / "report" / "summary.md")


@pytest.mark.parametrize(
    ("value", "klass"),
    [(None, None), (0.0, 0), (0.01, 1), (2.0, 1), (2.01, 2), (7.99, 4), (8.0, 4), (10.0, 5)],
)
def test_pillar_classes_are_two_points_wide_with_zero_apart(value, klass) -> None:
    assert maps.pillar_class(value) == klass


def test_pillar_maps_colour_every_member_by_its_class(map_out: Path, scores) -> None:
    html = _text(map_out / "report" / "index.html")
    small = re.findall(r'<svg[^>]*class="worldmap" role="img".*?</svg>', html, re.S)
    assert len(small) == 3
    for pillar, svg_text in zip(maps.PILLARS, small, strict=True):
        root = ET.fromstring(svg_text)
        fills = {}
        for shape in [*root.iter(f"{SVG}path"), *root.iter(f"{SVG}circle")]:
            if shape.get("data-iso3"):
                fills.setdefault(shape.get("data-iso3"), set()).add(shape.get("fill"))
        assert set(fills) == set(scores["iso3"]), pillar
        for iso3, value in scores.select("iso3", pillar).iter_rows():
            klass = maps.pillar_class(value)
            ramp = theme.PILLAR_RAMPS[pillar]
            expected = theme.ZERO_SCORE_FILL if klass == 0 else ramp[klass - 1]
            assert fills[iso3] == {expected}, (pillar, iso3, value)
        assert not root.findall(f".//{SVG}a")  # the links are on the main map


def test_a_member_the_shapes_cannot_draw_is_refused() -> None:
    fills = {"PAK": worldmap.Fill("#000", "Pakistan"), "XYZ": worldmap.Fill("#000", "Nowhere")}
    assert worldmap.missing(fills) == ["XYZ"]
    with pytest.raises(maps.MapCoverageError, match="XYZ"):
        maps._check_coverage(fills)


# --- projection and geometry --------------------------------------------------------------------


def test_equal_earth_matches_the_published_extent() -> None:
    # Šavrič, Patterson & Jenny (2018): on the unit sphere the map is 2 x 2.70663 by 2 x 1.31736
    x, _ = worldmap.equal_earth(180, 0)
    _, y = worldmap.equal_earth(0, 90)
    assert x == pytest.approx(2.70663, abs=1e-5) and y == pytest.approx(1.31736, abs=1e-5)
    assert worldmap.equal_earth(-180, 0) == pytest.approx((-x, 0))
    assert worldmap.equal_earth(0, -90) == pytest.approx((0, -y))
    pole_x, _ = worldmap.equal_earth(180, 90)
    assert 0.5 * x < pole_x < 0.7 * x  # flat poles about 0.59 of the equator's length


def test_a_ring_across_180_degrees_is_split_into_closed_pieces() -> None:
    ring = [(175.0, -16.0), (-178.0, -16.5), (-179.0, -18.0), (176.0, -18.0), (175.0, -16.0)]
    pieces = worldmap.split_at_antimeridian(ring)
    assert len(pieces) == 2
    for piece in pieces:
        lons = [lon for lon, _ in piece]
        assert max(lons) - min(lons) < 10  # each piece stays on its side
        assert piece[0][0] == piece[-1][0] and abs(piece[0][0]) in (175.0, 180.0)


def test_no_drawn_edge_crosses_the_whole_map() -> None:
    world = worldmap.load_world()
    width = world.bounds[2] - world.bounds[0]
    for region in world.regions:
        for ring in region.rings:
            assert len(ring) >= 4, region.name  # a closed ring, not a stray point
            jumps = [abs(b[0] - a[0]) for a, b in pairwise(ring)]
            assert max(jumps) < width / 4, region.name  # Fiji and Russia stay whole


def test_markers_are_spread_until_none_overlaps() -> None:
    anchors = {"A": (10.0, 10.0), "B": (10.0, 10.0), "C": (12.0, 11.0), "D": (300.0, 5.0)}
    placed = {m.iso3: m for m in worldmap.spread_markers(anchors, radius=4.0)}
    points = [m.at for m in placed.values()]
    for i, p in enumerate(points):
        for q in points[i + 1 :]:
            assert math.dist(p, q) >= 8.0
    assert placed["D"].at == (300.0, 5.0)  # a marker with room stays where it is


# --- the shipped shapes ---------------------------------------------------------------------------


def test_shipped_shapes_cover_every_member_and_carry_the_notice() -> None:
    topo = json.loads(settings.WORLD_SHAPES_FILE.read_text(encoding="utf-8"))
    shapes = [g["id"] for g in topo["objects"]["countries"]["geometries"] if "id" in g]
    points = [g["id"] for g in topo["objects"]["small"]["geometries"]]
    assert len(shapes) == len(set(shapes)) and not set(shapes) & set(points)
    members = set(read_table("countries").filter(pl.col("imf_member"))["iso3"])
    assert members <= set(shapes) | set(points)
    assert "XKX" in shapes and "ATA" not in shapes  # Kosovo by name; Antarctica left out
    assert "Michael Bostock" in topo["license"] and "Permission to use" in topo["license"]
    assert settings.WORLD_SHAPES_FILE.stat().st_size < 100_000  # simplified and quantised


@needs_raw
def test_rebuilding_the_shapes_reproduces_the_shipped_file() -> None:
    from riskscore.ingest import world_shapes

    rebuilt = world_shapes.build(SHARED)
    assert rebuilt == settings.WORLD_SHAPES_FILE.read_text(encoding="utf-8")


@needs_raw
def test_crosswalk_uses_iso_numeric_codes() -> None:
    from riskscore.ingest import world_shapes

    assert world_shapes.iso3_of({"id": "586", "properties": {"name": "Pakistan"}}) == "PAK"
    assert world_shapes.iso3_of({"id": "222", "properties": {"name": "El Salvador"}}) == "SLV"
    assert world_shapes.iso3_of({"properties": {"name": "Kosovo"}}) == "XKX"
    assert world_shapes.iso3_of({"properties": {"name": "Somaliland"}}) is None


# --- in a real browser ----------------------------------------------------------------------------


def _share(image, color: str) -> float:
    """Share of the image's pixels within a small distance of a hex colour."""
    target = tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))
    counts = image.getcolors(maxcolors=1 << 24)
    near = sum(n for n, p in counts if sum(abs(a - b) for a, b in zip(p, target, strict=True)) < 12)
    return near / (image.width * image.height)


def _map_box(image, ocean: str) -> tuple[int, int, int, int] | None:
    """The main map's box: the first band of rows with ocean across a fifth of the width, down
    to the first row without any (the legend's gap); stray pixels elsewhere never qualify."""
    from PIL import Image, ImageChops

    solid = Image.new("RGB", image.size, ocean)
    mask = ImageChops.difference(image, solid).convert("L").point(lambda v: 255 * (v < 3))
    rows = [mask.crop((0, y, image.width, y + 1)).histogram()[255] for y in range(image.height)]
    top = next((y for y, n in enumerate(rows) if n > image.width / 5), None)
    if top is None:
        return None
    bottom = next((y for y in range(top, image.height) if rows[y] == 0), image.height)
    left, _, right, _ = mask.crop((0, top, image.width, bottom)).getbbox()
    return left, top, right, bottom


@needs_chromium
@pytest.mark.parametrize("width", [1400, 800])
def test_index_shows_the_map_in_chromium(map_out: Path, tmp_path: Path, width: int) -> None:
    from PIL import Image

    page = map_out / "report" / "index.html"
    dom = _chromium(page, "--dump-dom", tmp_path, window=(width, 1000))
    assert dom.returncode == 0 and _console_errors(dom.stderr) == []
    assert dom.stdout.count('<a href="country/') >= 2 * 191  # the map's links and the table's
    png = tmp_path / f"index-{width}.png"
    shot = _chromium(page, f"--screenshot={png}", tmp_path, window=(width, 1000))
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    image = Image.open(png).convert("RGB")
    assert image.size == (width, 1000)
    box = _map_box(image, worldmap.OCEAN_FILL)
    assert box is not None, "no map on the first screen"
    left, top, right, bottom = box
    assert top < 400  # the map opens the page
    # it spans the text column and shrinks to the window, never runs off it
    assert 0.6 * min(width, 1040) < right - left and right < width - 8
    assert bottom - top > (right - left) / 2.8  # Equal Earth's proportions, not a sliver
    drawn = image.crop(box)
    assert _share(drawn, worldmap.OCEAN_FILL) > 0.3
    assert _share(drawn, theme.ZERO_SCORE_FILL) > 0.1  # the land of the members scoring 0
    assert _share(drawn, theme.BAND_COLORS["very_high"]) > 0  # El Salvador

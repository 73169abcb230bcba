"""The report's maps: every member by its band (the index's first picture, also map.svg) and
small maps of the three pillars. What colour and title each member gets; `worldmap` draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from markupsafe import Markup

from riskscore.report import theme
from riskscore.report.inputs import ReportInputs
from riskscore.report.worldmap import Fill, LegendItem, MapStyle, missing, world_map

PILLARS = ("exposure", "engagement", "vulnerability")
PILLAR_STEP = 2.0  # pillar maps colour 0-10 in five classes of two points, 0 apart
# Read at about a third of the main map's width: a 400-unit viewBox with integer coordinates
# (under a pixel at that size) keeps each one near a third of the main map's bytes.
SMALL = MapStyle(
    width=400,
    decimals=0,
    marker_radius=3.0,
    zero_marker_radius=2.2,
    font_size=13.5,
    border_width=0.4,
)
BOUNDARY_NOTE = (
    "Shapes: Natural Earth (public domain) via world-atlas (ISC licence), simplified. "
    "Natural Earth draws de facto boundaries; they imply no view on the legal status of any "
    "territory."
)


class MapCoverageError(ValueError):
    """A scored member that the shipped shapes can draw neither as a shape nor as a marker."""


def _tied(scores: pl.DataFrame) -> dict[int, int]:
    return dict(scores.group_by("rank").len().iter_rows())


def member_title(row: dict, n_members: int, tied: int) -> str:
    """'Pakistan: score 39.0, elevated, rank 2 of 191' (+ how many share the rank)."""
    title = (
        f"{row['country']}: score {row['score']:.1f}, {theme.band_label(row['band'])}, "
        f"rank {row['rank']} of {n_members}"
    )
    if tied > 1:
        title += f" (tied with {tied - 1} other{'s' if tied > 2 else ''})"
    if row["score"] <= 0:
        title += "; no crypto exposure"
    return title


def score_fill(row: dict) -> str:
    """A member's colour: its band's, or the neutral tint for a score of 0 (no exposure)."""
    return theme.ZERO_SCORE_FILL if row["score"] <= 0 else theme.BAND_COLORS[row["band"]]


def _band_legend(inputs: ReportInputs) -> list[LegendItem]:
    bounds = sorted(inputs.config.bands().iter_rows(), key=lambda b: b[1])
    scores = inputs.scores
    items = []
    for i, (band, lower) in enumerate(bounds):
        upper = bounds[i + 1][1] if i + 1 < len(bounds) else None
        in_band = scores.filter(pl.col("band") == band, pl.col("score") > 0).height
        if upper is None:
            span = f"{lower:g}+"
        elif lower <= 0:
            span = f"under {upper:g}"
        else:
            span = f"{lower:g}–{upper:g}"
        items.append(
            LegendItem(theme.BAND_COLORS[band], f"{theme.band_label(band)} {span} ({in_band})")
        )
    zero = scores.filter(pl.col("score") <= 0).height
    return [
        *reversed(items),
        LegendItem(theme.ZERO_SCORE_FILL, f"0: no crypto exposure ({zero})"),
        LegendItem(theme.UNSCORED_FILL, "not a member, territory"),
        LegendItem("#ffffff", "small member (circle)", marker=True),
    ]


def _check_coverage(fills: dict[str, Fill]) -> None:
    absent = missing(fills)
    if absent:
        raise MapCoverageError(f"no shape or centroid for member(s): {', '.join(absent)}")


def score_map(inputs: ReportInputs, href: str = "country/{iso3}.html") -> Markup:
    """Every member coloured by its band, linked to its page, titled with score, band, rank."""
    scores = inputs.scores.sort("rank", "country")
    tied = _tied(scores)
    fills = {
        r["iso3"]: Fill(
            score_fill(r),
            member_title(r, scores.height, tied[r["rank"]]),
            href.format(**r),
            quiet=r["score"] <= 0,
        )
        for r in scores.iter_rows(named=True)
    }
    _check_coverage(fills)
    dates = f"Scores as of {inputs.as_of}"
    if inputs.data_through:
        dates += f"; data through {inputs.data_through}"
    dates += (
        f"; model {inputs.config.version}. Hover or focus a country for its score, band and "
        "rank; select it for its page."
    )
    label = (
        f"World map of the {scores.height} IMF members coloured by risk band as of {inputs.as_of}"
    )
    return world_map(fills, label, _band_legend(inputs), [dates, BOUNDARY_NOTE])


def pillar_class(value: float | None) -> int | None:
    """0 for a pillar at 0, 1-5 for (0, 2], (2, 4] … (8, 10]; None when missing."""
    if value is None:
        return None
    if value <= 0:
        return 0
    return min(5, int(-(-value // PILLAR_STEP)))  # ceiling: 2.0 is in (0, 2], 2.1 in (2, 4]


def pillar_fill(pillar: str, value: float | None) -> str:
    klass = pillar_class(value)
    if klass is None:
        return theme.NO_DATA_FILL
    return theme.ZERO_SCORE_FILL if klass == 0 else theme.PILLAR_RAMPS[pillar][klass - 1]


@dataclass(frozen=True)
class PillarMap:
    """A small pillar map; its legend is HTML, legible whatever the width the map shrinks to."""

    label: str
    svg: Markup
    legend: list[LegendItem]


def pillar_legend(pillar: str, with_missing: bool = False) -> list[LegendItem]:
    items = [LegendItem(theme.ZERO_SCORE_FILL, "0")]
    items += [
        LegendItem(color, f"{i * PILLAR_STEP:g}–{(i + 1) * PILLAR_STEP:g}")
        for i, color in enumerate(theme.PILLAR_RAMPS[pillar])
    ]
    return [*items, LegendItem(theme.NO_DATA_FILL, "no data")] if with_missing else items


def pillar_map(inputs: ReportInputs, pillar: str) -> PillarMap:
    """A small map of one pillar (0-10) on a sequential scale, for every member."""
    scores = inputs.scores.sort("rank", "country")
    label = theme.PILLAR_LABELS[pillar]
    fills = {}
    for r in scores.iter_rows(named=True):
        value = r[pillar]
        shown = "no data" if value is None else f"{value:.1f} of 10"
        fills[r["iso3"]] = Fill(
            pillar_fill(pillar, value), f"{r['country']}: {label} {shown}", quiet=not value
        )
    _check_coverage(fills)
    text = f"World map of pillar {label}, 0 to 10, as of {inputs.as_of}"
    legend = pillar_legend(pillar, with_missing=scores[pillar].null_count() > 0)
    return PillarMap(label, world_map(fills, text, [], style=SMALL), legend)


def pillar_maps(inputs: ReportInputs) -> list[PillarMap]:
    """The small maps of E, L and V."""
    return [pillar_map(inputs, p) for p in PILLARS]

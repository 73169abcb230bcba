"""Colours and wording shared by the charts, the HTML pages and the brief (presentation only)."""

from __future__ import annotations

# Bands from low to very high: pale green through yellow and orange to dark red. Every use
# also prints the band's name, so colour is never the only cue.
BAND_COLORS = {
    "low": "#d5e8d4",
    "moderate": "#fee08b",
    "elevated": "#fdae61",
    "high": "#e8553a",
    "very_high": "#a50026",
}
BAND_TEXT = {
    "low": "#1f3d1f",
    "moderate": "#4d3b00",
    "elevated": "#4d2600",
    "high": "#ffffff",
    "very_high": "#ffffff",
}
BAND_LABELS = {
    "low": "low",
    "moderate": "moderate",
    "elevated": "elevated",
    "high": "high",
    "very_high": "very high",
}

# The maps: a member scoring 0 (no crypto exposure) in a neutral tint, distinct from the pale
# "low" green; non-members, territories and de facto areas in a mid grey, like the IMF's maps.
ZERO_SCORE_FILL = "#f6f3ea"
UNSCORED_FILL = "#c4c4c4"
NO_DATA_FILL = "#ececec"

PILLAR_COLORS = {"exposure": "#7b3294", "engagement": "#2c7fb8", "vulnerability": "#1b9e77"}
PILLAR_LABELS = {
    "exposure": "E · crypto policy exposure",
    "engagement": "L · IMF engagement and leverage",
    "vulnerability": "V · macro-financial vulnerability",
}
# Pillar maps, classes (0, 2] … (8, 10]: ColorBrewer's 6-class sequential Purples, Blues and
# Greens without their lightest step (that one is too close to the 0 tint), in the hues of
# PILLAR_COLORS.
PILLAR_RAMPS = {
    "exposure": ["#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f"],
    "engagement": ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"],
    "vulnerability": ["#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c"],
}

DIRECTION_COLORS = {
    "state_exposure": "#d7301f",
    "liberalizing": "#3182bd",
    "restrictive": "#31a354",
    "neutral": "#969696",
}
STANCE_COLORS = {"opposing": "#b2182b", "cautionary": "#ef8a62", "neutral": "#969696"}
INSTRUMENT_COLORS = {
    "lending": "#4a6fa5",
    "precautionary_line": "#8fb3de",
    "emergency": "#c9a227",
    "non_lending": "#9e9ac8",
}
REVIEW_COLORS = {"completed": "#253494", "delayed": "#f16913", "not_completed": "#cb181d"}

# Lines of the "riskiest countries" chart (colour-blind-safe categorical palette).
SERIES_COLORS = ["#a50026", "#3366aa", "#ee7733", "#117733", "#aa4499", "#44aaaa", "#777777"]


def humanize(code: str | None) -> str:
    """`strategic_reserve_law` -> `strategic reserve law` (vocabulary codes for readers)."""
    return "" if code is None else code.replace("_", " ")


def band_label(band: str | None) -> str:
    return BAND_LABELS.get(band or "", band or "")

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

PILLAR_COLORS = {"exposure": "#7b3294", "engagement": "#2c7fb8", "vulnerability": "#1b9e77"}
PILLAR_LABELS = {
    "exposure": "E · crypto policy exposure",
    "engagement": "L · IMF engagement and leverage",
    "vulnerability": "V · macro-financial vulnerability",
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

"""The reports analysts read: a static HTML site and a Markdown brief, built from out/.

    out/report/index.html         world map of the bands (and of the pillars), ranked members,
                                  the riskiest countries' history, the method
    out/report/map.svg            the world map of the bands, on its own
    out/report/country/ISO3.html  one page per member: history, timeline, factors, sources
    out/report/summary.md         one-page brief: top bands, top movers, new actions

Pages are self-contained HTML with inline CSS and pre-rendered SVG charts: they open from the
file system with no network, script or web font.
"""

from __future__ import annotations

from typing import Any

# `build_report` imports the templates, the pages and the model: a command that needs only a
# chart (the backtest's model card) should not pay for them, so they load on first use.
__all__ = ["ReportFiles", "build_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from riskscore.report import build

        return getattr(build, name)
    raise AttributeError(f"module 'riskscore.report' has no attribute {name!r}")

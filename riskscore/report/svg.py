"""A small SVG writer that escapes by construction, and the scales and ticks charts need.

Every text node and attribute value goes through `markupsafe.escape`, so a description holding
`<script>` ends up as text inside a `<title>`, never as markup. Charts are plain SVG: they need
no script, font or stylesheet from anywhere at view time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from markupsafe import Markup, escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"


_NAMES: dict[str, str] = {}  # keyword -> attribute name, worked out once per keyword


def _attrs(attrs: dict[str, object]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = _NAMES.get(key)
        if name is None:  # class_ -> class, font_size -> font-size
            name = _NAMES[key] = key.rstrip("_").replace("_", "-")
        if isinstance(value, float):  # digits need no escaping
            text = f"{value:.2f}".rstrip("0").rstrip(".")
        elif isinstance(value, int):
            text = str(value)
        else:
            text = escape(str(value))
        parts.append(f' {name}="{text}"')
    return "".join(parts)


class Svg:
    """Collects elements; `markup()` returns the finished, escaped `<svg>` element."""

    def __init__(
        self, width: float, height: float, label: str, class_: str = "chart", role: str = "img"
    ) -> None:
        self.width, self.height = width, height
        self.label = label
        self.class_ = class_
        # "img" hides the children from assistive technology; a drawing of links needs "group"
        self.role = role
        self.parts: list[str] = []

    def element(self, tag: str, title: str | None = None, text: str | None = None, **attrs) -> None:
        """Append one element; `title` becomes a hover tooltip, `text` its escaped content."""
        inner = ""
        if title:
            inner += f"<title>{escape(title)}</title>"
        if text is not None:
            inner += str(escape(text))
        if inner:
            self.parts.append(f"<{tag}{_attrs(attrs)}>{inner}</{tag}>")
        else:
            self.parts.append(f"<{tag}{_attrs(attrs)}/>")

    def rect(self, x: float, y: float, w: float, h: float, **attrs) -> None:
        self.element("rect", x=x, y=y, width=max(w, 0.0), height=max(h, 0.0), **attrs)

    def line(self, x1: float, y1: float, x2: float, y2: float, **attrs) -> None:
        self.element("line", x1=x1, y1=y1, x2=x2, y2=y2, **attrs)

    def circle(self, cx: float, cy: float, r: float, **attrs) -> None:
        self.element("circle", cx=cx, cy=cy, r=r, **attrs)

    def polyline(self, points: Iterable[tuple[float, float]], **attrs) -> None:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        self.element("polyline", points=coords, fill="none", **attrs)

    def polygon(self, points: Iterable[tuple[float, float]], **attrs) -> None:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        self.element("polygon", points=coords, **attrs)

    def text(self, x: float, y: float, text: str, **attrs) -> None:
        attrs.setdefault("font_size", 12)
        self.element("text", text=text, x=x, y=y, **attrs)

    def open_group(self, **attrs) -> None:
        self.parts.append(f"<g{_attrs(attrs)}>")

    def close_group(self) -> None:
        self.parts.append("</g>")

    def open_link(self, href: str, title: str) -> None:
        """Start an `<a>` whose `<title>` names it for screen readers and hover."""
        self.parts.append(f"<a{_attrs({'href': href})}><title>{escape(title)}</title>")

    def close_link(self) -> None:
        self.parts.append("</a>")

    def markup(self) -> Markup:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:.0f} '
            f'{self.height:.0f}" width="{self.width:.0f}" height="{self.height:.0f}"'
            f"{_attrs({'class': self.class_, 'role': self.role, 'aria_label': self.label})}"
            f' font-family="{FONT}">'
        )
        return Markup(
            head + f"<title>{escape(self.label)}</title>" + "".join(self.parts) + "</svg>"
        )


class LinearScale:
    """Maps a value domain onto a pixel range."""

    def __init__(self, lo: float, hi: float, start: float, end: float) -> None:
        self.lo, self.hi, self.start, self.end = lo, hi if hi != lo else lo + 1, start, end

    def __call__(self, value: float) -> float:
        return self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)


class DateScale(LinearScale):
    """Maps dates onto a pixel range (by ordinal day)."""

    def __init__(self, lo: dt.date, hi: dt.date, start: float, end: float) -> None:
        super().__init__(lo.toordinal(), hi.toordinal(), start, end)
        self.first, self.last = lo, hi

    def __call__(self, value: dt.date) -> float:  # type: ignore[override]
        return super().__call__(value.toordinal())

    def clamp(self, value: dt.date) -> float:
        return self(min(max(value, self.first), self.last))

    def year_ticks(self, max_ticks: int = 12) -> list[dt.date]:
        """1 January of every year (or every 2nd, 5th …) inside the domain."""
        years = list(
            range(
                self.first.year + (self.first > dt.date(self.first.year, 1, 1)), self.last.year + 1
            )
        )
        step = 1
        while len(years) / step > max_ticks:
            step = {1: 2, 2: 5}.get(step, step * 2)
        return [dt.date(y, 1, 1) for y in years if y % step == 0]


def date_axis(svg: Svg, x: DateScale, top: float, bottom: float, labels: bool = True) -> None:
    """Vertical year gridlines from top to bottom, with the year under the axis.

    Spans under five years also get light gridlines at each quarter start.
    """
    if (x.last - x.first).days < 5 * 365:
        for year in range(x.first.year, x.last.year + 1):
            for month in (4, 7, 10):
                tick = dt.date(year, month, 1)
                if x.first <= tick <= x.last:
                    svg.line(x(tick), top, x(tick), bottom, class_="grid minor")
    for tick in x.year_ticks():
        px = x(tick)
        svg.line(px, top, px, bottom, class_="grid")
        if labels:
            svg.text(px, bottom + 15, str(tick.year), text_anchor="middle", class_="tick")

"""The one-page brief (summary.md): top bands, top movers, new actions, for an email or a wiki.

Plain Markdown tables and bullets; text from the data is escaped so that a stray `|`, `*` or
`<tag>` cannot break the table or turn into markup.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from riskscore.diff import ScoreDiff
from riskscore.report import tables, theme
from riskscore.report.inputs import ReportInputs, country_rows

TOP_BAND_FLOOR = "elevated"  # list every member at or above this band
MOVERS = 5
NEW_ACTIONS = 8
DESCRIPTION_CHARS = 220

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")  # what can break a table, a link or turn into markup


def md(text: object) -> str:
    """Escape Markdown punctuation and fold whitespace, so data text stays plain text."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _url(url: str) -> str:
    """A URL safe inside Markdown's <…> link destination."""
    return url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


def _short(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _change(value: float | None) -> str:
    if value is None:
        return "–"
    return "0.0" if abs(value) < 0.05 else f"{value:+.1f}"


def _main_driver(inputs: ReportInputs, iso3: str) -> str:
    rows = country_rows(inputs.contributions, iso3).sort("points", descending=True)
    return "–" if rows.is_empty() else f"{rows['label'][0]} ({rows['points'][0]:+.1f})"


def build(inputs: ReportInputs, change: ScoreDiff | None, evidence: pl.DataFrame | None) -> str:
    """The brief as Markdown text."""
    bands = inputs.config.bands()
    floor = bands.filter(pl.col("band") == TOP_BAND_FLOOR)["lower_bound"][0]
    rows = tables.ranked_rows(inputs, change)
    prev = inputs.previous_on
    out = [
        f"# IMF crypto-policy conflict risk: brief as of {inputs.as_of}",
        "",
        "Risk (0–100) that within 12 months the IMF objects to, conditions or holds up its "
        f"engagement over a member's crypto policy. {len(rows)} IMF members scored from data "
        f"known through {inputs.provenance['data_through']} (later events are unknown, not "
        f"absent); model {inputs.config.version}"
        + (f"; changes are since the previous quarter end, {prev}." if prev else "."),
        "",
        f"![World map: every IMF member by risk band as of {inputs.as_of}](map.svg)",
        "",
        f"## Highest bands ({theme.band_label(TOP_BAND_FLOOR)} and above)",
        "",
    ]
    top = [r for r in rows if r["score"] >= floor]
    if top:
        out += [
            "| Rank | Country | Score | Band | In band since | Change | Main driver |",
            "|---:|---|---:|---|---|---:|---|",
        ]
        for r in top:
            out.append(
                f"| {r['rank']} | {md(r['country'])} ({r['iso3']}) | {r['score']:.1f} | "
                f"{theme.band_label(r['band'])} | {r['band_since'] or '–'} | "
                f"{_change(r['change'])} | {md(_main_driver(inputs, r['iso3']))} |"
            )
    else:
        out.append(f"No member scores {floor:g} or more.")
    out += ["", f"## Top movers since {prev or 'the previous quarter'}", ""]
    out += _movers(change, evidence)
    out += ["", _new_actions_title(prev, inputs.as_of), ""]
    out += _new_actions(inputs, prev)
    out += [
        "",
        "---",
        "Full report: report/index.html (a page per member). "
        f"Data {inputs.provenance['data_sha256'][:12]}, "
        f"config {inputs.provenance['config_sha256'][:12]}.",
        "",
    ]
    return "\n".join(out)


def _movers(change: ScoreDiff | None, evidence: pl.DataFrame | None) -> list[str]:
    if change is None:
        return ["No earlier quarter end to compare with."]
    moved = change.countries.filter(pl.col("score_change").abs() >= 0.05).head(MOVERS)
    if moved.is_empty():
        return ["No score moved by 0.1 points or more."]
    labels = dict(change.factors.select("factor", "label").unique("factor").iter_rows())
    lines = [
        "| Country | From | To | Change | Main factor | New facts |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in moved.iter_rows(named=True):
        facts = "–"
        if evidence is not None:
            new = evidence.filter(
                pl.col("iso3") == r["iso3"],
                pl.col("change") == "new",
                pl.col("kind").is_in(["action", "response", "review", "arrangement"]),
            )["evidence_id"].to_list()
            facts = ", ".join(new[:6]) + (" …" if len(new) > 6 else "") if new else "no new event"
        before = "–" if r["score_from"] is None else f"{r['score_from']:.1f}"
        lines.append(
            f"| {md(r['country'])} ({r['iso3']}) | {before} | {r['score_to']:.1f} | "
            f"{_change(r['score_change'])} | {md(labels.get(r['top_factor'], '–'))} | {md(facts)} |"
        )
    return lines


def _new_actions_title(prev: dt.date | None, as_of: dt.date) -> str:
    start = f"{prev + dt.timedelta(days=1)}" if prev else "the start"
    return f"## Notable new crypto actions ({start} to {as_of})"


def _new_actions(inputs: ReportInputs, prev: dt.date | None) -> list[str]:
    actions = inputs.tables["crypto_actions"].filter(pl.col("announced_on") <= inputs.as_of)
    if prev is not None:
        actions = actions.filter(pl.col("announced_on") > prev)
    points = inputs.action_points.select("action_id", "points")
    actions = (
        actions.join(points, on="action_id", how="left")
        .join(inputs.scores.select("iso3", "country"), on="iso3", how="left")
        .sort(pl.col("points").abs(), "announced_on", descending=True, nulls_last=True)
    )
    if actions.is_empty():
        return ["No new crypto action recorded in this period."]
    sources = tables.source_index(inputs.tables["sources"])
    lines = []
    for r in actions.head(NEW_ACTIONS).iter_rows(named=True):
        cited = tables.links(r["source_id"], sources)
        link = "; ".join(
            f"[{md(c['publisher'])}](<{_url(c['url'])}>)" if c["url"] else md(c["publisher"])
            for c in cited
        )
        points = "" if r["points"] is None else f", {r['points']:+.1f} points"
        lines.append(
            f"- **{r['announced_on']} · {md(r['country'] or r['iso3'])}** · "
            f"{md(theme.humanize(r['action_type']))} ({r['status']}{points}): "
            f"{md(_short(r['description']))} ({link})"
        )
    if actions.height > NEW_ACTIONS:
        lines.append(f"- … and {actions.height - NEW_ACTIONS} more (see the country pages).")
    return lines

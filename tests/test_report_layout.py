"""The report as laid out by a browser at 1400 and 800 px, its Download section, and the PAK
page and brief agreeing with `riskscore diff` about what is new.

Layout is measured in headless Chromium: a copy of the page gets a small script that records the
box of every table cell and every word that the browser wrapped onto two lines, and
--dump-dom returns the record with the page.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from riskscore import diff, export, model, pipeline
from riskscore.report import build_report
from riskscore.report.charts import AXIS_TITLE

AS_OF = dt.date(2026, 3, 31)  # after two PAK reviews completed on one day (2025-12-08)
PREVIOUS = dt.date(2025, 12, 31)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not on PATH (apt-get install -y chromium; .ci/run does)"
)
WIDTHS = (1400, 800)
PROBE = """<script>
(function () {
  var out = {viewport: document.documentElement.clientWidth,
             scroll: document.documentElement.scrollWidth, cells: [], broken: []};
  document.querySelectorAll('table').forEach(function (table) {
    var headers = Array.prototype.map.call(table.querySelectorAll('th'), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll('th, td').forEach(function (cell) {
      var box = cell.getBoundingClientRect();
      out.cells.push({table: table.className, headers: headers,
                      text: cell.textContent.trim().slice(0, 40),
                      right: box.right, overflow: cell.scrollWidth - cell.clientWidth});
      var walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT), word;
      while (walker.nextNode()) {
        var node = walker.currentNode, words = /\\S+/g;
        while ((word = words.exec(node.data))) {
          var range = document.createRange(), lines = {};
          range.setStart(node, word.index);
          range.setEnd(node, word.index + word[0].length);
          Array.prototype.forEach.call(range.getClientRects(), function (r) {
            if (r.width > 0) { lines[Math.round(r.top)] = true; }
          });
          if (Object.keys(lines).length > 1) {
            out.broken.push({table: table.className, headers: headers, word: word[0]});
          }
        }
      }
    });
  });
  var pre = document.createElement('pre');
  pre.id = 'layout';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""
# a word of prose: letters only (a trailing comma or full stop allowed); ids, dates and URLs may
# wrap at their hyphens and slashes, a word may not be cut
PROSE_WORD = re.compile(r"^[A-Za-z]+[,.;:)]?$")


@pytest.fixture(scope="module")
def report_out(tmp_path_factory, real_package) -> Path:
    """out/ as `riskscore history`, `score` and `report` leave it: the history and the scores
    come from two separate model runs, which the report reads back."""
    out = tmp_path_factory.mktemp("out")
    start = pipeline.HISTORY_START
    history = model.run(real_package.tables, pipeline.period_ends(start, AS_OF))
    pipeline.write_history([history], real_package, history.config, out, start, AS_OF, "quarter")
    pipeline.write_scores(model.run(real_package.tables, [AS_OF]), real_package, out, AS_OF)
    build_report(out, AS_OF, package=real_package, countries=["PAK", "SLV"])
    return out


def layout(page: Path, width: int, tmp: Path) -> dict:
    """Cell boxes and wrapped words of `page` laid out `width` px wide in Chromium."""
    if CHROMIUM is None:
        pytest.skip("chromium is not on PATH")
    probe = page.with_name(f"{page.stem}.probe-{width}.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    try:
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-background-networking", "--no-first-run",
             f"--user-data-dir={tmp / f'profile-{page.stem}-{width}'}",
             f"--window-size={width},1000", "--dump-dom", probe.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    finally:
        probe.unlink()
    found = re.search(r'<pre id="layout">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_every_column_of_the_ranked_table_is_on_screen(report_out, tmp_path, width) -> None:
    seen = layout(report_out / "report" / "index.html", width, tmp_path)
    assert seen["scroll"] <= seen["viewport"]  # nothing sticks out to the right
    ranked = [c for c in seen["cells"] if c["table"] == "ranked"]
    headers = {c["text"] for c in ranked}
    assert {"90% interval", "Completeness"} <= headers
    assert max(c["right"] for c in ranked) <= seen["viewport"]
    assert not [c for c in ranked if c["overflow"] > 0]


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_pakistan_reviews_fit_their_columns_without_cut_words(report_out, tmp_path, width):
    seen = layout(report_out / "report" / "country" / "PAK.html", width, tmp_path)
    reviews = [c for c in seen["cells"] if {"Review", "Scheduled"} <= set(c["headers"])]
    assert len(reviews) > 20  # the 2013, 2019, 2023 and 2024 programs' reviews
    assert max(c["right"] for c in reviews) <= seen["viewport"]
    assert not [c for c in reviews if c["overflow"] > 0]
    cut = [
        b["word"]
        for b in seen["broken"]
        if {"Review", "Scheduled"} <= set(b["headers"]) and PROSE_WORD.match(b["word"])
    ]
    assert cut == [], cut  # e.g. "Internat|ional Monetar|y Fund" in the source column
    assert seen["scroll"] <= seen["viewport"]


def test_history_charts_have_a_y_axis_title(report_out: Path) -> None:
    for page in ("index.html", "country/PAK.html"):
        text = (report_out / "report" / page).read_text(encoding="utf-8")
        assert 'class="axis-title"' in text and AXIS_TITLE in text


def test_index_offers_the_downloads_that_exist(tmp_path: Path, report_out: Path, real_package):
    out = tmp_path / "out"
    shutil.copytree(report_out, out, ignore=shutil.ignore_patterns("report"))
    (out / "export").mkdir()
    (out / "export" / "scores.csv").write_text("iso3,score\nPAK,1\n", encoding="utf-8")
    build_report(out, AS_OF, package=real_package, countries=["PAK"])
    index = (out / "report" / "index.html").read_text(encoding="utf-8")
    section = index.split('<h2 id="download">Download</h2>')[1].split("<h2")[0]
    assert '<a href="../export/scores.csv" download>scores.csv</a>' in section
    assert '<a href="../scores.parquet" download>scores.parquet</a>' in section
    assert "riskscore.xlsx (not written yet)" in section  # absent: listed, not linked
    assert 'href="../export/riskscore.xlsx"' not in section
    for href in re.findall(r'href="(\.\./[^"]+)" download', section):
        assert (out / "report" / href).resolve().is_file(), href


def _new_in_diff(real_package) -> set[str]:
    result = diff.diff(PREVIOUS, AS_OF, ["PAK"], package=real_package)
    described = diff.describe(result.evidence, real_package.tables)
    facts = described.filter(
        pl.col("change") == "new",
        pl.col("kind").is_in(["action", "response", "review", "arrangement"]),
    )
    return set(facts["evidence_id"])


def test_pakistan_brief_and_page_agree_with_diff(report_out: Path, real_package) -> None:
    """Two reviews completed on 2025-12-08: the evidence picked for the last review must not
    depend on which run computed it, or the report calls one of them new."""
    assert export.read_metadata(report_out / "scores.parquet")["as_of"] == AS_OF.isoformat()
    expected = _new_in_diff(real_package)
    brief = (report_out / "report" / "summary.md").read_text(encoding="utf-8")
    movers = brief.split("## Top movers")[1].split("## ")[0]
    [row] = [line for line in movers.splitlines() if "Pakistan (PAK)" in line]
    listed = row.rstrip(" |").split("|")[-1].strip()
    assert set(listed.split(", ")) - {"no new event"} == expected
    page = (report_out / "report" / "country" / "PAK.html").read_text(encoding="utf-8")
    on_page = set(
        re.findall(r'<span class="pill ">new</span>\s*\S*\s*<strong>([^<]+)</strong>', page)
    )
    review_ids = {e for e in on_page if " review " in e}
    assert review_ids == {e for e in expected if " review " in e}
    assert "PAK-EFF-2024-09-25 review 2" not in expected | on_page

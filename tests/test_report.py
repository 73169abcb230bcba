"""The report as a reader sees it: pages built from out/, escaped, offline, rendered in Chromium."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from conftest import replace_in_file
from typer.testing import CliRunner

from riskscore import export, pipeline
from riskscore.cli import app
from riskscore.errors import NotFound
from riskscore.report import build_report

AS_OF = dt.date(2025, 6, 30)
runner = CliRunner()


@pytest.fixture(scope="module")
def report_out(tmp_path_factory, real_package) -> Path:
    """out/ with a report as of 2025-06-30: the index, the brief, and the PAK and SLV pages."""
    out = tmp_path_factory.mktemp("out")
    build_report(out, AS_OF, package=real_package, countries=["PAK", "SLV"])
    return out


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _score(out: Path, iso3: str, day: dt.date) -> dict:
    """A member's row in the history the report was built from (the expected figures)."""
    history = pl.read_parquet(out / "history.parquet")
    return history.filter(pl.col("iso3") == iso3, pl.col("as_of") == day).row(0, named=True)


PREVIOUS_QUARTER = dt.date(2025, 3, 31)


def test_report_computes_missing_outputs_into_out(report_out: Path) -> None:
    for name in ("scores", "contributions", "history", "history_contributions"):
        assert (report_out / f"{name}.parquet").exists()
    assert export.read_metadata(report_out / "scores.parquet")["as_of"] == "2025-06-30"
    history = pl.read_parquet(report_out / "history.parquet")
    assert history["as_of"].min() == dt.date(2015, 3, 31) and history["as_of"].max() == AS_OF


def test_index_ranks_every_member_with_band_change_and_interval(report_out: Path) -> None:
    html = _text(report_out / "report" / "index.html")
    scores = pl.read_parquet(report_out / "scores.parquet")
    assert html.count('<tr class="band-row') == scores.height
    now, before = _score(report_out, "PAK", AS_OF), _score(report_out, "PAK", PREVIOUS_QUARTER)
    pak = re.search(rf'<tr class="band-row band-{now["band"]}">(.*?)</tr>', html, re.S).group(1)
    change = f"{now['score'] - before['score']:+.1f}"
    assert "Pakistan" in pak and f"{now['score']:.1f}" in pak and change in pak
    assert "not computed" in pak
    table = html[html.index('<table class="ranked"') :]  # the map's titles come before it
    assert table.index("El Salvador") < table.index("Pakistan")  # rank order
    assert "How the score works" in html and "What the score means" in html
    assert html.count("<svg") >= 1


def test_country_page_has_history_timeline_factors_and_sources(report_out: Path) -> None:
    html = _text(report_out / "report" / "country" / "PAK.html")
    assert html.count("<svg") >= 3  # history, timeline (and its close-up), waterfall
    for needle in (
        "Uncertainty interval: not computed",
        "ACT-PAK-006",  # the 2,000 MW mining allocation
        "RSP-PAK-01",  # the IMF's objection
        "PAK-RSF-2025-05-09",  # the arrangement that came in this quarter
        "https://www.arabnews.pk/node/2602187/pakistan",  # its source, from sources.csv
        "What changed since 2025-03-31",
        "Data completeness",
    ):
        assert needle in html, needle
    assert "no completion recorded" in html  # overdue reviews of the 2019 EFF, per the data


def test_uncertainty_band_is_drawn_only_where_computed(tmp_path: Path, report_out, real_package):
    out = tmp_path / "out"
    shutil.copytree(report_out, out, ignore=shutil.ignore_patterns("report"))
    frame = pl.DataFrame(
        {
            "iso3": ["PAK"],
            "as_of": [AS_OF],
            "score": [55.5],
            "score_p5": [48.25],
            "score_p50": [55.0],
            "score_p95": [61.75],
            "rank": [2],
            "rank_p5": [2],
            "rank_p50": [2],
            "rank_p95": [3],
            "top_driver": ["state_actions"],
        }
    )
    export.write_parquet(frame, out / "uncertainty.parquet", {"as_of": AS_OF.isoformat()})
    build_report(out, AS_OF, package=real_package, countries=["PAK", "SLV"])
    pak = _text(out / "report" / "country" / "PAK.html")
    assert "48.2–61.8" in pak and 'class="interval"' in pak
    assert "earlier dates: not computed" in pak
    slv = _text(out / "report" / "country" / "SLV.html")
    assert 'class="interval"' not in slv and "not computed" in slv


def test_brief_lists_top_band_movers_and_new_actions(report_out: Path) -> None:
    brief = _text(report_out / "report" / "summary.md")
    top = brief.split("## Highest bands")[1].split("## Top movers")[0]
    slv, pak = _score(report_out, "SLV", AS_OF), _score(report_out, "PAK", AS_OF)
    for name, row in (("El Salvador (SLV)", slv), ("Pakistan (PAK)", pak)):
        band = row["band"].replace("_", " ")
        assert f"{name} | {row['score']:.1f} | {band}" in top
    before = _score(report_out, "PAK", PREVIOUS_QUARTER)["score"]
    movers = brief.split("## Top movers since 2025-03-31")[1].split("## Notable")[0]
    expected = (
        f"| Pakistan (PAK) | {before:.1f} | {pak['score']:.1f} | {pak['score'] - before:+.1f}"
    )
    assert movers.strip().splitlines()[2].startswith(expected)  # the biggest mover that quarter
    actions = brief.split("## Notable new crypto actions (2025-04-01 to 2025-06-30)")[1]
    assert "mining power allocation" in actions and "https://www.arabnews.pk" in actions
    assert "<" not in brief.replace("](<", "")  # no raw HTML besides link destinations


def test_text_from_the_data_is_escaped(tmp_path: Path, shipped_copy: Path) -> None:
    attack = "<script>alert('x')</script> <img src=x onerror=alert(1)> | *bold*"
    replace_in_file(shipped_copy / "crypto_actions.csv", "The Finance Division and the PCC", attack)
    package = pipeline.load_package(shipped_copy)
    out = tmp_path / "out"
    build_report(out, AS_OF, package=package, countries=["PAK"])
    html = _text(out / "report" / "country" / "PAK.html")
    assert "<script" not in html and "<img" not in html
    assert html.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") >= 2  # cell, tooltips
    brief = _text(out / "report" / "summary.md")
    assert r"\<script\>" in brief and r"\| \*bold\*" in brief
    if CHROMIUM is not None:  # and a browser shows it as text
        dom = _chromium(out / "report" / "country" / "PAK.html", "--dump-dom", tmp_path)
        assert "<script" not in dom.stdout and "&lt;script&gt;alert" in dom.stdout


def test_pages_load_nothing_from_the_network(report_out: Path) -> None:
    pages = sorted((report_out / "report").rglob("*.html"))
    drawings = sorted((report_out / "report").rglob("*.svg"))
    assert drawings, "map.svg not written"
    for path in pages + drawings:
        html = _text(path)
        assert not re.search(r"<(script|link|iframe|img|image|use|foreignObject)\b", html), path
        assert not re.search(r"(src=|@import|url\()", html), path
    for path in drawings:  # the map's links are its own pages, never another site
        hrefs = re.findall(r'href="([^"]*)"', _text(path))
        assert hrefs and all(re.fullmatch(r"country/[A-Z]{3}\.html", h) for h in hrefs), path


def test_report_refuses_a_country_that_is_not_a_member(tmp_path: Path, real_package) -> None:
    with pytest.raises(NotFound, match="XYZ"):
        build_report(tmp_path, AS_OF, package=real_package, countries=["XYZ"])


def test_report_command_prints_where_to_open_it(report_out: Path) -> None:
    args = ["report", "--as-of", "2025-06-30", "--country", "PAK", "--out", str(report_out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "read " in result.output  # reused the outputs already in out/
    assert f"open file://{(report_out / 'report' / 'index.html').resolve()}" in result.output


def test_report_leaves_scores_of_another_date_alone(tmp_path: Path, report_out, real_package):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(report_out / "scores.parquet", out / "scores.parquet")
    shutil.copy(report_out / "contributions.parquet", out / "contributions.parquet")
    before = (out / "scores.parquet").read_bytes()
    files = build_report(out, dt.date(2025, 3, 31), package=real_package, countries=["PAK"])
    assert (out / "scores.parquet").read_bytes() == before
    assert any("another date" in note for note in files.notes)
    assert "as of 2025-03-31" in _text(files.index)


def test_every_reporting_command_has_help() -> None:
    for command in ("report", "diff", "scenario"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


# --- in a real browser -------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not on PATH (apt-get install -y chromium; .ci/run does)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]


def _chromium(
    page: Path, action: str, tmp: Path, window: tuple[int, int] = (1280, 2000)
) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        pytest.skip("chromium is not on PATH")
    profile = tmp / f"profile-{action.strip('-').split('=')[0]}-{page.stem}"
    size = f"--window-size={window[0]},{window[1]}"
    args = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", size, action]
    return subprocess.run(
        [*args, page.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=False
    )


def _console_errors(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if (":CONSOLE" in line and re.search(r"Uncaught|Error|Failed to load|Refused", line))
        or "ERROR:CONSOLE" in line
    ]


def _assert_renders(page: Path, tmp: Path) -> None:
    from PIL import Image, ImageStat

    dom = _chromium(page, "--dump-dom", tmp)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert _console_errors(dom.stderr) == []
    assert dom.stdout.count("<svg") >= 1 and "<rect" in dom.stdout  # charts are in the DOM
    png = tmp / f"{page.stem}.png"
    shot = _chromium(page, f"--screenshot={png}", tmp)
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    image = Image.open(png).convert("RGB")
    assert image.size == (1280, 2000)
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 20  # not a blank page
    assert len(image.getcolors(maxcolors=1 << 20) or []) > 200  # text, bands, lines in colour


@needs_chromium
def test_index_renders_in_chromium(report_out: Path, tmp_path: Path) -> None:
    _assert_renders(report_out / "report" / "index.html", tmp_path)


@needs_chromium
def test_pakistan_page_renders_in_chromium(report_out: Path, tmp_path: Path) -> None:
    page = report_out / "report" / "country" / "PAK.html"
    _assert_renders(page, tmp_path)
    dom = _chromium(page, "--dump-dom", tmp_path).stdout
    assert dom.count("<svg") >= 3 and 'class="event action"' in dom


def test_the_method_page_is_rendered_by_a_markdown_parser(tmp_path: Path) -> None:
    from riskscore import settings
    from riskscore.report import pages

    html = str(pages.method_html())
    assert "<table>" in html and "<strong>Aggregation.</strong>" in html
    assert "<code>score = 100" in html and "# How riskscore" not in html
    hostile = tmp_path / "METHOD.md"
    hostile.write_text("# Title\n\nText with <script>alert(1)</script> and **bold**.\n")
    rendered = str(pages.method_html(hostile))
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "<strong>bold</strong>" in rendered
    assert settings.method_file().name == "METHOD.md"

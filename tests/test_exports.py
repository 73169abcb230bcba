"""`riskscore export`: CSV files and an Excel workbook a spreadsheet opens, columns explained,
formula-looking text made inert, numbers kept numeric."""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from riskscore import exporting
from riskscore.cli import app

runner = CliRunner()
HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tindented", "\rreturn"]


@pytest.fixture(scope="module")
def exported(handoff_out: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "out"
    shutil.copytree(handoff_out, out)
    for fmt in ("csv", "xlsx"):
        result = runner.invoke(app, ["export", "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
    return out / "export"


def test_csv_files_read_back_with_polars_and_the_csv_module(exported: Path, handoff_out) -> None:
    for name in exporting.TABLES:
        path = exported / f"{name}.csv"
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        frame = pl.read_csv(path)
        assert frame.height == len(rows) > 0
        if name != "sources":
            source = pl.read_parquet(handoff_out / f"{name}.parquet")
            assert frame.height == source.height and frame.columns == source.columns
    scores = pl.read_csv(exported / "scores.csv")
    assert scores["score"].dtype == pl.Float64 and scores["rank"].dtype == pl.Int64
    contributions = pl.read_csv(exported / "contributions.csv")
    assert contributions["source_ids"].str.contains("; ").any()  # lists as text, not [..]


def test_columns_table_explains_every_exported_column(exported: Path) -> None:
    described = pl.read_csv(exported / "columns.csv")
    for name in exporting.TABLES:
        header = pl.read_csv(exported / f"{name}.csv", n_rows=0).columns
        mine = described.filter(pl.col("table") == name)
        assert mine["column"].to_list() == header
        assert mine["description"].null_count() == 0
    band = described.filter(pl.col("table") == "scores", pl.col("column") == "band")
    assert "low < moderate < elevated < high < very_high" in band["description"].item()


def _sheets(path: Path) -> dict[str, str]:
    """Sheet name -> the sheet's XML, read with the standard library."""
    with zipfile.ZipFile(path) as book:
        workbook = book.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)"', workbook)
        return {
            n: book.read(f"xl/worksheets/sheet{i}.xml").decode() for i, n in enumerate(names, 1)
        }


def test_workbook_has_a_columns_sheet_then_one_sheet_per_table(exported: Path) -> None:
    sheets = _sheets(exported / exporting.WORKBOOK)
    assert list(sheets) == [exporting.COLUMNS_SHEET, *exporting.TABLES]
    scores = pl.read_csv(exported / "scores.csv")
    assert sheets["scores"].count("<row ") == scores.height + 1
    # numbers are numeric cells (no t="s"/"str" type), so a spreadsheet can sum them
    score_cells = re.findall(r'<c r="D\d+"([^>]*)>', sheets["scores"])[1:]
    assert score_cells and not any('t="' in attributes for attributes in score_cells)


# LibreOffice's CSV filter: comma, double quote, UTF-8, ..., -1 = every sheet to its own file
EVERY_SHEET = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _libreoffice_sheets(book: Path, folder: Path) -> dict[str, list[dict]]:
    """Each sheet of `book` as LibreOffice reads it, or skip when LibreOffice is absent."""
    import subprocess

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed (optional check that a spreadsheet opens it)")
    folder.mkdir()
    done = subprocess.run(
        [office, "--headless", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", EVERY_SHEET, "--outdir", str(folder), str(book)],
        capture_output=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    sheets = {}
    for path in folder.glob(f"{book.stem}-*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[path.stem.removeprefix(f"{book.stem}-")] = list(csv.DictReader(handle))
    return sheets


def test_libreoffice_opens_every_sheet_of_the_workbook(exported: Path, tmp_path: Path) -> None:
    sheets = _libreoffice_sheets(exported / exporting.WORKBOOK, tmp_path / "lo")
    assert set(sheets) == {exporting.COLUMNS_SHEET, *exporting.TABLES}
    scores = pl.read_csv(exported / "scores.csv")
    assert [r["iso3"] for r in sheets["scores"]] == scores["iso3"].to_list()


def test_guard_quotes_formula_starts_and_leaves_numbers() -> None:
    assert [exporting.guard(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert exporting.guard("Pakistan") == "Pakistan" and exporting.guard(None) is None


def _tiny_database(out: Path) -> None:
    """A database with hostile text in `sources` and negative numbers in `scores`."""
    out.mkdir()
    con = duckdb.connect(str(out / "riskscore.duckdb"))
    con.execute("create table sources (source_id varchar, title varchar, url varchar)")
    for i, text in enumerate(HOSTILE):
        con.execute("insert into sources values (?, ?, ?)", [f"s{i}", text, "https://e.org"])
    con.execute("create table scores as select 'PAK' as iso3, -3.5 as score, ['=1', 'a'] as ids")
    con.close()


def test_exports_make_formula_text_inert_and_keep_numbers_numeric(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _tiny_database(out)
    for fmt in exporting.FORMATS:
        result = runner.invoke(app, ["export", "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "not exported (not computed yet): contributions, history" in result.output
    with (out / "export" / "sources.csv").open(encoding="utf-8-sig", newline="") as handle:
        titles = [row["title"] for row in csv.DictReader(handle)]
    assert titles == ["'" + v for v in HOSTILE]
    scores = pl.read_csv(out / "export" / "scores.csv")
    assert scores["score"].to_list() == [-3.5] and scores["ids"].to_list() == ["'=1; a"]
    sheets = _sheets(out / "export" / exporting.WORKBOOK)
    assert "<f>" not in "".join(sheets.values())  # no formula anywhere in the workbook
    with zipfile.ZipFile(out / "export" / exporting.WORKBOOK) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "&apos;=HYPERLINK" in strings or "'=HYPERLINK" in strings
    assert re.search(r'<c r="B2"[^>]*><v>-3.5</v>', sheets["scores"])
    if shutil.which("soffice") or shutil.which("libreoffice"):  # a spreadsheet evaluates nothing
        opened = _libreoffice_sheets(out / "export" / exporting.WORKBOOK, tmp_path / "lo")
        assert [r["title"] for r in opened["sources"]] == ["'" + v for v in HOSTILE]
        assert opened["scores"][0]["score"] == "-3.5"


def test_export_without_a_database_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--format", "csv", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "run `riskscore build` first" in result.output
    result = runner.invoke(app, ["export", "--format", "ods", "--out", str(tmp_path)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_exporting_twice_gives_the_same_bytes_stamped_with_the_data_date(
    exported: Path, tmp_path: Path
) -> None:
    again = tmp_path / "out"
    shutil.copytree(exported.parent, again)
    for fmt in ("csv", "xlsx"):
        result = runner.invoke(app, ["export", "--format", fmt, "--out", str(again)])
        assert result.exit_code == 0, result.output
    for path in sorted(exported.iterdir()):
        assert (again / "export" / path.name).read_bytes() == path.read_bytes(), path.name
    with zipfile.ZipFile(exported / exporting.WORKBOOK) as book:
        core = book.read("docProps/core.xml").decode()
    as_of = pl.read_csv(exported / "scores.csv", try_parse_dates=True)["as_of"].max()
    assert f">{as_of.isoformat()}T00:00:00Z</dcterms:created>" in core

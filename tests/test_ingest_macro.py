"""macro.csv (WEO + WDI) and imf_positions.csv.

Tests on the committed CSVs always run; rebuild tests skip without the raw extracts.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import DATASETS, SHARED, needs_raw, read_table

from riskscore import vocab
from riskscore.ingest import countries, dataset_sources, positions, wdi, weo
from riskscore.ingest.common import IngestContext, IngestError, finalize_table
from riskscore.schemas import TABLES


@pytest.fixture(scope="module")
def macro() -> pl.DataFrame:
    return read_table("macro")


@pytest.fixture(scope="module")
def imf_positions() -> pl.DataFrame:
    return read_table("imf_positions")


def value(frame: pl.DataFrame, iso3: str, year: int, indicator: str) -> float:
    return frame.filter(
        pl.col("iso3") == iso3, pl.col("year") == year, pl.col("indicator") == indicator
    )["value"].item()


def test_macro_csv_matches_its_schema(macro):
    TABLES["macro"].model.validate(macro)
    assert not macro.select("iso3", "year", "indicator").is_duplicated().any()


def test_every_indicator_is_present_with_its_unit(macro):
    units = dict(macro.select("indicator", "unit").unique().iter_rows())
    assert units == vocab.MACRO_INDICATOR_UNIT


@pytest.mark.parametrize(
    ("iso3", "indicator", "expected"),
    [
        ("PAK", "gdp_usd_bn", 371.408),
        ("SLV", "gdp_usd_bn", 35.365),
    ],
)
def test_weo_gdp_matches_provenance_spot_checks(macro, iso3, indicator, expected):
    assert value(macro, iso3, 2024, indicator) == expected


@pytest.mark.parametrize(("iso3", "expected"), [("PAK", 70.4), ("SLV", 87.5)])
def test_weo_debt_matches_provenance_spot_checks(macro, iso3, expected):
    assert value(macro, iso3, 2024, "gov_gross_debt_pct_gdp") == pytest.approx(expected, abs=0.05)


def test_wdi_derived_remittances_match_spot_check(macro):
    assert value(macro, "SLV", 2023, "remittances_pct_gdp") == pytest.approx(24.7, abs=0.05)


def test_wdi_reserves_are_in_billions(macro):
    assert value(macro, "SLV", 2023, "reserves_usd_bn") == pytest.approx(3.08, abs=0.005)
    assert value(macro, "PAK", 2023, "reserves_usd_bn") == pytest.approx(13.7, abs=0.05)


def test_every_2030_value_is_a_projection(macro):
    assert macro.filter(pl.col("year") == 2030)["is_projection"].all()


def test_2015_values_are_actual_for_pakistan_and_el_salvador(macro):
    rows = macro.filter(pl.col("year") == 2015, pl.col("iso3").is_in(["PAK", "SLV"]))
    assert rows.height > 0
    assert not rows["is_projection"].any()


def test_fiscal_year_country_last_fiscal_year_is_flagged_projection(macro):
    # Pakistan's last actual is FY2024/25; WEO year 2025 is read conservatively as projection.
    rows = macro.filter(pl.col("iso3") == "PAK", pl.col("indicator") == "gdp_usd_bn")
    assert rows.filter(pl.col("year") == 2024)["is_projection"].item() is False
    assert rows.filter(pl.col("year") == 2025)["is_projection"].item() is True


def test_wdi_rows_are_never_projections(macro):
    assert not macro.filter(pl.col("source_id") == wdi.SOURCE_ID)["is_projection"].any()


def test_macro_covers_1990_to_2030_only(macro):
    assert macro["year"].min() == weo.FIRST_YEAR
    assert macro["year"].max() == weo.LAST_YEAR


def test_macro_countries_are_in_countries_csv_and_not_aggregates(macro):
    known = set(read_table("countries")["iso3"])
    assert set(macro["iso3"]) <= known
    assert vocab.WORLD_ISO3 not in set(macro["iso3"])


@pytest.mark.parametrize(
    ("label", "expected"),
    [("2024", 2024), ("FY2024/25", 2024), ("FY2019/20", 2019), (None, None), ("", None)],
)
def test_last_actual_year_reads_labels_conservatively(label, expected):
    assert weo.last_actual_year(label) == expected


def test_unknown_last_actual_label_is_an_error():
    with pytest.raises(IngestError):
        weo.last_actual_year("Q3 2024")


def test_missing_last_actual_year_makes_every_year_a_projection():
    frame = pl.DataFrame({"year": [1990, 2024, 2025], "last": [2024, 2024, None]})
    flags = frame.select(weo.projection_flag(pl.col("year"), pl.col("last")))["year"].to_list()
    assert flags == [False, False, True]


def test_positions_csv_matches_its_schema(imf_positions):
    TABLES["imf_positions"].model.validate(imf_positions)


def test_quota_for_every_member_on_the_report_date(imf_positions):
    quota = imf_positions.filter(pl.col("measure") == "quota_sdr_m")
    assert quota.height == 190
    assert (quota["as_of"] == positions.AS_OF).all()


def test_empty_schedule_cells_give_no_row(imf_positions):
    afg = imf_positions.filter(pl.col("iso3") == "AFG", pl.col("as_of") == positions.AS_OF)
    assert "gra_credit_sdr_m" not in set(afg["measure"])
    assert afg.filter(pl.col("measure") == "prgt_credit_sdr_m")["value"].item() == 374.3


def test_members_without_credit_have_zero_total(imf_positions):
    dza = imf_positions.filter(pl.col("iso3") == "DZA", pl.col("measure") == "total_credit_sdr_m")
    assert dza["value"].item() == 0.0


def test_total_credit_is_the_sum_of_the_schedules(imf_positions):
    wide = imf_positions.filter(pl.col("as_of") == positions.AS_OF).pivot(
        "measure", index="iso3", values="value"
    )
    parts = pl.sum_horizontal("gra_credit_sdr_m", "prgt_credit_sdr_m", "rst_credit_sdr_m")
    gap = wide.select((pl.col("total_credit_sdr_m") - parts).abs().max()).item()
    assert gap < 0.15  # each part is rounded to 0.1 in the report


def test_yearly_imf_credit_is_dated_31_december_in_usd_m(imf_positions):
    credit = imf_positions.filter(pl.col("measure") == "use_of_imf_credit_usd_m")
    assert credit["as_of"].dt.month().eq(12).all() and credit["as_of"].dt.day().eq(31).all()
    assert credit["as_of"].min() >= dt.date(wdi.FIRST_YEAR, 1, 1)
    arg = credit.filter(pl.col("iso3") == "ARG", pl.col("as_of") == dt.date(2023, 12, 31))
    assert arg["value"].item() == pytest.approx(47612.4)


@needs_raw
def test_committed_macro_and_positions_match_a_rebuild(macro, imf_positions):
    ctx = IngestContext(shared=SHARED, curated=DATASETS / "curated")
    dataset_sources.build(ctx)
    ctx.tables["countries"] = countries.build(ctx)["countries"]
    weo_part, wdi_part, qfr_part = weo.build(ctx), wdi.build(ctx), positions.build(ctx)
    rebuilt_macro = pl.concat([weo_part["macro"], wdi_part["macro"]])
    rebuilt_positions = pl.concat([wdi_part["imf_positions"], qfr_part["imf_positions"]])
    assert finalize_table("macro", rebuilt_macro).equals(macro)
    assert finalize_table("imf_positions", rebuilt_positions).equals(imf_positions)

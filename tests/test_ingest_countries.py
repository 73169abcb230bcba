"""countries.csv and country-name resolution.

Tests on the committed CSVs always run; tests that read the raw extracts skip when
../shared/sources (or $RISKSCORE_SHARED/sources) is absent, e.g. on a clean clone.
"""

from __future__ import annotations

import polars as pl
import pytest
from conftest import CURATED, SHARED, needs_raw, read_table

from riskscore import vocab
from riskscore.ingest import countries as countries_module
from riskscore.ingest import dataset_sources
from riskscore.ingest.common import IngestContext, IngestError, finalize_table
from riskscore.ingest.country_names import (
    ALIASES_FILE,
    CountryNames,
    country_names,
    load_aliases,
    merge_exact,
    to_iso3,
)
from riskscore.schemas import TABLES


@pytest.fixture(scope="module")
def countries() -> pl.DataFrame:
    return read_table("countries")


@pytest.fixture(scope="module")
def ctx() -> IngestContext:
    context = IngestContext(shared=SHARED, curated=CURATED)
    dataset_sources.build(context)
    return context


def test_countries_csv_matches_its_schema(countries):
    TABLES["countries"].model.validate(countries)


def test_every_imf_member_is_listed(countries):
    assert countries["imf_member"].sum() in (190, 191)


def test_liechtenstein_is_a_member_only_with_its_accession_date(countries):
    lie = countries.filter(pl.col("iso3") == "LIE").row(0, named=True)
    if lie["imf_member"]:
        assert lie["joined_imf_on"] == countries_module.LIECHTENSTEIN_ACCESSION.joined_on
        assert lie["source_id"].startswith("web:")


def test_kosovo_uses_xkx_not_the_imf_code(countries):
    codes = set(countries["iso3"])
    assert vocab.KOSOVO_ISO3 in codes
    assert "KOS" not in codes


def test_non_members_other_tables_need_are_listed(countries):
    non_members = set(countries.filter(~pl.col("imf_member"))["iso3"])
    assert {"TWN", "HKG", "MAC", "PRI", "ABW", "PSE", "CUB", vocab.WORLD_ISO3} <= non_members


def test_world_row_is_the_membership_wide_stand_in(countries):
    world = countries.filter(pl.col("iso3") == vocab.WORLD_ISO3).row(0, named=True)
    assert world["name"] == "World (IMF membership-wide)"
    assert world["imf_member"] is False
    assert world["region"] is None


def test_joined_imf_on_is_null_without_a_source(countries):
    dated = countries.filter(pl.col("joined_imf_on").is_not_null())
    assert dated["source_id"].str.contains("web:").all()


def test_member_rows_cite_the_imf_member_list(countries):
    members = countries.filter(pl.col("imf_member"), pl.col("iso3") != "LIE")
    assert members["source_id"].str.contains("imf_qfr_2024_01").all()


def test_imf_code_rows_cite_the_crosswalk(countries):
    coded = countries.filter(pl.col("imf_code").is_not_null())
    assert coded["source_id"].str.contains("imf_country_codes").all()
    assert countries.filter(pl.col("iso3") == "PAK")["imf_code"].item() == 564


def test_alias_file_is_well_formed(countries):
    aliases = pl.read_csv(CURATED / ALIASES_FILE, infer_schema=False)
    assert aliases.columns == ["name", "iso3", "note"]
    assert not aliases["name"].is_duplicated().any()
    assert aliases["note"].is_not_null().all()
    assert set(aliases["iso3"]) <= set(countries["iso3"])


def test_aliases_resolve_without_raw_files():
    names = CountryNames(exact={}, aliases=load_aliases(CURATED))
    assert names.resolve("Mainland China") == "CHN"
    assert names.resolve("Iran, I.R. of") == "IRN"
    assert names.resolve("Congo, Dem. Rep. of") == "COD"
    assert names.resolve(" Taiwan ") == "TWN"


def test_exact_name_wins_over_alias_and_unknown_is_none():
    names = CountryNames(exact={"Georgia": "GEO"}, aliases={"Sakartvelo": "GEO"})
    assert names.resolve("Georgia") == "GEO"
    assert names.resolve("Sakartvelo") == "GEO"
    assert names.resolve("Atlantis") is None
    assert names.resolve(None) is None


def test_one_name_for_two_countries_is_an_error():
    with pytest.raises(IngestError):
        merge_exact({"Congo": "COG"}, [("Congo", "COD")], "test")


def test_imf_codes_that_are_not_iso3_are_mapped():
    assert to_iso3("KOS") == vocab.KOSOVO_ISO3
    assert to_iso3("WBG") == "PSE"
    assert to_iso3("ROM") == "ROU"
    assert to_iso3("PAK") == "PAK"


@needs_raw
@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Iran, Islamic Rep.", "IRN"),
        ("Egypt, Arab Rep.", "EGY"),
        ("Congo, Dem. Rep.", "COD"),
        ("Kosovo, Republic of", vocab.KOSOVO_ISO3),
        ("Türkiye, Republic of", "TUR"),
        ("West Bank and Gaza", "PSE"),
        ("Romania", "ROU"),
        ("Mainland China", "CHN"),
        ("Lao People’s Dem. Rep.", "LAO"),
    ],
)
def test_source_names_resolve(ctx, name, iso3):
    assert country_names(ctx).resolve(name) == iso3


@needs_raw
def test_defunct_state_stays_unresolved(ctx):
    assert country_names(ctx).resolve("Yugoslavia, SFR") is None


@needs_raw
def test_every_member_of_the_imf_list_is_a_member(ctx, countries):
    members = pl.read_csv(SHARED / "sources" / countries_module.QFR_MEMBERS, infer_schema=False)
    listed = {to_iso3(code) for code in members["iso3"]}
    assert len(listed) == 190
    assert listed <= set(countries.filter(pl.col("imf_member"))["iso3"])


@needs_raw
def test_committed_countries_match_a_rebuild(ctx, countries):
    rebuilt = finalize_table("countries", countries_module.build(ctx)["countries"])
    assert rebuilt.equals(countries)

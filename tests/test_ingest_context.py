"""Context tables: BTC, electricity, adoption ranks, hashrate, crises, debt distress.

Tests on the committed CSVs always run; the rebuild test skips without the raw extracts.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import DATASETS, SHARED, needs_raw, read_table

from riskscore import vocab
from riskscore.ingest import context, countries, dataset_sources
from riskscore.ingest.common import IngestContext, finalize_table
from riskscore.schemas import TABLES

CONTEXT_TABLES = [
    "btc_usd_monthly",
    "electricity_generation",
    "crypto_adoption_ranks",
    "mining_hashrate_shares",
    "crisis_years",
    "debt_distress_ratings",
]


@pytest.mark.parametrize("name", CONTEXT_TABLES)
def test_context_table_matches_its_schema_and_key(name):
    frame = read_table(name)
    TABLES[name].model.validate(frame)
    assert frame.height > 0
    assert not frame.select(TABLES[name].primary_key).is_duplicated().any()


@pytest.mark.parametrize("name", [n for n in CONTEXT_TABLES if n != "btc_usd_monthly"])
def test_context_countries_are_in_countries_csv(name):
    assert set(read_table(name)["iso3"]) <= set(read_table("countries")["iso3"])


def test_cbeci_percent_strings_parse_to_numbers():
    frame = pl.DataFrame({"share": ["75.53%", "6.1%", " 0% "]})
    assert frame.select(context.percent_value("share"))["share"].to_list() == [75.53, 6.1, 0.0]


def test_cbeci_footnote_marks_are_stripped():
    frame = pl.DataFrame({"country": ["Germany *", "Ireland *", "Mainland China"]})
    cleaned = frame.select(context.without_footnote_marks("country"))["country"].to_list()
    assert cleaned == ["Germany", "Ireland", "Mainland China"]


def test_btc_closes_are_month_ends():
    btc = read_table("btc_usd_monthly")
    assert (btc["month_end_on"] == btc["month_end_on"].dt.month_end()).all()
    feb_2022 = btc.filter(pl.col("month_end_on") == dt.date(2022, 2, 28))["close_usd"].item()
    assert feb_2022 == pytest.approx(43193.23, abs=0.01)  # PROVENANCE cross-check with Yahoo


def test_electricity_prefers_the_2025_vintage():
    gen = read_table("electricity_generation")
    pak = gen.filter(pl.col("iso3") == "PAK", pl.col("year") == 2021).row(0, named=True)
    assert pak["source_id"] == "owid_electricity_2025"
    assert pak["generation_twh"] == pytest.approx(162, abs=1)  # PROVENANCE: 162 vs 130 (2022 ed.)
    assert set(gen["source_id"]) == {"owid_electricity_2025", "owid_electricity_2022"}


def test_electricity_2022_edition_only_fills_years_it_covers():
    gen = read_table("electricity_generation")
    older = gen.filter(pl.col("source_id") == "owid_electricity_2022")
    assert older.height > 0
    assert older["year"].max() <= 2021  # the 2022 edition ends in 2021


@pytest.mark.parametrize(
    ("iso3", "year", "rank"),
    [("PAK", 2024, 9), ("PAK", 2023, 8), ("PAK", 2022, 6), ("SLV", 2024, 106), ("SLV", 2022, 55)],
)
def test_adoption_ranks_match_provenance_spot_checks(iso3, year, rank):
    ranks = read_table("crypto_adoption_ranks")
    assert (
        ranks.filter(pl.col("iso3") == iso3, pl.col("year") == year)["adoption_rank"].item() == rank
    )


def test_hashrate_shares_map_mainland_china_and_drop_other():
    shares = read_table("mining_hashrate_shares")
    chn = shares.filter(pl.col("iso3") == "CHN", pl.col("month_on") == dt.date(2019, 9, 1))
    assert chn["hashrate_share_pct"].item() == 75.53
    assert {"DEU", "IRL", "IRN"} <= set(shares["iso3"])
    assert (shares["month_on"].dt.day() == 1).all()
    monthly = shares.group_by("month_on").agg(pl.col("hashrate_share_pct").sum())
    assert monthly["hashrate_share_pct"].max() < 100  # 'Other' is not in the table


def test_crisis_years_use_the_vocabulary():
    crises = read_table("crisis_years")
    assert set(crises["crisis_type"]) <= set(vocab.CRISIS_TYPES)
    assert crises["year"].is_between(1970, 2017).all()


def test_debt_distress_dates_and_ratings():
    ratings = read_table("debt_distress_ratings")
    assert set(ratings["risk_of_debt_distress"]) <= set(vocab.DEBT_DISTRESS_RISKS)
    historical = ratings.filter(pl.col("as_of") < dt.date(2019, 1, 1))
    assert (historical["as_of"].dt.month() == 12).all() and (
        historical["as_of"].dt.day() == 31
    ).all()
    list_dates = {d.isoformat() for d in ratings.filter(pl.col("as_of").dt.year() == 2023)["as_of"]}
    assert list_dates == {"2023-01-31", "2023-06-30", "2023-08-31", "2023-11-30"}
    afg = ratings.filter(pl.col("iso3") == "AFG", pl.col("as_of") == dt.date(2018, 12, 31))
    assert afg["risk_of_debt_distress"].item() == "high"


def test_mac_dsa_countries_get_no_rating():
    ratings = read_table("debt_distress_ratings")
    late_2023 = ratings.filter(pl.col("as_of") == dt.date(2023, 11, 30))
    assert not {"MNG", "NGA", "VNM", "BOL", "ERI"} & set(late_2023["iso3"])


@needs_raw
def test_committed_context_tables_match_a_rebuild():
    ctx = IngestContext(shared=SHARED, curated=DATASETS / "curated")
    dataset_sources.build(ctx)
    ctx.tables["countries"] = countries.build(ctx)["countries"]
    for name, frame in context.build(ctx).items():
        assert finalize_table(name, frame).equals(read_table(name)), name

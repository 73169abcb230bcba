"""IMF arrangements, reviews and staff-level agreements: matching rules, precedence, output.

Three kinds of test: the matching/precedence logic on tiny hand-made frames; the shipped
CSVs in datasets/ (run anywhere, CI included); and a rebuild from ../shared, skipped when
the raw sources are not on this machine.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import polars as pl
import pytest

from riskscore import settings
from riskscore.ingest import arrangement_codes as codes
from riskscore.ingest import arrangement_sources as src
from riskscore.ingest import arrangements, dataset_sources
from riskscore.ingest.arrangement_events import apply_events, derive_status
from riskscore.ingest.common import IngestContext
from riskscore.ingest.staff_level_agreements import sla_components, sla_stages
from riskscore.schemas import TABLES

DATASETS = settings.REPO_DIR / "datasets"
SHARED = Path(os.environ.get("RISKSCORE_SHARED", settings.REPO_DIR / settings.SHARED_DIR))
D = dt.date
WINDOW = arrangements.MATCH_WINDOW_DAYS


# --- helpers ------------------------------------------------------------------------------------
def candidate(**values) -> dict:
    """One candidate row with every column present (defaults for the rest)."""
    row = dict.fromkeys(src.CANDIDATE_SCHEMA)
    row |= {"source_id": "x", "approved_precision": "day", "cancelled": False}
    row |= {"completed": False, "off_track": False}
    row |= values
    if row["source_key"] is None:
        row["source_key"] = f"{row['source']}:{row['facility']}:{row['approved_on']}"
    return row


def frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=src.CANDIDATE_SCHEMA)


def reconcile_rows(*rows: dict) -> pl.DataFrame:
    """Run merge, match and resolve on hand-made candidates."""
    matched = arrangements.match_candidates(arrangements.merge_same_day_legs(frame(*rows)))
    return arrangements.resolve(matched)[0]


def event(kind: str, iso3: str, facility: str, on: dt.date | None, **values) -> dict:
    row = {
        "event": kind, "source_id": "web:e", "source_key": "curated:e", "iso3": iso3,
        "facility": facility, "event_on": on, "new_end_on": None, "amount_sdr_m": None,
        "amount_usd_m": None, "notes": None, "source_notes": None,
    }  # fmt: skip
    return row | values


def events_frame(*rows: dict) -> pl.DataFrame:
    schema = {"event_on": pl.Date, "new_end_on": pl.Date}
    schema |= {"amount_sdr_m": pl.Float64, "amount_usd_m": pl.Float64}
    return pl.DataFrame(list(rows), schema_overrides=schema)


def read_shipped(name: str) -> pl.DataFrame:
    """A shipped table, typed by its schema."""
    columns = TABLES[name].model.to_schema().columns
    dtypes = {c: columns[c].dtype.type for c in TABLES[name].columns}
    return pl.read_csv(DATASETS / TABLES[name].file, schema=dtypes)


@pytest.fixture(scope="module")
def shipped() -> pl.DataFrame:
    return read_shipped("imf_arrangements")


def rows_of(table: pl.DataFrame, iso3: str, facility: str, year: int) -> pl.DataFrame:
    return table.filter(
        pl.col("iso3") == iso3,
        pl.col("facility") == facility,
        pl.col("approved_on").dt.year() == year,
    )


# --- matching window and families --------------------------------------------------------------
def test_dates_a_day_apart_match():
    assert arrangements.date_gap(D(2020, 1, 1), "day", D(2020, 1, 2), "day") == 1


def test_dates_at_the_window_edge_match_and_one_more_day_does_not():
    start = D(2010, 6, 1)
    assert arrangements.date_gap(start, "day", start + dt.timedelta(WINDOW), "day") == WINDOW
    assert arrangements.date_gap(start, "day", start + dt.timedelta(WINDOW + 1), "day") is None


def test_month_precision_date_matches_any_day_of_its_month_only():
    assert arrangements.date_gap(D(2023, 7, 31), "month", D(2023, 7, 17), "day") is not None
    assert arrangements.date_gap(D(2023, 7, 31), "month", D(2023, 8, 1), "day") is None


def test_prgf_esaf_and_ecf_are_one_family_and_blends_belong_to_both_legs():
    assert codes.families("PRGF") == codes.families("ESAF") == codes.families("ECF")
    assert codes.families("EFF/ECF") == frozenset({"EFF", "ECF"})
    assert not codes.families("SBA") & codes.families("EFF")


def test_source_spellings_of_a_blend_become_one_code():
    assert codes.canonical_facility("ECF-EFF") == "EFF/ECF"
    assert codes.canonical_facility("ECF/EFF") == "EFF/ECF"
    assert codes.canonical_facility("EFF-ECF blend") == "EFF/ECF"
    assert codes.canonical_facility("SBA-SCF") == "SBA/SCF"


# --- within one source ------------------------------------------------------------------------
def test_same_day_gra_and_prgt_legs_of_one_source_become_one_blend_row():
    merged = arrangements.merge_same_day_legs(
        frame(
            candidate(source="qfr", iso3="BGD", facility="EFF", approved_on=D(2023, 1, 30),
                      amount_sdr_m=1646.0),
            candidate(source="qfr", iso3="BGD", facility="ECF", approved_on=D(2023, 1, 30),
                      amount_sdr_m=822.8),
            candidate(source="qfr", iso3="BGD", facility="RSF", approved_on=D(2023, 1, 30),
                      amount_sdr_m=1000.0),
        )
    )  # fmt: skip
    assert sorted(merged["facility"]) == ["EFF/ECF", "RSF"]
    blend = merged.filter(pl.col("facility") == "EFF/ECF")
    assert blend["amount_sdr_m"].item() == pytest.approx(2468.8)


def test_one_facility_listed_twice_on_a_day_is_one_arrangement():
    merged = arrangements.merge_same_day_legs(
        frame(
            candidate(source="lending_1952_2019", iso3="BDI", facility="SBA",
                      approved_on=D(1986, 8, 8), amount_sdr_m=29.89, source_key="a"),
            candidate(source="lending_1952_2019", iso3="BDI", facility="SBA",
                      approved_on=D(1986, 8, 8), amount_sdr_m=21.0, source_key="b"),
        )
    )  # fmt: skip
    assert merged.height == 1
    assert merged["amount_sdr_m"].item() == pytest.approx(50.89)


# --- across sources ---------------------------------------------------------------------------
def test_rows_of_two_sources_a_day_apart_are_one_arrangement():
    out = reconcile_rows(
        candidate(source="mona", iso3="PAK", facility="EFF", approved_on=D(2019, 7, 3)),
        candidate(
            source="lending_1952_2019", iso3="PAK", facility="EFF", approved_on=D(2019, 7, 4)
        ),
    )
    assert out.height == 1
    assert out["approved_on"].item() == D(2019, 7, 3)


def test_rows_beyond_the_window_are_two_arrangements():
    out = reconcile_rows(
        candidate(source="mona", iso3="HTI", facility="SBA", approved_on=D(1959, 7, 14)),
        candidate(source="lending_1952_2019", iso3="HTI", facility="SBA",
                  approved_on=D(1959, 7, 14) + dt.timedelta(WINDOW + 1)),
    )  # fmt: skip
    assert out.height == 2


def test_cancel_and_replace_listed_by_one_source_stay_two_arrangements():
    out = reconcile_rows(
        candidate(source="qfr", iso3="SYC", facility="EFF", approved_on=D(2023, 5, 30)),
        candidate(source="qfr", iso3="SYC", facility="EFF", approved_on=D(2023, 5, 31)),
        candidate(source="mona", iso3="SYC", facility="EFF", approved_on=D(2023, 5, 31)),
    )
    assert out.height == 2


def test_different_families_on_one_day_are_two_arrangements():
    out = reconcile_rows(
        candidate(source="curated", iso3="COD", facility="ECF", approved_on=D(2025, 1, 15)),
        candidate(source="curated", iso3="COD", facility="RSF", approved_on=D(2025, 1, 15)),
        candidate(source="facts", iso3="COD", facility="RSF", approved_on=D(2025, 1, 15)),
    )
    assert sorted(out["facility"]) == ["ECF", "RSF"]


def test_a_row_joins_the_closest_arrangement_in_the_window():
    out = reconcile_rows(
        candidate(source="qfr", iso3="MWI", facility="ECF", approved_on=D(2012, 7, 22)),
        candidate(source="qfr", iso3="MWI", facility="ECF", approved_on=D(2012, 7, 30)),
        candidate(source="mona", iso3="MWI", facility="ECF", approved_on=D(2012, 7, 29),
                  amount_sdr_m=5.0),
    )  # fmt: skip
    later = out.filter(pl.col("approved_on") == D(2012, 7, 30))
    assert later["amount_sdr_m"].item() == 5.0


# --- precedence ---------------------------------------------------------------------------------
def test_higher_source_wins_a_conflict_and_the_loser_is_noted():
    out = reconcile_rows(
        candidate(source="qfr", iso3="PAK", facility="EFF", approved_on=D(2019, 7, 3),
                  amount_sdr_m=4988.0),
        candidate(source="mona", iso3="PAK", facility="EFF", approved_on=D(2019, 7, 3),
                  amount_sdr_m=4268.0),
    )  # fmt: skip
    assert out["amount_sdr_m"].item() == 4988.0
    assert any("conflict on amount_sdr_m" in n and "mona 4268" in n for n in out["notes"].item())


def test_a_field_the_winner_lacks_comes_from_the_next_source():
    out = reconcile_rows(
        candidate(source="curated", iso3="ARG", facility="EFF", approved_on=D(2025, 4, 11),
                  amount_usd_m=20000.0),
        candidate(source="facts", iso3="ARG", facility="EFF", approved_on=D(2025, 4, 11),
                  amount_sdr_m=15267.0),
    )  # fmt: skip
    assert out["amount_sdr_m"].item() == 15267.0
    assert out["amount_usd_m"].item() is None  # US$ only where no SDR amount is known
    assert "amount_sdr_m from facts" in out["notes"].item()


def test_a_day_date_beats_a_month_date_even_from_a_lower_source():
    out = reconcile_rows(
        candidate(source="facts", iso3="KEN", facility="RSF", approved_on=D(2023, 7, 31),
                  approved_precision="month"),
        candidate(source="lending_1952_2019", iso3="KEN", facility="RSF",
                  approved_on=D(2023, 7, 17)),
    )  # fmt: skip
    assert out["approved_on"].item() == D(2023, 7, 17)


def test_a_month_only_approval_is_left_out():
    out = reconcile_rows(
        candidate(source="facts", iso3="KEN", facility="RSF", approved_on=D(2023, 7, 31),
                  approved_precision="month"),
    )  # fmt: skip
    assert out.height == 0


def test_a_single_leg_is_widened_to_the_blend_another_source_lists():
    out = reconcile_rows(
        candidate(source="qfr", iso3="SOM", facility="ECF", approved_on=D(2020, 3, 25),
                  amount_sdr_m=252.9),
        candidate(source="mona", iso3="SOM", facility="EFF/ECF", approved_on=D(2020, 3, 25),
                  amount_sdr_m=292.4),
    )  # fmt: skip
    assert out["facility"].item() == "EFF/ECF"
    assert out["amount_sdr_m"].item() == 292.4


# --- events and status ----------------------------------------------------------------------------
@pytest.fixture
def egypt() -> pl.DataFrame:
    return reconcile_rows(
        candidate(source="qfr", iso3="EGY", facility="EFF", approved_on=D(2022, 12, 16),
                  amount_sdr_m=2350.0, amount_as_of=D(2024, 1, 31), expires_on=D(2026, 10, 15)),
    )  # fmt: skip


def test_an_augmentation_after_the_amount_vintage_is_added(egypt):
    out, _ = apply_events(
        egypt,
        events_frame(event("augmentation", "EGY", "EFF", D(2024, 3, 29), amount_sdr_m=3760.0)),
    )
    assert out["amount_sdr_m"].item() == 6110.0
    assert "augmented on 2024-03-29 by SDR 3760m (added)" in out["notes"].item()


def test_an_augmentation_the_amount_already_includes_is_only_noted(egypt):
    out, _ = apply_events(
        egypt, events_frame(event("augmentation", "EGY", "EFF", D(2023, 6, 1), amount_sdr_m=10.0))
    )
    assert out["amount_sdr_m"].item() == 2350.0


def test_a_usd_augmentation_is_not_added_to_an_sdr_amount(egypt):
    out, _ = apply_events(
        egypt, events_frame(event("augmentation", "EGY", "EFF", D(2024, 3, 29), amount_usd_m=5.0))
    )
    assert out["amount_sdr_m"].item() == 2350.0


def test_an_extension_moves_the_scheduled_end(egypt):
    out, _ = apply_events(
        egypt,
        events_frame(event("extension", "EGY", "EFF", D(2025, 1, 1), new_end_on=D(2027, 1, 1))),
    )
    assert out["expires_on"].item() == D(2027, 1, 1)


def test_a_cancellation_sets_ended_on_and_the_status(egypt):
    out, _ = apply_events(egypt, events_frame(event("cancellation", "EGY", "EFF", D(2025, 2, 1))))
    final = derive_status(out, D(2026, 2, 26))
    assert final["ended_on"].item() == D(2025, 2, 1)
    assert final["status"].item() == "cancelled"


def test_an_event_acts_on_the_latest_arrangement_approved_before_it():
    two = reconcile_rows(
        candidate(source="qfr", iso3="CHL", facility="FCL", approved_on=D(2022, 8, 29)),
        candidate(source="curated", iso3="CHL", facility="FCL", approved_on=D(2024, 8, 27)),
    )
    out, _ = apply_events(two, events_frame(event("cancellation", "CHL", "FCL", D(2024, 8, 27))))
    cancelled = out.filter(pl.col("cancelled"))
    assert cancelled["approved_on"].to_list() == [D(2022, 8, 29)]


def test_an_event_without_an_arrangement_is_returned_not_dropped(egypt):
    _, unmatched = apply_events(
        egypt, events_frame(event("cancellation", "CHL", "SLL", D(2022, 8, 29)))
    )
    assert unmatched["iso3"].to_list() == ["CHL"]


@pytest.mark.parametrize(
    ("expires_on", "completed", "status"),
    [(D(2027, 1, 1), False, "active"), (D(2025, 1, 1), False, "expired"),
     (D(2025, 1, 1), True, "completed"), (None, False, "active")],
)  # fmt: skip
def test_status_follows_the_scheduled_end_and_completion(expires_on, completed, status):
    out = reconcile_rows(
        candidate(source="qfr", iso3="JOR", facility="EFF", approved_on=D(2024, 1, 10),
                  expires_on=expires_on, completed=completed),
    )  # fmt: skip
    assert derive_status(out, D(2026, 2, 26))["status"].item() == status


def test_emergency_financing_is_disbursed_and_ends_on_approval():
    out = reconcile_rows(
        candidate(source="curated", iso3="UKR", facility="RFI", approved_on=D(2022, 3, 9)),
        candidate(source="facts", iso3="UKR", facility="RFI", approved_on=D(2022, 3, 7),
                  expires_on=D(2022, 3, 7)),
    )  # fmt: skip
    final = derive_status(out, D(2026, 2, 26))
    assert final["status"].item() == "disbursed"
    assert final["expires_on"].item() == D(2022, 3, 9)


# --- sources with per-row URLs --------------------------------------------------------------------
def test_added_arrangements_file_is_read_like_the_fact_base(tmp_path):
    added = tmp_path / "imf_arrangements_added.csv"
    added.write_text(
        "program_id,country_iso3,country_name,facility,approval_date,end_date,end_date_precision,"
        "amount_sdr_millions,amount_usd_millions,status,source_url,confidence,notes\n"
        "ADD-1,ARM,Armenia,SBA,2025-12-03,,,128.8,175,active,https://example.org/a,high,\n"
    )
    ctx = IngestContext(shared=tmp_path, curated=tmp_path)
    rows = src.read_fact_programs(ctx, added, src.ADDED)
    assert rows["approved_on"].to_list() == [D(2025, 12, 3)]
    assert rows["source_id"].item().startswith("web:")


def test_a_missing_added_file_yields_no_rows(tmp_path):
    ctx = IngestContext(shared=tmp_path, curated=tmp_path)
    assert src.read_fact_programs(ctx, tmp_path / "absent.csv", src.ADDED).height == 0


def test_staff_level_agreement_stages_split_by_facility():
    pairs, _ = sla_stages("EFF review 1 + new RSF", sla_components("EFF+RSF"))
    assert pairs == [("EFF", "review 1"), ("RSF", "new arrangement")]


def test_combined_reviews_in_an_agreement_become_one_stage_each():
    pairs, notes = sla_stages("reviews 1+2 and augmentation", sla_components("EFF"))
    assert pairs == [("EFF", "review 1"), ("EFF", "review 2")]
    assert notes == ["augmentation"]


def test_a_new_agreement_naming_no_facility_covers_all_of_them():
    pairs, _ = sla_stages("new", sla_components("ECF+RSF"))
    assert pairs == [("ECF", "new arrangement"), ("RSF", "new arrangement")]


# --- the shipped tables (no ../shared needed) ----------------------------------------------------
@pytest.mark.parametrize("name", ["imf_arrangements", "imf_reviews", "imf_staff_level_agreements"])
def test_shipped_table_validates_against_its_schema(name):
    TABLES[name].model.validate(read_shipped(name), lazy=True)


@pytest.mark.parametrize("name", ["imf_arrangements", "imf_reviews", "imf_staff_level_agreements"])
def test_shipped_table_has_a_unique_primary_key(name):
    key = list(TABLES[name].primary_key)
    assert read_shipped(name).select(key).is_duplicated().sum() == 0


@pytest.mark.parametrize(
    ("iso3", "facility", "year"),
    [("PAK", "EFF", 2019), ("PAK", "SBA", 2023), ("PAK", "EFF", 2024), ("SLV", "EFF", 2025),
     ("ARG", "SBA", 2018), ("ARG", "EFF", 2022), ("ARG", "EFF", 2025)],
)  # fmt: skip
def test_key_program_appears_exactly_once(shipped, iso3, facility, year):
    assert rows_of(shipped, iso3, facility, year).height == 1


@pytest.mark.parametrize(
    ("iso3", "approved_on"),
    [("BGD", D(2023, 1, 30)), ("ARM", D(2010, 6, 28)), ("HND", D(2014, 12, 3)),
     ("KEN", D(2021, 4, 2)), ("SEN", D(2021, 6, 7))],
)  # fmt: skip
def test_blend_is_one_row(shipped, iso3, approved_on):
    same_day = shipped.filter(pl.col("iso3") == iso3, pl.col("approved_on") == approved_on)
    lending = same_day.filter(pl.col("facility") != "RSF")
    assert lending.height == 1
    assert "/" in lending["facility"].item()


def test_blend_amount_is_the_combined_access(shipped):
    # 2024-01-31 report: EFF 1,646 + ECF 822.8; augmented by SDR 567.19m on 2025-06-23
    bgd = shipped.filter(pl.col("arrangement_id") == "BGD-EFF/ECF-2023-01-30")
    assert bgd["amount_sdr_m"].item() == pytest.approx(1646 + 822.8 + 567.19)


def test_srf_component_is_not_a_row(shipped):
    korea = shipped.filter(pl.col("iso3") == "KOR", pl.col("approved_on") == D(1997, 12, 4))
    assert korea["facility"].to_list() == ["SBA"]


def test_no_two_rows_of_one_family_fall_within_the_match_window(shipped):
    rows = shipped.select("arrangement_id", "iso3", "facility", "approved_on").to_dicts()
    by_country: dict[str, list[dict]] = {}
    for row in rows:
        by_country.setdefault(row["iso3"], []).append(row)
    close = [
        (a["arrangement_id"], b["arrangement_id"])
        for group in by_country.values()
        for i, a in enumerate(group)
        for b in group[i + 1 :]
        if codes.families(a["facility"]) & codes.families(b["facility"])
        and abs((a["approved_on"] - b["approved_on"]).days) <= WINDOW
    ]  # fmt: skip
    assert close == []


def test_usd_amounts_of_1952_1971_never_land_in_amount_sdr_m(shipped):
    only_1952_2017 = shipped.filter(
        pl.col("source_id") == "imf_arrangements_1952_2017", pl.col("approved_on").dt.year() < 1972
    )
    assert only_1952_2017.height > 0
    assert only_1952_2017["amount_sdr_m"].null_count() == only_1952_2017.height
    assert only_1952_2017["amount_usd_m"].null_count() == 0


def test_curated_events_reach_their_arrangements(shipped):
    by_id = {r["arrangement_id"]: r for r in shipped.iter_rows(named=True)}
    assert by_id["EGY-EFF-2022-12-16"]["amount_sdr_m"] == pytest.approx(2350 + 3760)
    assert by_id["CHL-FCL-2022-08-29"]["ended_on"] == D(2024, 8, 27)
    assert by_id["NPL-ECF-2022-01-12"]["expires_on"] == D(2026, 5, 11)
    assert by_id["MWI-ECF-2023-11-14"]["status"] == "lapsed"  # approval day corrected
    assert by_id["SEN-EFF/ECF-2023-06-26"]["status"] == "suspended"


def test_web_sourced_rows_cite_their_page(shipped):
    slv = shipped.filter(pl.col("arrangement_id") == "SLV-EFF-2025-02-26")
    assert slv["source_id"].item().startswith("web:")


def test_every_review_points_at_a_shipped_arrangement(shipped):
    orphans = read_shipped("imf_reviews").join(shipped, on="arrangement_id", how="anti")
    assert orphans.height == 0


def test_final_and_not_completed_reviews_keep_their_meaning():
    shipped_reviews = read_shipped("imf_reviews")
    pak = shipped_reviews.filter(
        pl.col("arrangement_id") == "PAK-SBA-2023-07-12", pl.col("review_no") == 2
    )
    assert "final" in pak["notes"].item()
    lka = shipped_reviews.filter(
        pl.col("arrangement_id") == "LKA-EFF-2023-03-20", pl.col("review_no") == 5
    )
    assert lka["completed_on"].item() is None
    assert "NOT completed" in lka["notes"].item()


def test_staff_level_agreement_stages_are_new_or_a_numbered_review():
    stages = read_shipped("imf_staff_level_agreements")["stage"]
    assert stages.str.contains(r"^(new arrangement|review \d+)$").all()


# --- rebuilt from ../shared (skipped without it) --------------------------------------------------
needs_shared = pytest.mark.skipif(
    not (SHARED / "sources").is_dir(), reason=f"raw sources not found at {SHARED}"
)


@pytest.fixture(scope="module")
def rebuilt():
    ctx = IngestContext(shared=SHARED, curated=DATASETS / "curated")
    dataset_sources.build(ctx)
    result = arrangements.reconcile(ctx)
    ctx.tables["imf_arrangements"] = result.arrangements
    return ctx, result


@needs_shared
def test_every_1952_2019_arrangement_maps_to_exactly_one_row(rebuilt):
    ctx, result = rebuilt
    table = pl.read_csv(
        ctx.sources_dir
        / "imf_lending_history"
        / "imf_lending_arrangements_by_country_1952_2019.csv",
        infer_schema=False,
    )
    arrangements_1952_2019 = table.filter(
        ~pl.col("facility").str.starts_with("of which"), pl.col("start_date") < "2019-05-17"
    ).with_columns(
        pl.concat_str(
            pl.lit("1952-2019:"), "iso3", pl.lit(":"), "start_date", pl.lit(":"), "facility",
            pl.lit(":"), "amount_agreed_sdr_thousands",
        ).alias("source_key")
    )  # fmt: skip
    assert arrangements_1952_2019["source_key"].is_unique().all()
    mapped = arrangements_1952_2019.join(result.membership, on="source_key", how="left")
    assert mapped.height == arrangements_1952_2019.height  # no key maps to two rows
    assert mapped["arrangement_id"].null_count() == 0
    assert mapped["arrangement_id"].is_in(result.arrangements["arrangement_id"].implode()).all()


@needs_shared
def test_every_fact_base_program_maps_to_one_row(rebuilt):
    ctx, result = rebuilt
    programs = pl.read_csv(ctx.facts_dir / "imf_programs.csv", infer_schema=False)
    keys = ("facts:" + programs["program_id"]).to_list()
    mapped = result.membership.filter(pl.col("source_key").is_in(keys))
    assert sorted(mapped["source_key"]) == sorted(keys)


@needs_shared
def test_only_the_known_curated_events_find_no_arrangement(rebuilt):
    _, result = rebuilt
    unmatched = {(r["event"], r["iso3"], r["facility"]) for r in result.unmatched_events.to_dicts()}
    # two approvals without a Board day (ARM SBA Dec 2025, CHL SLL May 2022) and the
    # cancellation of that SLL
    assert unmatched == {("approval", "ARM", "SBA"), ("approval", "CHL", "SLL"),
                         ("cancellation", "CHL", "SLL")}  # fmt: skip

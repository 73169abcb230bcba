"""The ingest's revisions: corrections, citations, the arrangement lifecycle, review status.

Each test builds a tiny context (hand-made tables and a temporary curated folder) and runs one
revision module on it, so the behaviour is checked without ../shared.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from riskscore.ingest import citations, corrections, coverage, lifecycle, review_status
from riskscore.ingest.common import IngestContext, IngestError, web_source_id
from riskscore.ingest.source_catalogue import ADDED_COLUMNS, METADATA_COLUMNS
from riskscore.schemas import TABLES

D = dt.date
PAGE = "https://example.org/imf-approves"
PAGE_ID = web_source_id(PAGE)
BLOG = "https://blog.example/copy"
BLOG_ID = web_source_id(BLOG)


# --- helpers ------------------------------------------------------------------------------------
def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows([{c: r.get(c, "") for c in columns} for r in rows])


def context(tmp_path: Path, **curated: list[dict]) -> IngestContext:
    """A context whose curated folder holds the two source files plus the given files."""
    folder = tmp_path / "curated"
    folder.mkdir()
    write_csv(folder / "sources_metadata.csv", METADATA_COLUMNS, [])
    write_csv(
        folder / "sources_added.csv",
        ADDED_COLUMNS,
        [
            {"source_id": PAGE_ID, "url": PAGE, "publisher": "IMF", "tier": "official"},
            {"source_id": BLOG_ID, "url": BLOG, "publisher": "A blog", "tier": "secondary"},
        ],
    )
    for name, rows in curated.items():
        module = {
            "fact_corrections": corrections,
            "citation_changes": citations,
            "imf_arrangement_events": lifecycle,
            "imf_reviews_completions": review_status,
        }[name]
        write_csv(folder / f"{name}.csv", module.COLUMNS, rows)
    return IngestContext(shared=tmp_path, curated=folder)


def arrangement(arrangement_id: str, approved_on: dt.date, expires_on: dt.date, **values) -> dict:
    iso3, facility = arrangement_id.split("-")[0], arrangement_id.split("-")[1]
    return {
        "arrangement_id": arrangement_id,
        "iso3": iso3,
        "facility": facility,
        "instrument_kind": "lending",
        "approved_on": approved_on,
        "expires_on": expires_on,
        "ended_on": None,
        "amount_sdr_m": 100.0,
        "amount_usd_m": None,
        "status": "expired",
        "source_id": "imf_mona_2021",
        "notes": None,
    } | values


def arrangements_frame(*rows: dict) -> pl.DataFrame:
    schema = {
        c: t for c, t in _schema("imf_arrangements").items() if c != "replaced_by"
    }  # as the builder hands it over: no replaced_by yet
    return pl.DataFrame(list(rows), schema=schema)


def reviews_frame(*rows: dict) -> pl.DataFrame:
    base = {
        "scheduled_on": None,
        "completed_on": None,
        "date_precision": None,
        "status": "unknown",
        "not_completed_reason": None,
        "amount_sdr_m": None,
        "source_id": "imf_mona_2021",
        "notes": None,
    }
    return pl.DataFrame([base | r for r in rows], schema=_schema("imf_reviews"))


def _schema(table: str) -> dict:
    columns = TABLES[table].model.to_schema().columns
    return {c: columns[c].dtype.type for c in TABLES[table].columns}


def event(arrangement_id: str, kind: str, on: str = "", **values) -> dict:
    precision = {10: "day", 7: "month"}.get(len(on), "")
    row = {"arrangement_id": arrangement_id, "event": kind, "event_on": on}
    return row | {"date_precision": precision, "source_id": PAGE_ID, "confidence": "high"} | values


def revise_lifecycle(tmp_path: Path, arrangements: pl.DataFrame, *events: dict, reviews=None):
    ctx = context(tmp_path, imf_arrangement_events=list(events))
    ctx.tables["imf_arrangements"] = arrangements
    ctx.tables["imf_reviews"] = reviews if reviews is not None else reviews_frame()
    out = lifecycle.revise(ctx)
    return {r["arrangement_id"]: r for r in out["imf_arrangements"].to_dicts()}, out


# --- fact corrections ---------------------------------------------------------------------------
ACTIONS = pl.DataFrame(
    {
        "action_id": ["ACT-KEN-001"],
        "announced_on": [D(2023, 7, 1)],
        "source_id": ["web:old-00000000"],
        "notes": [None],
    },
    schema={
        "action_id": pl.String,
        "announced_on": pl.Date,
        "source_id": pl.String,
        "notes": pl.String,
    },
)


def correction(old: str, source_id: str = PAGE_ID, verify_first: str = "") -> dict:
    return {
        "table": "crypto_actions",
        "row_id": "ACT-KEN-001",
        "column": "announced_on",
        "old_value": old,
        "new_value": "2023-09-01",
        "source_id": source_id,
        "verify_first": verify_first,
    }


def test_a_correction_replaces_the_value_and_cites_its_source(tmp_path):
    ctx = context(tmp_path, fact_corrections=[correction("2023-07-01")])
    ctx.tables["crypto_actions"] = ACTIONS
    row = corrections.revise(ctx)["crypto_actions"].row(0, named=True)
    assert row["announced_on"] == D(2023, 9, 1)
    assert row["source_id"] == f"web:old-00000000;{PAGE_ID}"
    assert "announced_on corrected from 2023-07-01 to 2023-09-01" in row["notes"]


def test_a_correction_whose_old_value_is_not_current_is_rejected_naming_the_row(tmp_path):
    ctx = context(tmp_path, fact_corrections=[correction("2023-08-01")])
    ctx.tables["crypto_actions"] = ACTIONS
    with pytest.raises(IngestError, match="ACT-KEN-001 announced_on: old_value '2023-08-01'"):
        corrections.revise(ctx)


def test_a_correction_on_a_secondary_source_to_verify_first_is_skipped(tmp_path):
    ctx = context(tmp_path, fact_corrections=[correction("2023-07-01", BLOG_ID, "yes")])
    ctx.tables["crypto_actions"] = ACTIONS
    assert corrections.revise(ctx) == {}


def test_a_correction_naming_no_row_is_rejected(tmp_path):
    row = correction("2023-07-01") | {"row_id": "ACT-KEN-999"}
    ctx = context(tmp_path, fact_corrections=[row])
    ctx.tables["crypto_actions"] = ACTIONS
    with pytest.raises(IngestError, match="no row 'ACT-KEN-999'"):
        corrections.revise(ctx)


# --- citations ----------------------------------------------------------------------------------
def change(action: str, source_id: str) -> dict:
    return {
        "table": "crypto_actions",
        "row_id": "ACT-KEN-001",
        "action": action,
        "source_id": source_id,
    }


def test_add_primary_puts_the_source_first_and_remove_drops_one(tmp_path):
    ctx = context(
        tmp_path,
        citation_changes=[
            change("add", BLOG_ID),
            change("add_primary", PAGE_ID),
            change("remove", "web:old-00000000"),
        ],
    )
    ctx.tables["crypto_actions"] = ACTIONS
    out = citations.apply_changes(ctx)
    assert out["crypto_actions"]["source_id"].item() == f"{PAGE_ID};{BLOG_ID}"


def test_removing_a_citation_the_row_lacks_is_rejected(tmp_path):
    ctx = context(tmp_path, citation_changes=[change("remove", BLOG_ID)])
    ctx.tables["crypto_actions"] = ACTIONS
    with pytest.raises(IngestError, match="does not cite it"):
        citations.apply_changes(ctx)


def test_sources_are_exactly_the_cited_ones_with_their_tier(tmp_path):
    ctx = context(tmp_path)
    ctx.web_source("https://unused.example/x")  # registered by a builder, cited by nobody
    tables = {"crypto_actions": ACTIONS.with_columns(pl.lit(PAGE_ID).alias("source_id"))}
    sources = citations.sources_table(ctx, tables)
    assert sources["source_id"].to_list() == [PAGE_ID]
    assert sources["tier"].to_list() == ["official"]


def test_a_cited_source_without_a_tier_is_rejected(tmp_path):
    ctx = context(tmp_path)
    cited = ctx.web_source("https://untiered.example/x")
    tables = {"crypto_actions": ACTIONS.with_columns(pl.lit(cited).alias("source_id"))}
    with pytest.raises(IngestError, match="has no tier"):
        citations.sources_table(ctx, tables)


# --- arrangement lifecycle ----------------------------------------------------------------------
def test_an_extension_moves_expires_on_and_keeps_it_active(tmp_path):
    rows, _ = revise_lifecycle(
        tmp_path,
        arrangements_frame(arrangement("TZA-ECF-2022-07-18", D(2022, 7, 18), D(2025, 11, 17))),
        event("TZA-ECF-2022-07-18", "extension", "2024-06-20", new_expires_on="2026-05-17"),
        event("TZA-ECF-2022-07-18", "approval", "2022-07-18"),
    )
    row = rows["TZA-ECF-2022-07-18"]
    assert row["expires_on"] == D(2026, 5, 17)
    assert row["status"] == "active"  # the vintage is the latest date seen: 2024-06-20


def test_a_replacement_sets_replaced_by_and_ends_on_the_successors_approval(tmp_path):
    rows, out = revise_lifecycle(
        tmp_path,
        arrangements_frame(
            arrangement("JOR-EFF-2020-03-25", D(2020, 3, 25), D(2024, 3, 24), status="active"),
            arrangement("JOR-EFF-2024-01-10", D(2024, 1, 10), D(2028, 1, 9), status="active"),
        ),
        event("JOR-EFF-2020-03-25", "augmentation", "2021-06-30", amount_sdr_m_after="1070.47"),
        event("JOR-EFF-2020-03-25", "replacement", "2024-01-10", replaced_by="JOR-EFF-2024-01-10"),
    )
    old = rows["JOR-EFF-2020-03-25"]
    assert old["replaced_by"] == "JOR-EFF-2024-01-10"
    assert old["ended_on"] == D(2024, 1, 10)
    assert old["status"] == "replaced"
    assert old["amount_sdr_m"] == 1070.47
    assert PAGE_ID in old["source_id"].split(";")
    assert out["imf_arrangement_events"].height == 2


def test_an_overlap_without_an_event_is_recorded_as_an_inferred_replacement(tmp_path):
    rows, out = revise_lifecycle(
        tmp_path,
        arrangements_frame(
            arrangement("COL-FCL-2013-06-24", D(2013, 6, 24), D(2015, 6, 23)),
            arrangement(
                "COL-FCL-2015-06-17",
                D(2015, 6, 17),
                D(2017, 6, 16),
                source_id="web:pr-15281;imf_mona_2021",
            ),
        ),
    )
    old = rows["COL-FCL-2013-06-24"]
    assert (old["replaced_by"], old["ended_on"]) == ("COL-FCL-2015-06-17", D(2015, 6, 17))
    inferred = out["imf_arrangement_events"].row(0, named=True)
    assert inferred["source_id"] == "web:pr-15281"  # the successor's approval source
    assert inferred["confidence"] == "medium"
    assert inferred["notes"].startswith(lifecycle.INFERRED_NOTE)


def test_a_successor_approved_after_the_scheduled_end_replaces_nothing(tmp_path):
    rows, _ = revise_lifecycle(
        tmp_path,
        arrangements_frame(
            arrangement(
                "SYC-EFF-2021-07-29", D(2021, 7, 29), D(2023, 5, 30), ended_on=D(2023, 5, 31)
            ),
            arrangement("SYC-EFF-2023-05-31", D(2023, 5, 31), D(2026, 5, 30)),
        ),
        event("SYC-EFF-2021-07-29", "replacement", "2023-05-31", replaced_by="SYC-EFF-2023-05-31"),
    )
    old = rows["SYC-EFF-2021-07-29"]
    assert old["ended_on"] is None and old["status"] == "expired"
    assert old["replaced_by"] == "SYC-EFF-2023-05-31"


def test_an_undated_cancellation_drops_an_unsupported_end_day(tmp_path):
    rows, _ = revise_lifecycle(
        tmp_path,
        arrangements_frame(
            arrangement(
                "BIH-EFF-2016-09-07",
                D(2016, 9, 7),
                D(2019, 9, 6),
                ended_on=D(2020, 4, 20),
                status="cancelled",
            ),
        ),
        event("BIH-EFF-2016-09-07", "cancellation"),
    )
    row = rows["BIH-EFF-2016-09-07"]
    assert row["ended_on"] is None and row["status"] == "cancelled"


def test_a_completed_arrangement_without_a_known_end_is_completed_not_active(tmp_path):
    rows, _ = revise_lifecycle(
        tmp_path,
        arrangements_frame(arrangement("PRY-PCI-2022-11-22", D(2022, 11, 22), None)),
        event("PRY-PCI-2022-11-22", "completion", "2026-01-22"),
    )
    assert rows["PRY-PCI-2022-11-22"]["status"] == "completed"


def test_an_approval_on_another_day_renames_the_arrangement_and_its_reviews(tmp_path):
    rows, out = revise_lifecycle(
        tmp_path,
        arrangements_frame(arrangement("MWI-ECF-2023-11-15", D(2023, 11, 15), D(2027, 11, 14))),
        event("MWI-ECF-2023-11-14", "approval", "2023-11-14"),
        reviews=reviews_frame({"arrangement_id": "MWI-ECF-2023-11-15", "review_no": 1}),
    )
    assert set(rows) == {"MWI-ECF-2023-11-14"}
    assert rows["MWI-ECF-2023-11-14"]["approved_on"] == D(2023, 11, 14)
    assert out["imf_reviews"]["arrangement_id"].to_list() == ["MWI-ECF-2023-11-14"]


def test_an_event_with_a_date_of_the_wrong_precision_is_rejected(tmp_path):
    with pytest.raises(IngestError, match="precision"):
        revise_lifecycle(
            tmp_path,
            arrangements_frame(arrangement("TZA-ECF-2022-07-18", D(2022, 7, 18), D(2025, 11, 17))),
            event("TZA-ECF-2022-07-18", "extension", "2024-06", date_precision="day"),
        )


# --- review status ------------------------------------------------------------------------------
def completion(review_no: int, **values) -> dict:
    return {
        "arrangement_id": "PAK-EFF-2019-07-03",
        "review_no": review_no,
        "status": "completed",
        "source_id": PAGE_ID,
        "confidence": "high",
    } | values


def revise_reviews(tmp_path: Path, *research: dict, reviews: pl.DataFrame, **arrangement_values):
    ctx = context(tmp_path, imf_reviews_completions=list(research))
    ctx.tables["imf_reviews"] = reviews
    row = arrangement("PAK-EFF-2019-07-03", D(2019, 7, 3), D(2020, 6, 30)) | arrangement_values
    ctx.tables["imf_arrangements"] = arrangements_frame(row).with_columns(
        pl.lit(None, pl.String).alias("replaced_by")
    )
    ctx.cache["mona_vintage"] = D(2021, 4, 30)
    out = review_status.revise(ctx)["imf_reviews"]
    return {r["review_no"]: r for r in out.to_dicts()}


def test_a_month_only_completion_is_dated_at_the_month_end(tmp_path):
    rows = revise_reviews(
        tmp_path,
        completion(2, completed_on="2021-03", date_precision="month"),
        reviews=reviews_frame({"arrangement_id": "PAK-EFF-2019-07-03", "review_no": 2}),
    )
    assert (rows[2]["completed_on"], rows[2]["date_precision"]) == (D(2021, 3, 31), "month")
    assert rows[2]["source_id"].startswith(PAGE_ID)


def test_research_adds_a_missing_review_and_a_not_completed_one_keeps_its_reason(tmp_path):
    rows = revise_reviews(
        tmp_path,
        completion(9, status="not_completed", not_completed_reason="arrangement_expired"),
        reviews=reviews_frame(),
    )
    assert rows[9]["status"] == "not_completed"
    assert rows[9]["not_completed_reason"] == "arrangement_expired"
    assert rows[9]["completed_on"] is None


def test_a_mona_review_of_an_arrangement_ended_before_monas_last_record_was_not_completed(
    tmp_path,
):
    rows = revise_reviews(
        tmp_path,
        reviews=reviews_frame({"arrangement_id": "PAK-EFF-2019-07-03", "review_no": 3}),
        status="cancelled",
        ended_on=D(2020, 5, 1),
    )
    assert rows[3]["status"] == "not_completed"
    assert rows[3]["not_completed_reason"] == "arrangement_cancelled"


def test_a_completion_day_the_sources_give_is_kept_and_the_research_day_noted(tmp_path):
    dated = {"arrangement_id": "PAK-EFF-2019-07-03", "review_no": 6, "status": "completed",
             "completed_on": D(2022, 2, 2), "date_precision": "day"}  # fmt: skip
    rows = revise_reviews(
        tmp_path,
        completion(6, completed_on="2022-02-04", date_precision="day"),
        reviews=reviews_frame(dated),
    )
    assert rows[6]["completed_on"] == D(2022, 2, 2)
    assert "research dates it 2022-02-04" in rows[6]["notes"]


def test_research_calling_a_dated_review_not_completed_is_rejected(tmp_path):
    dated = {"arrangement_id": "PAK-EFF-2019-07-03", "review_no": 6, "status": "completed",
             "completed_on": D(2022, 2, 2), "date_precision": "day"}  # fmt: skip
    with pytest.raises(IngestError, match="the sources date its completion 2022-02-02"):
        revise_reviews(
            tmp_path,
            completion(6, status="not_completed", not_completed_reason="arrangement_expired"),
            reviews=reviews_frame(dated),
        )


def test_a_reason_without_not_completed_is_rejected(tmp_path):
    with pytest.raises(IngestError, match="reason"):
        revise_reviews(
            tmp_path,
            completion(2, not_completed_reason="pending"),
            reviews=reviews_frame(),
        )


# --- coverage -----------------------------------------------------------------------------------
def test_coverage_must_name_every_table(tmp_path):
    ctx = context(tmp_path)
    rows = [{"table_name": t, "observed_through": "2026-02-27", "basis": "x"} for t in TABLES]
    write_csv(ctx.curated / "coverage.csv", coverage.COLUMNS, rows[1:])
    with pytest.raises(IngestError, match="missing \\['sources'\\]"):
        coverage.revise(ctx)

"""The shipped package against issue #9: arrangement lives, coverage dates, source tiers."""

from __future__ import annotations

import polars as pl
from conftest import CURATED, DATASETS, read_table

from riskscore import datapackage, vocab
from riskscore.ingest.common import web_source_id
from riskscore.schemas import MODEL_EVENT_TABLES, TABLES
from riskscore.validate import validate_package

LIFECYCLE_RULES = {"arrangement_overlap", "end_after_expiry", "review_outside_life"}


def _lifecycle(directory) -> list:
    return [f for f in validate_package(directory).failures if f.rule in LIFECYCLE_RULES]


def test_shipped_arrangements_have_one_consistent_life() -> None:
    assert _lifecycle(DATASETS) == []


def _corrupt(copy, file: str, old: str, new: str) -> int:
    """Replace `old` by `new` in one line of a copy; return that line's number."""
    path = copy / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    [number] = [i for i, line in enumerate(lines, start=1) if old in line]
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    return number


def _edit(copy, arrangement_id: str, **values: str | None) -> int:
    """Set columns of one arrangement in a copy; return the row's line."""
    path = copy / "imf_arrangements.csv"
    frame = pl.read_csv(path, infer_schema=False).with_row_index("line", 2)
    line = frame.filter(pl.col("arrangement_id") == arrangement_id)["line"].item()
    frame.drop("line").with_columns(
        pl.when(pl.col("arrangement_id") == arrangement_id)
        .then(pl.lit(value, dtype=pl.String))
        .otherwise(pl.col(column))
        .alias(column)
        for column, value in values.items()
    ).write_csv(path)
    return line


def _line_of(copy, arrangement_id: str) -> int:
    frame = pl.read_csv(copy / "imf_arrangements.csv", infer_schema=False).with_row_index("n", 2)
    return frame.filter(pl.col("arrangement_id") == arrangement_id)["n"].item()


def test_an_end_after_the_expiry_is_rejected_with_its_line(shipped_copy) -> None:
    # Afghanistan's 2011 ECF was scheduled to end 2014-11-13
    line = _edit(shipped_copy, "AFG-ECF-2011-11-14", ended_on="2014-12-31")
    failures = _lifecycle(shipped_copy)
    assert [(f.file, f.line, f.rule) for f in failures] == [
        ("imf_arrangements.csv", line, "end_after_expiry")
    ]


def test_an_overlap_without_a_replacement_is_rejected_at_the_later_arrangement(
    shipped_copy,
) -> None:
    # Pakistan's 2019 EFF, made to run into the 2024 EFF with no successor recorded
    _edit(shipped_copy, "PAK-EFF-2019-07-03", expires_on="2025-12-31", replaced_by=None)
    failures = _lifecycle(shipped_copy)
    assert [(f.file, f.line, f.rule) for f in failures] == [
        ("imf_arrangements.csv", _line_of(shipped_copy, "PAK-EFF-2024-09-25"),
         "arrangement_overlap")
    ]  # fmt: skip
    assert "PAK-EFF-2024-09-25" in failures[0].value


def test_a_review_outside_its_arrangement_is_rejected_with_its_line(shipped_copy) -> None:
    line = _corrupt(
        shipped_copy, "imf_reviews.csv", "PAK-EFF-2024-09-25,1,", "PAK-EFF-2024-09-25,1,"
    )
    text = (shipped_copy / "imf_reviews.csv").read_text(encoding="utf-8").splitlines()
    fields = text[line - 1].split(",")
    fields[3] = "2019-01-31"  # completed_on before the approval
    text[line - 1] = ",".join(fields)
    (shipped_copy / "imf_reviews.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    failures = _lifecycle(shipped_copy)
    assert [(f.file, f.line, f.rule) for f in failures] == [
        ("imf_reviews.csv", line, "review_outside_life")
    ]


def test_issue_9_named_arrangements_have_one_consistent_life():
    rows = {r["arrangement_id"]: r for r in read_table("imf_arrangements").iter_rows(named=True)}
    assert rows["MDG-ECF-2021-03-29"]["status"] == "cancelled"
    assert str(rows["MDG-ECF-2021-03-29"]["ended_on"]) == "2024-06-21"
    assert rows["TZA-ECF-2022-07-18"]["status"] == "active"
    assert rows["UKR-EFF-2023-03-31"]["replaced_by"] == "UKR-EFF-2026-02-26"
    assert rows["COG-ECF-2019-07-11"]["replaced_by"] == "COG-ECF-2022-01-21"
    assert rows["JOR-EFF-2020-03-25"]["replaced_by"] == "JOR-EFF-2024-01-10"
    assert "MWI-ECF-2023-11-14" in rows and "MWI-ECF-2023-11-15" not in rows
    assert rows["BIH-EFF-2016-09-07"]["ended_on"] is None  # the RFI day was no end
    assert rows["UKR-SBA-2018-12-18"]["ended_on"] is None


def test_every_review_states_a_status_and_only_not_completed_ones_a_reason():
    reviews = read_table("imf_reviews")
    assert reviews["status"].is_in(vocab.REVIEW_STATUSES).all()
    with_reason = reviews["not_completed_reason"].is_not_null()
    assert (with_reason == (reviews["status"] == "not_completed")).all()
    assert reviews.filter(pl.col("completed_on").is_not_null())["status"].eq("completed").all()


def test_coverage_dates_every_table_once_and_datapackage_carries_them():
    cover = read_table("coverage")
    assert sorted(cover["table_name"]) == sorted(TABLES)
    descriptor = datapackage.descriptor(DATASETS)
    through = dict(cover.select("table_name", "observed_through").rows())
    for resource in descriptor["resources"]:
        assert resource["observed_through"] == str(through[resource["name"]])
    assert descriptor["cutoff"] == str(min(through[t] for t in MODEL_EVENT_TABLES))


def test_every_source_has_a_tier_from_the_vocabulary():
    sources = read_table("sources")
    assert sources["tier"].is_in(vocab.SOURCE_TIERS).all()
    datasets = pl.read_csv(CURATED / "dataset_sources.csv", infer_schema=False)
    assert datasets["tier"].is_in(vocab.SOURCE_TIERS).all()


def test_sources_are_exactly_those_some_row_cites():
    cited = set()
    for name in TABLES:
        frame = read_table(name)
        if name != "sources" and "source_id" in frame.columns:
            cited |= {i for ids in frame["source_id"].drop_nulls() for i in ids.split(";")}
    assert set(read_table("sources")["source_id"]) == cited


def test_added_sources_carry_the_id_their_url_gives():
    added = pl.read_csv(CURATED / "sources_added.csv", infer_schema=False)
    assert [web_source_id(u) for u in added["url"]] == added["source_id"].to_list()

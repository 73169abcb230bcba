"""crypto_actions and imf_crypto_responses: the facts ingest, its curation and its outputs.

Three groups: tests on the committed CSVs and curation files (always run), tests of the ingest
on small fixtures copied from real rows (always run), and tests against the raw fact base in
../shared (skipped on a clean clone without it).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskscore import vocab
from riskscore.ingest import channels, facts
from riskscore.ingest.common import IngestContext, IngestError, finalize_table, period_end
from riskscore.ingest.magnitudes import is_stated, stated_amounts
from riskscore.schemas import TABLES
from riskscore.settings import REPO_DIR, SHARED_DIR

DATASETS = REPO_DIR / "datasets"
CURATED = DATASETS / "curated"
FIXTURES = Path(__file__).parent / "fixtures" / "facts"
SHARED = Path(os.environ.get("RISKSCORE_SHARED", REPO_DIR / SHARED_DIR)).resolve()
SHARED_FACTS = SHARED / "facts"

needs_shared = pytest.mark.skipif(
    not (SHARED_FACTS / "crypto_actions.csv").exists(), reason="raw fact base (../shared) absent"
)

# A copied passage longer than this many words would be more than a law's or body's name.
MAX_SHARED_WORDS = 10


# --- helpers ----------------------------------------------------------------------------------
def programs_as_arrangements(path: Path) -> pl.DataFrame:
    """The fact base's imf_programs.csv in the imf_arrangements columns facts.build reads.

    A stand-in for the real arrangements table (built by another module): its end_date is the
    scheduled end, so it goes to expires_on and ended_on stays empty.
    """
    programs = pl.read_csv(path, infer_schema=False)
    facility = pl.col("facility").str.replace(r"^(\w+)-(\w+) blend$", "$1/$2")
    return programs.select(
        "program_id",
        iso3="country_iso3",
        facility=facility,
        instrument_kind=facility.replace_strict(vocab.FACILITY_KIND),
        approved_on=pl.col("approval_date").map_elements(_end_of, return_dtype=pl.Date),
        expires_on=pl.col("end_date").map_elements(_end_of, return_dtype=pl.Date),
        ended_on=pl.lit(None, dtype=pl.Date),
    )


def _end_of(value: str) -> dt.date:
    return period_end(value)[0]


def context(tmp_path: Path, *, added: bool = True, arrangements: bool = True) -> IngestContext:
    """An ingest context on the fixtures, with a writable copy of the curated folder."""
    curated = tmp_path / "curated"
    shutil.copytree(FIXTURES / "curated", curated)
    shared = tmp_path / "shared"
    shutil.copytree(FIXTURES / "shared", shared)
    if not added:  # drop the added files and the curation rows that refer to them
        for table, key in facts.KEYS.items():
            (curated / f"{table}_added.csv").unlink()
            known = pl.read_csv(shared / "facts" / f"{table}.csv", infer_schema=False)[key]
            path = curated / f"{table}_curation.csv"
            pl.read_csv(path, infer_schema=False).filter(
                pl.col(key).is_in(known.implode())
            ).write_csv(path)
    ctx = IngestContext(shared=shared, curated=curated)
    if arrangements:
        ctx.tables["imf_arrangements"] = arrangement_frame(
            [
                ("PAK", "lending", "2024-09-25", "2027-10-31", None),
                ("SLV", "lending", "2025-02-26", "2028-06-30", None),
            ]
        )
    return ctx


def arrangement_frame(rows: list[tuple]) -> pl.DataFrame:
    """(iso3, instrument_kind, approved_on, expires_on, ended_on) rows as an arrangements frame."""
    frame = pl.DataFrame(
        rows,
        schema=["iso3", "instrument_kind", "approved_on", "expires_on", "ended_on"],
        orient="row",
    )
    return frame.with_columns(
        pl.col(c).cast(pl.String).str.to_date() for c in ("approved_on", "expires_on", "ended_on")
    )


def sla_frame(rows: list[tuple]) -> pl.DataFrame:
    """(iso3, announced_on, stage) rows as a staff-level-agreement frame."""
    frame = pl.DataFrame(rows, schema=["iso3", "announced_on", "stage"], orient="row")
    return frame.with_columns(pl.col("announced_on").str.to_date())


def response_frame(iso3: str, response_type: str, responded_on: str) -> pl.DataFrame:
    """One response, with just the columns with_channel needs plus the contract's others."""
    row = {c: None for c in TABLES["imf_crypto_responses"].columns if c != "channel"}
    row |= {"response_id": "RSP-TST-01", "iso3": iso3, "response_type": response_type}
    frame = pl.DataFrame([row], schema={c: pl.String for c in row})
    return frame.with_columns(responded_on=pl.lit(dt.date.fromisoformat(responded_on)))


def channel_of(response: pl.DataFrame, arrangements: pl.DataFrame, slas=None) -> str:
    return channels.with_channel(response, arrangements, slas)["channel"].item()


def rewrite_csv(path: Path, key: str, row_id: str, **changes: str | None) -> None:
    """Change some cells of one row of a CSV in place."""
    frame = pl.read_csv(path, infer_schema=False)
    frame = frame.with_columns(
        pl.when(pl.col(key) == row_id)
        .then(pl.lit(v, dtype=pl.String))
        .otherwise(pl.col(c))
        .alias(c)
        for c, v in changes.items()
    )
    frame.write_csv(path, null_value="")


def committed(table: str) -> pl.DataFrame:
    schema = facts._contract_schema(table)
    return pl.read_csv(DATASETS / TABLES[table].file, schema=schema)


def numbers_in(text: str | None) -> set[str]:
    """Numbers written in text, thousands separators removed ('6,101' and '6101' agree)."""
    return {m.replace(",", "") for m in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text or "")}


def longest_shared_run(ours: str, theirs: str) -> int:
    """Length in words of the longest word sequence that two texts share."""
    a = re.findall(r"[a-z0-9$']+", ours.lower())
    b = re.findall(r"[a-z0-9$']+", theirs.lower())
    best = 0
    previous = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        current = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


# --- committed outputs and curation (always run) ----------------------------------------------
def test_committed_actions_match_contract():
    TABLES["crypto_actions"].model.validate(committed("crypto_actions"))


def test_committed_responses_match_contract():
    TABLES["imf_crypto_responses"].model.validate(committed("imf_crypto_responses"))


def test_committed_directions_follow_action_types():
    actions = committed("crypto_actions")
    expected = actions["action_type"].replace_strict(vocab.ACTION_TYPE_DIRECTION)
    assert (actions["direction"] == expected).all()


def test_committed_stances_follow_response_types():
    responses = committed("imf_crypto_responses")
    expected = responses["response_type"].replace_strict(vocab.RESPONSE_TYPE_STANCE)
    assert (responses["stance"] == expected).all()


def test_committed_links_point_to_earlier_actions():
    actions = committed("crypto_actions").select("action_id", "announced_on")
    links = (
        committed("imf_crypto_responses")
        .select("response_id", "responded_on", action_id=pl.col("linked_action_ids").str.split(";"))
        .explode("action_id")
        .drop_nulls("action_id")
        .join(actions, on="action_id", how="left")
    )
    assert links["announced_on"].null_count() == 0, "link to an unknown action"
    late = links.filter(pl.col("announced_on") > pl.col("responded_on"))
    assert late.is_empty(), late


def test_committed_fixed_channels_follow_response_types():
    responses = committed("imf_crypto_responses")
    for row in responses.iter_rows(named=True):
        fixed = channels.CHANNEL_BY_RESPONSE_TYPE[row["response_type"]]
        if row["iso3"] == vocab.WORLD_ISO3:
            assert row["channel"] == "policy", row["response_id"]
        elif fixed is not None:
            assert row["channel"] == fixed, row["response_id"]


def test_committed_magnitudes_are_stated_in_magnitude_text():
    for row in committed("crypto_actions").iter_rows(named=True):
        if row["magnitude"] is not None:
            assert is_stated(row["magnitude"], row["magnitude_unit"], row["magnitude_text"]), row
        if row["reported_holdings_btc"] is not None:
            assert is_stated(
                row["reported_holdings_btc"], "BTC", row["magnitude_text"], row["notes"]
            ), row


def test_committed_subnational_rows_are_the_known_regional_actors():
    actions = committed("crypto_actions")
    subnational = actions.filter(pl.col("scope") == "subnational")["action_id"].sort().to_list()
    # Dubai, Abkhazia, Prospera, Gelephu Mindfulness City
    assert subnational == ["ACT-ARE-001", "ACT-BTN-005", "ACT-GEO-001", "ACT-HND-002"]


def test_committed_descriptions_match_curation_or_its_correction():
    corrections = pl.read_csv(CURATED / "fact_corrections.csv", infer_schema=False).filter(
        pl.col("column") == "description"
    )
    for table in (facts.ACTIONS, facts.RESPONSES):
        key = facts.KEYS[table]
        curation = pl.read_csv(CURATED / f"{table}_curation.csv", infer_schema=False)
        curation = curation.filter(pl.col("description").is_not_null())
        corrected = dict(
            corrections.filter(pl.col("table") == table).select("row_id", "new_value").rows()
        )
        curation = curation.with_columns(
            pl.col(key)
            .replace_strict(corrected, default=pl.col("description"))
            .alias("description")
        )
        joined = committed(table).join(curation, on=key, how="inner", suffix="_curated")
        assert joined.height == curation.height, "a curated description was not used"
        assert (joined["description"] == joined["description_curated"]).all()


def test_committed_rows_without_curated_description_are_added_rows():
    for table in (facts.ACTIONS, facts.RESPONSES):
        key = facts.KEYS[table]
        curation = pl.read_csv(CURATED / f"{table}_curation.csv", infer_schema=False)
        described = set(curation.filter(pl.col("description").is_not_null())[key])
        added_path = CURATED / f"{table}_added.csv"
        added = (
            set(pl.read_csv(added_path, infer_schema=False)[key]) if added_path.exists() else set()
        )
        assert set(committed(table)[key]) - described <= added


def test_curation_files_have_their_columns_and_unique_ids():
    for table in (facts.ACTIONS, facts.RESPONSES):
        curation = pl.read_csv(CURATED / f"{table}_curation.csv", infer_schema=False)
        assert curation.columns == facts.CURATION_COLUMNS[table]
        assert curation[facts.KEYS[table]].is_unique().all()


def test_curated_units_are_in_vocab():
    curation = pl.read_csv(CURATED / "crypto_actions_curation.csv", infer_schema=False)
    units = set(curation["magnitude_unit"].drop_nulls())
    assert units <= set(vocab.MAGNITUDE_UNITS)


# --- magnitudes --------------------------------------------------------------------------------
def test_stated_amounts_undo_separators_and_scales():
    text = "USD 1bn bond; ~6,200-6,300 BTC; 210m tokens; 5,689.7 BTC; 2,000 MW; 18 months"
    assert stated_amounts(text) == [1e9, 6200, 6300, 210e6, 5689.7, 2000, 18]


def test_usd_billions_are_found_as_usd_millions():
    assert is_stated(1000, "USD_m", "USD 1bn volcano bond planned")


def test_forgotten_scale_is_not_found():
    assert not is_stated(210, "tokens", "210m tokens first tranche")


def test_number_absent_from_text_is_not_found():
    assert not is_stated(6150, "BTC", "~6,200-6,300 BTC")


@given(st.integers(min_value=0, max_value=10**12))
def test_any_number_written_with_separators_is_found(n: int):
    assert is_stated(n, "BTC", f"about {n:,} BTC")


# --- channel rule -------------------------------------------------------------------------------
NO_ARRANGEMENTS = arrangement_frame([("ZZZ", "lending", "2000-01-01", "2001-01-01", None)])


@pytest.mark.parametrize("response_type", ["board_policy_paper", "technical_assessment"])
def test_policy_types_are_policy(response_type: str):
    assert (
        channel_of(response_frame("KEN", response_type, "2025-01-09"), NO_ARRANGEMENTS) == "policy"
    )


def test_world_row_is_policy_whatever_its_type():
    response = response_frame(vocab.WORLD_ISO3, "staff_statement", "2023-02-23")
    assert channel_of(response, NO_ARRANGEMENTS) == "policy"


@pytest.mark.parametrize(
    "response_type", ["article_iv_warning", "article_iv_observation", "publication_blocked"]
)
def test_surveillance_types_stay_surveillance_under_a_program(response_type: str):
    arrangements = arrangement_frame([("SLV", "lending", "2025-02-26", "2028-06-30", None)])
    response = response_frame("SLV", response_type, "2025-06-27")
    assert channel_of(response, arrangements) == "surveillance"


@pytest.mark.parametrize(
    "response_type",
    ["program_commitment", "program_condition", "staff_report_finding", "review_delay"],
)
def test_program_types_are_program_without_an_arrangement(response_type: str):
    assert (
        channel_of(response_frame("SLV", response_type, "2024-12-18"), NO_ARRANGEMENTS) == "program"
    )


@pytest.mark.parametrize("kind", ["lending", "non_lending"])
def test_statement_under_arrangement_in_force_is_program(kind: str):
    arrangements = arrangement_frame([("PRY", kind, "2022-11-22", "2025-12-31", None)])
    response = response_frame("PRY", "staff_statement", "2024-05-01")
    assert channel_of(response, arrangements) == "program"


@pytest.mark.parametrize("kind", ["emergency", "precautionary_line"])
def test_statement_under_other_instruments_is_surveillance(kind: str):
    arrangements = arrangement_frame([("NGA", kind, "2020-04-28", "2020-04-28", None)])
    response = response_frame("NGA", "board_statement", "2020-04-28")
    assert channel_of(response, arrangements) == "surveillance"


def test_statement_on_approval_day_is_program():
    arrangements = arrangement_frame([("SLV", "lending", "2025-02-26", "2028-06-30", None)])
    response = response_frame("SLV", "board_statement", "2025-02-26")
    assert channel_of(response, arrangements) == "program"


def test_statement_after_early_end_is_surveillance():
    arrangements = arrangement_frame([("UKR", "lending", "2020-06-09", "2022-06-30", "2022-03-01")])
    response = response_frame("UKR", "staff_statement_concern", "2022-04-15")
    assert channel_of(response, arrangements) == "surveillance"


def test_statement_of_other_country_is_surveillance():
    arrangements = arrangement_frame([("PAK", "lending", "2024-09-25", "2027-10-31", None)])
    response = response_frame("SLV", "staff_statement", "2025-01-15")
    assert channel_of(response, arrangements) == "surveillance"


def test_statement_within_window_after_new_program_sla_is_program():
    slas = sla_frame([("SLV", "2024-12-18", "new arrangement")])
    response = response_frame("SLV", "staff_statement", "2025-01-15")
    assert channel_of(response, NO_ARRANGEMENTS, slas) == "program"


def test_statement_on_last_day_of_sla_window_is_program():
    announced = dt.date(2024, 12, 18)
    last_day = announced + dt.timedelta(days=channels.SLA_WINDOW_DAYS)
    slas = sla_frame([("SLV", announced.isoformat(), "new arrangement")])
    response = response_frame("SLV", "staff_statement", last_day.isoformat())
    assert channel_of(response, NO_ARRANGEMENTS, slas) == "program"


def test_statement_after_sla_window_is_surveillance():
    announced = dt.date(2024, 12, 18)
    late = announced + dt.timedelta(days=channels.SLA_WINDOW_DAYS + 1)
    slas = sla_frame([("SLV", announced.isoformat(), "new arrangement")])
    response = response_frame("SLV", "staff_statement", late.isoformat())
    assert channel_of(response, NO_ARRANGEMENTS, slas) == "surveillance"


def test_statement_before_sla_is_surveillance():
    slas = sla_frame([("SLV", "2024-12-18", "new arrangement")])
    response = response_frame("SLV", "staff_statement", "2024-08-06")
    assert channel_of(response, NO_ARRANGEMENTS, slas) == "surveillance"


def test_review_sla_does_not_make_a_program():
    slas = sla_frame([("SLV", "2025-05-27", "review 1")])
    response = response_frame("SLV", "staff_statement", "2025-06-01")
    assert channel_of(response, NO_ARRANGEMENTS, slas) == "surveillance"


def test_arrangement_dates_given_as_text_are_read():
    arrangements = arrangement_frame([("PAK", "lending", "2024-09-25", "2027-10-31", None)])
    as_text = arrangements.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    response = response_frame("PAK", "staff_statement_concern", "2025-05-30")
    assert channel_of(response, as_text) == "program"


# --- the ingest on fixtures ----------------------------------------------------------------------
def test_build_gives_both_tables_in_their_contracts(tmp_path: Path):
    built = facts.build(context(tmp_path))
    for name, frame in built.items():
        TABLES[name].model.validate(finalize_table(name, frame))


def test_build_without_arrangements_raises(tmp_path: Path):
    with pytest.raises(IngestError, match="imf_arrangements"):
        facts.build(context(tmp_path, arrangements=False))


def test_build_works_without_added_files(tmp_path: Path):
    built = facts.build(context(tmp_path, added=False))
    assert "ACT-SLV-017" not in built["crypto_actions"]["action_id"].to_list()
    assert built["imf_crypto_responses"].height == 4


def test_added_rows_join_the_fact_base(tmp_path: Path):
    built = facts.build(context(tmp_path))
    added = built["crypto_actions"].filter(pl.col("action_id") == "ACT-SLV-017").row(0, named=True)
    assert added["description"].startswith("The government announced its biggest")
    assert (added["magnitude"], added["magnitude_unit"]) == (1090, "BTC")
    responses = built["imf_crypto_responses"]
    assert responses.filter(pl.col("response_id") == "RSP-SLV-10")["channel"].item() == "program"


def test_added_action_without_curation_row_has_no_magnitude(tmp_path: Path):
    ctx = context(tmp_path)
    path = ctx.curated / "crypto_actions_curation.csv"
    pl.read_csv(path, infer_schema=False).filter(pl.col("action_id") != "ACT-SLV-017").write_csv(
        path
    )
    added = facts.build(ctx)["crypto_actions"].filter(pl.col("action_id") == "ACT-SLV-017")
    assert added["magnitude"].item() is None
    assert added["scope"].item() == facts.DEFAULT_SCOPE


def test_added_id_already_in_fact_base_raises(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.curated / "crypto_actions_added.csv",
        "action_id",
        "ACT-SLV-017",
        action_id="ACT-SLV-013",
    )
    with pytest.raises(IngestError, match=r"duplicate action_id.*ACT-SLV-013"):
        facts.build(ctx)


def test_added_file_with_other_columns_raises(tmp_path: Path):
    ctx = context(tmp_path)
    path = ctx.curated / "imf_crypto_responses_added.csv"
    pl.read_csv(path, infer_schema=False).drop("linked_action").write_csv(path)
    with pytest.raises(IngestError, match="columns"):
        facts.build(ctx)


def test_direction_not_matching_type_names_the_row(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.facts_dir / "crypto_actions.csv",
        "action_id",
        "ACT-PAK-006",
        policy_direction="liberalizing",
    )
    with pytest.raises(IngestError, match=r"ACT-PAK-006.*policy_direction"):
        facts.build(ctx)


def test_stance_not_matching_type_names_the_row(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.facts_dir / "imf_crypto_responses.csv", "response_id", "RSP-SLV-06", stance="cautionary"
    )
    with pytest.raises(IngestError, match=r"RSP-SLV-06.*stance"):
        facts.build(ctx)


def test_magnitude_not_in_the_facts_names_the_row(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.curated / "crypto_actions_curation.csv", "action_id", "ACT-PAK-006", magnitude="2500"
    )
    with pytest.raises(IngestError, match=r"ACT-PAK-006.*magnitude"):
        facts.build(ctx)


def test_holdings_not_in_the_facts_names_the_row(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.curated / "crypto_actions_curation.csv",
        "action_id",
        "ACT-SLV-013",
        reported_holdings_btc="6150",
    )
    with pytest.raises(IngestError, match=r"ACT-SLV-013.*reported_holdings_btc"):
        facts.build(ctx)


def test_unit_outside_vocab_raises(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.curated / "crypto_actions_curation.csv", "action_id", "ACT-PAK-006", magnitude_unit="GW"
    )
    with pytest.raises(IngestError, match=r"ACT-PAK-006.*MAGNITUDE_UNITS"):
        facts.build(ctx)


def test_usd_billions_become_usd_millions(tmp_path: Path):
    actions = facts.build(context(tmp_path))["crypto_actions"]
    bond = actions.filter(pl.col("action_id") == "ACT-SLV-010").row(0, named=True)
    assert (bond["magnitude"], bond["magnitude_unit"]) == (1000, "USD_m")
    assert bond["magnitude_text"] == "USD 1bn volcano bond planned"


def test_holdings_may_come_from_notes(tmp_path: Path):
    actions = facts.build(context(tmp_path))["crypto_actions"]
    assert (
        actions.filter(pl.col("action_id") == "ACT-SLV-012")["reported_holdings_btc"].item() == 6049
    )


def test_missing_curation_row_names_the_id(tmp_path: Path):
    ctx = context(tmp_path)
    path = ctx.curated / "imf_crypto_responses_curation.csv"
    pl.read_csv(path, infer_schema=False).filter(pl.col("response_id") != "RSP-PAK-01").write_csv(
        path
    )
    with pytest.raises(IngestError, match="RSP-PAK-01"):
        facts.build(ctx)


def test_curation_for_unknown_id_raises(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.curated / "imf_crypto_responses_curation.csv",
        "response_id",
        "RSP-PAK-01",
        response_id="RSP-PAK-09",
    )
    with pytest.raises(IngestError, match="RSP-PAK-09"):
        facts.build(ctx)


def test_empty_curated_description_raises(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.curated / "crypto_actions_curation.csv", "action_id", "ACT-SLV-003", description=None
    )
    with pytest.raises(IngestError, match=r"ACT-SLV-003.*description"):
        facts.build(ctx)


def test_condition_summary_without_source_text_raises(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.facts_dir / "imf_crypto_responses.csv",
        "response_id",
        "RSP-SLV-08",
        quoted_condition_summary=None,
    )
    with pytest.raises(IngestError, match=r"RSP-SLV-08.*condition_summary"):
        facts.build(ctx)


def test_unknown_linked_action_raises(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.facts_dir / "imf_crypto_responses.csv",
        "response_id",
        "RSP-SLV-06",
        linked_action_ids="ACT-SLV-099",
    )
    with pytest.raises(IngestError, match=r"RSP-SLV-06.*ACT-SLV-099"):
        facts.build(ctx)


def test_link_to_later_action_is_dropped_and_noted(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.facts_dir / "imf_crypto_responses.csv", "response_id", "RSP-PAK-01", date="2025-05-26"
    )
    response = facts.build(ctx)["imf_crypto_responses"].filter(
        pl.col("response_id") == "RSP-PAK-01"
    )
    assert response["linked_action_ids"].item() == "ACT-PAK-006"
    assert "ACT-PAK-008 (dated 2025-05-28)" in response["notes"].item()


def test_point_in_time_links_keep_same_day_actions():
    fact = {"response_id": "RSP-TST-01", "linked_action_ids": "ACT-TST-001;ACT-TST-002"}
    announced = {"ACT-TST-001": dt.date(2025, 5, 30), "ACT-TST-002": dt.date(2025, 5, 31)}
    kept, dropped = facts.point_in_time_links(fact, dt.date(2025, 5, 30), announced)
    assert (kept, dropped) == (["ACT-TST-001"], ["ACT-TST-002"])


def test_month_precision_date_becomes_month_end(tmp_path: Path):
    actions = facts.build(context(tmp_path))["crypto_actions"]
    abkhazia = actions.filter(pl.col("action_id") == "ACT-GEO-001").row(0, named=True)
    assert (abkhazia["announced_on"], abkhazia["date_precision"]) == (
        dt.date(2020, 12, 31),
        "month",
    )
    assert abkhazia["scope"] == "subnational"


def test_wrong_date_precision_names_the_row(tmp_path: Path):
    ctx = context(tmp_path)
    rewrite_csv(
        ctx.facts_dir / "crypto_actions.csv", "action_id", "ACT-GEO-001", date_precision="day"
    )
    with pytest.raises(IngestError, match=r"ACT-GEO-001.*precision"):
        facts.build(ctx)


def test_response_source_publisher_is_the_host(tmp_path: Path):
    ctx = context(tmp_path)
    responses = facts.build(ctx)["imf_crypto_responses"]
    source_id = responses.filter(pl.col("response_id") == "RSP-PAK-01")["source_id"].item()
    sources = ctx.sources_frame().filter(pl.col("source_id") == source_id)
    assert sources["publisher"].item() == "arynews.tv"


# --- against the raw fact base (skipped without ../shared) --------------------------------------
def _facts_with_curation(table: str) -> pl.DataFrame:
    key = facts.KEYS[table]
    raw = pl.read_csv(SHARED_FACTS / f"{table}.csv", infer_schema=False)
    curation = pl.read_csv(CURATED / f"{table}_curation.csv", infer_schema=False)
    return raw.join(curation, on=key, how="left", suffix="_ours")


@needs_shared
@pytest.mark.parametrize("table", [facts.ACTIONS, facts.RESPONSES])
def test_every_fact_row_has_a_new_description(table: str):
    for row in _facts_with_curation(table).iter_rows(named=True):
        ours = (row["description_ours"] or "").strip()
        assert ours, row[facts.KEYS[table]]
        assert ours != row["description"].strip(), row[facts.KEYS[table]]


@needs_shared
@pytest.mark.parametrize("table", [facts.ACTIONS, facts.RESPONSES])
def test_descriptions_invent_no_numbers(table: str):
    source_columns = ["description", "magnitude", "quoted_condition_summary", "notes"]
    for row in _facts_with_curation(table).iter_rows(named=True):
        original = " ".join(row.get(c) or "" for c in source_columns)
        ours = " ".join(row.get(c) or "" for c in ("description_ours", "condition_summary"))
        invented = numbers_in(ours) - numbers_in(original)
        assert not invented, (row[facts.KEYS[table]], invented)


@needs_shared
@pytest.mark.parametrize("table", [facts.ACTIONS, facts.RESPONSES])
def test_descriptions_copy_no_long_passage(table: str):
    for row in _facts_with_curation(table).iter_rows(named=True):
        run = longest_shared_run(row["description_ours"], row["description"])
        assert run <= MAX_SHARED_WORDS, (row[facts.KEYS[table]], run)


@needs_shared
def test_condition_summaries_are_rewritten():
    for row in _facts_with_curation(facts.RESPONSES).iter_rows(named=True):
        original, ours = row["quoted_condition_summary"], row["condition_summary"]
        assert (original is None) == (ours is None), row["response_id"]
        if original is not None:
            assert ours.strip() != original.strip(), row["response_id"]
            assert longest_shared_run(ours, original) <= MAX_SHARED_WORDS, row["response_id"]

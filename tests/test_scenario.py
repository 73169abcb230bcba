"""What-if scenarios: hypothetical rows obey the package's rules, move only their country,
and never touch the real data or outputs."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest
from conftest import DATASETS, REPO
from typer.testing import CliRunner

from riskscore import export, pipeline, scenario
from riskscore.cli import app

EXAMPLE = REPO / "examples" / "scenario_pakistan_reserve.toml"
runner = CliRunner()


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def reserve(tmp_path_factory, real_package) -> scenario.ScenarioResult:
    out = tmp_path_factory.mktemp("out")
    return scenario.run(scenario.read(EXAMPLE), real_package, out)


def test_example_raises_pakistan_and_leaves_everyone_else_unchanged(reserve) -> None:
    frame = reserve.frame
    pak = frame.filter(pl.col("iso3") == "PAK").row(0, named=True)
    assert pak["score_scenario"] > pak["score_baseline"] + 5
    assert pak["exposure_scenario"] > pak["exposure_baseline"]
    others = frame.filter(pl.col("iso3") != "PAK")
    assert others.height == frame.height - 1 > 180
    for column in ("score", "exposure", "engagement", "vulnerability", "band"):
        assert (others[f"{column}_baseline"] == others[f"{column}_scenario"]).all(), column
    assert reserve.affected == ["PAK"]
    assert pak["hypothetical_ids"] == ["HYP-PAK-001"]


def test_result_is_written_side_by_side_and_flagged_hypothetical(reserve) -> None:
    assert reserve.path.name == "pakistan_reserve.parquet"
    assert reserve.path.parent.name == "scenario"
    written = pl.read_parquet(reserve.path)
    assert {"score_baseline", "score_scenario", "score_change", "hypothetical"} <= set(
        written.columns
    )
    assert written["hypothetical"].all()
    assert written["as_of"].unique().to_list() == [dt.date(2026, 9, 30)]
    meta = export.read_metadata(reserve.path)
    assert meta["hypothetical"] == "true" and meta["scenario"] == "pakistan_reserve"


def test_hypothetical_rows_are_built_from_the_table_contract() -> None:
    rows = scenario.build_rows(scenario.read(EXAMPLE))["crypto_actions"]
    (row,) = rows
    assert row["action_id"] == "HYP-PAK-001"
    assert row["direction"] == "state_exposure"  # implied by the action type
    assert row["notes"].startswith("HYPOTHETICAL (scenario pakistan_reserve)")
    assert list(row) == [
        "action_id",
        "iso3",
        "announced_on",
        "date_precision",
        "action_type",
        "direction",
        "status",
        "scope",
        "magnitude",
        "magnitude_unit",
        "magnitude_text",
        "reported_holdings_btc",
        "description",
        "confidence",
        "source_id",
        "notes",
    ]


def test_scenario_command_never_touches_real_data_or_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "scores.parquet").write_bytes(b"real output")
    (out / "history.parquet").write_bytes(b"real history")
    data_before, out_before = _digests(DATASETS), _digests(out)
    result = runner.invoke(app, ["scenario", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "PAK" in result.output and "HYP-PAK-001" in result.output
    assert "elevated → high" in result.output
    assert _digests(DATASETS) == data_before
    after = _digests(out)
    assert {k: after[k] for k in out_before} == out_before
    # the write lock, the output sets' manifest and the validated-package stamp
    bookkeeping = {".lock", "manifest.json", ".validated.json"}
    assert set(after) - set(out_before) - bookkeeping == {"scenario/pakistan_reserve.parquet"}


def test_a_hypothetical_row_must_pass_the_same_rules(tmp_path: Path, real_package) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "iso3,announced_on,action_type,status,description,source_id\n"
        "PAK,2026-07-15,strategic_reserve_law,maybe,odd status,web:livemint-498261a9\n"
        "XXX,2026-07-15,strategic_reserve_law,enacted,no such country,web:no-such-source\n",
        encoding="utf-8",
    )
    with pytest.raises(scenario.ScenarioError) as err:
        scenario.run(scenario.read(path), real_package, tmp_path, as_of=dt.date(2026, 9, 30))
    message = str(err.value)
    assert "[[crypto_actions]] row 1 HYP-PAK-001: status: vocabulary: 'maybe'" in message
    assert "row 2 HYP-XXX-001: iso3: foreign_key:countries.iso3" in message
    assert "source_id: foreign_key:sources.source_id" in message
    assert not (tmp_path / "scenario").exists()


def test_hypothetical_ids_must_say_so(tmp_path: Path) -> None:
    path = tmp_path / "fake.toml"
    path.write_text(
        '[[crypto_actions]]\naction_id = "ACT-PAK-999"\niso3 = "PAK"\n', encoding="utf-8"
    )
    # the file is checked field by field as it is read (rules hypothetical_id, extra_column)
    with pytest.raises(scenario.ScenarioError) as err:
        scenario.read(path)
    assert str(err.value) == (
        "fake.toml: [[crypto_actions]] row 1: action_id: hypothetical_id: 'ACT-PAK-999'"
    )
    path.write_text('[[crypto_actions]]\niso3 = "PAK"\nmood = "bullish"\n', encoding="utf-8")
    with pytest.raises(scenario.ScenarioError) as err:
        scenario.read(path)
    assert str(err.value) == "fake.toml: [[crypto_actions]] row 1: mood: extra_column: 'mood'"


def test_a_row_dated_after_the_as_of_date_is_refused(real_package, tmp_path: Path) -> None:
    spec = scenario.read(EXAMPLE)
    with pytest.raises(scenario.ScenarioError, match="after the scenario's as-of date"):
        scenario.run(spec, real_package, tmp_path, as_of=dt.date(2026, 6, 30))


def test_csv_scenario_can_add_an_arrangement(tmp_path: Path, real_package) -> None:
    # Bhutan has state crypto exposure but no IMF program: a hypothetical EFF raises L and the score
    path = tmp_path / "bhutan_program.csv"
    path.write_text(
        "iso3,facility,approved_on,expires_on,amount_sdr_m,source_id\n"
        "BTN,EFF,2026-03-02,2029-03-01,80,imf_mona_2021\n",
        encoding="utf-8",
    )
    result = scenario.run(scenario.read(path), real_package, tmp_path, as_of=dt.date(2026, 9, 30))
    btn = result.frame.filter(pl.col("iso3") == "BTN").row(0, named=True)
    assert btn["engagement_scenario"] > btn["engagement_baseline"]
    assert btn["score_scenario"] > btn["score_baseline"]
    assert result.affected == ["BTN"]
    assert result.hypothetical_ids == ["HYP-BTN-EFF-2026-03-02"]


def test_the_shipped_package_is_unchanged_by_scenarios(real_package) -> None:
    assert pipeline.data_hash(DATASETS) == real_package.data_sha256

"""Validation names file, line, column, rule and value for every kind of bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from conftest import line_of, replace_in_file
from typer.testing import CliRunner

from riskscore.cli import app
from riskscore.validate import validate_package

runner = CliRunner()


def _find(report, file: str, rule: str) -> list:
    return [f for f in report.failures if f.file == file and f.rule.startswith(rule)]


def test_mini_package_is_valid(mini_package: Path) -> None:
    report = validate_package(mini_package)
    assert report.ok, [f.format() for f in report.failures]
    assert report.rows_read["crypto_actions"] == 2


def test_missing_file_is_named(mini_package: Path) -> None:
    (mini_package / "macro.csv").unlink()
    report = validate_package(mini_package)
    [failure] = _find(report, "macro.csv", "missing_file")
    assert failure.line == 0


def test_empty_file_is_rejected(mini_package: Path) -> None:
    (mini_package / "imf_positions.csv").write_text("", encoding="utf-8")
    assert _find(validate_package(mini_package), "imf_positions.csv", "empty_file")


def test_missing_column_names_header_line(mini_package: Path) -> None:
    replace_in_file(mini_package / "macro.csv", ",is_projection", "")
    [failure] = _find(validate_package(mini_package), "macro.csv", "missing_column")
    assert (failure.line, failure.column) == (1, "is_projection")


def test_extra_column_is_named(mini_package: Path) -> None:
    path = mini_package / "btc_usd_monthly.csv"
    text = path.read_text().splitlines()
    path.write_text("\n".join([text[0] + ",comment", text[1] + ",hello"]) + "\n")
    [failure] = _find(validate_package(mini_package), "btc_usd_monthly.csv", "extra_column")
    assert failure.column == "comment"


def test_unparseable_number_names_row_and_column(mini_package: Path) -> None:
    path = mini_package / "macro.csv"
    replace_in_file(path, "371.408", "371,4O8")  # a letter O and a decimal comma
    report = validate_package(mini_package)
    assert any(f.rule == "field_count" or f.rule == "type:number" for f in report.failures)
    replace_in_file(path, "371,4O8", '"371,4O8"')
    [failure] = _find(validate_package(mini_package), "macro.csv", "type:number")
    assert (failure.line, failure.column, failure.value) == (2, "value", "371,4O8")


def test_unparseable_date_names_row_and_column(mini_package: Path) -> None:
    path = mini_package / "imf_reviews.csv"
    replace_in_file(path, "2025-05-09", "09/05/2025")
    [failure] = _find(validate_package(mini_package), "imf_reviews.csv", "type:date")
    assert (failure.line, failure.column, failure.value) == (2, "completed_on", "09/05/2025")


def test_impossible_calendar_date_is_rejected(mini_package: Path) -> None:
    replace_in_file(mini_package / "imf_reviews.csv", "2025-05-09", "2025-02-30")
    assert _find(validate_package(mini_package), "imf_reviews.csv", "type:date")


def test_bad_encoding_names_line(mini_package: Path) -> None:
    path = mini_package / "countries.csv"
    raw = path.read_bytes().replace(b"El Salvador", "El Salvador\xe9".encode("latin-1"))
    path.write_bytes(raw)
    [failure] = _find(validate_package(mini_package), "countries.csv", "encoding")
    assert failure.line == 3  # the SLV row


def test_duplicate_key_names_second_row(mini_package: Path) -> None:
    path = mini_package / "countries.csv"
    text = path.read_text()
    path.write_text(text + "PAK,Pakistan again,true,,,,,imf_weo_2025_10\n")
    [failure] = _find(validate_package(mini_package), "countries.csv", "primary_key_unique")
    assert (failure.line, failure.value) == (5, "PAK")


def test_composite_key_duplicate_is_caught(mini_package: Path) -> None:
    path = mini_package / "macro.csv"
    path.write_text(path.read_text() + "PAK,2024,gdp_usd_bn,1.0,USD bn,false,imf_weo_2025_10\n")
    [failure] = _find(validate_package(mini_package), "macro.csv", "primary_key_unique")
    assert failure.line == 4 and failure.column == "iso3,year,indicator"


def test_unknown_country_code_names_row(mini_package: Path) -> None:
    replace_in_file(mini_package / "crypto_actions.csv", "ACT-SLV-001,SLV", "ACT-SLV-001,SLX")
    [failure] = _find(validate_package(mini_package), "crypto_actions.csv", "foreign_key:countries")
    path = mini_package / "crypto_actions.csv"
    assert (failure.line, failure.column, failure.value) == (line_of(path, "SLX"), "iso3", "SLX")


def test_unknown_source_names_row(mini_package: Path) -> None:
    replace_in_file(mini_package / "imf_positions.csv", "imf_weo_2025_10", "imf_weo_2031_01")
    [failure] = _find(validate_package(mini_package), "imf_positions.csv", "foreign_key:sources")
    assert (failure.line, failure.column, failure.value) == (2, "source_id", "imf_weo_2031_01")


def test_one_unknown_id_in_a_source_list_is_named(mini_package: Path) -> None:
    replace_in_file(
        mini_package / "countries.csv", "564,imf_weo_2025_10", "564,imf_weo_2025_10;nope"
    )
    [failure] = _find(validate_package(mini_package), "countries.csv", "foreign_key:sources")
    assert failure.value == "nope"


def test_negative_amount_is_rejected(mini_package: Path) -> None:
    replace_in_file(mini_package / "imf_arrangements.csv", ",5320,", ",-5320,")
    [failure] = _find(validate_package(mini_package), "imf_arrangements.csv", "range:>=")
    assert (failure.line, failure.column, failure.value) == (2, "amount_sdr_m", "-5320.0")


def test_end_before_start_is_rejected(mini_package: Path) -> None:
    replace_in_file(mini_package / "imf_arrangements.csv", "2027-10-24", "2023-10-24")
    [failure] = _find(validate_package(mini_package), "imf_arrangements.csv", "date_order")
    assert (failure.line, failure.column) == (2, "expires_on")


def test_future_event_date_is_rejected_but_schedules_are_not(mini_package: Path) -> None:
    today = dt.date(2025, 10, 20)
    assert validate_package(mini_package, today=today).ok  # expires_on 2027 is a schedule
    replace_in_file(mini_package / "imf_crypto_responses.csv", "2025-05-30", "2025-11-30")
    [failure] = validate_package(mini_package, today=today).failures
    assert (failure.file, failure.line, failure.column) == (
        "imf_crypto_responses.csv",
        2,
        "responded_on",
    )
    assert failure.rule == "not_in_future"


def test_vocabulary_violation_is_named(mini_package: Path) -> None:
    replace_in_file(
        mini_package / "crypto_actions.csv", ",announced,national", ",rumoured,national"
    )
    [failure] = _find(validate_package(mini_package), "crypto_actions.csv", "vocabulary")
    assert (failure.column, failure.value) == ("status", "rumoured")


def test_direction_must_match_action_type(mini_package: Path) -> None:
    replace_in_file(
        mini_package / "crypto_actions.csv",
        "legal_tender_adoption,state_exposure",
        "legal_tender_adoption,restrictive",
    )
    [failure] = _find(validate_package(mini_package), "crypto_actions.csv", "consistent")
    assert failure.column == "direction"


def test_missing_required_value_is_named(mini_package: Path) -> None:
    replace_in_file(mini_package / "btc_usd_monthly.csv", "104638.09", "")
    [failure] = _find(validate_package(mini_package), "btc_usd_monthly.csv", "required")
    assert (failure.line, failure.column) == (2, "close_usd")


def test_ragged_row_is_named(mini_package: Path) -> None:
    path = mini_package / "crisis_years.csv"
    path.write_text(path.read_text() + "PAK,currency_crisis\n")
    [failure] = _find(validate_package(mini_package), "crisis_years.csv", "field_count")
    assert failure.line == 3


def test_line_numbers_count_multiline_quoted_fields(mini_package: Path) -> None:
    # ACT-PAK-006's description spans two lines, so ACT-SLV-001 sits on editor line 4
    path = mini_package / "crypto_actions.csv"
    replace_in_file(path, "2021-06-09,day", "2021-06-09,week")
    [failure] = _find(validate_package(mini_package), "crypto_actions.csv", "vocabulary")
    assert failure.line == line_of(path, "ACT-SLV-001") == 4


def test_linked_action_after_response_is_rejected(mini_package: Path) -> None:
    replace_in_file(
        mini_package / "crypto_actions.csv",
        "ACT-PAK-006,PAK,2025-05-25",
        "ACT-PAK-006,PAK,2025-06-25",
    )
    # rule renamed from linked_action_not_after_response: one generic reference_date rule
    [failure] = _find(validate_package(mini_package), "imf_crypto_responses.csv", "reference_date")
    assert failure.column == "linked_action_ids" and failure.value.startswith("ACT-PAK-006")


def test_every_failure_is_reported_at_once(mini_package: Path) -> None:
    replace_in_file(mini_package / "imf_reviews.csv", "2025-05-09", "soon")
    replace_in_file(mini_package / "imf_positions.csv", "2031", "lots")
    (mini_package / "crisis_years.csv").unlink()
    files = {f.file for f in validate_package(mini_package).failures}
    assert {"imf_reviews.csv", "imf_positions.csv", "crisis_years.csv"} <= files


def test_cli_prints_file_line_column_rule_value_and_exits_1(mini_package: Path) -> None:
    replace_in_file(mini_package / "imf_reviews.csv", "2025-05-09", "09/05/2025")
    result = runner.invoke(app, ["validate", str(mini_package)])
    assert result.exit_code == 1
    assert "imf_reviews.csv:2: completed_on: type:date: '09/05/2025'" in result.output
    assert "Traceback" not in result.output
    assert "imf_reviews" in result.output and "1 rejected rows" in result.output


def test_cli_exits_0_on_clean_package(mini_package: Path) -> None:
    result = runner.invoke(app, ["validate", str(mini_package)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_cli_writes_failures_as_parquet(mini_package: Path, tmp_path: Path) -> None:
    replace_in_file(mini_package / "imf_reviews.csv", ",760,", ",-760,")
    target = tmp_path / "failures.parquet"
    result = runner.invoke(app, ["validate", str(mini_package), "--failures", str(target)])
    assert result.exit_code == 1
    table = pl.read_parquet(target)
    assert table.columns == ["file", "line", "column", "rule", "value"]
    assert table.row(0, named=True)["file"] == "imf_reviews.csv"


def test_directory_that_does_not_exist_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "missing_file" in result.output and "Traceback" not in result.output


def test_corrupted_copy_of_the_shipped_package_names_file_line_and_column(
    shipped_copy: Path,
) -> None:
    macro = shipped_copy / "macro.csv"
    lines = macro.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith("PAK,2024,gdp_usd_bn,"))
    fields = lines[target].split(",")
    fields[3] = "three hundred"
    lines[target] = ",".join(fields)
    macro.write_text("\n".join(lines) + "\n", encoding="utf-8")
    replace_in_file(shipped_copy / "crypto_actions.csv", "ACT-PAK-006,PAK,", "ACT-PAK-006,PAQ,")
    report = validate_package(shipped_copy)
    by_file = {f.file: f for f in report.failures}
    assert set(by_file) == {"macro.csv", "crypto_actions.csv"}
    bad_value = by_file["macro.csv"]
    assert (bad_value.line, bad_value.column, bad_value.rule) == (
        target + 1,
        "value",
        "type:number",
    )
    bad_iso = by_file["crypto_actions.csv"]
    assert bad_iso.line == line_of(shipped_copy / "crypto_actions.csv", "ACT-PAK-006,PAQ,")
    assert (bad_iso.column, bad_iso.value) == ("iso3", "PAQ")

"""Hostile input: a corpus of malformed files for every reader, each with the exact failure
(file, line or place, column, rule) it must give, and never a traceback or a hang.

The corpus is generated here, case by case, from the tiny valid package in tests/fixtures
(package CSVs and datapackage.json) and from small scenario files. Property-based tests at
the end throw random bytes and random mutations at the same readers.
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskscore import settings as rs_settings
from riskscore.scenario import CSV_TABLE_HINTS, SCENARIO_TABLES
from riskscore.schemas import TABLES
from riskscore.validate import CODES, validate_package
from riskscore.validate.columns import compile_table
from riskscore.validate.scenario_file import ScenarioFileError, read_scenario

Expected = tuple[str, int | str, str, str]  # file, line (or scenario place), column, rule
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
SECONDS = 10  # every case ends within this, the 50 MB random file included


@dataclass(frozen=True)
class Case:
    """A malformed input: how to make it from a valid one, and the failures it must give."""

    name: str
    make: Callable[[Path], object]
    expected: list[Expected]


def _edit(file: str, old: bytes, new: bytes) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = folder / file
        data = path.read_bytes()
        assert old in data, f"{old!r} not in {file}"
        path.write_bytes(data.replace(old, new, 1))

    return make


def _write(file: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / file).write_bytes(data)


def _append(file: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / file).write_bytes((folder / file).read_bytes() + data)


def _replace_with(file: str, kind: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = folder / file
        path.unlink()
        if kind == "directory":
            path.mkdir()
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "link outside":
            outside = folder.parent / f"outside-{file}"
            outside.write_bytes(b"iso3\n")
            path.symlink_to(outside)
        elif kind == "dangling link":
            path.symlink_to(folder / "nowhere.csv")

    return make


def _lines(file: str, transform: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    return lambda folder: (folder / file).write_bytes(transform((folder / file).read_bytes()))


C, A, M = "countries.csv", "imf_arrangements.csv", "macro.csv"
DP = "datapackage.json"
COUNTRY_ROW = b"XKX,Kosovo,true,,Europe & Central Asia,Upper middle income,967,imf_weo_2025_10\n"


def _descriptor(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        data = json.loads((folder / DP).read_text(encoding="utf-8"))
        change(data)
        (folder / DP).write_text(json.dumps(data), encoding="utf-8")

    return make


def _field(data: dict, resource: str, name: str) -> dict:
    fields = next(r for r in data["resources"] if r["name"] == resource)["schema"]["fields"]
    return next(f for f in fields if f["name"] == name)


PACKAGE_CASES = [
    # --- not text, not UTF-8 ---------------------------------------------------------------
    Case("binary header", _write(C, b"\x00\x01\x02PK\x03\x04" * 50), [(C, 1, "", "not_text")]),
    Case(
        "utf-16 with BOM",
        _lines(C, lambda d: d.decode().encode("utf-16")),
        [(C, 1, "", "not_text")],
    ),
    Case(
        "utf-16 without BOM",
        _lines(C, lambda d: d.decode().encode("utf-16-le")),
        [(C, 1, "", "not_text")],
    ),
    Case(
        "latin-1 name",
        _edit(C, b"El Salvador", "El Salvadór".encode("latin-1")),
        [(C, 3, "", "encoding:utf-8")],
    ),
    Case(
        "cp1252 quote", _edit(C, b"Pakistan", b"\x93Pakistan\x94"), [(C, 2, "", "encoding:utf-8")]
    ),
    Case("truncated utf-8", _append(C, b"XKX,Kosov\xc3"), [(C, 5, "", "encoding:utf-8")]),
    # --- control characters in text ----------------------------------------------------------
    Case(
        "NUL in a name",
        _edit(C, b"El Salvador", b"El Sal\x00vador"),
        [(C, 3, "name", "control_character")],
    ),
    Case(
        "ESC in a name",
        _edit(C, b"Pakistan", b"Pak\x1b[31mistan"),
        [(C, 2, "name", "control_character")],
    ),
    Case(
        "bidi override in a name",
        _edit(C, b"Pakistan", "Pak\u202eistan".encode()),
        [(C, 2, "name", "control_character")],
    ),
    Case("NUL in a code", _edit(C, b"SLV,", b"S\x00V,"), [(C, 3, "iso3", "pattern")]),
    # --- layout: accepted variants ---------------------------------------------------------------
    Case("UTF-8 BOM", _lines(C, lambda d: b"\xef\xbb\xbf" + d), []),
    Case("CRLF line ends", _lines(C, lambda d: d.replace(b"\n", b"\r\n")), []),
    Case("CR line ends", _lines(C, lambda d: d.replace(b"\n", b"\r")), []),
    Case("padded cells", _edit(C, b"SLV,El Salvador,true", b" SLV , El Salvador ,true "), []),
    Case("blank and whitespace lines", _append(C, b"\n   \n\t\n"), []),
    Case("tab in free text", _edit(C, b"El Salvador", b"El\tSalvador"), []),
    # --- layout: refused ----------------------------------------------------------------------
    Case("short row", _append(C, b"XKX,Kosovo,true\n"), [(C, 5, "", "field_count")]),
    Case("long row", _edit(C, b"El Salvador,", b"El Salvador,,"), [(C, 3, "", "field_count")]),
    Case("unterminated quote", _append(C, b'XKX,"Kosovo,true,,,,,x\n'), [(C, 5, "", "csv_syntax")]),
    Case(
        "text after a quote", _append(C, b'XKX,"Kosovo"x,true,,,,,x\n'), [(C, 5, "", "csv_syntax")]
    ),
    Case(
        "unterminated huge quote",
        _append(C, b'XKX,"' + b"a" * 200_000),
        [(C, 5, "", "csv_syntax")],
    ),
    Case("quoted empty required", _edit(C, b"El Salvador", b'""'), [(C, 3, "name", "required")]),
    Case("empty file", _write(C, b""), [(C, 0, "", "empty_file")]),
    Case("whitespace file", _write(C, b" \n\t\r\n"), [(C, 0, "", "empty_file")]),
    Case("noise header", _write(C, b"a,b,c\n1,2,3\n"), [(C, 1, "", "unknown_header")]),
    Case(
        "duplicate column",
        _lines(C, lambda d: d.replace(b"region,", b"region,region,", 1)),
        [(C, 1, "region", "duplicate_column")],
    ),
    # --- values -------------------------------------------------------------------------------
    Case(
        "GDP 1e308",
        _edit(M, b"371.408", b"1e308"),
        [(M, 2, "value", "plausible:value_for_unit")],
    ),
    Case("infinite number", _edit(M, b"371.408", b"inf"), [(M, 2, "value", "type:number")]),
    Case("NaN", _edit(M, b"371.408", b"NaN"), [(M, 2, "value", "type:number")]),
    Case(
        "thousands separator", _edit(M, b"371.408", b'"371,408"'), [(M, 2, "value", "type:number")]
    ),
    Case(
        "integer overflow",
        _edit(C, b",564,", b",99999999999999999999999,"),
        [(C, 2, "imf_code", "type:integer")],
    ),
    Case(
        "expiry 9999-12-31",
        _edit(A, b"2027-10-24", b"9999-12-31"),
        [(A, 2, "expires_on", "range:<=2100-12-31")],
    ),
    Case(
        "approval in 1899",
        _edit(A, b",2024-09-25,", b",1899-09-25,"),
        [(A, 2, "approved_on", "range:>=1900-01-01")],
    ),
    Case(
        "impossible date",
        _edit(A, b"2027-10-24", b"2027-02-30"),
        [(A, 2, "expires_on", "type:date")],
    ),
    Case("sloppy date", _edit(A, b"2027-10-24", b"2027-1-4"), [(A, 2, "expires_on", "type:date")]),
    Case(
        "amount beyond plausible",
        _edit(A, b",5320,", b",5e12,"),
        [(A, 2, "amount_sdr_m", "range:<=1000000.0")],
    ),
    # --- not a regular file, or out of reach -----------------------------------------------
    Case("missing file", lambda f: (f / C).unlink(), [(C, 0, "", "missing_file")]),
    Case("directory", _replace_with(C, "directory"), [(C, 0, "", "not_regular_file")]),
    Case("FIFO", _replace_with(C, "fifo"), [(C, 0, "", "not_regular_file")]),
    Case(
        "link out of the package", _replace_with(C, "link outside"), [(C, 0, "", "outside_package")]
    ),
    Case("dangling link", _replace_with(C, "dangling link"), [(C, 0, "", "missing_file")]),
    # --- datapackage.json -------------------------------------------------------------------------
    Case("descriptor missing", lambda f: (f / DP).unlink(), [(DP, 0, "", "missing_file")]),
    Case("descriptor not an object", _write(DP, b"[]"), [(DP, 0, "/", "descriptor_mismatch")]),
    Case("descriptor of NULs", _write(DP, b"\x00" * 64), [(DP, 1, "", "not_text")]),
    Case(
        "descriptor latin-1",
        _write(DP, '{"name": "caf\xe9"}'.encode("latin-1")),
        [(DP, 1, "", "encoding:utf-8")],
    ),
    Case("descriptor nested deep", _write(DP, b"[" * 100_000), [(DP, 0, "", "json_syntax")]),
    Case("descriptor directory", _replace_with(DP, "directory"), [(DP, 0, "", "not_regular_file")]),
    Case(
        "descriptor type changed",
        _descriptor(lambda d: _field(d, "macro", "value").update(type="string")),
        [(DP, 0, "/resources/macro/schema/fields/value/type", "descriptor_mismatch")],
    ),
    Case(
        "descriptor enum changed",
        _descriptor(lambda d: _field(d, "macro", "unit")["constraints"]["enum"].pop()),
        [(DP, 0, "/resources/macro/schema/fields/unit/constraints/enum/8", "descriptor_mismatch")],
    ),
    Case(
        "descriptor resource dropped",
        _descriptor(lambda d: d["resources"].pop(2)),
        [(DP, 0, "/resources/macro", "descriptor_mismatch")],
    ),
]


def _finishes(fn: Callable[[], object], seconds: float = SECONDS) -> object:
    """fn() run in a thread that must end in time (a hang fails the test, not the suite)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as err:  # reported below, in the test's own thread
            box["error"] = err

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"did not finish within {seconds} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


def _places(failures) -> list[Expected]:
    return [(f.file, f.where or f.line, f.column, f.rule) for f in failures]


@pytest.mark.parametrize("case", PACKAGE_CASES, ids=lambda c: c.name)
def test_package_corpus_gives_exactly_its_failures(case: Case, mini_package: Path) -> None:
    case.make(mini_package)
    report = _finishes(lambda: validate_package(mini_package))
    assert _places(report.failures) == case.expected


def test_truncated_descriptor_names_the_line_it_ends_on(mini_package: Path) -> None:
    text = (mini_package / DP).read_text(encoding="utf-8")
    cut = text[: len(text) // 2]
    (mini_package / DP).write_text(cut, encoding="utf-8")
    [failure] = validate_package(mini_package).failures
    assert (failure.file, failure.rule) == (DP, "json_syntax")
    assert failure.line == cut.count("\n") + 1


def test_unreadable_file_is_named(mini_package: Path) -> None:
    if IS_ROOT:
        pytest.skip("running as root: chmod 000 does not stop root from reading")
    (mini_package / C).chmod(0)
    try:
        report = validate_package(mini_package)
    finally:
        (mini_package / C).chmod(0o644)
    assert _places(report.failures) == [(C, 0, "", "unreadable")]


def test_link_inside_the_package_is_followed(mini_package: Path) -> None:
    (mini_package / "curated").mkdir()
    (mini_package / C).rename(mini_package / "curated" / C)
    (mini_package / C).symlink_to(mini_package / "curated" / C)
    assert validate_package(mini_package).ok


def test_file_over_the_size_limit_is_refused_unread(
    mini_package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rs_settings, "MAX_TABLE_BYTES", 100)
    report = validate_package(mini_package)
    assert (C, 0, "", "file_too_large") in _places(report.failures)


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_build_and_score_end_in_one_line_on_a_special_file(
    kind: str, mini_package: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from riskscore.cli import app

    _replace_with(C, kind)(mini_package)
    for command in ("build", "score"):
        args = [command, "--datasets", str(mini_package), "--out", str(tmp_path / "out")]
        result = _finishes(lambda args=args: CliRunner().invoke(app, args))
        assert result.exit_code == 1
        assert result.output.startswith("countries.csv:0: -: not_regular_file:")
        assert "Traceback" not in result.output


def test_50_mb_of_random_bytes_end_in_one_line_quickly(mini_package: Path) -> None:
    (mini_package / M).write_bytes(random.Random(50).randbytes(50 * 1024 * 1024))
    report = _finishes(lambda: validate_package(mini_package))
    [failure] = report.failures
    assert (failure.file, failure.line, failure.rule) in {
        (M, 1, "not_text"),
        (M, 1, "encoding:utf-8"),
    }


def test_nul_byte_never_reaches_the_tables(mini_package: Path) -> None:
    _edit(C, b"El Salvador", b"El Sal\x00vador")(mini_package)
    report = validate_package(mini_package)
    assert not report.ok  # so load_package raises and nothing is scored from it


# --- scenario files -------------------------------------------------------------------------------

ID_COLUMNS = {table: column for table, (column, _) in SCENARIO_TABLES.items()}
ACTION = (
    'iso3 = "PAK"\nannounced_on = 2026-07-15\naction_type = "strategic_reserve_law"\n'
    'status = "enacted"\ndescription = "d"\nsource_id = "web:livemint-498261a9"\n'
)
CSV_HEAD = b"iso3,announced_on,action_type,status,description,source_id\n"
CSV_ROW = b"PAK,2026-07-15,strategic_reserve_law,enacted,d,web:livemint-498261a9\n"


@dataclass(frozen=True)
class ScenarioCase:
    name: str
    file: str
    content: bytes | str  # "fifo" / "directory" make that instead of a file
    expected: list[Expected]


def _toml(text: str) -> bytes:
    return text.encode("utf-8")


SCENARIO_CASES = [
    ScenarioCase("valid toml", "s.toml", _toml(f"[[crypto_actions]]\n{ACTION}"), []),
    ScenarioCase("valid csv", "s.csv", CSV_HEAD + CSV_ROW, []),
    ScenarioCase(
        "toml with BOM and CRLF",
        "s.toml",
        b"\xef\xbb\xbf" + _toml(f"[[crypto_actions]]\n{ACTION}").replace(b"\n", b"\r\n"),
        [],
    ),
    ScenarioCase(
        "latin-1",
        "s.toml",
        '[scenario]\nname = "Salvadór"\n'.encode("latin-1"),
        [("s.toml", 2, "", "encoding:utf-8")],
    ),
    ScenarioCase(
        "scenario = 5",
        "s.toml",
        _toml("scenario = 5\n"),
        [("s.toml", "[scenario]", "", "type:table")],
    ),
    ScenarioCase(
        "crypto_actions = [1, 2]",
        "s.toml",
        _toml("crypto_actions = [1, 2]\n"),
        [
            ("s.toml", "[[crypto_actions]] row 1", "", "type:table"),
            ("s.toml", "[[crypto_actions]] row 2", "", "type:table"),
        ],
    ),
    ScenarioCase(
        "crypto_actions = 5",
        "s.toml",
        _toml("crypto_actions = 5\n"),
        [("s.toml", "crypto_actions", "", "type:array")],
    ),
    ScenarioCase(
        "name = 5",
        "s.toml",
        _toml("[scenario]\nname = 5\n"),
        [("s.toml", "[scenario]", "name", "type:string")],
    ),
    ScenarioCase(
        "as_of = 20260930",
        "s.toml",
        _toml("[scenario]\nas_of = 20260930\n"),
        [("s.toml", "[scenario]", "as_of", "type:date")],
    ),
    ScenarioCase(
        "as_of far away",
        "s.toml",
        _toml("[scenario]\nas_of = 9999-12-31\n"),
        [("s.toml", "[scenario]", "as_of", "range:1900-01-01..2100-12-31")],
    ),
    ScenarioCase(
        "as_of impossible",
        "s.toml",
        _toml('[scenario]\nas_of = "2026-02-30"\n'),
        [("s.toml", "[scenario]", "as_of", "type:date")],
    ),
    ScenarioCase(
        "unknown scenario key",
        "s.toml",
        _toml('[scenario]\nmood = "bullish"\n'),
        [("s.toml", "[scenario]", "mood", "unknown_key")],
    ),
    ScenarioCase(
        "toml syntax", "s.toml", _toml("[scenario\nname = 1\n"), [("s.toml", 1, "", "toml_syntax")]
    ),
    ScenarioCase(
        "unknown table",
        "s.toml",
        _toml("[[macro]]\nyear = 2026\n"),
        [("s.toml", "macro", "", "unknown_table")],
    ),
    ScenarioCase(
        "unknown column",
        "s.toml",
        _toml(f"[[crypto_actions]]\n{ACTION}mood = 'bullish'\n"),
        [("s.toml", "[[crypto_actions]] row 1", "mood", "extra_column")],
    ),
    ScenarioCase(
        "real id",
        "s.toml",
        _toml(f'[[crypto_actions]]\n{ACTION}action_id = "ACT-PAK-999"\n'),
        [("s.toml", "[[crypto_actions]] row 1", "action_id", "hypothetical_id")],
    ),
    ScenarioCase(
        "text for a number",
        "s.toml",
        _toml(f'[[crypto_actions]]\n{ACTION}magnitude = "lots"\n'),
        [("s.toml", "[[crypto_actions]] row 1", "magnitude", "type:number")],
    ),
    ScenarioCase(
        "table for a number",
        "s.toml",
        _toml(f"[[crypto_actions]]\n{ACTION}magnitude = {{a = 1}}\n"),
        [("s.toml", "[[crypto_actions]] row 1", "magnitude", "type:number")],
    ),
    ScenarioCase(
        "number for text",
        "s.toml",
        _toml(f"[[crypto_actions]]\n{ACTION}notes = 5\n"),
        [("s.toml", "[[crypto_actions]] row 1", "notes", "type:string")],
    ),
    ScenarioCase(
        "NUL escape in text",
        "s.toml",
        _toml(f'[[crypto_actions]]\n{ACTION}notes = "a\\u0000b"\n'),
        [("s.toml", "[[crypto_actions]] row 1", "notes", "control_character")],
    ),
    ScenarioCase(
        "impossible date",
        "s.toml",
        _toml('[[crypto_actions]]\niso3 = "PAK"\nannounced_on = "2026-13-01"\n'),
        [("s.toml", "[[crypto_actions]] row 1", "announced_on", "type:date")],
    ),
    ScenarioCase("empty toml", "s.toml", b"", [("s.toml", 0, "", "empty_file")]),
    ScenarioCase("binary toml", "s.toml", b"\x00\x01\x02", [("s.toml", 1, "", "not_text")]),
    ScenarioCase("fifo", "s.toml", "fifo", [("s.toml", 0, "", "not_regular_file")]),
    ScenarioCase("directory", "s.toml", "directory", [("s.toml", 0, "", "not_regular_file")]),
    ScenarioCase("neither toml nor csv", "s.json", b"{}", [("s.json", 0, "", "file_format")]),
    ScenarioCase(
        "csv extra field",
        "s.csv",
        CSV_HEAD + CSV_ROW.replace(b"\n", b",extra\n"),
        [("s.csv", 2, "", "field_count")],
    ),
    ScenarioCase(
        "csv unknown table",
        "s.csv",
        b"table,iso3\nmacro,PAK\n",
        [("s.csv", 2, "table", "unknown_table")],
    ),
    ScenarioCase(
        "csv cannot tell the table",
        "s.csv",
        b"iso3,notes\nPAK,n\n",
        [("s.csv", 2, "table", "unknown_table")],
    ),
    ScenarioCase(
        "csv latin-1",
        "s.csv",
        CSV_HEAD + CSV_ROW.replace(b",d,", ",dé,".encode("latin-1")),
        [("s.csv", 2, "", "encoding:utf-8")],
    ),
    ScenarioCase(
        "csv bad date",
        "s.csv",
        CSV_HEAD + CSV_ROW.replace(b"2026-07-15", b"15/07/2026"),
        [("s.csv", 2, "announced_on", "type:date")],
    ),
    ScenarioCase(
        "csv unknown column",
        "s.csv",
        CSV_HEAD.replace(b"\n", b",mood\n") + CSV_ROW.replace(b"\n", b",bullish\n"),
        [("s.csv", 2, "mood", "extra_column")],
    ),
    ScenarioCase(
        "csv real id",
        "s.csv",
        b"action_id," + CSV_HEAD + b"ACT-PAK-001," + CSV_ROW,
        [("s.csv", 2, "action_id", "hypothetical_id")],
    ),
]


def _scenario_file(case: ScenarioCase, folder: Path) -> Path:
    path = folder / case.file
    if case.content == "fifo":
        os.mkfifo(path)
    elif case.content == "directory":
        path.mkdir()
    else:
        assert isinstance(case.content, bytes)
        path.write_bytes(case.content)
    return path


def _read(path: Path):
    return read_scenario(path, ID_COLUMNS, CSV_TABLE_HINTS)


@pytest.mark.parametrize("case", SCENARIO_CASES, ids=lambda c: c.name)
def test_scenario_corpus_gives_exactly_its_failures(case: ScenarioCase, tmp_path: Path) -> None:
    path = _scenario_file(case, tmp_path)

    def outcome() -> list[Expected]:
        try:
            _read(path)
        except ScenarioFileError as err:
            return _places(err.failures)
        return []

    assert _finishes(outcome) == case.expected


def test_scenario_command_prints_one_line_per_failure(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from riskscore.cli import app

    path = tmp_path / "s.toml"
    path.write_text("[scenario]\nname = 5\nas_of = 20260930\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["scenario", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: s.toml: [scenario]: as_of: type:date: '20260930'",
        "s.toml: [scenario]: name: type:string: '5'",
    ]


def test_corpus_is_large_and_exercises_every_registered_code() -> None:
    rules = {e[3] for case in PACKAGE_CASES + SCENARIO_CASES for e in case.expected}
    rules |= {"unreadable", "file_too_large", "json_syntax", "not_text", "encoding:utf-8"}
    # raised by rules over whole tables and across tables, covered in tests/test_validate.py
    rules |= {"primary_key_unique", "not_in_future", "date_order", "consistent", "foreign_key"}
    rules |= {"reference_date", "vocabulary", "missing_column", "extra_column", "check"}
    # the arrangements' life, covered in tests/test_shipped_lifecycle_and_sources.py
    rules |= {"arrangement_overlap", "end_after_expiry", "review_outside_life"}
    assert len(PACKAGE_CASES) + len(SCENARIO_CASES) >= 40
    assert {rule.partition(":")[0] for rule in rules} == set(CODES)


# --- property-based: random bytes and random mutations ------------------------------------------

MINI = Path(__file__).resolve().parent / "fixtures" / "mini_package"
VALID = (MINI / C).read_bytes()


def _fresh(tmp_path_factory) -> Path:
    import shutil

    from riskscore import datapackage

    folder = tmp_path_factory.mktemp("pkg")
    for path in MINI.glob("*.csv"):
        shutil.copy(path, folder / path.name)
    datapackage.write(folder)
    return folder


QUICK = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@QUICK
@given(data=st.binary(min_size=1, max_size=4096))
def test_random_bytes_give_a_clean_failure(tmp_path_factory, data: bytes) -> None:
    folder = _fresh(tmp_path_factory)
    (folder / C).write_bytes(data)
    report = validate_package(folder)  # never raises
    assert all(f.code.name in CODES for f in report.failures)
    if data.strip() and not data.isascii():
        assert not report.ok


@QUICK
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(VALID)), st.integers(0, 3), st.binary(max_size=3)),
        min_size=1,
        max_size=6,
    )
)
def test_random_mutations_of_a_valid_csv_fail_cleanly(tmp_path_factory, edits) -> None:
    data = VALID
    for at, cut, insert in edits:
        data = data[:at] + insert + data[at + cut :]
    folder = _fresh(tmp_path_factory)
    (folder / C).write_bytes(data)
    report = validate_package(folder)  # never raises
    assert all(f.code.name in CODES for f in report.failures)
    if report.ok:  # what passes is typed as the schema says
        typed = report.clean_tables()["countries"]
        assert dict(typed.schema) == compile_table(TABLES["countries"]).dtypes


@QUICK
@given(text=st.text(max_size=300))
def test_random_scenario_text_fails_only_as_scenario_failures(tmp_path_factory, text: str) -> None:
    folder = tmp_path_factory.mktemp("scenario")
    for name in ("s.toml", "s.csv"):
        path = folder / name
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            _read(path)
        except ScenarioFileError as err:
            assert err.failures and all(f.code.name in CODES for f in err.failures)


@QUICK
@given(data=st.binary(max_size=2048))
def test_random_descriptor_bytes_fail_cleanly(tmp_path_factory, data: bytes) -> None:
    folder = _fresh(tmp_path_factory)
    (folder / DP).write_bytes(data)
    report = validate_package(folder)
    assert not report.ok
    assert {f.file for f in report.failures} == {DP}


def test_failures_do_not_depend_on_the_csv_modules_global_field_limit(mini_package: Path) -> None:
    import csv

    _append(C, b"XKX,Kosovo,true\n")(mini_package)  # a short row sends the file to csv
    before = csv.field_size_limit(5)  # as if some library had changed it
    try:
        report = validate_package(mini_package)
    finally:
        csv.field_size_limit(before)
    assert _places(report.failures) == [(C, 5, "", "field_count")]

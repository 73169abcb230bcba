"""`make all` validates once: a validated-stamp lets later commands skip the checks, and only
for exactly the bytes (and the rules) that passed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import replace_in_file
from typer.testing import CliRunner

from riskscore import pipeline
from riskscore.cli import app
from riskscore.validate import stamp, validate_package

runner = CliRunner()


@pytest.fixture
def stamped(mini_package: Path, tmp_path: Path) -> Path:
    """An out/ folder stamped by `riskscore validate --out` for the mini package."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["validate", str(mini_package), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _load(mini_package: Path, out: Path) -> pipeline.Package:
    return pipeline.load_package(mini_package, cache=out / "riskscore.duckdb")


def test_a_stamped_package_is_parsed_without_the_checks(
    mini_package: Path, stamped: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = pipeline.load_package(mini_package).tables
    calls = []
    real = pipeline.validate_package

    def spy(*args, **kwargs):
        report = real(*args, **kwargs)
        calls.append(report.trusted)
        return report

    monkeypatch.setattr(pipeline, "validate_package", spy)
    trusted = _load(mini_package, stamped).tables
    assert calls == [True]
    assert trusted.keys() == checked.keys()
    for name, frame in checked.items():
        assert trusted[name].equals(frame), name


def test_editing_a_csv_after_the_stamp_means_validating_again(
    mini_package: Path, stamped: Path
) -> None:
    replace_in_file(mini_package / "imf_reviews.csv", "2025-05-09", "2025-02-30")
    with pytest.raises(pipeline.InvalidPackage) as err:
        _load(mini_package, stamped)
    assert [f.rule for f in err.value.report.failures] == ["type:date"]


def test_new_rules_mean_validating_again(
    mini_package: Path, stamped: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = stamp.read(stamped)
    monkeypatch.setattr(stamp, "VALIDATOR_VERSION", "a later one")
    stamp._rules_sha256.cache_clear()
    try:
        report = validate_package(mini_package, trusted=before)
    finally:
        monkeypatch.undo()
        stamp._rules_sha256.cache_clear()
    assert report.ok and not report.trusted


def test_stripped_cells_stay_stripped_when_trusted(mini_package: Path, tmp_path: Path) -> None:
    replace_in_file(
        mini_package / "countries.csv", "SLV,El Salvador,true", " SLV , El Salvador,true"
    )
    report = validate_package(mini_package)
    assert report.ok and report.stripped == {"countries"}
    trusted = validate_package(mini_package, trusted=report.stamp())
    assert trusted.trusted
    assert "SLV" in trusted.tables["countries"]["iso3"].to_list()


def test_a_garbled_stamp_is_ignored(mini_package: Path, stamped: Path) -> None:
    (stamped / stamp.FILE).write_bytes(b"\x00\xff not json")
    assert stamp.read(stamped) is None
    assert _load(mini_package, stamped).tables  # validated in full instead


def test_build_stamps_its_output_folder(mini_package: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "--datasets", str(mini_package), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert stamp.read(out) == validate_package(mini_package).stamp()


def test_scoring_a_stamped_package_never_imports_pandera(stamped: Path, mini_package: Path) -> None:
    """pandera (with pandas) costs about a second to import: a stamped package is parsed from the
    generated column list, and the database describes its tables from it too."""
    import subprocess
    import sys

    script = (
        "import sys; from riskscore.cli import app\n"
        "try:\n    app(sys.argv[1:])\nexcept SystemExit as exit:\n    assert not exit.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandera', 'pandas')))"
    )
    args = ["score", "--as-of", "2025-06-30", "--datasets", str(mini_package), "--out"]
    done = subprocess.run(
        [sys.executable, "-c", script, *args, str(stamped)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (stamped / "riskscore.duckdb").exists()


def test_a_change_to_the_validator_source_voids_the_stamp(monkeypatch) -> None:
    before = stamp._rules_sha256()
    sources = stamp._rule_sources()
    assert {p.name for p in sources} >= {"schema_models.py", "schemas.py", "checks.py"}
    real = Path.read_bytes
    changed = sources[-1]
    monkeypatch.setattr(Path, "read_bytes", lambda p: real(p) + b"#" if p == changed else real(p))
    stamp._rules_sha256.cache_clear()
    try:
        assert stamp._rules_sha256() != before
    finally:
        monkeypatch.undo()
        stamp._rules_sha256.cache_clear()

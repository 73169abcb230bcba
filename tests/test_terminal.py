"""What reaches the terminal: one line instead of a traceback, data printed literally, tables
that survive a pipe or a narrow terminal."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import MINI, replace_in_file
from rich.console import Console
from typer.testing import CliRunner

from riskscore import terminal
from riskscore.cli import app

runner = CliRunner()
AS_OF = "2025-06-30"
# rich markup that used to crash the tables, a hyperlink, a colour, a window-title escape with a
# bell, and a right-to-left override
HOSTILE = (
    "Paki[/bold]stan [link=https://evil.example]click[/link] \x1b[31mRED\x1b]0;pwned\x07 \u202eevil"
)
RAW = ("\x1b[31m", "\x1b]0;", "\x07", "\u202e", "\x1b]8;")  # none of these may be printed raw


# the package validator rejects control characters in text fields, so what can reach a
# command's output from valid data is markup; control characters are tested on `terminal` below
MARKUP = "Paki[/bold]stan [link=https://evil.example]click[/link]"


def _hostile_copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "pkg"
    shutil.copytree(MINI, target)
    quoted = '"' + name.replace('"', '""') + '"'
    replace_in_file(target / "countries.csv", "PAK,Pakistan,", f"PAK,{quoted},")
    return target


@pytest.fixture
def hostile_package(tmp_path: Path) -> Path:
    """A copy of the mini package in which Pakistan's name is rich markup."""
    return _hostile_copy(tmp_path, MARKUP)


def test_control_characters_in_a_name_are_rejected_on_one_line(tmp_path: Path) -> None:
    package = _hostile_copy(tmp_path, HOSTILE)
    out = tmp_path / "out"
    result = runner.invoke(app, ["score", "--datasets", str(package), "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "countries.csv:" in result.output and "control_character" in result.output
    for sequence in RAW:
        assert sequence not in result.output, repr(sequence)


def _assert_literal(output: str, escaped: bool = False) -> None:
    for sequence in RAW:
        assert sequence not in output, repr(sequence)
    assert "Paki[/bold]stan [link=https://evil.example]click[/link]" in output
    if escaped:
        assert "\\x1b[31mRED\\x1b]0;pwned\\x07 \\u202eevil" in output  # shown escaped


def test_clean_shows_control_characters_escaped_and_keeps_one_line() -> None:
    assert terminal.clean("a\x1b[2Jb\tc\nd\u202e") == "a\\x1b[2Jb c d\\u202e"
    assert terminal.clean("Côte d'Ivoire [bold]") == "Côte d'Ivoire [bold]"


SCENARIO = r"""
[scenario]
name = "hostile"
description = "What if Paki[/bold]stan [link=x]y[/link]"
as_of = 2025-06-30

[[crypto_actions]]
iso3 = "PAK"
announced_on = 2025-06-01
action_type = "strategic_reserve_law"
status = "enacted"
description = "hypothetical"
source_id = "web:example-0000aaaa"
"""


@pytest.mark.parametrize("command", ["score", "explain", "diff", "scenario", "report"])
def test_hostile_country_name_is_printed_literally(
    command: str, hostile_package: Path, tmp_path: Path
) -> None:
    scenario = tmp_path / "hostile.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    args = {
        "score": ["score", "--as-of", AS_OF],
        "explain": ["explain", "PAK", "--as-of", AS_OF],
        "diff": ["diff", "--from", "2024-12-31", "--to", AS_OF, "PAK"],
        "scenario": ["scenario", str(scenario)],
        "report": ["report", "--as-of", AS_OF],
    }[command]
    out = tmp_path / "out"
    result = runner.invoke(app, [*args, "--datasets", str(hostile_package), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    if command != "report":  # report prints no country names
        _assert_literal(result.output)


def test_hostile_text_in_a_drawn_table_stays_text() -> None:
    """On a terminal wide enough, rich draws the table; the cell is still shown literally."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=200, color_system="standard")
    terminal.table("Top 1 as of 2025-06-30", ["country", terminal.Column("score", True)],
                   [(HOSTILE, "55.5")], console)  # fmt: skip
    drawn = screen.getvalue()
    assert "┃" in drawn or "│" in drawn  # a rich table, not the plain fallback
    _assert_literal(drawn, escaped=True)


def test_tables_in_a_pipe_are_plain_and_never_cut(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["score", "--as-of", AS_OF, "--datasets", str(MINI), "--out", str(tmp_path / "out")],
        env={"COLUMNS": "40"},
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("Top 15"))
    assert f"as of {AS_OF}" in lines[title]  # the table names its date
    assert lines[title + 1].split() == ["rank", "iso3", "country", "score", "band", "exposure",
                                        "engagement", "vulnerability", "completeness"]  # fmt: skip
    assert "El Salvador" in result.output and "…" not in result.output
    assert not any(c in result.output for c in "┃│━")  # no box drawing in a pipe


def test_a_table_to_a_pipe_is_written_without_rich_and_as_rich_would_write_it(
    monkeypatch,
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):  # they make rich take a file for a terminal
        monkeypatch.delenv(name, raising=False)
    script = (
        "import sys\n"
        "from riskscore import terminal\n"
        f"rows = [({HOSTILE!r}, '55.5'), ('El Salvador', '7')]\n"
        "terminal.table('Top 2 as of 2025-06-30', ['country', terminal.Column('score', True)],"
        " rows)\n"
        "terminal.line('Warned: ', (1, 'bold'), ' of 2')\n"
        "print('rich.console' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={"PATH": "", "PYTHONPATH": str(Path(terminal.__file__).parents[1])},
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "False"  # rich's console was never imported
    screen = io.StringIO()
    rows = [(HOSTILE, "55.5"), ("El Salvador", "7")]
    console = Console(file=screen, width=200)  # a file: what rich writes when no terminal
    terminal.table("Top 2 as of 2025-06-30", ["country", terminal.Column("score", True)], rows,
                   console)  # fmt: skip
    terminal.line("Warned: ", (1, "bold"), " of 2", out=console)
    assert done.stdout == screen.getvalue()
    _assert_literal(done.stdout, escaped=True)


def test_narrow_terminal_falls_back_to_plain_columns() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=30)
    terminal.table("Top 1 as of 2025-06-30", ["country", "band"],
                   [("Central African Republic", "very_high")], console)  # fmt: skip
    assert "Central African Republic  very_high" in screen.getvalue()


def test_an_unexpected_error_is_one_line_and_a_log(tmp_path: Path, monkeypatch) -> None:
    from riskscore import pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("model exploded \x1b[2J badly\nsecond line")

    monkeypatch.setattr(pipeline, "run_model", broken)
    out = tmp_path / "out"
    result = runner.invoke(app, ["score", "--datasets", str(MINI), "--out", str(out)])
    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert line.startswith("error: unexpected RuntimeError: model exploded \\x1b[2J badly (")
    assert "Traceback" not in result.output and "\x1b[2J" not in result.output
    [log] = (out / "logs").glob("riskscore-*.log")
    assert str(log) in line
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "second line" in text


def test_the_log_goes_to_a_temp_folder_when_out_is_unwritable(tmp_path: Path, monkeypatch) -> None:
    from riskscore import pipeline

    out = tmp_path / "out"
    out.mkdir()
    (out / "logs").write_text("a file where out/logs/ should be", encoding="utf-8")

    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(pipeline, "load_package", bug)
    result = runner.invoke(app, ["score", "--datasets", str(MINI), "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: unexpected ") and "riskscore-logs" in line
    log = Path(line.split("full traceback in ")[1].rstrip(")"))
    assert log.exists()
    log.unlink()


def test_a_database_held_by_another_process_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "riskscore.duckdb"
    holder = duckdb.connect(str(path))  # this process keeps it open for writing
    try:
        done = subprocess.run(
            [sys.executable, "-m", "riskscore.cli", "sql", "select 1", "--out", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.close()
    assert done.returncode == 75, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"{path} is in use by pid " in done.stderr


def test_sql_shows_escape_sequences_in_cells(tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / "riskscore.duckdb")).close()
    query = "select chr(27) || '[2J' || chr(7) as cell"
    result = runner.invoke(app, ["sql", query, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[2J\\x07" in result.output


def test_validate_shows_a_hostile_value_escaped(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(MINI, package)
    replace_in_file(package / "countries.csv", "PAK,Pakistan,true", "PAK,Pakistan,\x1b[2Jyes")
    result = runner.invoke(app, ["validate", str(package)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\\x1b[2Jyes" in result.output


def test_the_console_script_runs_the_app_then_freezes_the_collector(monkeypatch, capsys) -> None:
    import gc

    from riskscore import cli

    monkeypatch.setattr(sys, "argv", ["riskscore", "--help"])
    try:
        with pytest.raises(SystemExit) as done:
            cli.run()
        assert done.value.code == 0 and "Usage" in capsys.readouterr().out
        assert gc.get_freeze_count() > 0  # the exit skips the collector's last passes
    finally:
        gc.unfreeze()  # this test process goes on


@pytest.mark.parametrize("forced", [None, ("FORCE_COLOR", "1"), ("TTY_COMPATIBLE", "1")])
def test_progress_draws_only_on_what_rich_takes_for_a_terminal(monkeypatch, forced) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    if forced:
        monkeypatch.setenv(*forced)
    stderr = io.StringIO()  # not a tty
    monkeypatch.setattr(sys, "stderr", stderr)
    with terminal.progress("scoring", total=2) as bar:
        bar.step("first")
        bar.step("second")
    assert bool(stderr.getvalue()) == bool(forced)

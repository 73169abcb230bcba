"""The model card: what it reports from the evaluation outputs, and clean errors throughout."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from conftest import DATASETS, replace_in_file
from typer.testing import CliRunner

from riskscore import backtest, config, model_card, uncertainty
from riskscore.cli import app

runner = CliRunner()
END = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def evaluated_out(tmp_path_factory, real_package) -> Path:
    """out/ holding a (few-resample) backtest and a (few-draw) uncertainty run."""
    out = tmp_path_factory.mktemp("out")
    cfg = config.load()
    result = backtest.run(real_package, cfg, reps=5)
    backtest.write(result, real_package, cfg, out)
    model_card.write(real_package, cfg, out)
    simulated = uncertainty.run(real_package, END, cfg, draws=20)
    uncertainty.write(simulated, real_package, cfg, out)
    return out


def test_card_reports_every_section_from_the_outputs(evaluated_out, real_package) -> None:
    cfg = config.load()
    text = model_card.build(real_package, cfg, evaluated_out, today=END)
    assert cfg.sha256 in text and f"Method version: {cfg.version}" in text
    headings = ["## Data coverage", "## Backtest", "### Episodes", "## Fitted challenger",
                "## Calibration", "## Uncertainty", "## Known gaps"]  # fmt: skip
    assert all(heading in text for heading in headings)
    assert "AUROC" in text and "95% CI" in text and "ECE" in text
    assert "SLV 2021" in text and "PAK 2025" in text  # episodes from the shipped data
    assert "reliability.svg" in text
    assert "Not run yet" not in text


def test_card_is_plain_markdown(evaluated_out, real_package) -> None:
    text = model_card.build(real_package, config.load(), evaluated_out, today=END)
    assert not re.search(r"<[a-zA-Z/][^>]*>", text)  # no HTML tags
    tables = [line for line in text.splitlines() if line.startswith("|")]
    assert tables and all(line.endswith("|") for line in tables)


def test_card_without_evaluation_outputs_says_which_command_to_run(
    tmp_path: Path, real_package
) -> None:
    text = model_card.build(real_package, config.load(), tmp_path, today=END)
    assert "## Data coverage and completeness" in text
    assert "`riskscore backtest`" in text and "`riskscore uncertainty`" in text


def test_model_card_command_regenerates_the_file(evaluated_out: Path) -> None:
    card = evaluated_out / "model_card.md"
    card.unlink(missing_ok=True)
    result = runner.invoke(app, ["model-card", "--out", str(evaluated_out)])
    assert result.exit_code == 0, result.output
    assert card.read_text().startswith("# riskscore model card")


@pytest.mark.parametrize(
    "command", [["backtest", "--reps", "0"], ["uncertainty", "--draws", "10"], ["model-card"]]
)
def test_invalid_package_is_a_clean_error(tmp_path: Path, command: list[str]) -> None:
    data = tmp_path / "datasets"
    shutil.copytree(DATASETS, data, ignore=shutil.ignore_patterns("curated"))
    replace_in_file(data / "imf_reviews.csv", ",2024-01-11,", ",2024-13-11,")
    out = tmp_path / "out"
    result = runner.invoke(app, [*command, "--datasets", str(data), "--out", str(out)])
    assert result.exit_code == 1
    assert "imf_reviews.csv:" in result.output and "Traceback" not in result.output
    assert not (out / "model_card.md").exists()


def test_help_quotes_the_library_defaults() -> None:
    from riskscore import metrics

    backtest_help = runner.invoke(app, ["backtest", "--help"]).output
    assert f"(default {metrics.BOOTSTRAP_REPS})" in backtest_help
    assert f"(default {metrics.BOOTSTRAP_SEED})" in backtest_help
    uncertainty_help = runner.invoke(app, ["uncertainty", "--help"]).output
    assert f"(default {uncertainty.DRAWS})" in uncertainty_help
    assert f"(default {uncertainty.SEED})" in uncertainty_help


def test_coverage_reads_scores_made_for_its_date_and_recomputes_otherwise(
    real_package, tmp_path: Path, monkeypatch
) -> None:
    from riskscore import pipeline

    cfg = config.load()
    computed = model_card.coverage(real_package, cfg, END)
    run, _ = pipeline.run_model([END], config=cfg, package=real_package)
    pipeline.write_scores(run, real_package, tmp_path, END)
    calls = []
    real_run = pipeline.run_model
    monkeypatch.setattr(pipeline, "run_model", lambda *a, **k: calls.append(1) or real_run(*a, **k))
    assert model_card.coverage(real_package, cfg, END, tmp_path) == computed and not calls
    other_day = dt.date(2025, 6, 30)
    model_card.coverage(real_package, cfg, other_day, tmp_path)  # scores are for END: computed
    assert calls == [1]


def test_the_card_lists_every_signal_tried_with_its_validation_and_test_figures() -> None:
    trial = {
        "signal": "mission_due",
        "kept": False,
        "validation_onset_auroc": {"365d": {"without": 0.46, "with": 0.47},
                                   "90d": {"without": None, "with": None}},
        "test_onset_auroc_for_information": {"365d": {"without": 0.52, "with": 0.64},
                                             "90d": {"without": 0.675, "with": 0.664}},
    }  # fmt: skip
    text = model_card.signal_trials([trial, {**trial, "signal": "other", "kept": True}])
    lines = text.splitlines()
    assert "2019-01-01" in lines[0] and "never used" in lines[0]
    assert lines[1].startswith("- `mission_due`: dropped.")
    assert "365d 0.460 without, 0.470 with; 90d undefined" in lines[1]
    assert "Test: 365d 0.520 without, 0.640 with; 90d 0.675 without, 0.664 with." in lines[1]
    assert lines[2].startswith("- `other`: kept.")
    assert model_card.signal_trials([]) == "Signals tried beside the score: none."

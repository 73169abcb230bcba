"""Change attribution: factor changes add up exactly to score changes; new facts are named."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from riskscore import diff, export
from riskscore.cli import app
from riskscore.errors import NotFound

runner = CliRunner()


def _check_exact(result: diff.ScoreDiff) -> None:
    sums = result.factors.group_by("iso3").agg(pl.col("points_change"))
    for iso3, change, parts in (
        result.countries.join(sums, on="iso3").select("iso3", "score_change", "points_change")
    ).iter_rows():
        assert abs(change - math.fsum(parts)) < 1e-9, iso3


def test_factor_changes_sum_exactly_to_every_score_change(real_history) -> None:
    dates = sorted(real_history.scores["as_of"].unique().to_list())
    pairs = [*itertools.pairwise(dates), (dates[0], dates[-1])]
    for first, last in pairs:
        result = diff.attribute(real_history.scores, real_history.contributions, first, last)
        assert result.countries.height == real_history.scores.filter(pl.col("as_of") == last).height
        _check_exact(result)
        assert diff.residual(result) < 1e-9


def test_a_factor_present_on_one_date_only_counts_zero_on_the_other(real_history) -> None:
    # a pillar with no observed factor shows as missing_value_imputed on some dates only
    contributions = real_history.contributions
    imputed = contributions.filter(pl.col("factor") == "missing_value_imputed")
    iso3, on = imputed.sort("as_of").select("iso3", "as_of").row(0)
    before = dt.date(2015, 3, 31)
    result = diff.attribute(real_history.scores, contributions, before, on, [iso3])
    row = result.factors.filter(pl.col("factor") == "missing_value_imputed").row(0, named=True)
    assert row["points_change"] == pytest.approx(row["points_to"] - row["points_from"])
    _check_exact(result)


def test_new_evidence_names_what_moved_pakistan(real_history, real_package) -> None:
    result = diff.attribute(
        real_history.scores,
        real_history.contributions,
        dt.date(2025, 3, 31),
        dt.date(2025, 6, 30),
        ["pak"],
    )
    scores = real_history.scores.filter(pl.col("iso3") == "PAK")
    on = dict(scores.select("as_of", "score").iter_rows())
    expected = on[dt.date(2025, 6, 30)] - on[dt.date(2025, 3, 31)]
    assert expected > 20  # the spring-2025 announcements
    assert result.countries["score_change"][0] == pytest.approx(expected, abs=1e-9)
    assert result.countries["top_factor"][0] == "state_actions"
    new = result.evidence.filter(pl.col("change") == "new")
    kinds = dict(new.select("evidence_id", "kind").iter_rows())
    assert kinds["ACT-PAK-006"] == "action" and kinds["RSP-PAK-01"] == "response"
    assert kinds["PAK-RSF-2025-05-09"] == "arrangement"
    assert kinds["PAK-EFF-2024-09-25 review 1"] == "review"
    # the EFF is still cited (program in force), so it is not "gone" although a factor dropped it
    assert "PAK-EFF-2024-09-25" not in result.evidence["evidence_id"].to_list()
    described = diff.describe(result.evidence, real_package.tables)
    mining = described.filter(pl.col("evidence_id") == "ACT-PAK-006").row(0, named=True)
    assert mining["dated_on"] == dt.date(2025, 5, 25) and "2,000 MW" in mining["description"]


def test_unknown_country_or_date_is_a_clear_error(real_history) -> None:
    scores, contributions = real_history.scores, real_history.contributions
    with pytest.raises(NotFound, match="XYZ"):
        diff.attribute(scores, contributions, dt.date(2025, 3, 31), dt.date(2025, 6, 30), ["XYZ"])
    with pytest.raises(NotFound, match="2025-05-01"):
        diff.attribute(scores, contributions, dt.date(2025, 5, 1), dt.date(2025, 6, 30))


def test_diff_command_prints_the_table_and_writes_parquet(tmp_path: Path) -> None:
    target = tmp_path / "pak.parquet"
    args = [
        "diff",
        "--from",
        "2025-03-31",
        "--to",
        "2025-06-30",
        "PAK",
        "SLV",
        "--output",
        str(target),
        "--out",
        str(tmp_path),
    ]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for needle in ("Score changes 2025-03-31 → 2025-06-30", "state_actions", "ACT-PAK-006", "SLV"):
        assert needle in result.output, needle
    rows = pl.read_parquet(target)
    pak_change = rows.filter(pl.col("iso3") == "PAK")["score_change"][0]
    assert f"{pak_change:+.1f}" in result.output
    assert set(rows["iso3"]) == {"PAK", "SLV"}
    for iso3 in ("PAK", "SLV"):
        mine = rows.filter(pl.col("iso3") == iso3)
        assert abs(mine["score_change"][0] - math.fsum(mine["points_change"])) < 1e-9
    meta = export.read_metadata(target)
    assert meta["start"] == "2025-03-31" and meta["end"] == "2025-06-30"


def test_diff_command_rejects_bad_dates_and_countries(tmp_path: Path) -> None:
    result = runner.invoke(app, ["diff", "--from", "31/03/2025", "--to", "2025-06-30"])
    assert result.exit_code == 2 and "--from must be a date" in result.output
    args = ["diff", "--from", "2025-03-31", "--to", "2025-06-30", "XYZ", "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "XYZ" in result.output and "Traceback" not in result.output

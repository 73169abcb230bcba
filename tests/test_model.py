"""The scoring model on the shipped data: the issue's must-holds and the model's invariants."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from riskscore import config, model, pipeline, pointintime
from riskscore.explain import explain

MID_2025 = dt.date(2025, 6, 30)


def _on(run: model.ModelRun, day: dt.date) -> pl.DataFrame:
    return run.scores.filter(pl.col("as_of") == day)


def _row(run: model.ModelRun, iso3: str, day: dt.date) -> dict:
    return _on(run, day).filter(pl.col("iso3") == iso3).row(0, named=True)


def test_pakistan_and_el_salvador_top_five_high_or_very_high_mid_2025(real_history) -> None:
    for iso3 in ("PAK", "SLV"):
        row = _row(real_history, iso3, MID_2025)
        assert row["rank"] <= 5, row
        assert row["band"] in {"high", "very_high"}, row


def test_united_states_ranks_below_pakistan_and_el_salvador(real_history) -> None:
    usa = _row(real_history, "USA", MID_2025)
    for iso3 in ("PAK", "SLV"):
        assert usa["score"] < _row(real_history, iso3, MID_2025)["score"]


@pytest.mark.parametrize("iso3", ["EGY", "UKR", "ARG"])
def test_large_programs_without_crypto_exposure_stay_out_of_the_top_band(real_history, iso3):
    row = _row(real_history, iso3, MID_2025)
    assert row["engagement"] > 5  # a large program is in force...
    assert row["band"] != "very_high" and row["score"] < 20  # ...but no exposure, no conflict


def test_el_salvador_riskier_after_the_bitcoin_law(real_history) -> None:
    before = _row(real_history, "SLV", dt.date(2020, 12, 31))["score"]
    after = _row(real_history, "SLV", dt.date(2021, 12, 31))["score"]
    assert before < after


def test_contributions_sum_to_the_score_for_every_row(real_history) -> None:
    sums = real_history.contributions.group_by("iso3", "as_of").agg(pl.col("points").sum())
    joined = real_history.scores.join(sums, on=["iso3", "as_of"], how="left")
    assert joined["points"].null_count() == 0
    assert (joined["score"] - joined["points"]).abs().max() < 1e-9


def test_scores_bands_and_completeness_are_consistent(real_history) -> None:
    bands = config.load().bands()
    scores = real_history.scores
    assert scores["score"].min() >= 0 and scores["score"].max() <= 100
    assert scores["completeness"].is_between(0, 1).all()
    for band, lower in bands.iter_rows():
        in_band = scores.filter(pl.col("band") == band)
        assert in_band.is_empty() or in_band["score"].min() >= lower
    # rank = 1 + members scoring strictly higher on the date: ties share the best rank
    higher = (
        scores.join(scores.select("as_of", other="score"), on="as_of")
        .group_by("iso3", "as_of")
        .agg(expected=1 + (pl.col("other") > pl.col("score")).sum())
    )
    checked = scores.join(higher, on=["iso3", "as_of"])
    assert (checked["rank"] == checked["expected"]).all()
    zeros = checked.filter(pl.col("score") == 0).group_by("as_of").agg(pl.col("rank").n_unique())
    assert (zeros["rank"] == 1).all()


def test_every_member_is_scored_on_every_date(real_history, real_package) -> None:
    countries = real_package.tables["countries"]
    members = countries.filter(pl.col("imf_member"))
    joined_later = members.filter(pl.col("joined_imf_on") > MID_2025.replace(year=2024, month=1))
    counts = real_history.scores.group_by("as_of").len()
    assert counts.filter(pl.col("as_of") == MID_2025)["len"].item() == members.height
    early = counts.filter(pl.col("as_of") == dt.date(2020, 12, 31))["len"].item()
    assert early == members.height - joined_later.height


def test_two_runs_give_identical_scores(real_package) -> None:
    dates = [dt.date(2021, 12, 31), MID_2025]
    first = model.run(real_package.tables, dates)
    second = model.run(real_package.tables, dates)
    assert first.scores.equals(second.scores)
    assert first.contributions.equals(second.contributions)


@pytest.mark.parametrize(
    "day", [dt.date(2018, 9, 30), dt.date(2021, 12, 31), dt.date(2023, 6, 30), MID_2025]
)
def test_deleting_rows_dated_after_d_leaves_scores_as_of_d_unchanged(real_package, day) -> None:
    full = model.run(real_package.tables, [day])
    truncated = model.run(pointintime.truncate(real_package.tables, day), [day])
    # same rows, same bands and ranks; floats equal up to summation order (1e-9)
    assert_frame_equal(full.scores, truncated.scores, check_exact=False, abs_tol=1e-9)
    assert_frame_equal(full.contributions, truncated.contributions, check_exact=False, abs_tol=1e-9)


def test_truncation_really_removes_later_rows(real_package) -> None:
    day = dt.date(2021, 12, 31)
    cut = pointintime.truncate(real_package.tables, day)
    assert cut["crypto_actions"]["announced_on"].max() <= day
    assert cut["macro"]["year"].max() <= day.year
    assert cut["crypto_actions"].height < real_package.tables["crypto_actions"].height


def test_scaling_uses_fixed_caps_so_a_new_extreme_country_moves_no_one_else(real_package) -> None:
    tables = dict(real_package.tables)
    clone = {
        name: frame.filter(pl.col("iso3") == "SLV").with_columns(iso3=pl.lit("ZZZ"))
        for name, frame in tables.items()
        if "iso3" in frame.columns and name != "crypto_actions"
    }
    for name, rows in clone.items():
        if name == "macro":
            rows = rows.with_columns(value=pl.col("value") * 1000)
        tables[name] = pl.concat([tables[name], rows])
    actions = tables["crypto_actions"]
    extreme = actions.filter(pl.col("iso3") == "SLV").with_columns(
        iso3=pl.lit("ZZZ"), action_id=pl.col("action_id").str.replace("SLV", "ZZZ")
    )
    tables["crypto_actions"] = pl.concat([actions, extreme])
    base = model.run(real_package.tables, [MID_2025]).scores.drop("rank").sort("iso3")
    with_extreme = model.run(tables, [MID_2025]).scores.filter(pl.col("iso3") != "ZZZ")
    assert "ZZZ" in set(model.run(tables, [MID_2025]).scores["iso3"])
    assert_frame_equal(
        base, with_extreme.drop("rank").sort("iso3"), check_exact=False, abs_tol=1e-9
    )


def test_contribution_sources_resolve_to_sources_csv(real_history, real_package) -> None:
    known = set(real_package.tables["sources"]["source_id"])
    used = set(real_history.contributions["source_ids"].explode().drop_nulls())
    assert used and used <= known


def test_explain_names_pakistans_drivers_under_the_2024_eff(real_package) -> None:
    run = model.run(real_package.tables, [MID_2025])
    result = explain(run, real_package.tables, "PAK", MID_2025)
    actions = set(result.actions["action_id"])
    assert {"ACT-PAK-006", "ACT-PAK-008"} <= actions  # 2,000 MW for miners; bitcoin reserve
    counted = result.arrangements.filter(pl.col("counted"))["arrangement_id"].to_list()
    assert "PAK-EFF-2024-09-25" in counted
    assert result.actions["url"].null_count() == 0


def test_explain_names_el_salvadors_holdings_under_the_2025_eff(real_package) -> None:
    run = model.run(real_package.tables, [MID_2025])
    result = explain(run, real_package.tables, "SLV", MID_2025)
    types = set(result.actions["action_type"])
    assert {"public_btc_purchase", "holdings_disclosure"} <= types
    counted = result.arrangements.filter(pl.col("counted"))["arrangement_id"].to_list()
    assert "SLV-EFF-2025-02-26" in counted
    size = result.contributions.filter(pl.col("factor") == "exposure_size").row(0, named=True)
    assert size["observed"] and size["points"] > 0  # BTC holdings valued against GDP


def test_period_ends_are_calendar_period_ends() -> None:
    quarters = pipeline.period_ends(dt.date(2024, 2, 15), dt.date(2025, 1, 1))
    assert quarters == [dt.date(2024, 3, 31), dt.date(2024, 6, 30), dt.date(2024, 9, 30),
                        dt.date(2024, 12, 31)]  # fmt: skip
    assert pipeline.period_ends(dt.date(2024, 1, 31), dt.date(2024, 3, 1), "month") == [
        dt.date(2024, 1, 31), dt.date(2024, 2, 29)
    ]  # fmt: skip
    assert pipeline.period_ends(dt.date(2020, 1, 1), dt.date(2021, 12, 31), "year") == [
        dt.date(2020, 12, 31), dt.date(2021, 12, 31)
    ]  # fmt: skip


def test_config_rejects_coefficients_that_do_not_sum_to_one(tmp_path) -> None:
    text = config.DEFAULT_PATH.read_text().replace("base = 0.40", "base = 0.50")
    path = tmp_path / "model.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match="sum to 1"):
        config.load(path)


def test_config_rejects_a_factor_name_used_in_two_pillars(tmp_path) -> None:
    text = config.DEFAULT_PATH.read_text().replace(
        "[pillars.engagement.factors.program_in_force]",
        "[pillars.engagement.factors.inflation_pct]",
    )
    path = tmp_path / "model.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"more than one pillar: \['inflation_pct'\]"):
        config.load(path)


def test_a_partial_date_gives_its_members_the_scores_and_ranks_of_a_whole_one(
    real_package,
) -> None:
    from riskscore import db

    whole_day, partial_day = dt.date(2025, 3, 31), dt.date(2025, 6, 2)
    acting = frozenset(real_package.tables["crypto_actions"]["iso3"].to_list())
    partial = db.Partial(frozenset({partial_day}), acting)
    with model.Engine(real_package.tables) as engine:
        whole = engine.run([whole_day, partial_day], lineage=False).scores
        part = engine.run([whole_day, partial_day], lineage=False, partial=partial).scores
    assert_frame_equal(
        part.filter(pl.col("as_of") == whole_day), whole.filter(pl.col("as_of") == whole_day)
    )
    on_day = part.filter(pl.col("as_of") == partial_day)
    assert set(on_day["iso3"]) == acting & set(whole["iso3"])
    assert on_day["score"].gt(0).any()  # members above 0 are among them, so ranks can be judged
    expected = whole.filter(pl.col("as_of") == partial_day, pl.col("iso3").is_in(list(acting)))
    assert_frame_equal(on_day, expected)


def test_factor_values_from_the_arrays_equal_those_in_the_contribution_rows(real_history) -> None:
    from riskscore import backtest

    from_rows = backtest.factor_values(real_history.contributions, real_history.config)
    from_arrays = real_history.factor_values()
    assert from_arrays.height == real_history.scores.height
    assert from_arrays.select(pl.exclude("iso3", "as_of").is_null().sum()).row(0) != (0,) * 13
    assert_frame_equal(
        from_arrays.sort("as_of", "iso3"), from_rows.sort("as_of", "iso3"), check_dtypes=False
    )


def test_a_run_without_contribution_rows_scores_the_same(real_package) -> None:
    dates = [dt.date(2021, 6, 30), dt.date(2025, 6, 30)]
    with model.Engine(real_package.tables) as engine:
        full = engine.run(dates, lineage=False)
        bare = engine.run(dates, lineage=False, contributions=False)
    assert bare.contributions is None and model.on_dates(bare, dates[:1]).contributions is None
    assert_frame_equal(bare.scores, full.scores)
    assert_frame_equal(bare.factor_values(), full.factor_values())


def test_a_staging_cache_gives_the_same_scores_and_a_bad_one_is_built_again(
    real_package, tmp_path
) -> None:
    dates = [dt.date(2021, 6, 30), dt.date(2025, 6, 30)]

    def scores(cache_dir=None) -> pl.DataFrame:
        with model.Engine(real_package.tables, cache_dir=cache_dir) as engine:
            return engine.run(dates).contributions

    def staged(path) -> set[str]:
        con = duckdb.connect(str(path), read_only=True)
        names = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        con.close()
        return names

    fresh = scores()
    assert_frame_equal(scores(tmp_path), fresh)  # built, then kept
    (cached,) = tmp_path.glob(f"{model.STAGING_CACHE_PREFIX}*.duckdb")
    kept, kept_bytes, when = staged(cached), cached.read_bytes(), cached.stat().st_mtime_ns
    assert "stg_macro_releases" in kept and "stg_countries" in kept
    assert_frame_equal(scores(tmp_path), fresh)  # read from the cache, not written again
    assert cached.stat().st_mtime_ns == when
    # not a database, a database of other tables, a cut-off copy, a link: built again and kept
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("create table stg_countries as select 1 as x")
    con.close()
    for plant in (b"not a database", other.read_bytes(), kept_bytes[: len(kept_bytes) // 2]):
        cached.write_bytes(plant)
        assert_frame_equal(scores(tmp_path), fresh)
        assert cached.read_bytes() == kept_bytes  # written anew, the same bytes
    cached.unlink()
    cached.symlink_to(other)
    assert_frame_equal(scores(tmp_path), fresh)
    assert not cached.is_symlink() and cached.read_bytes() == kept_bytes
    assert staged(other) == {"stg_countries"}  # the link's target untouched
    # other tables or another config: another key, and the older cache goes
    changed = {**real_package.tables, "countries": real_package.tables["countries"].head(150)}
    with model.Engine(changed, cache_dir=tmp_path):
        pass
    assert [p for p in tmp_path.glob(f"{model.STAGING_CACHE_PREFIX}*")] != [cached]
    assert len(list(tmp_path.glob(f"{model.STAGING_CACHE_PREFIX}*"))) == 1

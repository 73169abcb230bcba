"""A reference for the SQL: one factor group (the vulnerability pillar: the latest actual macro
value published by each as-of date, no older than the allowed age) written the straightforward
way in pandas, timed against the same group through riskscore's DuckDB models."""

from __future__ import annotations

import time

import pandas as pd
import polars as pl

from riskscore import db
from riskscore.config import ModelConfig


def pandas_vulnerability(
    tables: dict[str, pl.DataFrame], dates: list, config: ModelConfig
) -> pd.DataFrame:
    """iso3, as_of, factor, raw_value for every member, date and vulnerability factor."""
    scalars = config.raw
    weo_lag = scalars["publication_lag"]["weo_months_after_year_end"]
    wdi_lag = scalars["publication_lag"]["wdi_months_after_year_end"]
    max_age = scalars["freshness"]["macro_max_age_years"]
    factors = [f for f in config.factors().filter(pl.col("pillar") == "vulnerability")["factor"]]
    macro = tables["macro"].to_pandas()
    macro = macro[~macro["is_projection"] & macro["indicator"].isin(factors)].copy()
    year_end = pd.to_datetime(macro["year"].astype(str) + "-12-31")
    lag = macro["source_id"].str.startswith("imf_weo").map({True: weo_lag, False: wdi_lag})
    macro["known_on"] = [
        d + pd.DateOffset(months=int(m)) for d, m in zip(year_end, lag, strict=True)
    ]
    members = tables["countries"].filter(pl.col("imf_member")).to_pandas()
    as_of = pd.to_datetime(dates).astype("datetime64[us]")
    grid = members[["iso3", "joined_imf_on"]].merge(pd.DataFrame({"as_of": as_of}), how="cross")
    joined = pd.to_datetime(grid["joined_imf_on"]).astype("datetime64[us]")
    grid = grid[joined.isna() | (joined <= grid["as_of"])][["iso3", "as_of"]]  # members then
    out = []
    for factor in factors:
        rows = macro[macro["indicator"] == factor].sort_values("known_on")
        left = grid.sort_values("as_of")
        found = pd.merge_asof(
            left, rows[["iso3", "known_on", "value", "year"]], left_on="as_of",
            right_on="known_on", by="iso3", direction="backward",
        )  # fmt: skip
        fresh = found["year"] >= found["as_of"].dt.year - max_age
        found["raw_value"] = found["value"].where(fresh)
        found["factor"] = factor
        out.append(found[["iso3", "as_of", "factor", "raw_value"]])
    return pd.concat(out, ignore_index=True)


def duckdb_vulnerability(tables: dict[str, pl.DataFrame], dates: list, config: ModelConfig):
    """The same group through riskscore's SQL models (vulnerability__factors)."""
    con = db.connect(threads=1)
    try:
        db.load_frames(con, tables)
        db.load_frames(con, config.tables())
        db.bind_as_of_dates(con, dates, lineage=False)
        db.run_models(con, keep=["vulnerability__factors"])
        return con.sql("select iso3, as_of, factor, raw_value from vulnerability__factors").pl()
    finally:
        con.close()


def compare(tables: dict[str, pl.DataFrame], dates: list, config: ModelConfig) -> dict:
    """Seconds of each (best of 3), the ratio, and whether they agree on every value."""
    timings = {}
    results = {}
    for name, fn in (("pandas", pandas_vulnerability), ("duckdb", duckdb_vulnerability)):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            results[name] = fn(tables, dates, config)
            best = min(best, time.perf_counter() - start)
        timings[name] = best
    theirs = pl.from_pandas(results["pandas"]).with_columns(pl.col("as_of").dt.date())
    ours = results["duckdb"]
    joined = ours.join(theirs, on=["iso3", "as_of", "factor"], how="full", suffix="_pandas")
    differ = joined.filter(pl.col("raw_value").ne_missing(pl.col("raw_value_pandas"))).height
    return {
        "member_dates": len(dates) * tables["countries"].filter(pl.col("imf_member")).height,
        "pandas_seconds": timings["pandas"],
        "duckdb_seconds": timings["duckdb"],
        "duckdb_over_pandas": timings["duckdb"] / timings["pandas"],
        "values_that_differ": differ,
    }

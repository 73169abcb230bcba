"""macro.csv core from the IMF World Economic Outlook, October 2025 (`imf_weo_2025_10`).

Promises:
- Eight WEO series (`WEO_INDICATORS`) for every economy in countries.csv, 1990 to 2030,
  values exactly as the WEO gives them (3 decimals; GDP in US$ bn, population in millions,
  the rest in percent or percent of GDP). No value is derived here.
- `is_projection` is true for years after the series' last actual year in the WEO country
  notes (`lastactualdate`), and for every year of a series with no last actual date.

Fiscal-year labels. Some countries' notes give `lastactualdate` as `FY2024/25`. The notes
map fiscal to calendar years one of two ways: `FY(t/t+1) = CY(t)` (India, Iran: WEO year 2024
is FY2024/25) or `FY(t-1/t) = CY(t)` (Pakistan, Egypt, Bangladesh: WEO year 2025 is
FY2024/25). We read `FYa/b` as last actual year `a` for every series, whatever its mapping:
- under `FY(t/t+1) = CY(t)` that is exactly the IMF's year;
- under `FY(t-1/t) = CY(t)` it flags one more year as a projection than the IMF's mapping
  would. That fiscal year closed only months before the October 2025 release, and the notes
  show such years can be partly estimated (Egypt's CPI for FY2024/25: "Latest data is
  FY24/25 Q2"), so the value is not surely actual; a value is flagged actual only if it is.
"""

from __future__ import annotations

import re

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import IngestContext, IngestError
from riskscore.ingest.country_names import to_iso3_expr

SOURCE_ID = "imf_weo_2025_10"
OBSERVATIONS = "imf_weo_oct2025/weo_oct2025_observations.csv"
SERIES_NOTES = "imf_weo_oct2025/weo_oct2025_series_notes.csv"

FIRST_YEAR = 1990
LAST_YEAR = 2030  # the WEO's own projection horizon

# WEO concept -> (indicator, the WEO scale label that makes the value already be in our unit).
WEO_INDICATORS: dict[str, tuple[str, str]] = {
    "NGDPD": ("gdp_usd_bn", "billions"),
    "NGDP_RPCH": ("real_gdp_growth_pct", "units"),
    "PCPIPCH": ("inflation_pct", "units"),  # period-average CPI inflation
    "GGXWDG_NGDP": ("gov_gross_debt_pct_gdp", "units"),
    "GGXCNL_NGDP": ("fiscal_balance_pct_gdp", "units"),
    "GGXONLB_NGDP": ("primary_balance_pct_gdp", "units"),
    "BCA_NGDPD": ("current_account_pct_gdp", "units"),
    "LP": ("population_m", "millions"),
}

_CALENDAR_YEAR = re.compile(r"^(\d{4})$")
_FISCAL_YEAR = re.compile(r"^FY(\d{4})/(\d{2})$")


def last_actual_year(label: str | None) -> int | None:
    """The last WEO year surely holding actual data, from a `lastactualdate` label.

    '2024' -> 2024; 'FY2024/25' -> 2024 (the earlier of the two years it can denote, see the
    module docstring); None or '' -> None (no year is surely actual).
    """
    if label is None or not label.strip():
        return None
    label = label.strip()
    if match := _CALENDAR_YEAR.match(label):
        return int(match.group(1))
    if match := _FISCAL_YEAR.match(label):
        return int(match.group(1))
    raise IngestError(f"{SERIES_NOTES}: unknown lastactualdate format {label!r}")


def projection_flag(year: pl.Expr, last_actual: pl.Expr) -> pl.Expr:
    """True after the last actual year, and always when that year is unknown."""
    return (year > last_actual).fill_null(True)


def build(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    countries = sorted(ctx.tables["countries"]["iso3"])
    observations = (
        pl.scan_csv(ctx.sources_dir / OBSERVATIONS, infer_schema=False)
        .filter(pl.col("concept").is_in(list(WEO_INDICATORS)))
        .with_columns(to_iso3_expr("ref_area").alias("iso3"), pl.col("year").cast(pl.Int64))
        .filter(pl.col("iso3").is_in(countries), pl.col("year").is_between(FIRST_YEAR, LAST_YEAR))
        .collect()
    )
    _check_scales(observations)

    notes = (
        pl.read_csv(ctx.sources_dir / SERIES_NOTES, infer_schema=False)
        .filter(pl.col("concept").is_in(list(WEO_INDICATORS)))
        .select(to_iso3_expr("ref_area").alias("iso3"), "concept", "lastactualdate")
    )
    labels = notes["lastactualdate"].unique().to_list()
    last_actual = {label: last_actual_year(label) for label in labels if label is not None}
    notes = notes.with_columns(
        pl.col("lastactualdate")
        .replace_strict(last_actual, default=None, return_dtype=pl.Int64)
        .alias("last_actual_year")
    )

    indicator = {concept: name for concept, (name, _) in WEO_INDICATORS.items()}
    macro = (
        observations.join(notes, on=["iso3", "concept"], how="left")
        .with_columns(
            pl.col("concept").replace_strict(indicator).alias("indicator"),
            pl.col("value").cast(pl.Float64),
            projection_flag(pl.col("year"), pl.col("last_actual_year")).alias("is_projection"),
            pl.lit(SOURCE_ID).alias("source_id"),
        )
        .drop_nulls("value")
        .with_columns(pl.col("indicator").replace_strict(vocab.MACRO_INDICATOR_UNIT).alias("unit"))
        .select("iso3", "year", "indicator", "value", "unit", "is_projection", "source_id")
    )
    return {"macro": macro}


def _check_scales(observations: pl.DataFrame) -> None:
    """Fail if a series' scale is not the one its unit assumes (the values are used as-is)."""
    expected = pl.DataFrame(
        [(concept, scale) for concept, (_, scale) in WEO_INDICATORS.items()],
        schema=["concept", "expected_scale"],
        orient="row",
    )
    wrong = (
        observations.select("concept", "scale_label")
        .unique()
        .join(expected, on="concept")
        .filter(pl.col("scale_label") != pl.col("expected_scale"))
    )
    if wrong.height:
        raise IngestError(f"{OBSERVATIONS}: unexpected scale labels {wrong.rows()}")

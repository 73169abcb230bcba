"""External-side macro rows and yearly IMF credit from World Bank WDI/IDS (`wb_wdi_2026_07`).

Promises:
- macro.csv rows, 1990 onward, for economies in countries.csv only (World Bank region and
  income aggregates are dropped), never projections (`is_projection` false):
  - published World Bank series: `reserves_usd_bn` (FI.RES.TOTL.CD in US$ bn),
    `external_debt_pct_gni` (DT.DOD.DECT.GN.ZS), `debt_service_pct_exports`
    (DT.TDS.DECT.EX.ZS, % of exports of goods, services and primary income) and
    `short_term_debt_pct_reserves` (DT.DOD.DSTC.IR.ZS);
  - DERIVED from World Bank series by the extract's compiler, not published by the World Bank
    (see the source's PROVENANCE.md): `remittances_pct_gdp` = 100 x BX.TRF.PWKR.CD.DT /
    NY.GDP.MKTP.CD; `reserves_months_imports` = 12 x reserves / imports of goods and services,
    a proxy for FI.RES.TOTL.MO (which also counts primary income, so reads lower);
    `reserves_pct_gdp` = 100 x reserves / GDP; `electricity_consumption_twh`, an estimate =
    EG.USE.ELEC.KH.PC x SP.POP.TOTL / 1e9 (consumption net of grid losses).
- imf_positions.csv rows `use_of_imf_credit_usd_m` (DT.DOD.DIMF.CD in US$ m, IDS reporters
  only), dated 31 December of each year from 1990.

Values keep the extract's precision (6 significant digits; the derived ratios 4 decimals):
amounts rescaled to bn or m are rounded back to those 6 digits, which only removes binary
noise the division adds.
"""

from __future__ import annotations

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import IngestContext

SOURCE_ID = "wb_wdi_2026_07"
PUBLISHED = "wb_wdi_external_energy_population/wdi_selected_indicators_wide.csv"
DERIVED = "wb_wdi_external_energy_population/wdi_derived_ratios.csv"

FIRST_YEAR = 1990
SIGNIFICANT_DIGITS = 6  # precision the extract writes its values with (PROVENANCE.md)

# indicator -> (WDI code, divisor into the indicator's unit)
PUBLISHED_INDICATORS: dict[str, tuple[str, float]] = {
    "reserves_usd_bn": ("FI.RES.TOTL.CD", 1e9),  # US$ -> US$ bn
    "external_debt_pct_gni": ("DT.DOD.DECT.GN.ZS", 1.0),
    "debt_service_pct_exports": ("DT.TDS.DECT.EX.ZS", 1.0),
    "short_term_debt_pct_reserves": ("DT.DOD.DSTC.IR.ZS", 1.0),
}
# indicator -> derived column of the extract (already in the indicator's unit)
DERIVED_INDICATORS: dict[str, str] = {
    "remittances_pct_gdp": "remittances_received_pct_gdp",
    "reserves_months_imports": "reserves_months_of_gs_imports_proxy",
    "reserves_pct_gdp": "reserves_pct_gdp",
    "electricity_consumption_twh": "electricity_consumption_twh_est",
}
IMF_CREDIT = ("use_of_imf_credit_usd_m", "DT.DOD.DIMF.CD", 1e6)  # US$ -> US$ m


def build(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    countries = sorted(ctx.tables["countries"]["iso3"])
    published = _country_years(ctx, PUBLISHED, countries)
    derived = _country_years(ctx, DERIVED, countries)

    frames = [
        _long(published, code, indicator, divisor)
        for indicator, (code, divisor) in PUBLISHED_INDICATORS.items()
    ]
    frames += [
        _long(derived, column, indicator) for indicator, column in DERIVED_INDICATORS.items()
    ]
    macro = (
        pl.concat(frames)
        .with_columns(
            pl.col("indicator").replace_strict(vocab.MACRO_INDICATOR_UNIT).alias("unit"),
            pl.lit(False).alias("is_projection"),
            pl.lit(SOURCE_ID).alias("source_id"),
        )
        .select("iso3", "year", "indicator", "value", "unit", "is_projection", "source_id")
    )

    measure, code, divisor = IMF_CREDIT
    positions = (
        _long(published, code, measure, divisor)
        .rename({"indicator": "measure"})
        .with_columns(
            pl.date(pl.col("year"), 12, 31).alias("as_of"),  # stocks at end of year
            pl.lit(vocab.POSITION_MEASURE_UNIT[measure]).alias("unit"),
            pl.lit(SOURCE_ID).alias("source_id"),
        )
        .select("iso3", "as_of", "measure", "value", "unit", "source_id")
    )
    return {"macro": macro, "imf_positions": positions}


def _country_years(ctx: IngestContext, path: str, countries: list[str]) -> pl.DataFrame:
    """Rows of a WDI extract for countries.csv economies from FIRST_YEAR, values as text."""
    return (
        pl.scan_csv(ctx.sources_dir / path, infer_schema=False)
        .filter(
            pl.col("is_aggregate") == "False",
            pl.col("iso3").is_in(countries),
            pl.col("year").cast(pl.Int64) >= FIRST_YEAR,
        )
        .with_columns(pl.col("year").cast(pl.Int64))
        .collect()
    )


def _long(frame: pl.DataFrame, column: str, indicator: str, divisor: float = 1.0) -> pl.DataFrame:
    """One indicator in long form (iso3, year, indicator, value), empty cells dropped."""
    value = pl.col(column).cast(pl.Float64)
    if divisor != 1.0:
        value = (value / divisor).round_sig_figs(SIGNIFICANT_DIGITS)
    return (
        frame.select("iso3", "year", value.alias("value"))
        .drop_nulls("value")
        # the extract's derived ratios hold 'inf' where the divisor was 0 (Venezuela's imports
        # 2003-2023): not a measurement, so left out like an empty cell
        .filter(pl.col("value").is_finite())
        .with_columns(pl.lit(indicator).alias("indicator"))
        .select("iso3", "year", "indicator", "value")
    )

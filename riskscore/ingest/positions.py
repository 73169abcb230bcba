"""imf_positions.csv: quota and IMF credit outstanding by member on 31 January 2024.

Source: the Quarterly Report on IMF Finances for the quarter ended 31 Jan 2024
(`imf_qfr_2024_01`), as parsed into the folder `imf_finances_member_positions_2024-01-31`.

Promises (all values in SDR millions, or percent of quota, as the report prints them):
- `quota_sdr_m` and `gra_credit_sdr_m` from General Department Schedule 1, `prgt_credit_sdr_m`
  from PRG Trust Schedule 1 and `rst_credit_sdr_m` from RST Schedule 1. An empty cell, or a
  member absent from a schedule, gives no row; a cell the schedule shows as 0 (or as "**",
  less than SDR 50,000, which the extract wrote as 0.0) gives a 0.
- `total_credit_sdr_m` and `total_credit_pct_quota` for every member from the extract's
  summary (GRA + PRGT + RST). Its 0 for a member means the member is in none of the three
  lending schedules, i.e. owes the IMF nothing: a fact of the report, not a missing value.
- Liechtenstein (member since Oct 2024) is not in this report, so it has no row here.
Yearly IMF credit in US$ (WDI DT.DOD.DIMF.CD) is added by `riskscore.ingest.wdi`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import IngestContext, IngestError, read_csv_text
from riskscore.ingest.country_names import to_iso3_expr

SOURCE_ID = "imf_qfr_2024_01"
AS_OF = dt.date(2024, 1, 31)  # the report's quarter end
FOLDER = "imf_finances_member_positions_2024-01-31"
SUMMARY = "imf_member_positions_summary_2024-01-31.csv"
# The report prints SDR millions to one decimal; the summary's totals are sums of such values
# written with float noise (1398.1000000000001), so rounding them to one decimal is exact.
REPORT_DECIMALS = 1

# file -> {column of the file: measure}
SCHEDULES: dict[str, dict[str, str]] = {
    "imf_gra_quota_and_credit_by_member_2024-01-31.csv": {
        "quota_sdr_mn": "quota_sdr_m",
        "gra_credit_outstanding_sdr_mn": "gra_credit_sdr_m",
    },
    "imf_prgt_loans_by_member_2024-01-31.csv": {
        "prgt_loans_outstanding_sdr_mn": "prgt_credit_sdr_m",
    },
    "imf_rst_loans_by_member_2024-01-31.csv": {
        "rst_loans_receivable_sdr_mn": "rst_credit_sdr_m",
    },
    SUMMARY: {
        "total_imf_credit_outstanding_sdr_mn": "total_credit_sdr_m",
        "total_imf_credit_pct_quota": "total_credit_pct_quota",
    },
}


def build(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    countries = set(ctx.tables["countries"]["iso3"])
    frames = []
    for file, columns in SCHEDULES.items():
        raw = read_csv_text(ctx.sources_dir / FOLDER / file)
        for column, measure in columns.items():
            value = pl.col(column).cast(pl.Float64)
            if file == SUMMARY:
                value = value.round(REPORT_DECIMALS)
            frames.append(
                raw.select(
                    to_iso3_expr("iso3").alias("iso3"),
                    pl.lit(measure).alias("measure"),
                    value.alias("value"),
                ).drop_nulls("value")
            )
    positions = pl.concat(frames).with_columns(
        pl.lit(AS_OF).alias("as_of"),
        pl.col("measure").replace_strict(vocab.POSITION_MEASURE_UNIT).alias("unit"),
        pl.lit(SOURCE_ID).alias("source_id"),
    )
    unknown = sorted(set(positions["iso3"]) - countries)
    if unknown:
        raise IngestError(f"{FOLDER}: members not in countries.csv: {unknown}")
    return {
        "imf_positions": positions.select("iso3", "as_of", "measure", "value", "unit", "source_id")
    }

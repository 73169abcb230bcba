"""countries.csv: every IMF member, plus the non-members other tables mention.

Promises:
- `imf_member` is true exactly for the 190 members listed in the Quarterly Report on IMF
  Finances of 31 Jan 2024 (`imf_qfr_2024_01`), plus Liechtenstein, which joined on
  21 Oct 2024 as the 191st member (`LIECHTENSTEIN_ACCESSION`, a cited web page).
- Non-members: every other economy in the IMF WEO October 2025 database (Aruba, Hong Kong,
  Macao, Puerto Rico, Taiwan, West Bank and Gaza), Cuba (named in the crypto-action fact
  base), and `WLD`, the membership-wide stand-in used by IMF policy responses.
- `name`, `region` and `income_group` come from World Bank CLASS FY2023 (the name falls back
  to the IMF's where the World Bank has no row: Kosovo is XKX in both); region and income
  group stay null where the World Bank gives none (e.g. Venezuela's income group).
- `imf_code` is the IMF/IFS numeric code from the IMF crosswalk, null where the crosswalk has
  no row (Andorra, Nauru, Somalia, Liechtenstein, and non-members other than Hong Kong and
  Taiwan).
- `joined_imf_on` is null unless a source read for this project gives the date (only
  Liechtenstein's does); `source_id` lists, joined by ';', every source a row rests on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import IngestContext, IngestError, read_csv_text
from riskscore.ingest.country_names import to_iso3_expr

QFR_SOURCE = "imf_qfr_2024_01"
WB_SOURCE = "wb_class_fy2023"
CODES_SOURCE = "imf_country_codes"
WEO_SOURCE = "imf_weo_2025_10"

QFR_MEMBERS = (
    "imf_finances_member_positions_2024-01-31/imf_gra_quota_and_credit_by_member_2024-01-31.csv"
)
WB_CLASS = "country_classifications/wb_country_classification.csv"
IMF_CROSSWALK = "country_classifications/imf_ifs_code_iso3_crosswalk.csv"
WEO_AREAS = "imf_weo_oct2025/weo_oct2025_areas.csv"


@dataclass(frozen=True)
class Accession:
    """A membership that postdates the IMF member list, with the page that reports it."""

    iso3: str
    joined_on: dt.date
    url: str
    publisher: str
    published_on: str
    title: str
    notes: str


# The page reproduces the IMF press release of the day: Prime Minister Daniel Risch signed the
# Articles of Agreement in Washington on 21 October 2024, making Liechtenstein the 191st member.
LIECHTENSTEIN_ACCESSION = Accession(
    iso3="LIE",
    joined_on=dt.date(2024, 10, 21),
    url=(
        "https://armadanews.com/looming-debt-crisis-in-lower-income-countries-climate-change-"
        "to-dominate-discussions-as-annual-meetings-of-imf-and-world-bank-begin-today-in-washington"
    ),
    publisher="Armada News",
    published_on="2024-10-21",
    title="Principality of Liechtenstein Becomes IMF's 191st Member",
    notes=(
        "Reports the IMF press release: Liechtenstein became a member on 21 Oct 2024 when it "
        "signed the Articles of Agreement (initial quota SDR 100 million)."
    ),
)

# Non-members that no WEO row brings in but another table needs (iso3 -> why).
EXTRA_NON_MEMBERS: dict[str, str] = {"CUB": "named in the crypto-action fact base"}
WORLD_NAME = "World (IMF membership-wide)"
# Former members that only the historical arrangement tables mention (ISO 3166-3 codes).
FORMER_MEMBERS: dict[str, str] = {"YUG": "Yugoslavia (former)", "CSK": "Czechoslovakia (former)"}
FORMER_SOURCE = "imf_arrangements_1952_2017"


def build(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    src = ctx.sources_dir
    members = read_csv_text(src / QFR_MEMBERS).select(
        to_iso3_expr("iso3").alias("iso3"), pl.col("member").alias("imf_name")
    )
    if members["iso3"].is_duplicated().any():
        raise IngestError(f"{QFR_MEMBERS}: a member appears twice")
    weo = (
        read_csv_text(src / WEO_AREAS)
        .filter(pl.col("code").str.contains(r"^[A-Z]{3}$"))  # drop G001, GX123... groups
        .select(to_iso3_expr("code").alias("iso3"), pl.col("area").alias("weo_name"))
    )
    wb = (
        read_csv_text(src / WB_CLASS)
        .filter(pl.col("iso3").is_not_null())
        .select("iso3", pl.col("economy").alias("wb_name"), "region", "income_group")
    )
    codes = read_csv_text(src / IMF_CROSSWALK).select(
        to_iso3_expr("iso3").alias("iso3"), pl.col("imf_ifs_code").cast(pl.Int64).alias("imf_code")
    )

    joined = LIECHTENSTEIN_ACCESSION
    joined_source = ctx.web_source(
        joined.url, joined.publisher, joined.published_on, joined.title, joined.notes
    )
    extra = [joined.iso3, *sorted(EXTRA_NON_MEMBERS), vocab.WORLD_ISO3]
    universe = (
        pl.concat([members.select("iso3"), weo.select("iso3"), pl.DataFrame({"iso3": extra})])
        .unique()
        .join(members, on="iso3", how="left")
        .join(weo, on="iso3", how="left")
        .join(wb, on="iso3", how="left")
        .join(codes, on="iso3", how="left")
    )
    missing = sorted(set(extra) - set(wb["iso3"]))
    if missing:
        raise IngestError(f"{WB_CLASS}: no row for {missing}")

    is_world = pl.col("iso3") == vocab.WORLD_ISO3
    in_qfr = pl.col("imf_name").is_not_null()
    is_new_member = pl.col("iso3") == joined.iso3
    name_from_wb = pl.col("wb_name").is_not_null()
    # WEO is cited where it is why a non-member is listed, or where it supplies the name.
    is_member = in_qfr | is_new_member
    weo_used = pl.col("weo_name").is_not_null() & (~is_member | ~name_from_wb)
    countries = universe.with_columns(
        pl.when(is_world)
        .then(pl.lit(WORLD_NAME))
        .otherwise(pl.coalesce("wb_name", "weo_name", "imf_name"))
        .alias("name"),
        is_member.alias("imf_member"),
        pl.when(is_new_member).then(pl.lit(joined.joined_on)).alias("joined_imf_on"),
        pl.concat_str(
            [
                pl.when(in_qfr).then(pl.lit(QFR_SOURCE)),
                pl.when(is_new_member).then(pl.lit(joined_source)),
                pl.when(weo_used).then(pl.lit(WEO_SOURCE)),
                pl.when(name_from_wb).then(pl.lit(WB_SOURCE)),
                pl.when(pl.col("imf_code").is_not_null()).then(pl.lit(CODES_SOURCE)),
            ],
            separator=";",
            ignore_nulls=True,
        ).alias("source_id"),
    )
    former = pl.DataFrame(
        {
            "iso3": list(FORMER_MEMBERS),
            "name": list(FORMER_MEMBERS.values()),
            "imf_member": [False] * len(FORMER_MEMBERS),
            "source_id": [FORMER_SOURCE] * len(FORMER_MEMBERS),
        }
    )
    countries = pl.concat([countries, former], how="diagonal_relaxed")
    return {
        "countries": countries.select(
            "iso3",
            "name",
            "imf_member",
            "joined_imf_on",
            "region",
            "income_group",
            "imf_code",
            "source_id",
        ).sort("iso3")
    }

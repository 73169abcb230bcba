"""Context tables: BTC price, electricity, crypto adoption, hashrate, crises, debt distress.

Every country name goes through `riskscore.ingest.country_names`; names that resolve to
nothing, or to an economy outside countries.csv, are logged and dropped, never guessed.

- btc_usd_monthly: month-end BTC/USD closes as the extract gives them (`btc_usd_month_end`).
- electricity_generation: total generation in TWh from OWID's 2025 vintage
  (`owid_electricity_2025`; an estimate = OWID per-capita generation x World Bank population,
  made by the extract's compiler), and, only for country-years that vintage lacks, the 2022
  edition's `Electricity generation (TWh)` (`owid_electricity_2022`). OWID regions are skipped.
  The two vintages differ (Ember revises history), so a series can step where they meet.
- crypto_adoption_ranks: Chainalysis Global Crypto Adoption Index overall rank, 2022-2024.
- mining_hashrate_shares: CBECI monthly share of hashrate (and EH/s), 2019-09 to 2022-01;
  "Other" is dropped, footnote markers (`*`) are stripped from names.
- crisis_years: Laeven-Valencia (2018) crisis years; the one `n.a.` year is dropped.
- debt_distress_ratings: IMF LIC-DSA risk of external debt distress. The historical table
  (2008-2018) gives one rating per country and year, dated 31 December of that year and meaning
  "the rating in the IMF list during that year"; the four 2023 lists are dated by list date.
  `n/a` cells and the Yes/No/NA rows (countries under the MAC-DSA, not rated) are skipped.
"""

from __future__ import annotations

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import IngestContext, IngestError, read_csv_text
from riskscore.ingest.country_names import CountryNames, attach_iso3, country_names, report

BTC_FILE = "btc_usd_monthly/btc_usd_month_end_close.csv"
OWID_2025_FILE = (
    "owid_ember_electricity/owid_per_capita_electricity_generation_by_source_1985_2024.csv"
)
OWID_2022_FILE = "owid_ember_electricity/owid_electricity_mix_bp_ember_2022_edition.csv"
GCAI_FILE = "chainalysis_gcai/chainalysis_gcai_2022_2024.csv"
CBECI_FILE = "cbeci_mining_map/cbeci_mining_countries_2019-09_2022-01.csv"
CRISES_FILE = "laeven_valencia_crises_2018/crisis_years_long.csv"
DSA_FOLDER = "imf_lic_dsa_risk_of_debt_distress"
DSA_HISTORICAL_FILE = f"{DSA_FOLDER}/imf_dsa_historical_2008-2018.csv"
DSA_LISTS_GLOB = "imf_lic_dsa_list_as_of_*.csv"

CBECI_REST_OF_WORLD = "Other"
CRISIS_YEAR_MISSING = "n.a."
DSA_NOT_RATED = "n/a"
# The list's wording (case-insensitive: the historical table also has "HIgh") -> vocabulary.
DSA_RISK: dict[str, str] = {
    "low": "low",
    "moderate": "moderate",
    "high": "high",
    "in debt distress": "in_debt_distress",
}
# In the 2023 lists these mark MAC-DSA countries or missing ratings, not a LIC-DSA rating.
DSA_NOT_A_RATING = {"Yes", "No", "NA"}


def build(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    names = country_names(ctx)
    countries = set(ctx.tables["countries"]["iso3"])
    return {
        "btc_usd_monthly": btc_usd_monthly(ctx),
        "electricity_generation": electricity_generation(ctx, names, countries),
        "crypto_adoption_ranks": crypto_adoption_ranks(ctx, names, countries),
        "mining_hashrate_shares": mining_hashrate_shares(ctx, names, countries),
        "crisis_years": crisis_years(ctx, names, countries),
        "debt_distress_ratings": debt_distress_ratings(ctx, names, countries),
    }


def btc_usd_monthly(ctx: IngestContext) -> pl.DataFrame:
    """Month-end closes; a date that is not a month's last day is an error."""
    frame = read_csv_text(ctx.sources_dir / BTC_FILE).select(
        pl.col("date").str.to_date("%Y-%m-%d").alias("month_end_on"),
        pl.col("btc_close").cast(pl.Float64).alias("close_usd"),
        pl.lit("btc_usd_month_end").alias("source_id"),
    )
    not_month_end = frame.filter(pl.col("month_end_on") != pl.col("month_end_on").dt.month_end())
    if not_month_end.height:
        raise IngestError(
            f"{BTC_FILE}: not month-end dates {not_month_end['month_end_on'].to_list()}"
        )
    return frame


def electricity_generation(
    ctx: IngestContext, names: CountryNames, countries: set[str]
) -> pl.DataFrame:
    """Generation TWh: the 2025 vintage first, the 2022 edition only where it has no value."""
    recent = read_csv_text(ctx.sources_dir / OWID_2025_FILE)
    # OWID's own codes are ISO3 for countries; regions have none or an OWID_ code (Kosovo's
    # OWID_KOS is resolved by name, like every other entity without an ISO3 code).
    owid_codes = recent.filter(pl.col("code").str.contains(r"^[A-Z]{3}$")).select("entity", "code")
    owid_names = names.with_names(owid_codes.unique().iter_rows())
    recent = (
        attach_iso3(recent, "entity", owid_names, countries, "electricity_generation (OWID 2025)")
        .select(
            "iso3",
            pl.col("year").cast(pl.Int64),
            pl.col("total_generation_twh_est").cast(pl.Float64).alias("generation_twh"),
            pl.lit("owid_electricity_2025").alias("source_id"),
        )
        .drop_nulls("generation_twh")
    )
    older = (
        attach_iso3(
            read_csv_text(ctx.sources_dir / OWID_2022_FILE),
            "Entity",
            owid_names,
            countries,
            "electricity_generation (OWID 2022)",
        )
        .select(
            "iso3",
            pl.col("Year").cast(pl.Int64).alias("year"),
            pl.col("Electricity generation (TWh)").cast(pl.Float64).alias("generation_twh"),
            pl.lit("owid_electricity_2022").alias("source_id"),
        )
        .drop_nulls("generation_twh")
        .join(recent, on=["iso3", "year"], how="anti")
    )
    return pl.concat([recent, older])


def crypto_adoption_ranks(
    ctx: IngestContext, names: CountryNames, countries: set[str]
) -> pl.DataFrame:
    """Overall GCAI rank per country and edition year."""
    raw = read_csv_text(ctx.sources_dir / GCAI_FILE)
    return attach_iso3(raw, "country", names, countries, "crypto_adoption_ranks").select(
        "iso3",
        pl.col("year").cast(pl.Int64),
        pl.col("overall_index_ranking").cast(pl.Int64).alias("adoption_rank"),
        pl.lit("chainalysis_gcai").alias("source_id"),
    )


def percent_value(column: str) -> pl.Expr:
    """'75.53%' -> 75.53; text that is not a number is an error, not a null."""
    return pl.col(column).str.strip_chars().str.strip_suffix("%").cast(pl.Float64, strict=True)


def without_footnote_marks(column: str) -> pl.Expr:
    """'Germany *' -> 'Germany': CBECI flags some names with a footnote asterisk."""
    return pl.col(column).str.replace_all(r"\*", "").str.strip_chars()


def mining_hashrate_shares(
    ctx: IngestContext, names: CountryNames, countries: set[str]
) -> pl.DataFrame:
    """Monthly hashrate share by country, 'Other' dropped; month_on is the date CBECI gives."""
    raw = read_csv_text(ctx.sources_dir / CBECI_FILE)
    if not raw["monthly_hashrate_%"].str.strip_chars().str.ends_with("%").all():
        raise IngestError(f"{CBECI_FILE}: a hashrate share lacks its % sign")
    raw = raw.with_columns(without_footnote_marks("country").alias("country")).filter(
        pl.col("country") != CBECI_REST_OF_WORLD
    )
    return attach_iso3(raw, "country", names, countries, "mining_hashrate_shares").select(
        "iso3",
        pl.col("date").str.to_date("%Y-%m-%d").alias("month_on"),
        percent_value("monthly_hashrate_%").alias("hashrate_share_pct"),
        pl.col("monthly_absolute_hashrate_EH/S").cast(pl.Float64).alias("hashrate_eh_s"),
        pl.lit("cbeci_mining_map").alias("source_id"),
    )


def crisis_years(ctx: IngestContext, names: CountryNames, countries: set[str]) -> pl.DataFrame:
    """Laeven-Valencia crisis years, one row per country, type and year."""
    raw = read_csv_text(ctx.sources_dir / CRISES_FILE)
    missing = raw.filter(pl.col("year") == CRISIS_YEAR_MISSING)
    report("crisis_years", "row(s) with year n.a.", [f"{c} {t}" for c, t, _ in missing.rows()])
    unknown = sorted(set(raw["crisis_type"]) - set(vocab.CRISIS_TYPES))
    if unknown:
        raise IngestError(f"{CRISES_FILE}: unknown crisis types {unknown}")
    raw = raw.filter(pl.col("year") != CRISIS_YEAR_MISSING)
    crises = attach_iso3(raw, "country", names, countries, "crisis_years").select(
        "iso3",
        "crisis_type",
        pl.col("year").cast(pl.Int64),
        pl.lit("laeven_valencia_2018").alias("source_id"),
    )
    # Two source names for one country could list the same crisis twice: say so, keep one.
    twice = crises.filter(crises.is_duplicated()).unique(maintain_order=True)
    report("crisis_years", "crisis row(s) listed twice, kept once", [str(r) for r in twice.rows()])
    return crises.unique(maintain_order=True)


def debt_distress_ratings(
    ctx: IngestContext, names: CountryNames, countries: set[str]
) -> pl.DataFrame:
    """LIC-DSA ratings: historical table by year-end, 2023 lists by list date."""
    historical = read_csv_text(ctx.sources_dir / DSA_HISTORICAL_FILE)
    name_col = historical.columns[0]  # 'Country' (the file starts with a byte-order mark)
    historical = (
        attach_iso3(historical, name_col, names, countries, "debt_distress_ratings (2008-2018)")
        .drop(name_col)
        .unpivot(index="iso3", variable_name="year", value_name="risk")
        .filter(pl.col("risk") != DSA_NOT_RATED)
        .select(
            "iso3",
            pl.date(pl.col("year").cast(pl.Int64), 12, 31).alias("as_of"),  # year-end
            "risk",
        )
    )
    lists = pl.concat(
        [
            read_csv_text(path)
            for path in sorted((ctx.sources_dir / DSA_FOLDER).glob(DSA_LISTS_GLOB))
        ]
    )
    if not lists.height:
        raise IngestError(f"{DSA_FOLDER}: no {DSA_LISTS_GLOB} files")
    lists = lists.filter(~pl.col("risk_of_distress").is_in(sorted(DSA_NOT_A_RATING))).select(
        pl.col("iso3c").alias("iso3"),
        pl.col("dsa_list_date").str.to_date("%Y-%m-%d").alias("as_of"),
        pl.col("risk_of_distress").alias("risk"),
    )
    outside = sorted(set(lists["iso3"]) - countries)
    report("debt_distress_ratings (2023 lists)", "code(s) outside countries.csv", outside)
    ratings = pl.concat(
        [historical, lists.filter(pl.col("iso3").is_in(sorted(countries)))]
    ).with_columns(
        pl.col("risk")
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(DSA_RISK, default=None)
        .alias("risk_of_debt_distress")
    )
    unknown = ratings.filter(pl.col("risk_of_debt_distress").is_null())["risk"].unique()
    if unknown.len():
        raise IngestError(f"{DSA_FOLDER}: unknown ratings {unknown.to_list()}")
    duplicated = ratings.filter(pl.struct("iso3", "as_of").is_duplicated())
    report(
        "debt_distress_ratings",
        "country-date(s) listed twice; the first row in file order is kept",
        [f"{i} {d} {r}" for i, d, r in duplicated.select("iso3", "as_of", "risk").rows()],
    )
    return ratings.unique(["iso3", "as_of"], keep="first", maintain_order=True).select(
        "iso3",
        "as_of",
        "risk_of_debt_distress",
        pl.lit("imf_lic_dsa_lists").alias("source_id"),
    )

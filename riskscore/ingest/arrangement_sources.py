"""Readers that turn each raw IMF-arrangement source into candidate rows of one layout.

Every reader returns a frame with the columns of `CANDIDATE_SCHEMA`: one row per arrangement
(or blend leg) as that source states it, already in ISO3 and the project's facility codes.
Reconciling the sources (matching, precedence, events, status) is `arrangements.py`'s job.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import polars as pl

from riskscore.ingest.arrangement_codes import (
    ISO3_FIXES,
    CountryCodes,
    canonical_facility,
    families,
    fix_iso3,
    to_date,
    to_float,
)
from riskscore.ingest.common import IngestContext, IngestError, period_end, read_csv_text

log = logging.getLogger(__name__)

# --- source keys, in precedence order (first = wins a conflict; see arrangements.py) ---------
CURATED = "curated"  # press releases 2021-2026, sourced per row
ADDED = "added"  # datasets/curated/imf_arrangements_added.csv, sourced per row (optional)
QFR = "qfr"  # IMF Quarterly Report on IMF Finances, arrangements on 2024-01-31
MONA = "mona"  # MONA database, arrangements approved 2000 to Apr 2021
MONA_ARCHIVE = "mona_archive"  # MONA archive, arrangements approved 1992 to 2003
FACTS = "facts"  # project fact base (../shared/facts/imf_programs.csv)
LENDING_1952_2017 = "lending_1952_2017"  # SPR/FIN "Fund Arrangements since 1952"
LENDING_1952_2019 = "lending_1952_2019"  # IMF "History of Lending Arrangements" tables
SOURCE_ORDER = [
    CURATED,
    ADDED,
    QFR,
    MONA,
    MONA_ARCHIVE,
    FACTS,
    LENDING_1952_2017,
    LENDING_1952_2019,
]
DATASET_SOURCE_IDS = {
    QFR: "imf_qfr_2024_01",
    MONA: "imf_mona_2021",
    MONA_ARCHIVE: "imf_mona_2021",
    LENDING_1952_2017: "imf_arrangements_1952_2017",
    LENDING_1952_2019: "imf_lending_history_1952_2019",
}

CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "source_id": pl.String(),
    "source_key": pl.String(),  # the row's identity inside its source, for tracing
    "iso3": pl.String(),
    "facility": pl.String(),
    "approved_on": pl.Date(),
    "approved_precision": pl.String(),  # "day", or "month" (then approved_on is the month's end)
    "expires_on": pl.Date(),
    "expires_month": pl.String(),  # "YYYY-MM" when a source gives the scheduled end's month only
    "ended_on": pl.Date(),
    "amount_sdr_m": pl.Float64(),
    "amount_usd_m": pl.Float64(),
    "amount_as_of": pl.Date(),  # augmentations after this date are not in the amount
    "cancelled": pl.Boolean(),
    "completed": pl.Boolean(),  # the source shows the arrangement ran to completion
    "off_track": pl.Boolean(),
    "notes": pl.String(),
}

LONG_FACILITY_NAMES = {
    "Standby Arrangement": "SBA",
    "Extended Fund Facility": "EFF",
    "Extended Credit Facility": "ECF",
    "Structural Adjustment Facility Commitment": "SAF",
    "Flexible Credit Line": "FCL",
    "Standby Credit Facility": "SCF",
    "Exogenous Shock Facility": "ESF",
    "Precautionary and Liquidity Line": "PLL",
}
SRF_COMPONENT_PREFIX = "of which"  # "of which Supplemental Reserve Facility": part of an SBA
FIRST_CREDIT_TRANCHE_SBA = "FCTA"  # stand-by arrangement in the first credit tranche
OUTRIGHT_PURCHASES = {"FCTD", "Outright purchase"}  # drawings without an arrangement

# The 1952-2017 table states amounts approved 1952-1971 in US$ m, later ones in SDR m.
FIRST_SDR_YEAR_1952_2017 = 1972


# --- frame helpers ----------------------------------------------------------------------------
def candidates(frame: pl.DataFrame) -> pl.DataFrame:
    """Select and type the candidate columns, filling absent ones with nulls."""
    exprs = [
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in CANDIDATE_SCHEMA.items()
    ]
    return frame.select(exprs)


def require_iso3(frame: pl.DataFrame, source: str, name_column: str) -> pl.DataFrame:
    """Fail loudly on rows whose country could not be placed (the ingest never guesses)."""
    missing = frame.filter(pl.col("iso3").is_null())
    if missing.height:
        names = sorted(set(missing[name_column].to_list()))
        raise IngestError(f"{source}: no ISO3 for {names}")
    return frame


# --- readers ----------------------------------------------------------------------------------
def read_lending_1952_2017(ctx: IngestContext, countries: CountryCodes) -> pl.DataFrame:
    """'Fund Arrangements since 1952' (to 2017-06): one candidate per arrangement leg.

    Outright purchases (FCTD, 'Outright purchase') are not arrangements and are left out,
    with a logged count; FCTA (first-credit-tranche stand-bys) become SBA. Zero-month ESF
    rows (disbursed at approval) stay, with a note.
    """
    path = ctx.sources_dir / "imf_lending_history" / "imf_fund_arrangements_since_1952_to_2017.csv"
    raw = read_csv_text(path)
    outright = raw.filter(pl.col("arrangement_type").is_in(sorted(OUTRIGHT_PURCHASES)))
    if outright.height:
        log.warning(
            "%s: %d outright purchases are not arrangements; left out", path.name, outright.height
        )
    rows = raw.filter(~pl.col("arrangement_type").is_in(sorted(OUTRIGHT_PURCHASES)))
    iso3 = [countries.iso3(n, c) for n, c in zip(rows["country"], rows["ifs_code"], strict=True)]
    in_usd = pl.col("approved_on").dt.year() < FIRST_SDR_YEAR_1952_2017
    frame = rows.with_columns(
        pl.Series("iso3", iso3, dtype=pl.String),
        pl.lit(LENDING_1952_2017).alias("source"),
        pl.lit(DATASET_SOURCE_IDS[LENDING_1952_2017]).alias("source_id"),
        pl.col("arrangement_type").replace({FIRST_CREDIT_TRANCHE_SBA: "SBA"}).alias("facility"),
        to_date("date_of_arrangement").alias("approved_on"),
        pl.lit("day").alias("approved_precision"),
        pl.coalesce(to_date("extended_expiration_date"), to_date("expiration_date")).alias(
            "expires_on"
        ),
        to_date("cancellation_date").alias("ended_on"),
        to_date("cancellation_date").is_not_null().alias("cancelled"),
        to_float("total_amount_approved").alias("amount"),
        pl.concat_str(
            pl.when(pl.col("arrangement_type") == FIRST_CREDIT_TRANCHE_SBA).then(
                pl.lit("first-credit-tranche stand-by (FCTA)")
            ),
            pl.when(pl.col("precautionary") == "Y").then(pl.lit("precautionary")),
            pl.when(pl.col("original_duration_months") == "0").then(
                pl.lit("0-month duration in the 1952-2017 table: disbursed at approval")
            ),
            separator="; ",
            ignore_nulls=True,
        ).alias("notes"),
    )
    frame = require_iso3(frame, path.name, "country").with_columns(
        pl.when(in_usd).then(None).otherwise(pl.col("amount")).alias("amount_sdr_m"),
        pl.when(in_usd).then(pl.col("amount")).alias("amount_usd_m"),
        pl.concat_str(
            pl.lit("1952-2017:"),
            pl.col("ifs_code"),
            pl.lit(":"),
            pl.col("date_of_arrangement"),
            pl.lit(":"),
            pl.col("arrangement_type"),
        ).alias("source_key"),
    )
    return candidates(frame)


def read_lending_1952_2019(ctx: IngestContext) -> pl.DataFrame:
    """IMF lending-history tables (starts to 2019-05-17); 'of which SRF' rows (SBA parts) dropped.

    `completed` is set when the whole amount agreed was drawn: every purchase was made, so every
    review was completed.
    """
    path = (
        ctx.sources_dir
        / "imf_lending_history"
        / "imf_lending_arrangements_by_country_1952_2019.csv"
    )
    raw = read_csv_text(path).filter(~pl.col("facility").str.starts_with(SRF_COMPONENT_PREFIX))
    unknown = sorted(set(raw["facility"]) - set(LONG_FACILITY_NAMES))
    if unknown:
        raise IngestError(f"{path.name}: unknown facility names {unknown}")
    agreed = to_float("amount_agreed_sdr_thousands") / 1000
    drawn = to_float("amount_drawn_sdr_thousands") / 1000
    frame = raw.with_columns(
        pl.lit(LENDING_1952_2019).alias("source"),
        pl.lit(DATASET_SOURCE_IDS[LENDING_1952_2019]).alias("source_id"),
        pl.concat_str(
            pl.lit("1952-2019:"),
            "iso3",
            pl.lit(":"),
            "start_date",
            pl.lit(":"),
            "facility",
            pl.lit(":"),
            "amount_agreed_sdr_thousands",
        ).alias("source_key"),
        pl.col("iso3").replace(ISO3_FIXES),
        pl.col("facility").replace_strict(LONG_FACILITY_NAMES),
        to_date("start_date").alias("approved_on"),
        pl.lit("day").alias("approved_precision"),
        to_date("end_date").alias("expires_on"),
        agreed.alias("amount_sdr_m"),
        ((drawn >= agreed) & (agreed > 0)).alias("completed"),
    )
    return candidates(frame)


def _latest_mona_rows(raw: pl.DataFrame) -> pl.DataFrame:
    """One row per MONA arrangement: the latest review row, with the facility at approval.

    The archive splits an arrangement into program years and renames ESAF years approved
    before Nov 1999 'PRGF' in later rows, so an arrangement is a country, approval day and
    facility family; its facility is the one of the first row.
    """
    key = ["country_code", "approval_date", "family"]
    ordered = (
        raw.with_columns(
            pl.col("arrangement_type").str.strip_chars(),
            pl.col("program_type").str.strip_chars(),
            pl.col("sort").cast(pl.Int64),
        )
        .with_columns(
            pl.col("arrangement_type")
            .map_elements(lambda t: "+".join(sorted(families(canonical_facility(t)))), pl.String)
            .alias("family")
        )
        .sort(["program_type", "sort"])
    )
    first_type = ordered.group_by(key, maintain_order=True).agg(pl.col("arrangement_type").first())
    return (
        ordered.group_by(key, maintain_order=True)
        .last()
        .drop("arrangement_type")
        .join(first_type, on=key)
    )


def _mona_reviews_all_completed(ctx: IngestContext) -> pl.DataFrame:
    """MONA arrangement numbers whose every scheduled program review has a completion date."""
    reviews = read_csv_text(ctx.sources_dir / "imf_mona_2002_2021" / "mona_reviews.csv")
    latest = (
        reviews.filter(pl.col("program_review_sequence").is_not_null())
        .with_columns(pl.col("sort").cast(pl.Int64))
        .filter(pl.col("sort") == pl.col("sort").max().over("arrangement_number"))
    )
    return latest.group_by("arrangement_number").agg(
        pl.col("program_review_completed_date").is_not_null().all().alias("completed")
    )


def read_mona(ctx: IngestContext, countries: CountryCodes) -> pl.DataFrame:
    """MONA description (2000-2021) and archive (1992-2003): one candidate per arrangement.

    The latest review row holds the current access (`totalaccess`, incl. augmentations) and the
    revised end date; when `cancelled` is Y that revised end date is the cancellation date.
    """
    folder = ctx.sources_dir / "imf_mona_2002_2021"
    parts = []
    for source, file in [
        (MONA, "mona_description.csv"),
        (MONA_ARCHIVE, "mona_archive_description_1992_2002.csv"),
    ]:
        raw = _latest_mona_rows(read_csv_text(folder / file))
        for column in ["revised_end_date", "cancelled", "board_action_date"]:
            if column not in raw.columns:  # the archive has none of these
                raw = raw.with_columns(pl.lit(None, pl.String).alias(column))
        if source == MONA:
            raw = raw.join(_mona_reviews_all_completed(ctx), on="arrangement_number", how="left")
        else:
            raw = raw.with_columns(pl.lit(None, pl.Boolean).alias("completed"))
        names = raw["country_name"].str.strip_chars()
        iso3 = [countries.iso3(n, c) for n, c in zip(names, raw["country_code"], strict=True)]
        cancelled = pl.col("cancelled").str.strip_chars() == "Y"
        frame = raw.with_columns(
            pl.Series("iso3", iso3, dtype=pl.String),
            pl.lit(source).alias("source"),
            pl.lit(DATASET_SOURCE_IDS[source]).alias("source_id"),
            pl.concat_str(
                pl.lit(f"{source}:"),
                "country_code",
                pl.lit(":"),
                "approval_date",
                pl.lit(":"),
                "arrangement_type",
            ).alias("source_key"),
            pl.col("arrangement_type")
            .map_elements(canonical_facility, pl.String)
            .alias("facility"),
            to_date("approval_date").alias("approved_on"),
            pl.lit("day").alias("approved_precision"),
            pl.when(cancelled)
            .then(to_date("initial_end_date"))
            .otherwise(pl.coalesce(to_date("revised_end_date"), to_date("initial_end_date")))
            .alias("expires_on"),
            pl.when(cancelled).then(to_date("revised_end_date")).alias("ended_on"),
            cancelled.fill_null(False).alias("cancelled"),
            to_float("totalaccess").alias("amount_sdr_m"),
            pl.coalesce(to_date("board_action_date"), to_date("approval_date")).alias(
                "amount_as_of"
            ),
            pl.when(pl.col("precautionary").str.strip_chars() == "Y")
            .then(pl.lit("precautionary"))
            .alias("notes"),
        )
        parts.append(
            candidates(require_iso3(frame.with_columns(country_name=names), file, "country_name"))
        )
    return pl.concat(parts)


def read_qfr_snapshot(ctx: IngestContext, countries: CountryCodes) -> pl.DataFrame:
    """Arrangements in the IMF finances report of 2024-01-31 (blends appear as two legs here)."""
    path = (
        ctx.sources_dir
        / "imf_active_arrangements_2024q1"
        / "imf_arrangements_snapshot_2024-01-31.csv"
    )
    raw = read_csv_text(path)
    iso3 = [countries.iso3(n) for n in raw["member"]]
    frame = raw.with_columns(
        pl.Series("iso3", iso3, dtype=pl.String),
        pl.lit(QFR).alias("source"),
        pl.lit(DATASET_SOURCE_IDS[QFR]).alias("source_id"),
        pl.concat_str(
            pl.lit("qfr:"), "account", pl.lit(":"), "member", pl.lit(":"), "arrangement_date"
        ).alias("source_key"),
        to_date("arrangement_date").alias("approved_on"),
        pl.lit("day").alias("approved_precision"),
        to_date("expiration_date").alias("expires_on"),
        to_float("amount_committed_sdr_mn").alias("amount_sdr_m"),
        to_date("snapshot_date").alias("amount_as_of"),
    )
    return candidates(require_iso3(frame, path.name, "member"))


def _date_and_precision(value: str | None) -> tuple[dt.date | None, str | None]:
    """(date, precision) of a fact-base date; month dates become the month's end."""
    if value is None or not value.strip():
        return None, None
    return period_end(value)


def read_fact_programs(ctx: IngestContext, path: Path, source: str) -> pl.DataFrame:
    """Programs of the fact base (or a file with its columns), each row cited by its own URL.

    Amounts there are those at approval; a month-precision end date goes to `expires_month`.
    """
    if not path.exists():
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    rows = []
    for r in read_csv_text(path).iter_rows(named=True):
        approved_on, approved_precision = _date_and_precision(r["approval_date"])
        end_on, end_precision = _date_and_precision(r["end_date"])
        status = (r["status"] or "").strip()
        notes = [f"fact base {r['program_id']} ({r['confidence']} confidence)"]
        rows.append(
            {
                "source": source,
                "source_id": ctx.web_source(r["source_url"]),
                "source_key": f"{source}:{r['program_id']}",
                "iso3": fix_iso3(r["country_iso3"].strip()),
                "facility": canonical_facility(r["facility"]),
                "approved_on": approved_on,
                "approved_precision": approved_precision,
                "expires_on": end_on if end_precision == "day" else None,
                "expires_month": r["end_date"].strip() if end_precision == "month" else None,
                "amount_sdr_m": _positive(r["amount_sdr_millions"]),
                "amount_usd_m": _positive(r["amount_usd_millions"]),
                "amount_as_of": approved_on,
                "cancelled": status == "cancelled",
                "completed": status == "completed",
                "off_track": status == "off-track",
                "notes": "; ".join(notes),
            }
        )
    return pl.DataFrame(rows, schema=CANDIDATE_SCHEMA).filter(pl.col("approved_on").is_not_null())


def _positive(value: str | None) -> float | None:
    """An amount, or None when empty or zero (non-financing instruments state 0)."""
    if value is None or not value.strip():
        return None
    amount = float(value.replace(",", ""))
    return amount if amount > 0 else None


def _curated_title(title: str | None) -> str | None:
    """The page title, or None for the file's '(same as above)' / '(see ... row)' placeholders."""
    if title is None or re.match(r"^\((same as|see) ", title.strip()):
        return None
    return title.strip()


def read_curated_arrangements(ctx: IngestContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The curated 2021-2026 file split into (approval candidates, events on arrangements).

    Approvals whose Board day the file does not give cannot have an `approved_on` and are
    returned among the events with event 'approval' so the caller can report them.
    """
    path = ctx.sources_dir / "imf_arrangements_2021_2026_curated" / "arrangements.csv"
    raw = read_csv_text(path).with_row_index("row").rename({"notes": "source_notes"})
    source_ids = [
        ctx.web_source(
            r["source_url"], r["source_publisher"], None, _curated_title(r["source_title"])
        )
        for r in raw.iter_rows(named=True)
    ]
    frame = raw.with_columns(
        pl.Series("source_id", source_ids, dtype=pl.String),
        pl.lit(CURATED).alias("source"),
        pl.concat_str(pl.lit("curated:row"), pl.col("row").cast(pl.String)).alias("source_key"),
        pl.col("country_iso3").str.strip_chars().replace(ISO3_FIXES).alias("iso3"),
        pl.col("facility").map_elements(canonical_facility, pl.String),
        to_date("approved_on"),
        pl.lit("day").alias("approved_precision"),
        to_date("scheduled_end_on").alias("expires_on"),
        to_float("amount_sdr_m").alias("amount_sdr_m"),
        to_float("amount_usd_m").alias("amount_usd_m"),
        to_date("approved_on").alias("amount_as_of"),
        pl.concat_str(
            pl.when(pl.col("confidence") != "high").then(
                pl.lit("curated row confidence ") + pl.col("confidence")
            ),
            pl.when(pl.col("end_basis").str.starts_with("computed")).then(
                pl.lit("expires_on computed as approval + duration - 1 day (curated)")
            ),
            separator="; ",
            ignore_nulls=True,
        ).alias("notes"),
    )
    approvals = frame.filter((pl.col("event") == "approval") & pl.col("approved_on").is_not_null())
    events = frame.filter((pl.col("event") != "approval") | pl.col("approved_on").is_null()).select(
        "event",
        "source_id",
        "source_key",
        "iso3",
        "facility",
        pl.col("approved_on").alias("event_on"),
        pl.col("expires_on").alias("new_end_on"),
        "amount_sdr_m",
        "amount_usd_m",
        "notes",
        "source_notes",
    )
    return candidates(approvals), events

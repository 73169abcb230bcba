"""imf_reviews.csv: program reviews, scheduled vs completed, attached to `imf_arrangements`.

Two sources:

- MONA (`imf_mona_2021`, arrangements approved 2000 to Apr 2021): `mona_reviews.csv` repeats
  the whole review calendar at every Board action. One row per arrangement and review
  number: `scheduled_on` is the date of the first calendar that lists the review (the
  original schedule), `completed_on` the completion date of the latest calendar that has one.
  The amount is the purchase `mona_purchases.csv` schedules on completion of that review
  (revised schedule where there is one), only for completed reviews. A review with no
  completion is kept with `completed_on` empty: it was not completed by MONA's last record
  of that arrangement (noted), which for arrangements running in 2021 is not the end.
- The curated 2023-2026 file (one URL per row): "2 (final)" becomes review 2 with "final" in
  notes; combined reviews ("5+6") become one row per number, the amount on the last;
  completions known only to the month keep `completed_on` empty and the source's note (which
  names the month); Sri Lanka's explicit not-completed fifth review stays, empty.

Every review gets a first `status`: completed when a source dates its completion or lists it
among completions (the curated file), not_completed where the curated file says so, else
unknown; `date_precision` is day wherever `completed_on` is known. The `review_status`
revision later adds what research found and the reasons.

A curated review attaches to the latest arrangement of its country and facility family
approved before its completion (any date when that is unknown; a year written after the
facility, "EFF (2023)", picks the arrangement approved that year). A MONA review attaches to
the arrangement matched to its MONA arrangement (same country, family, approval within the
matching window). Reviews that attach to nothing are dropped with a logged count. When both
sources give one review, the curated row wins.
"""

from __future__ import annotations

import logging
import re

import polars as pl

from riskscore.ingest import arrangement_codes as codes
from riskscore.ingest import arrangement_sources as src
from riskscore.ingest.arrangements import date_gap
from riskscore.ingest.common import IngestContext, read_csv_text

log = logging.getLogger(__name__)

MONA_SOURCE_ID = src.DATASET_SOURCE_IDS[src.MONA]
MONA_VINTAGE = "mona_vintage"  # ctx.cache key: MONA's last Board action on any arrangement
REVIEW_COLUMNS = [
    "arrangement_id", "review_no", "scheduled_on", "completed_on", "date_precision", "status",
    "not_completed_reason", "amount_sdr_m", "source_id", "notes",
]  # fmt: skip
# The curated file lists completions; the one review it records as not completed says so.
NOT_COMPLETED_MARK = "NOT completed"


def build(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """Return MONA and curated reviews attached to the arrangements built before."""
    arrangements = ctx.tables["imf_arrangements"]
    curated = attach_curated(read_curated_reviews(ctx), arrangements)
    mona_reviews = read_mona_reviews(ctx)
    ctx.cache[MONA_VINTAGE] = mona_reviews["last_record_on"].max()
    mona = attach_mona(mona_reviews, arrangements)
    reviews = pl.concat([curated, mona], how="diagonal_relaxed").with_columns(
        pl.when(pl.col("completed_on").is_not_null()).then(pl.lit("day")).alias("date_precision"),
        pl.when(pl.col("completed_on").is_not_null())
        .then(pl.lit("completed"))
        .otherwise(pl.col("status"))
        .fill_null("unknown")
        .alias("status"),
        pl.lit(None, pl.String).alias("not_completed_reason"),
    )
    kept = reviews.unique(["arrangement_id", "review_no"], keep="first", maintain_order=True)
    if kept.height < reviews.height:
        log.warning(
            "imf_reviews: %d MONA reviews also in the curated file; curated kept",
            reviews.height - kept.height,
        )
    return {"imf_reviews": kept.select(REVIEW_COLUMNS)}


# --- MONA -------------------------------------------------------------------------------------
def _review_number(text: pl.Expr) -> pl.Expr:
    """'1st Review' / 'Completion of 3rd review' -> 1 / 3."""
    return text.str.extract(r"(\d+)(?:st|nd|rd|th) [Rr]eview", 1).cast(pl.Int64)


def _mona_arrangement(frame: pl.DataFrame, countries: codes.CountryCodes) -> pl.DataFrame:
    """Add iso3, facility and approved_on from MONA's own arrangement columns."""
    names = frame["country_name"].str.strip_chars()
    iso3 = [countries.iso3(n, c) for n, c in zip(names, frame["country_code"], strict=True)]
    return frame.with_columns(
        pl.Series("iso3", iso3, dtype=pl.String),
        pl.col("arrangement_type")
        .map_elements(codes.canonical_facility, pl.String)
        .alias("facility"),
        codes.to_date("approval_date").alias("approved_on"),
        pl.col("sort").cast(pl.Int64),
    )


def read_mona_reviews(ctx: IngestContext) -> pl.DataFrame:
    """One row per MONA arrangement and program review number."""
    folder = ctx.sources_dir / "imf_mona_2002_2021"
    countries = codes.CountryCodes.load(ctx.sources_dir)
    raw = _mona_arrangement(read_csv_text(folder / "mona_reviews.csv"), countries)
    calendar = raw.filter(pl.col("program_review_sequence").is_not_null()).with_columns(
        _review_number(pl.col("program_review_sequence")).alias("review_no"),
        codes.to_date("program_review_date").alias("scheduled"),
        codes.to_date("program_review_revised_date").alias("revised"),
        codes.to_date("program_review_completed_date").alias("completed"),
        codes.to_date("board_action_date").alias("board_action_on"),
    )
    key = ["arrangement_number", "iso3", "facility", "approved_on"]
    last_record = calendar.group_by(key).agg(
        pl.col("board_action_on").max().alias("last_record_on")
    )
    reviews = (
        calendar.sort("sort")
        .group_by([*key, "review_no"], maintain_order=True)
        .agg(
            pl.col("scheduled").first().alias("scheduled_on"),
            pl.col("revised").drop_nulls().last().alias("revised_on"),
            pl.col("completed").drop_nulls().last().alias("completed_on"),
        )
        .join(last_record, on=key)
        .join(
            _mona_review_purchases(ctx, countries),
            on=["arrangement_number", "review_no"],
            how="left",
        )
    )
    return reviews.with_columns(
        pl.when(pl.col("completed_on").is_not_null())
        .then(pl.col("amount_sdr_m"))
        .alias("amount_sdr_m"),
        pl.concat_str(
            pl.when(pl.col("revised_on").is_not_null()).then(
                pl.lit("rescheduled to ") + pl.col("revised_on").cast(pl.String)
            ),
            pl.when(pl.col("completed_on").is_null()).then(
                pl.lit("no completion in MONA (its last record of this arrangement: ")
                + pl.col("last_record_on").cast(pl.String)
                + pl.lit(")")
            ),
            pl.when(
                pl.col("completed_on").is_not_null() & pl.col("amount_sdr_m").is_not_null()
            ).then(pl.lit("amount = purchase scheduled on completion (MONA)")),
            separator="; ",
            ignore_nulls=True,
        ).alias("notes"),
        pl.lit(MONA_SOURCE_ID).alias("source_id"),
    )


def _mona_review_purchases(ctx: IngestContext, countries: codes.CountryCodes) -> pl.DataFrame:
    """SDR amount scheduled on completion of each review, from the latest purchase schedule."""
    raw = _mona_arrangement(
        read_csv_text(ctx.sources_dir / "imf_mona_2002_2021" / "mona_purchases.csv"), countries
    )
    latest = raw.filter(pl.col("sort") == pl.col("sort").max().over("arrangement_number"))
    return (
        latest.with_columns(
            _review_number(pl.coalesce("revised_basis", "original_basis")).alias("review_no"),
            pl.coalesce(
                codes.to_float("revised_scheduled_amount"),
                codes.to_float("original_scheduled_amount"),
            ).alias("amount_sdr_m"),
        )
        .filter(pl.col("review_no").is_not_null())
        .group_by("arrangement_number", "review_no")
        .agg(pl.col("amount_sdr_m").sum())
    )


def attach_mona(reviews: pl.DataFrame, arrangements: pl.DataFrame) -> pl.DataFrame:
    """Give each MONA review the id of the arrangement its MONA arrangement was matched to."""
    ids = {}
    for key in reviews.select("iso3", "facility", "approved_on").unique().iter_rows():
        ids[key] = match_arrangement(arrangements, *key)
    attached = reviews.with_columns(
        pl.struct("iso3", "facility", "approved_on")
        .map_elements(lambda k: ids[(k["iso3"], k["facility"], k["approved_on"])], pl.String)
        .alias("arrangement_id")
    )
    return _drop_unattached(attached, "MONA")


def match_arrangement(
    arrangements: pl.DataFrame, iso3: str, facility: str, approved_on
) -> str | None:
    """Id of the arrangement of that country and family approved closest to `approved_on`
    within the matching window, or None."""
    best, best_gap = None, None
    for row in arrangements.filter(pl.col("iso3") == iso3).iter_rows(named=True):
        if not codes.families(row["facility"]) & codes.families(facility):
            continue
        gap = date_gap(row["approved_on"], "day", approved_on, "day")
        if gap is not None and (best_gap is None or gap < best_gap):
            best, best_gap = row["arrangement_id"], gap
    return best


# --- curated ----------------------------------------------------------------------------------
def read_curated_reviews(ctx: IngestContext) -> pl.DataFrame:
    """Curated reviews, one row per review number (combined reviews split)."""
    path = ctx.sources_dir / "imf_arrangements_2021_2026_curated" / "reviews.csv"
    rows = []
    for r in read_csv_text(path).iter_rows(named=True):
        facility_text = r["facility"].strip()
        year = re.search(r"\((\d{4})\)", facility_text)
        facility = codes.canonical_facility(re.sub(r"\(\d{4}\)", "", facility_text).split("+")[0])
        numbers = [int(n) for n in re.findall(r"\d+", r["review_no"])]
        shared = [f"confidence {r['confidence']}"] if r["confidence"] != "high" else []
        if "final" in r["review_no"]:
            shared.append("final")
        if "+" in facility_text:
            shared.append(f"covers {facility_text}")
        if r["disbursed_usd_m"]:
            shared.append(f"US${r['disbursed_usd_m']}m per the source")
        if r["notes"]:
            shared.append(r["notes"].strip())
        for number in numbers:
            last = number == numbers[-1]
            notes = list(shared)
            if len(numbers) > 1:
                notes.insert(
                    0,
                    f"reviews {'+'.join(map(str, numbers))} completed together; amount on the last",
                )
            rows.append(
                {
                    "iso3": codes.fix_iso3(r["country_iso3"].strip()),
                    "facility": facility,
                    "approval_year": int(year.group(1)) if year else None,
                    "review_no": number,
                    "scheduled_on": None,
                    "completed_on": codes.parse_day(r["completed_on"]),
                    "amount_sdr_m": float(r["disbursed_sdr_m"])
                    if last and r["disbursed_sdr_m"]
                    else None,
                    "source_id": ctx.web_source(r["source_url"]),
                    "status": "not_completed"
                    if (r["notes"] or "").startswith(NOT_COMPLETED_MARK)
                    else "completed",
                    "notes": "; ".join(notes),
                }
            )
    return pl.DataFrame(rows, schema_overrides={"scheduled_on": pl.Date, "completed_on": pl.Date})


def attach_curated(reviews: pl.DataFrame, arrangements: pl.DataFrame) -> pl.DataFrame:
    """Attach each curated review to the latest eligible arrangement (see module docstring)."""
    ids = []
    candidates = arrangements.to_dicts()
    for r in reviews.iter_rows(named=True):
        eligible = [
            a for a in candidates
            if a["iso3"] == r["iso3"]
            and codes.families(a["facility"]) & codes.families(r["facility"])
            and (r["completed_on"] is None or a["approved_on"] < r["completed_on"])
            and (r["approval_year"] is None or a["approved_on"].year == r["approval_year"])
        ]  # fmt: skip
        best = max(eligible, key=lambda a: a["approved_on"], default=None)
        ids.append(best["arrangement_id"] if best else None)
    attached = reviews.with_columns(pl.Series("arrangement_id", ids, dtype=pl.String))
    return _drop_unattached(attached, "curated")


def _drop_unattached(reviews: pl.DataFrame, source: str) -> pl.DataFrame:
    """Drop reviews that found no arrangement, saying how many and which."""
    lost = reviews.filter(pl.col("arrangement_id").is_null())
    if lost.height:
        which = sorted(
            {f"{r['iso3']} {r['facility']} {r['review_no']}" for r in lost.iter_rows(named=True)}
        )
        log.warning(
            "imf_reviews: %d %s reviews match no arrangement, dropped: %s",
            lost.height,
            source,
            which,
        )
    return reviews.filter(pl.col("arrangement_id").is_not_null())

"""imf_arrangements.csv and imf_staff_level_agreements.csv, reconciled from the IMF sources.

Sources (readers in `arrangement_sources`), in precedence order:

1. curated press releases May 2021 - Feb 2026 (`imf_arrangements_2021_2026_curated`, one URL
   per row), then rows another helper may add in `datasets/curated/imf_arrangements_added.csv`
   (fact-base columns, one URL per row);
2. the IMF finances report of 2024-01-31 (`imf_qfr_2024_01`): official schedules, amounts
   include augmentations to that date (GRA amounts rounded to whole SDR millions);
3. MONA (`imf_mona_2021`; its 1992-2003 archive ranks just below the main file): the IMF's
   own monitoring data with the latest access, revised end dates and a cancellation flag;
4. the project fact base (`../shared/facts/imf_programs.csv`): one URL per row, but some
   values are from general knowledge and its amounts are those at approval;
5. "Fund Arrangements since 1952" (`imf_arrangements_1952_2017`): SPR/FIN compilation with
   extension and cancellation dates; 1952-1971 amounts in US$ m (kept in `amount_usd_m`);
6. the lending-history tables (`imf_lending_history_1952_2019`): a third-party compilation
   that files PRGF/ESAF under "Extended Credit Facility" and whose end date is sometimes the
   scheduled end, sometimes an early one.

Precedence, per field: the first non-null value in that order wins (`approved_on`,
`expires_on`, `ended_on`, amounts), except that a month-precision date never beats a day
and amounts come only from sources listing the whole arrangement (not one blend leg).
Why: the per-row-sourced curated file is the only source after 2024-01-31 and never
repeats the snapshot's arrangements; the official IMF tables follow from newest to oldest
vintage, since a newer vintage includes later augmentations and extensions; the fact base
sits below MONA because its amounts are at approval and some dates are inferred, and above
the historical compilations, which do not reach its period. A field on which another source
differs gets a "conflict on ..." note naming the values not kept. `amount_usd_m` is filled
only when no SDR amount is known. `source_id` = winning source, then the confirming ones.

Matching: rows are one arrangement when they have the same ISO3, share a facility family
(ECF = PRGF = ESAF; PLL = PCL; a blend belongs to both its legs' families) and approval
dates at most `MATCH_WINDOW_DAYS` apart (a month-precision date matches its month). Within
one source, legs approved on one day are merged first: a GRA leg (SBA/EFF) plus a
concessional leg (ECF, PRGF, ESAF, SAF, SCF, ESF) is one blend ('EFF/ECF', amount =
combined access), and one facility listed twice on a day is one arrangement (amounts
added). Across sources each source fills at most one slot per family of an arrangement, so
two arrangements one source lists a day apart (cancel and replace) stay two. A row that
lists one leg of an arrangement another source lists as a blend takes the blend's code.
'Of which SRF' rows are SBA components and outright purchases (FCTD) are not arrangements:
the readers leave both out. An arrangement no source dates to the day is left out, logged.

Events in the curated file then act on the latest arrangement of their country and family
approved before them (any, when their day is unknown): an augmentation adds its SDR amount
if it postdates the amount's source (US$-only ones are noted, not added); an extension
moves `expires_on`; a cancellation or lapse sets `ended_on` (empty when the day is unknown,
with the source's words in notes); a suspension sets the status. Each event's page joins
`source_id`. Curated approvals without a Board day cannot have an `approved_on` and are
left out, logged.

Status, as of the vintage (the latest approval or event date in any source: 2026-02-26):
`disbursed` for RFI/RCF (whose `expires_on` is the approval day); else `lapsed`,
`cancelled` or `suspended` from an event or a source's cancellation record; else, when the
end (`ended_on`, else `expires_on`, else a month-precision end) is before the vintage,
`completed` if a source shows completion (fact-base status, every MONA review completed, or
the whole amount drawn in the lending-history table), `off_track` if the fact base says so,
else `expired`. An arrangement whose scheduled end is on or after the vintage, or unknown,
is `active`: no source reports an early end, but that is an assumption for rows whose
newest source is older than the vintage, and the notes give the latest dated report.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from riskscore.ingest import arrangement_codes as codes
from riskscore.ingest import arrangement_sources as src
from riskscore.ingest.arrangement_events import apply_events, derive_status
from riskscore.ingest.common import IngestContext, IngestError
from riskscore.ingest.staff_level_agreements import read_staff_level_agreements

log = logging.getLogger(__name__)

# Sources date one Board decision up to a month apart: most gaps are 1-9 days, a few are
# 16-30 days with the same SDR amount (GRD ECF 2010, SLE ECF 2010, LSO SAF 1988). Distinct
# arrangements of one country and family are at least 79 days apart in these sources (HTI
# SBAs 1959), except cancel-and-replace pairs, which one source lists together and the
# one-row-per-source rule keeps apart.
MATCH_WINDOW_DAYS = 31
# Amounts closer than this are the same figure rounded (the 2024-01-31 report rounds GRA
# amounts to whole SDR millions).
AMOUNT_TOLERANCE_SDR_M = 1.0
ADDED_FILE = "imf_arrangements_added.csv"


@dataclass
class Reconciliation:
    """The reconciled table plus what the report needs to account for every input row."""

    arrangements: pl.DataFrame
    membership: pl.DataFrame  # source_key -> arrangement_id
    unmatched_events: pl.DataFrame
    vintage: dt.date
    conflicts: dict[str, int] = field(default_factory=dict)


def build(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """Return the reconciled arrangements and the staff-level agreements."""
    result = reconcile(ctx)
    return {
        "imf_arrangements": result.arrangements,
        "imf_staff_level_agreements": read_staff_level_agreements(ctx),
    }


def reconcile(ctx: IngestContext) -> Reconciliation:
    """Read every source, merge same-day legs, match across sources, apply events, set status."""
    countries = codes.CountryCodes.load(ctx.sources_dir)
    curated, events = src.read_curated_arrangements(ctx)
    parts = [
        curated,
        src.read_fact_programs(ctx, ctx.curated / ADDED_FILE, src.ADDED),
        src.read_qfr_snapshot(ctx, countries),
        src.read_mona(ctx, countries),
        src.read_fact_programs(ctx, ctx.facts_dir / "imf_programs.csv", src.FACTS),
        src.read_lending_1952_2017(ctx, countries),
        src.read_lending_1952_2019(ctx),
    ]
    candidates = merge_same_day_legs(pl.concat(parts))
    matched = match_candidates(candidates)
    vintage = data_vintage(matched, events)
    arrangements, conflicts = resolve(matched)
    arrangements, unmatched = apply_events(arrangements, events)
    arrangements = derive_status(arrangements, vintage)
    check_unique_ids(arrangements)
    membership = (
        matched.join(arrangements.select("cluster", "arrangement_id"), on="cluster")
        .select("source", pl.col("source_key").str.split("+"), "arrangement_id")
        .explode("source_key")
    )
    return Reconciliation(
        arrangements=arrangements.select(TABLE_COLUMNS),
        membership=membership,
        unmatched_events=unmatched,
        vintage=vintage,
        conflicts=conflicts,
    )


TABLE_COLUMNS = [
    "arrangement_id", "iso3", "facility", "instrument_kind", "approved_on", "expires_on",
    "ended_on", "amount_sdr_m", "amount_usd_m", "status", "source_id", "notes",
]  # fmt: skip


# --- within one source: blend legs and same-day duplicates --------------------------------------
def merge_same_day_legs(candidates: pl.DataFrame) -> pl.DataFrame:
    """One row per arrangement within each source.

    Legs a source lists separately on the same day become one row: one GRA leg plus one
    concessional leg is a blend ('EFF/ECF', amounts added); the same facility twice is one
    arrangement whose parts the source split (amounts added). Anything else stays separate
    (e.g. an RSF approved with an ECF is its own arrangement).
    """
    merged: list[dict] = []
    for _, group in candidates.group_by(["source", "iso3", "approved_on"], maintain_order=True):
        by_facility: dict[str, list[dict]] = defaultdict(list)
        for row in group.to_dicts():
            by_facility[row["facility"]].append(row)
        legs = [
            rows[0] if len(rows) == 1 else _combine(rows, rows[0]["facility"], "listed twice")
            for rows in by_facility.values()
        ]
        gra = [r for r in legs if r["facility"] in codes.GRA_FACILITIES]
        concessional = [r for r in legs if r["facility"] in codes.CONCESSIONAL_FACILITIES]
        if len(gra) == 1 and len(concessional) == 1:
            pair = [gra[0], concessional[0]]
            legs = [r for r in legs if r not in pair]
            legs.append(_combine(pair, codes.blend_code([r["facility"] for r in pair]), "blend"))
        merged.extend(legs)
    return pl.DataFrame(merged, schema=src.CANDIDATE_SCHEMA)


def _combine(rows: list[dict], facility: str, how: str) -> dict:
    """Merge rows one source lists for one arrangement; the note keeps each part's amount."""

    def total(column: str) -> float | None:
        values = [r[column] for r in rows if r[column] is not None]
        return sum(values) if values else None

    def latest(column: str) -> dt.date | None:
        values = [r[column] for r in rows if r[column] is not None]
        return max(values) if values else None

    parts = " + ".join(
        f"{r['facility']} {codes.fmt(r['amount_sdr_m'] or r['amount_usd_m'])}" for r in rows
    )
    notes = [n for r in rows for n in (r["notes"] or "").split("; ") if n]
    return rows[0] | {
        "facility": facility,
        "source_key": "+".join(r["source_key"] for r in rows),
        "expires_on": latest("expires_on"),
        "ended_on": latest("ended_on"),
        "amount_sdr_m": total("amount_sdr_m"),
        "amount_usd_m": total("amount_usd_m"),
        "amount_as_of": latest("amount_as_of"),
        "cancelled": any(r["cancelled"] for r in rows),
        "completed": all(r["completed"] for r in rows),
        "off_track": any(r["off_track"] for r in rows),
        "notes": "; ".join(dict.fromkeys([*notes, f"{how} in {rows[0]['source']}: {parts}"])),
    }


# --- across sources -----------------------------------------------------------------------------
def source_rank(source: str) -> int:
    return src.SOURCE_ORDER.index(source)


def date_gap(a_on: dt.date, a_precision: str, b_on: dt.date, b_precision: str) -> int | None:
    """Days between two approval dates if they can be the same Board decision, else None.

    Day dates must be within `MATCH_WINDOW_DAYS`; a month-precision date matches any day
    of its month (ranked as a match at the window's edge).
    """
    if a_precision == "day" and b_precision == "day":
        gap = abs((a_on - b_on).days)
        return gap if gap <= MATCH_WINDOW_DAYS else None
    same_month = (a_on.year, a_on.month) == (b_on.year, b_on.month)
    return MATCH_WINDOW_DAYS if same_month else None


def match_candidates(candidates: pl.DataFrame) -> pl.DataFrame:
    """Add a `cluster` number: rows with the same number are one arrangement.

    Rows are taken in precedence order, so each arrangement is anchored on its best source;
    a row joins the closest-dated anchor of its country that shares a facility family and
    still has a free slot for its source, otherwise it starts a new arrangement. A source
    has one slot per family of the anchor: one row, or one per leg of a blend it lists as
    two arrangements on different days.
    """
    ordered = candidates.with_columns(
        pl.col("source").map_elements(source_rank, pl.Int64).alias("rank")
    ).sort(["rank", "iso3", "approved_on", "facility"])
    anchors: dict[str, list[dict]] = defaultdict(list)
    cluster_of: list[int] = []
    for row in ordered.iter_rows(named=True):
        slots = {(row["source"], family) for family in codes.families(row["facility"])}
        best, best_gap = None, None
        for anchor in anchors[row["iso3"]]:
            shared = {(s, f) for s, f in slots if f in anchor["families"]}
            if not shared or shared & anchor["taken"]:
                continue
            gap = date_gap(
                row["approved_on"], row["approved_precision"], anchor["on"], anchor["precision"]
            )
            if gap is not None and (best_gap is None or gap < best_gap):
                best, best_gap = anchor, gap
        if best is None:
            best = {
                "id": len(cluster_of),
                "families": codes.families(row["facility"]),
                "on": row["approved_on"],
                "precision": row["approved_precision"],
                "taken": set(),
            }
            anchors[row["iso3"]].append(best)
        best["taken"] |= {(s, f) for s, f in slots if f in best["families"]}
        cluster_of.append(best["id"])
    return ordered.with_columns(pl.Series("cluster", cluster_of, dtype=pl.Int64))


# --- one row per arrangement ------------------------------------------------------------------
FIELDS_COMPARED = ["approved_on", "expires_on", "amount_sdr_m"]  # conflicts worth a note


def resolve(matched: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """Collapse each cluster to one row by field precedence; note and count disagreements.

    Clusters with no day-precision approval date are dropped with a warning: `approved_on`
    cannot be empty and a month is not a Board date.
    """
    rows, conflicts = [], {f: 0 for f in FIELDS_COMPARED}
    for _, group in matched.sort(["cluster", "rank"]).group_by("cluster", maintain_order=True):
        members = group.to_dicts()
        dated = [m for m in members if m["approved_precision"] == "day"]
        if not dated:
            log.warning("no Board day for %s; left out", [m["source_key"] for m in members])
            continue
        row, found = _resolve_cluster(members, dated[0])
        for name in found:
            conflicts[name] += 1
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None), conflicts


def _first(members: list[dict], column: str) -> dict | None:
    """The highest-precedence member with a value in `column`."""
    return next((m for m in members if m[column] is not None), None)


def _resolve_cluster(members: list[dict], dated: dict) -> tuple[dict, list[str]]:
    """One arrangement from its matched rows (highest precedence first)."""
    winner = members[0]
    facility, notes = _cluster_facility(members)
    notes += [n for m in members for n in (m["notes"] or "").split("; ") if n]
    # amounts only from rows that list the whole arrangement, not one leg of a blend
    whole = [m for m in members if m["facility"] == facility]
    values = {
        "approved_on": dated,
        "expires_on": _first(members, "expires_on"),
        "ended_on": _first(members, "ended_on"),
        "amount_sdr_m": _first(whole, "amount_sdr_m"),
        "amount_usd_m": _first(whole, "amount_usd_m"),
    }
    sdr = values["amount_sdr_m"]
    if sdr is not None:  # US$ only where no SDR amount is known (the schema's rule)
        values["amount_usd_m"] = None
    for column in ["approved_on", "expires_on", "amount_sdr_m", "amount_usd_m"]:
        holder = values[column]
        if holder is not None and holder is not winner:
            notes.append(f"{column} from {holder['source']}")
    if values["expires_on"] is None:
        notes += [
            f"scheduled end {m['expires_month']} ({m['source']}; day unknown)"
            for m in members
            if m["expires_month"]
        ][:1]
    found = []
    for column in FIELDS_COMPARED:
        holder = values[column]
        pool = whole if column == "amount_sdr_m" else members
        others = [m for m in pool if holder and m is not holder and _differs(column, m, holder)]
        if others:
            found.append(column)
            seen = ", ".join(f"{m['source']} {codes.fmt(m[column])}" for m in others)
            notes.append(
                f"conflict on {column}: kept {holder['source']} {codes.fmt(holder[column])}; {seen}"
            )
    row = {
        "cluster": winner["cluster"],
        "iso3": winner["iso3"],
        "facility": facility,
        "approved_on": dated["approved_on"],
        "expires_on": values["expires_on"]["expires_on"] if values["expires_on"] else None,
        "expires_month": next((m["expires_month"] for m in members if m["expires_month"]), None),
        "ended_on": values["ended_on"]["ended_on"] if values["ended_on"] else None,
        "amount_sdr_m": sdr["amount_sdr_m"] if sdr else None,
        "amount_as_of": sdr["amount_as_of"] if sdr else None,
        "amount_source": sdr["source"] if sdr else None,
        "amount_usd_m": values["amount_usd_m"]["amount_usd_m"] if values["amount_usd_m"] else None,
        "cancelled": any(m["cancelled"] for m in members),
        "completed": any(m["completed"] for m in members),
        "off_track": any(m["off_track"] for m in members),
        "lapsed": False,
        "suspended": False,
        "last_reported_on": max(
            (m["amount_as_of"] for m in members if m["amount_as_of"]), default=None
        ),
        "source_ids": list(dict.fromkeys(m["source_id"] for m in members)),
        "notes": list(dict.fromkeys(notes)),
    }
    return row, found


def _cluster_facility(members: list[dict]) -> tuple[str, list[str]]:
    """The winner's facility, widened to a blend when another source lists the arrangement
    as a blend containing it (a source that lists one leg shows only part of it)."""
    winner = members[0]
    legs = codes.families(winner["facility"])
    wider = [m for m in members if codes.families(m["facility"]) > legs]
    if not wider:
        return winner["facility"], []
    blend = wider[0]
    note = (
        f"facility {blend['facility']} per {blend['source']}; "
        f"{winner['source']} lists {winner['facility']} only"
    )
    return blend["facility"], [note]


def _differs(column: str, member: dict, holder: dict) -> bool:
    """True when a member states a different value (rounding and month dates aside)."""
    value, kept = member[column], holder[column]
    if value is None:
        return False
    if column == "amount_sdr_m":
        return abs(value - kept) > AMOUNT_TOLERANCE_SDR_M
    if column == "approved_on" and member["approved_precision"] != "day":
        return False
    return value != kept


def data_vintage(matched: pl.DataFrame, events: pl.DataFrame) -> dt.date:
    """The latest approval or event date any source reports: the 'as of' of every status."""
    dates = [matched["approved_on"].max(), events["event_on"].max()]
    return max(d for d in dates if d is not None)


def check_unique_ids(arrangements: pl.DataFrame) -> None:
    """Fail when two arrangements share an id (same country, facility and Board day)."""
    dupes = arrangements.filter(pl.col("arrangement_id").is_duplicated())["arrangement_id"]
    if dupes.len():
        raise IngestError(f"imf_arrangements: duplicate arrangement_id {sorted(set(dupes))}")

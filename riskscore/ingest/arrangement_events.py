"""Curated events on matched arrangements, and the status every arrangement ends with.

See the `arrangements` module docstring for the rules; this module applies them to the
resolved rows (plain dicts, one per arrangement).
"""

from __future__ import annotations

import datetime as dt
import logging

import polars as pl

from riskscore import vocab
from riskscore.ingest import arrangement_codes as codes
from riskscore.ingest.common import period_end

log = logging.getLogger(__name__)

# Inputs carry at most 4 decimals; rounding sums to 6 only removes binary float noise.
AMOUNT_DECIMALS = 6
EMERGENCY = "emergency"
NON_LENDING = "non_lending"
# Notes derived from the row itself; the lifecycle revision re-derives them after its changes.
ENDED_AFTER_EXPIRY_NOTE = (
    "ended after the latest scheduled end in the sources (a later extension is not in them)"
)
ACTIVE_NOTE_PREFIX = "active as of "


def event_target(rows: list[dict], event: dict) -> dict | None:
    """The arrangement an event acts on: the latest of its country and facility family
    approved before the event (any date when the event's day is unknown)."""
    event_families = codes.families(event["facility"])
    eligible = [
        r for r in rows
        if r["iso3"] == event["iso3"]
        and codes.families(r["facility"]) & event_families
        and (event["event_on"] is None or r["approved_on"] < event["event_on"])
    ]  # fmt: skip
    return max(eligible, key=lambda r: r["approved_on"], default=None)


def apply_events(
    arrangements: pl.DataFrame, events: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply augmentations, extensions, cancellations, lapses and suspensions.

    Returns the updated arrangements and the events that found no arrangement (with a
    reason), which include approvals whose Board day the curated file does not give.
    """
    rows = arrangements.to_dicts()
    unmatched = []
    for event in events.sort("event_on", nulls_last=True).iter_rows(named=True):
        if event["event"] == "approval":
            unmatched.append(event | {"reason": "approval without a Board day in the source"})
            continue
        target = event_target(rows, event)
        if target is None:
            unmatched.append(
                event | {"reason": "no arrangement of that country and family before it"}
            )
            continue
        on = codes.fmt(event["event_on"]) if event["event_on"] else "a day not in the source"
        note = EVENT_HANDLERS[event["event"]](target, event, on)
        if event["event_on"] is None and event["source_notes"]:
            note += f" (the source says: {event['source_notes'].strip()})"
        target["notes"].append(note)
        target["source_ids"].append(event["source_id"])
        if event["event_on"]:
            target["last_reported_on"] = max(
                filter(None, [target["last_reported_on"], event["event_on"]])
            )
    for event in unmatched:
        log.warning(
            "curated %s %s %s %s: %s",
            event["event"],
            event["iso3"],
            event["facility"],
            event["event_on"],
            event["reason"],
        )
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return frame, pl.DataFrame(unmatched, infer_schema_length=None)


def _augment(row: dict, event: dict, on: str) -> str:
    """Add an augmentation to the amount unless the amount's source already includes it."""
    sdr, usd = event["amount_sdr_m"], event["amount_usd_m"]
    already = event["event_on"] and row["amount_as_of"] and event["event_on"] <= row["amount_as_of"]
    if already:
        return f"augmentation of {on} already in the {row['amount_source']} amount"
    if sdr is not None and row["amount_sdr_m"] is not None:
        row["amount_sdr_m"] += sdr
        return f"augmented on {on} by SDR {codes.fmt(sdr)}m (added)"
    if usd is not None and row["amount_sdr_m"] is None and row["amount_usd_m"] is not None:
        row["amount_usd_m"] += usd
        return f"augmented on {on} by US${codes.fmt(usd)}m (added)"
    if sdr is None and usd is None:
        return f"augmented on {on} (amount not in the source; not added)"
    stated = f"SDR {codes.fmt(sdr)}m" if sdr is not None else f"US${codes.fmt(usd)}m"
    return (
        f"augmented on {on} by {stated} (not added: the base amount is in another unit or unknown)"
    )


def _extend(row: dict, event: dict, on: str) -> str:
    before = row["expires_on"]
    row["expires_on"] = event["new_end_on"] or before
    if before == row["expires_on"]:
        return f"extended on {on} to {codes.fmt(before)} (the end the sources already give)"
    return f"extended on {on} to {codes.fmt(event['new_end_on'])} (was {codes.fmt(before)})"


def _cancel(row: dict, event: dict, on: str) -> str:
    row["cancelled"] = True
    row["ended_on"] = event["event_on"] or row["ended_on"]
    return f"cancelled on {on}"


def _lapse(row: dict, event: dict, on: str) -> str:
    row["lapsed"] = True
    row["ended_on"] = event["event_on"] or row["ended_on"]
    return f"lapsed on {on} (reviews abandoned or not completed in time)"


def _suspend(row: dict, event: dict, on: str) -> str:
    row["suspended"] = True
    return f"suspended on {on}"


EVENT_HANDLERS = {
    "augmentation": _augment,
    "extension": _extend,
    "cancellation": _cancel,
    "lapse": _lapse,
    "suspension": _suspend,
}


# --- status and the final columns ------------------------------------------------------------
def derive_status(arrangements: pl.DataFrame, vintage: dt.date) -> pl.DataFrame:
    """Add instrument_kind, status, arrangement_id and the joined source_id / notes."""
    rows = []
    for row in arrangements.to_dicts():
        kind = vocab.FACILITY_KIND[row["facility"]]
        notes = row["notes"]
        if kind == NON_LENDING:
            if row["amount_sdr_m"] or row["amount_usd_m"]:
                access = codes.fmt(row["amount_sdr_m"])
                notes.append(
                    f"non-financing instrument: the source's access {access} is that of a "
                    "concurrent facility; not kept"
                )
            row["amount_sdr_m"] = row["amount_usd_m"] = None
        if kind == EMERGENCY:
            row["expires_on"] = row["approved_on"]  # disbursed at approval; nothing scheduled after
        if row["ended_on"] and row["expires_on"] and row["ended_on"] > row["expires_on"]:
            notes.append(ENDED_AFTER_EXPIRY_NOTE)
        status = _status(row, kind, vintage)
        if status == "active":
            reported = codes.fmt(row["last_reported_on"])
            notes.append(
                f"{ACTIVE_NOTE_PREFIX}{vintage}: no source reports an end "
                f"(latest dated report {reported})"
            )
        rows.append(
            row
            | {
                "arrangement_id": f"{row['iso3']}-{row['facility']}-{row['approved_on']}",
                "instrument_kind": kind,
                "status": status,
                "amount_sdr_m": _round(row["amount_sdr_m"]),
                "amount_usd_m": _round(row["amount_usd_m"]),
                "source_id": ";".join(dict.fromkeys(row["source_ids"])),
                "notes": "; ".join(dict.fromkeys(notes)) or None,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


def _round(amount: float | None) -> float | None:
    """Drop the float noise that adding legs and augmentations leaves."""
    return None if amount is None else round(amount, AMOUNT_DECIMALS)


def _status(row: dict, kind: str, vintage: dt.date) -> str:
    if kind == EMERGENCY:
        return "disbursed"
    for flag, status in [
        ("lapsed", "lapsed"),
        ("cancelled", "cancelled"),
        ("suspended", "suspended"),
    ]:
        if row[flag]:
            return status
    end = row["ended_on"] or row["expires_on"]
    if end is None and row["expires_month"]:
        end = period_end(row["expires_month"])[0]  # a month-precision end counts from its last day
    if end is None or end >= vintage:
        return "active"
    if row["completed"]:
        return "completed"
    return "off_track" if row["off_track"] else "expired"

"""One consistent life per arrangement: imf_arrangement_events, and imf_arrangements made to agree.

Input: `datasets/curated/imf_arrangement_events.csv`, research on how arrangements were
approved, augmented, extended and ended (one source per row; month-precision dates written
`YYYY-MM`, stored at the month's last day as everywhere in the package). It names
arrangements by their corrected ids.

Per arrangement, with its events in date order (undated ones last):

- approval: a Board day that differs from `approved_on` corrects it, and the id with it
  (the reviews follow); its amount starts the amount history.
- augmentation / reduction: `amount_sdr_m` = `amount_sdr_m_after` of the latest one (kept,
  and noted, when the latest states no amount).
- extension: `expires_on` = the latest `new_expires_on`, unless the sources already give a
  later end (kept and noted: a further extension the research did not find).
- cancellation, lapse, replacement: the latest ends the arrangement. `ended_on` = its day
  (replacement: the successor's approval day; a month-precision end: the month's last day,
  or empty when that would pass the scheduled end; undated: empty, the day being unknown);
  status cancelled, lapsed or replaced (completed stays completed); `replaced_by` = the
  successor. Any other `ended_on` the sources gave is dropped: research found the end
  (except that a cancellation or lapse the sources record, on or before the successor's
  approval, stands: the replacement then only names the successor).
  A successor approved after the scheduled end did not replace anything: the arrangement
  expired first (unless an extension to an unknown end is recorded).
- expiry: it ran to its scheduled end, so it has no early end (`ended_on` empty).
- an extension whose new end research did not find leaves `expires_on` a lower bound: the
  arrangement may end, and its reviews complete, after it.
- otherwise an `ended_on` earlier than a later dated extension, augmentation or completion
  is dropped (the arrangement evidently went on).
- status then follows the end: active while in force on the vintage (suspended after a
  suspension), else completed after a completion (or if the sources said so), else kept
  when a source recorded a cancellation or lapse with its day, else expired.
- component_end: noted only (one leg of a blend ended; the arrangement went on).

Then overlaps: where an arrangement of the same country and facility family was approved
while another was in force, and no event links the two, the earlier one is recorded as
replaced by the later: an inferred replacement citing the successor's approval source, at
confidence medium. Emergency financing (RFI/RCF) is outright and never overlaps.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from riskscore import vocab
from riskscore.ingest import arrangement_codes as codes
from riskscore.ingest.arrangement_events import ACTIVE_NOTE_PREFIX, ENDED_AFTER_EXPIRY_NOTE
from riskscore.ingest.arrangements import MATCH_WINDOW_DAYS
from riskscore.ingest.common import IngestContext, IngestError, period_end, read_csv_text
from riskscore.ingest.row_edits import NOTE_SEPARATOR

FILE = "imf_arrangement_events.csv"
COLUMNS = [
    "arrangement_id", "event", "event_on", "date_precision", "new_expires_on",
    "amount_sdr_m_after", "replaced_by", "source_id", "confidence", "notes",
]  # fmt: skip
AMOUNT_EVENTS = {"augmentation", "reduction"}
CONTINUING_EVENTS = {"extension", "augmentation", "reduction", "completion"}
INFERRED_NOTE = "replacement inferred from the successor's approval"
SOURCED_ENDS = ("cancelled", "lapsed")  # statuses a source records with the end day
INFERRED_CONFIDENCE = "medium"


def revise(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """The events table, the arrangements made consistent with it, reviews under final ids."""
    arrangements = _rows(ctx.tables["imf_arrangements"])
    events = read_events(ctx)
    renamed = correct_approvals(arrangements, events)
    _check_references(arrangements, events)
    vintage = max(
        [a["approved_on"] for a in arrangements.values()]
        + [e["event_on"] for e in events if e["event_on"]]
    )
    by_arrangement: dict[str, list[dict]] = {}
    for event in sorted(events, key=_event_order):
        by_arrangement.setdefault(event["arrangement_id"], []).append(event)
    for arrangement_id, own in by_arrangement.items():
        settle(arrangements[arrangement_id], own, arrangements, vintage)
    events += infer_replacements(arrangements, by_arrangement, vintage)
    reviews = ctx.tables["imf_reviews"].with_columns(pl.col("arrangement_id").replace(renamed))
    return {
        "imf_arrangements": _frame(arrangements, ctx.tables["imf_arrangements"]),
        "imf_arrangement_events": pl.DataFrame(
            [{c: e[c] for c in COLUMNS} for e in sorted(events, key=_table_order)],
            schema=EVENT_SCHEMA,
        ),
        "imf_reviews": reviews,
    }


EVENT_SCHEMA = {
    "arrangement_id": pl.String, "event": pl.String, "event_on": pl.Date,
    "date_precision": pl.String, "new_expires_on": pl.Date, "amount_sdr_m_after": pl.Float64,
    "replaced_by": pl.String, "source_id": pl.String, "confidence": pl.String,
    "notes": pl.String,
}  # fmt: skip


# --- reading ------------------------------------------------------------------------------------
def read_events(ctx: IngestContext) -> list[dict]:
    """The curated events, typed and checked against the vocabularies."""
    path = ctx.curated / FILE
    frame = read_csv_text(path)
    if frame.columns != COLUMNS:
        raise IngestError(f"{path}: columns {frame.columns} differ from expected {COLUMNS}")
    return [_event(row, line) for line, row in enumerate(frame.iter_rows(named=True), start=2)]


def _event(row: dict, line: int) -> dict:
    where = f"{FILE}:{line}: {row['arrangement_id']} {row['event']}"
    text = {k: (v or "").strip() for k, v in row.items()}
    if text["event"] not in vocab.ARRANGEMENT_EVENTS:
        raise IngestError(f"{where}: event not in {vocab.ARRANGEMENT_EVENTS}")
    if text["confidence"] not in vocab.CONFIDENCE:
        raise IngestError(f"{where}: confidence {text['confidence']!r} not in {vocab.CONFIDENCE}")
    if not text["source_id"]:
        raise IngestError(f"{where}: no source_id")
    event_on, precision = _date(text["event_on"], where)
    if (text["date_precision"] or None) != precision:
        raise IngestError(
            f"{where}: event_on {text['event_on']!r} has precision {precision}, "
            f"row says {text['date_precision']!r}"
        )
    try:
        amount = float(text["amount_sdr_m_after"]) if text["amount_sdr_m_after"] else None
    except ValueError as err:
        raise IngestError(f"{where}: amount_sdr_m_after is not a number") from err
    return {
        **{k: v or None for k, v in text.items()},
        "event_on": event_on,
        "date_precision": precision,
        "new_expires_on": _date(text["new_expires_on"], where)[0],
        "amount_sdr_m_after": amount,
    }


def _date(text: str, where: str) -> tuple[dt.date | None, str | None]:
    if not text:
        return None, None
    try:
        day, precision = period_end(text)
    except ValueError as err:
        raise IngestError(f"{where}: {err}") from err
    if precision == "year":
        raise IngestError(f"{where}: a year is not precise enough ({text!r})")
    return day, precision


def _check_references(arrangements: dict[str, dict], events: list[dict]) -> None:
    for event in events:
        for column in ("arrangement_id", "replaced_by"):
            value = event[column]
            if value is not None and value not in arrangements:
                raise IngestError(
                    f"{FILE}: {event['arrangement_id']} {event['event']}: {column} {value} "
                    "is not in imf_arrangements"
                )


# --- approvals ----------------------------------------------------------------------------------
def correct_approvals(arrangements: dict[str, dict], events: list[dict]) -> dict[str, str]:
    """Rename arrangements whose approval event gives another Board day; returns old -> new id.

    The curated file names the arrangement by its corrected id; the built one is found by
    country, facility and an approval date within the matching window.
    """
    renamed = {}
    for event in events:
        if event["event"] != "approval" or event["event_on"] is None:
            continue
        target = event["arrangement_id"]
        if target in arrangements:
            if arrangements[target]["approved_on"] != event["event_on"]:
                raise IngestError(
                    f"{FILE}: approval of {target} on {event['event_on']}: name the "
                    "arrangement by its corrected id (ISO3-FACILITY-DAY)"
                )
            continue
        iso3, facility = target.split("-")[0], target.split("-", 1)[1].rsplit("-", 3)[0]
        built = [
            a for a in arrangements.values()
            if a["iso3"] == iso3 and a["facility"] == facility
            and abs((a["approved_on"] - event["event_on"]).days) <= MATCH_WINDOW_DAYS
        ]  # fmt: skip
        if len(built) != 1:
            raise IngestError(
                f"{FILE}: approval {target}: {len(built)} built arrangements of {iso3} "
                f"{facility} lie within {MATCH_WINDOW_DAYS} days of {event['event_on']}"
            )
        old = built[0]
        del arrangements[old["arrangement_id"]]
        _note(
            old,
            f"approved_on corrected from {old['approved_on']} to {event['event_on']} "
            f"({event['source_id']})",
        )
        renamed[old["arrangement_id"]] = target
        old |= {"arrangement_id": target, "approved_on": event["event_on"]}
        for source_id in event["source_id"].split(";"):
            old["source_id"] = _with_source(old["source_id"], source_id)
        arrangements[target] = old
    return renamed


# --- one arrangement ----------------------------------------------------------------------------
def settle(row: dict, events: list[dict], arrangements: dict[str, dict], vintage: dt.date) -> None:
    """Make one arrangement row agree with its events (see the module docstring)."""
    for event in events:
        for source_id in event["source_id"].split(";"):
            row["source_id"] = _with_source(row["source_id"], source_id)
    _drop_derived_notes(row)
    _settle_amount(row, [e for e in events if e["event"] in AMOUNT_EVENTS])
    _settle_expiry(row, [e for e in events if e["event"] == "extension"])
    kinds = {e["event"] for e in events}
    ends = [e for e in events if e["event"] in vocab.END_EVENT_STATUS]
    completed = "completion" in kinds or row["status"] == "completed"
    successor = next((e["replaced_by"] for e in reversed(events) if e["replaced_by"]), None)
    if successor:
        row["replaced_by"] = successor
    if ends and _after_expiry(row, ends[-1], arrangements, events):
        _drop_end(row, f"its successor was approved after its scheduled end {row['expires_on']}")
        row["status"] = _ran_out(row, completed)
    elif ends:
        _end(row, ends[-1], arrangements, completed)
    elif "expiry" in kinds:
        _drop_end(row, "the research found it ran to its scheduled end")
        row["status"] = _ran_out(row, completed)
    else:
        continuing = [e["event_on"] for e in events if e["event"] in CONTINUING_EVENTS]
        if row["ended_on"] and any(d and d > row["ended_on"] for d in continuing):
            _drop_end(row, "a later extension, augmentation or completion shows it went on")
        row["status"] = _status(row, "suspension" in kinds, completed, vintage)
    if "component_end" in kinds:
        _note(row, "one leg ended early (see imf_arrangement_events); the arrangement went on")
    _add_derived_notes(row, vintage)


def _settle_amount(row: dict, events: list[dict]) -> None:
    if not events:
        return
    latest = events[-1]
    amount = latest["amount_sdr_m_after"]
    on = latest["event_on"] or "a day not in the source"
    if amount is None:
        _note(row, f"{latest['event']} of {on}: amount after it not in the source; amount kept")
    elif row["amount_sdr_m"] is None or abs(row["amount_sdr_m"] - amount) > 1e-9:
        was = "empty" if row["amount_sdr_m"] is None else f"{row['amount_sdr_m']:g}"
        _note(row, f"amount_sdr_m {amount:g} after the {latest['event']} of {on} (sources: {was})")
        row["amount_sdr_m"] = amount
        row["amount_usd_m"] = None  # US$ only where no SDR amount is known


def _settle_expiry(row: dict, events: list[dict]) -> None:
    dated = [e for e in events if e["new_expires_on"]]
    if not dated:
        if events:
            _note(row, "extended (new end not in the source; scheduled end kept)")
        return
    new = dated[-1]["new_expires_on"]
    current = row["expires_on"]
    if current is not None and current > new:
        _note(row, f"extended to {new} per research; the sources' later end {current} kept")
    elif current != new:
        _note(row, f"expires_on {new} after the extension (sources: {current or 'empty'})")
        row["expires_on"] = new


def open_extension(events: list[dict]) -> bool:
    """True when the latest extension (events in date order) has no known new end."""
    extensions = [e for e in events if e["event"] == "extension"]
    return bool(extensions) and extensions[-1]["new_expires_on"] is None


def _after_expiry(
    row: dict, event: dict, arrangements: dict[str, dict], events: list[dict]
) -> bool:
    """A replacement whose successor came after the scheduled end (no open extension)."""
    if event["event"] != "replacement" or row["expires_on"] is None or open_extension(events):
        return False
    successor = arrangements.get(event["replaced_by"] or "")
    return successor is not None and successor["approved_on"] > row["expires_on"]


def _end(row: dict, event: dict, arrangements: dict[str, dict], completed: bool) -> None:
    kind = event["event"]
    if kind == "replacement":
        successor = arrangements[event["replaced_by"]] if event["replaced_by"] else None
        if successor is None:
            raise IngestError(f"{FILE}: replacement of {row['arrangement_id']} names no successor")
        ended_on = successor["approved_on"]
        if row["status"] in SOURCED_ENDS and row["ended_on"] and row["ended_on"] <= ended_on:
            return  # a source recorded how it ended, by the successor's day: that stands
    elif (
        event["date_precision"] == "month"
        and row["expires_on"]
        and (event["event_on"] > row["expires_on"])
    ):
        ended_on = None  # ended in the month it was due to end anyway: no early end
    else:
        ended_on = event["event_on"]
    if row["ended_on"] is not None and ended_on is None:
        _drop_end(row, f"research found the {kind} but not its day")
    elif row["ended_on"] not in (None, ended_on):
        _note(row, f"ended_on {ended_on} ({kind}); the sources gave {row['ended_on']}")
    row["ended_on"] = ended_on
    status = vocab.END_EVENT_STATUS[kind]
    row["status"] = "completed" if completed and kind == "replacement" else status


def _drop_end(row: dict, why: str) -> None:
    if row["ended_on"] is not None:
        _note(row, f"ended_on {row['ended_on']} of the sources dropped: {why}")
        row["ended_on"] = None


def _status(row: dict, suspended: bool, completed: bool, vintage: dt.date) -> str:
    if row["instrument_kind"] == "emergency":
        return "disbursed"
    end = row["ended_on"] or row["expires_on"]
    if end is None and completed:
        return "completed"  # its final review is done; only the scheduled end is unknown
    if end is None or end >= vintage:
        return "suspended" if suspended else "active"
    if completed:
        return "completed"
    if row["status"] in SOURCED_ENDS and row["ended_on"] is not None:
        return row["status"]
    return _ran_out(row, completed)


def _ran_out(row: dict, completed: bool) -> str:
    """Status of an arrangement that reached its scheduled end."""
    if completed:
        return "completed"
    return "off_track" if row["status"] == "off_track" else "expired"


# --- overlaps -----------------------------------------------------------------------------------
def infer_replacements(
    arrangements: dict[str, dict], events: dict[str, list[dict]], vintage: dt.date
) -> list[dict]:
    """Record, as replaced, an arrangement still in force when a same-family successor was
    approved; returns the inferred events (already applied)."""
    inferred = []
    rows = sorted(
        (a for a in arrangements.values() if a["instrument_kind"] != "emergency"),
        key=lambda a: (a["iso3"], a["approved_on"], a["arrangement_id"]),
    )
    for i, old in enumerate(rows):
        end = old["ended_on"] or old["expires_on"]
        if end is None:
            continue
        successor = next(
            (
                new for new in rows[i + 1 :]
                if new["iso3"] == old["iso3"]
                and new["approved_on"] > old["approved_on"]
                and new["approved_on"] <= end
                and codes.families(new["facility"]) & codes.families(old["facility"])
            ),
            None,
        )  # fmt: skip
        if successor is None or old.get("replaced_by") == successor["arrangement_id"]:
            continue
        event = {
            "arrangement_id": old["arrangement_id"],
            "event": "replacement",
            "event_on": successor["approved_on"],
            "date_precision": "day",
            "new_expires_on": None,
            "amount_sdr_m_after": None,
            "replaced_by": successor["arrangement_id"],
            "source_id": successor["source_id"].split(";")[0],
            "confidence": INFERRED_CONFIDENCE,
            "notes": (
                f"{INFERRED_NOTE}: {successor['arrangement_id']} was approved while this one "
                f"was in force (to {end})"
            ),
        }
        own = sorted([*events.get(old["arrangement_id"], []), event], key=_event_order)
        settle(old, own, arrangements, vintage)
        inferred.append(event)
    return inferred


# --- rows and notes -----------------------------------------------------------------------------
def _rows(frame: pl.DataFrame) -> dict[str, dict]:
    rows = frame.to_dicts()
    for row in rows:
        row.setdefault("replaced_by", None)
    return {r["arrangement_id"]: r for r in rows}


def _frame(arrangements: dict[str, dict], built: pl.DataFrame) -> pl.DataFrame:
    columns = [*built.columns, *(["replaced_by"] if "replaced_by" not in built.columns else [])]
    schema = {**built.schema, "replaced_by": pl.String}
    rows = sorted(arrangements.values(), key=lambda r: r["arrangement_id"])
    return pl.DataFrame([{c: r[c] for c in columns} for r in rows], schema=schema)


def _note(row: dict, note: str) -> None:
    parts = [p for p in (row["notes"] or "").split(NOTE_SEPARATOR) if p]
    if note not in parts:
        parts.append(note)
    row["notes"] = NOTE_SEPARATOR.join(parts)


def _drop_derived_notes(row: dict) -> None:
    parts = [p for p in (row["notes"] or "").split(NOTE_SEPARATOR) if p]
    kept = [
        p for p in parts if p != ENDED_AFTER_EXPIRY_NOTE and not p.startswith(ACTIVE_NOTE_PREFIX)
    ]
    row["notes"] = NOTE_SEPARATOR.join(kept) or None


def _add_derived_notes(row: dict, vintage: dt.date) -> None:
    if row["ended_on"] and row["expires_on"] and row["ended_on"] > row["expires_on"]:
        _note(row, ENDED_AFTER_EXPIRY_NOTE)
    if row["status"] in ("active", "suspended"):
        _note(row, f"{ACTIVE_NOTE_PREFIX}{vintage}: no source reports an end")


def _with_source(ids: str, source_id: str) -> str:
    current = [i for i in ids.split(";") if i]
    return ";".join(current if source_id in current else [*current, source_id])


def _event_order(event: dict) -> tuple:
    return (event["event_on"] is None, event["event_on"] or dt.date.min)


def _table_order(event: dict) -> tuple:
    return (event["arrangement_id"], *_event_order(event), event["event"])

"""imf_staff_level_agreements.csv from the curated 2021-2026 file.

A staff-level agreement is not an approval: the Executive Board still has to act. The
source's free-text facility and stage ("EFF review 1 + new RSF") become one row per
facility and stage ('new arrangement' or 'review N').
"""

from __future__ import annotations

import logging
import re

import polars as pl

from riskscore.ingest.arrangement_codes import (
    STANDALONE_FACILITIES,
    blend_code,
    facility_legs,
    fix_iso3,
    parse_day,
)
from riskscore.ingest.common import IngestContext, read_csv_text

log = logging.getLogger(__name__)

SLA_COLUMNS = ["iso3", "facility", "announced_on", "stage", "amount_usd_m", "source_id", "notes"]


def sla_components(facility_text: str) -> list[str]:
    """Facilities one staff-level agreement covers, main one first.

    'EFF/ECF+RSF' -> ['EFF/ECF', 'RSF']; 'PCI/SCF/RSF' -> ['SCF', 'PCI', 'RSF'].
    """
    legs = facility_legs(re.sub(r"\(\d{4}\)|\+", "/", facility_text))
    lending = [leg for leg in legs if leg not in STANDALONE_FACILITIES]
    standalone = [leg for leg in legs if leg in STANDALONE_FACILITIES]
    return ([blend_code(lending)] if lending else []) + standalone


def sla_stages(stage_text: str, components: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(facility, stage) pairs an agreement's stage text names, plus notes on the rest.

    'EFF review 1 + new RSF' -> [('EFF', 'review 1'), ('RSF', 'new arrangement')];
    'reviews 1+2 and augmentation' -> [(main, 'review 1'), (main, 'review 2')], ['augmentation'].
    A review clause naming no facility is the main one's; a 'new' clause naming none covers
    every facility no other clause names. A clause with no review number that is not 'new'
    becomes a note (so a row may yield no pair; the caller drops it).
    """
    clauses = re.split(r"\s+\+\s+|\s+and\s+", stage_text.strip())

    def named(clause: str) -> str | None:
        codes = set(re.findall(r"\b[A-Z]{3}\b", clause))
        return next((c for c in components if codes & set(facility_legs(c))), None)

    unnamed = [c for c in components if c not in {named(clause) for clause in clauses}]
    pairs, notes = [], []
    for clause in clauses:
        facility = named(clause)
        body = re.sub(r"\b[A-Z]{3}\b", "", clause).strip()
        notes += re.findall(r"\((.*?)\)", body)
        if body.startswith("new"):
            pairs += [(f, "new arrangement") for f in ([facility] if facility else unnamed)]
        elif re.match(r"^reviews? \d", body):
            numbers = re.findall(r"\d+", body.split("(")[0])
            pairs += [(facility or components[0], f"review {n}") for n in numbers]
        else:
            notes.append(body)
    return pairs, notes


def read_staff_level_agreements(ctx: IngestContext) -> pl.DataFrame:
    """Staff-level agreements (curated file), one row per facility and stage they cover.

    An agreement covering several stages or facilities keeps its reported US$ amount only in
    notes (the source does not split it). Rows without an announcement day or a stage
    number are dropped with a logged list.
    """
    path = ctx.sources_dir / "imf_arrangements_2021_2026_curated" / "staff_level_agreements.csv"
    rows, dropped = [], []
    for r in read_csv_text(path).iter_rows(named=True):
        announced_on = parse_day(r["announced_on"])
        components = sla_components(r["facility"])
        pairs, extra = sla_stages(r["review_no_or_new"], components)
        label = f"{r['country_iso3']} {r['facility']} {r['review_no_or_new']!r}"
        if announced_on is None or not pairs:
            dropped.append(
                f"{label} ({'no announcement day' if announced_on is None else 'no stage'})"
            )
            continue
        amount = float(r["amount_usd_m"]) if r["amount_usd_m"] else None
        notes = [f"stage in source: {r['review_no_or_new']}; facility in source: {r['facility']}"]
        notes += extra
        if amount is not None and len(pairs) > 1:
            notes.append(f"US${amount:g}m reported for the whole agreement")
        if r["notes"]:
            notes.append(r["notes"].strip())
        for facility, stage in pairs:
            rows.append(
                {
                    "iso3": fix_iso3(r["country_iso3"].strip()),
                    "facility": facility,
                    "announced_on": announced_on,
                    "stage": stage,
                    "amount_usd_m": amount if len(pairs) == 1 else None,
                    "source_id": ctx.web_source(r["source_url"]),
                    "notes": "; ".join(notes),
                }
            )
    if dropped:
        log.warning("%s: %d agreements left out: %s", path.name, len(dropped), "; ".join(dropped))
    return pl.DataFrame(
        rows, schema_overrides={"announced_on": pl.Date, "amount_usd_m": pl.Float64}
    )

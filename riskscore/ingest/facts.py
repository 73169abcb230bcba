"""crypto_actions.csv and imf_crypto_responses.csv from the sourced fact base.

The facts (country, date, type, status, amounts, source, caveats) come from ../shared/facts.
The words are ours: each row's description (and a response's condition summary) comes from
datasets/curated/*_curation.csv, which also normalises an action's magnitude and states its
scope. Rows sourced later by another helper go in datasets/curated/*_added.csv, with exactly
the fact base's columns and descriptions already in our words.

A response's channel (program, surveillance or policy) follows the rule in channels.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from riskscore import vocab
from riskscore.ingest.channels import with_channel
from riskscore.ingest.common import IngestContext, IngestError, period_end, read_csv_text
from riskscore.ingest.magnitudes import is_stated
from riskscore.schemas import TABLES

ACTIONS = "crypto_actions"
RESPONSES = "imf_crypto_responses"

# The fact base's columns, in its order; an added file must have exactly these.
FACT_COLUMNS: dict[str, list[str]] = {
    ACTIONS: [
        "action_id", "country_iso3", "country_name", "date", "date_precision", "action_type",
        "policy_direction", "description", "magnitude", "status", "source_url",
        "source_publisher", "source_date", "confidence", "notes",
    ],
    RESPONSES: [
        "response_id", "country_iso3", "country_name", "date", "date_precision",
        "response_type", "stance", "description", "quoted_condition_summary", "linked_action",
        "linked_action_ids", "source_url", "confidence", "notes",
    ],
}  # fmt: skip
CURATION_COLUMNS: dict[str, list[str]] = {
    ACTIONS: [
        "action_id", "description", "magnitude", "magnitude_unit", "reported_holdings_btc",
        "scope", "curation_note",
    ],
    RESPONSES: ["response_id", "description", "condition_summary", "curation_note"],
}  # fmt: skip
KEYS = {ACTIONS: "action_id", RESPONSES: "response_id"}

# Added rows without a curation row: an added source is about a national government unless a
# curation row says otherwise (sub-national actors are the exception in the fact base).
DEFAULT_SCOPE = "national"

LIST_SEPARATOR = ";"


def build(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """Both tables, checked against the vocabularies, the curation and the arrangements."""
    arrangements = _required_arrangements(ctx)
    slas = ctx.tables.get("imf_staff_level_agreements")
    action_facts = read_facts(ctx, ACTIONS)
    response_facts = read_facts(ctx, RESPONSES)
    actions = actions_table(ctx, action_facts, read_curation(ctx, ACTIONS, action_facts))
    responses = responses_table(
        ctx, response_facts, read_curation(ctx, RESPONSES, response_facts), actions
    )
    return {ACTIONS: actions, RESPONSES: with_channel(responses, arrangements, slas)}


# --- reading ----------------------------------------------------------------------------------
def _required_arrangements(ctx: IngestContext) -> pl.DataFrame:
    """ctx.tables['imf_arrangements'], or an IngestError: channels cannot be told without it."""
    frame = ctx.tables.get("imf_arrangements")
    if frame is None or frame.is_empty():
        raise IngestError(
            "facts: imf_arrangements is missing or empty; run the 'arrangements' module before "
            "'facts' (response channels depend on which arrangement was in force)"
        )
    return frame


def read_facts(ctx: IngestContext, table: str) -> pl.DataFrame:
    """The fact base's rows plus any added rows, with an is_added flag; ids must be unique."""
    shared = _read_exact(ctx.facts_dir / f"{table}.csv", FACT_COLUMNS[table])
    frames = [shared.with_columns(is_added=pl.lit(False))]
    added_path = ctx.curated / f"{table}_added.csv"
    if added_path.exists():
        added = _read_exact(added_path, FACT_COLUMNS[table])
        frames.append(added.with_columns(is_added=pl.lit(True)))
    facts = pl.concat(frames)
    _require_unique(facts, KEYS[table], f"{table} facts (fact base + {added_path.name})")
    return facts


def read_curation(ctx: IngestContext, table: str, facts: pl.DataFrame) -> pl.DataFrame:
    """The curation rows, one per fact-base row (optional for added rows), none for unknown ids."""
    path = ctx.curated / f"{table}_curation.csv"
    curation = _read_exact(path, CURATION_COLUMNS[table])
    key = KEYS[table]
    _require_unique(curation, key, path.name)
    unknown = sorted(set(curation[key]) - set(facts[key]))
    if unknown:
        raise IngestError(f"{path.name}: curation for id(s) not in the facts: {unknown}")
    needed = facts.filter(~pl.col("is_added"))[key]
    missing = sorted(set(needed) - set(curation[key]))
    if missing:
        raise IngestError(f"{path.name}: no curation row for fact-base id(s) {missing}")
    return curation


def _read_exact(path: Path, columns: list[str]) -> pl.DataFrame:
    """A CSV as text whose header is exactly columns (same names, same order)."""
    frame = read_csv_text(path)
    if frame.columns != columns:
        raise IngestError(f"{path}: columns {frame.columns} differ from expected {columns}")
    return frame


def _require_unique(frame: pl.DataFrame, key: str, what: str) -> None:
    duplicated = frame.filter(pl.col(key).is_duplicated())[key].unique().sort().to_list()
    if duplicated:
        raise IngestError(f"{what}: duplicate {key}(s) {duplicated}")


# --- actions ----------------------------------------------------------------------------------
def actions_table(ctx: IngestContext, facts: pl.DataFrame, curation: pl.DataFrame) -> pl.DataFrame:
    """crypto_actions rows in the contract's columns and types."""
    curated = {row["action_id"]: row for row in curation.iter_rows(named=True)}
    rows = [
        action_row(ctx, fact, curated.get(fact["action_id"]))
        for fact in facts.iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=_contract_schema(ACTIONS), orient="row")


def action_row(ctx: IngestContext, fact: dict, curation: dict | None) -> dict:
    """One action: dates at period end, direction checked, our description, checked magnitude."""
    action_id = fact["action_id"]
    announced_on, precision = _dated(fact, action_id)
    expected = _implied(
        action_id, fact, "action_type", "policy_direction", vocab.ACTION_TYPE_DIRECTION,
        "vocab.ACTION_TYPE_DIRECTION",
    )  # fmt: skip
    magnitude, unit, holdings = curated_magnitude(fact, curation)
    return {
        "action_id": action_id,
        "iso3": fact["country_iso3"],
        "announced_on": announced_on,
        "date_precision": precision,
        "action_type": fact["action_type"],
        "direction": expected,
        "status": fact["status"],
        "scope": _scope(fact, curation),
        "magnitude": magnitude,
        "magnitude_unit": unit,
        "magnitude_text": _text(fact["magnitude"]),
        "reported_holdings_btc": holdings,
        "description": _our_text(action_id, fact, curation, "description", "description"),
        "confidence": fact["confidence"],
        "source_id": ctx.web_source(
            _required(fact, "source_url", action_id), fact["source_publisher"], fact["source_date"]
        ),
        "notes": _text(fact["notes"]),
    }


def curated_magnitude(
    fact: dict, curation: dict | None
) -> tuple[float | None, str | None, float | None]:
    """(magnitude, unit, reported_holdings_btc) from the curation row, each found in the facts.

    The magnitude must be written in the fact's magnitude or description (in some scale); the
    holdings, a figure a source reports alongside, may also come from the fact's notes.
    """
    action_id = fact["action_id"]
    if curation is None:
        return None, None, None
    magnitude = _number(curation["magnitude"], action_id, "magnitude")
    unit = _text(curation["magnitude_unit"])
    if (magnitude is None) != (unit is None):
        raise IngestError(f"{action_id}: curated magnitude and magnitude_unit must come together")
    if unit is not None and unit not in vocab.MAGNITUDE_UNITS:
        raise IngestError(f"{action_id}: magnitude_unit {unit!r} not in vocab.MAGNITUDE_UNITS")
    if magnitude is not None and not is_stated(
        magnitude, unit, fact["magnitude"], fact["description"]
    ):
        raise IngestError(
            f"{action_id}: curated magnitude {magnitude:g} {unit} is not stated in the fact's "
            f"magnitude {fact['magnitude']!r} or description"
        )
    holdings = _number(curation["reported_holdings_btc"], action_id, "reported_holdings_btc")
    if holdings is not None and not is_stated(
        holdings, "BTC", fact["magnitude"], fact["description"], fact["notes"]
    ):
        raise IngestError(
            f"{action_id}: curated reported_holdings_btc {holdings:g} is not stated in the fact's "
            "magnitude, description or notes"
        )
    return magnitude, unit, holdings


def _scope(fact: dict, curation: dict | None) -> str:
    scope = _text(curation["scope"]) if curation else None
    if scope is None:
        if not fact["is_added"]:
            raise IngestError(f"{fact['action_id']}: curation row has no scope")
        scope = DEFAULT_SCOPE
    if scope not in vocab.ACTION_SCOPES:
        raise IngestError(f"{fact['action_id']}: scope {scope!r} not in vocab.ACTION_SCOPES")
    return scope


# --- responses --------------------------------------------------------------------------------
def responses_table(
    ctx: IngestContext, facts: pl.DataFrame, curation: pl.DataFrame, actions: pl.DataFrame
) -> pl.DataFrame:
    """imf_crypto_responses rows without channel (see with_channel)."""
    curated = {row["response_id"]: row for row in curation.iter_rows(named=True)}
    announced = dict(zip(actions["action_id"], actions["announced_on"], strict=True))
    rows = [
        response_row(ctx, fact, curated.get(fact["response_id"]), announced)
        for fact in facts.iter_rows(named=True)
    ]
    schema = {c: t for c, t in _contract_schema(RESPONSES).items() if c != "channel"}
    return pl.DataFrame(rows, schema=schema, orient="row")


def response_row(
    ctx: IngestContext, fact: dict, curation: dict | None, announced: dict[str, dt.date]
) -> dict:
    """One response: stance checked, links point-in-time, our description and condition."""
    response_id = fact["response_id"]
    responded_on, precision = _dated(fact, response_id)
    expected = _implied(
        response_id, fact, "response_type", "stance", vocab.RESPONSE_TYPE_STANCE,
        "vocab.RESPONSE_TYPE_STANCE",
    )  # fmt: skip
    links, dropped = point_in_time_links(fact, responded_on, announced)
    return {
        "response_id": response_id,
        "iso3": fact["country_iso3"],
        "responded_on": responded_on,
        "date_precision": precision,
        "response_type": fact["response_type"],
        "stance": expected,
        "linked_action_ids": LIST_SEPARATOR.join(links) or None,
        "description": _our_text(response_id, fact, curation, "description", "description"),
        "condition_summary": _our_text(
            response_id, fact, curation, "condition_summary", "quoted_condition_summary"
        ),
        "confidence": fact["confidence"],
        # responses carry no publisher or source date: the host name stands in for the publisher
        "source_id": ctx.web_source(_required(fact, "source_url", response_id), None, None),
        "notes": _with_dropped_links(_text(fact["notes"]), dropped, announced),
    }


def point_in_time_links(
    fact: dict, responded_on: dt.date, announced: dict[str, dt.date]
) -> tuple[list[str], list[str]]:
    """(kept, dropped) linked action ids: kept ones were public on or before the response.

    An unknown id is an error. A link to an action dated after the response (e.g. a month-
    precision action moved to month end) would let a backtest see the future, so it is dropped
    and the caller says so in the notes.
    """
    ids = [i.strip() for i in (fact["linked_action_ids"] or "").split(LIST_SEPARATOR) if i.strip()]
    unknown = [i for i in ids if i not in announced]
    if unknown:
        raise IngestError(
            f"{fact['response_id']}: linked_action_ids {unknown} not in crypto_actions"
        )
    kept = [i for i in ids if announced[i] <= responded_on]
    return kept, [i for i in ids if i not in kept]


def _with_dropped_links(
    notes: str | None, dropped: list[str], announced: dict[str, dt.date]
) -> str | None:
    if not dropped:
        return notes
    said = "; ".join(f"{i} (dated {announced[i].isoformat()})" for i in dropped)
    addition = f"Link(s) dropped as dated after this response at our date precision: {said}."
    return f"{notes} {addition}" if notes else addition


# --- shared helpers ---------------------------------------------------------------------------
def _dated(fact: dict, row_id: str) -> tuple[dt.date, str]:
    """(date at the end of its period, precision), checking the stated date_precision."""
    try:
        day, precision = period_end(fact["date"] or "")
    except ValueError as err:
        raise IngestError(f"{row_id}: {err}") from err
    if precision != fact["date_precision"]:
        raise IngestError(
            f"{row_id}: date {fact['date']!r} has {precision} precision, "
            f"row says {fact['date_precision']!r}"
        )
    return day, precision


def _implied(
    row_id: str, fact: dict, type_column: str, column: str, mapping: dict[str, str], name: str
) -> str:
    """The value the row's type implies for `column`; IngestError if unknown or contradicted."""
    expected = mapping.get(fact[type_column])
    if expected is None:
        raise IngestError(f"{row_id}: unknown {type_column} {fact[type_column]!r}")
    if fact[column] != expected:
        raise IngestError(
            f"{row_id}: {column} {fact[column]!r} but {type_column} "
            f"{fact[type_column]!r} is {expected!r} in {name}"
        )
    return expected


def _our_text(
    row_id: str, fact: dict, curation: dict | None, curated_column: str, fact_column: str
) -> str | None:
    """The curated wording; an added row may keep its own (already ours). None if no source text.

    A fact-base row must have curated wording wherever it has source text, and none where it
    has none (curation rewrites, it does not add).
    """
    curated = _text(curation[curated_column]) if curation else None
    original = _text(fact[fact_column])
    if fact["is_added"]:
        return curated or original
    if original is not None and curated is None:
        raise IngestError(f"{row_id}: curation has no {curated_column}")
    if original is None and curated is not None:
        raise IngestError(f"{row_id}: curated {curated_column} but the fact base has none")
    return curated


def _contract_schema(table: str) -> dict[str, pl.DataType]:
    schema = TABLES[table].model.to_schema()
    return {c: schema.columns[c].dtype.type for c in TABLES[table].columns}


def _text(value: str | None) -> str | None:
    """Stripped text, or None for an empty cell."""
    if value is None:
        return None
    return value.strip() or None


def _required(fact: dict, column: str, row_id: str) -> str:
    value = _text(fact[column])
    if value is None:
        raise IngestError(f"{row_id}: empty {column}")
    return value


def _number(value: str | None, row_id: str, column: str) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError as err:
        raise IngestError(f"{row_id}: curated {column} {text!r} is not a number") from err

"""The rules a parsed table must meet: its pandera model, its keys, and the cross-table rules."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from riskscore import vocab
from riskscore.schemas import DATE_ORDER, SCHEDULED_DATES, TABLES, Table
from riskscore.validate import failures as fl
from riskscore.validate.failures import Failure
from riskscore.validate.reader import LINE


def _rule_name(check: str) -> str:
    """Pandera's check text -> a short stable rule name."""
    for prefix, name in (
        ("not_nullable", fl.REQUIRED),
        ("isin", "vocabulary"),
        ("str_matches", "pattern"),
        ("greater_than_or_equal_to", "range:>="),
        ("greater_than", "range:>"),
        ("less_than_or_equal_to", "range:<="),
        ("less_than", "range:<"),
        ("in_range", "range"),
    ):
        if check.startswith(prefix):
            if name.startswith("range:"):
                return name + check[check.find("(") + 1 : check.rfind(")")]
            return name
    return check


def model_failures(table: Table, frame: pl.DataFrame) -> list[Failure]:
    """Column rules of the table's pandera model (types already parsed by the reader)."""
    data = frame.drop(LINE)
    try:
        table.model.validate(data, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    else:
        return []
    lines = frame[LINE].to_list()
    out = []
    for case in cases.iter_rows(named=True):
        index = case.get("index")
        line = lines[index] if index is not None and 0 <= index < len(lines) else 0
        value = "" if case["failure_case"] is None else str(case["failure_case"])
        out.append(
            Failure(table.file, line, case.get("column") or "", _rule_name(case["check"]), value)
        )
    return out


def primary_key_failures(table: Table, frame: pl.DataFrame) -> list[Failure]:
    """Every row after the first that repeats a primary key."""
    key = list(table.primary_key)
    dup = frame.filter(pl.struct(key).is_duplicated()).filter(~pl.struct(key).is_first_distinct())
    column = ",".join(key)
    return [
        Failure(table.file, row[LINE], column, fl.PRIMARY_KEY, "|".join(str(row[k]) for k in key))
        for row in dup.select(LINE, *key).iter_rows(named=True)
    ]


def future_date_failures(table: Table, frame: pl.DataFrame, today: dt.date) -> list[Failure]:
    """Facts dated after today cannot have been observed yet (schedules may be)."""
    out = []
    for col, dtype in frame.schema.items():
        if dtype != pl.Date or (table.name, col) in SCHEDULED_DATES:
            continue
        for row in frame.filter(pl.col(col) > today).select(LINE, col).iter_rows():
            out.append(Failure(table.file, row[0], col, fl.NOT_IN_FUTURE, str(row[1])))
    return out


def date_order_failures(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    """End dates may not precede start dates."""
    out = []
    for name, start, end in DATE_ORDER:
        frame = frames.get(name)
        if frame is None:
            continue
        bad = frame.filter(pl.col(end) < pl.col(start)).select(LINE, start, end)
        for line, s, e in bad.iter_rows():
            out.append(
                Failure(TABLES[name].file, line, end, f"date_order:{end}>={start}", f"{e} < {s}")
            )
    return out


def _keys(frame: pl.DataFrame, field: str) -> set:
    return set(frame[field].drop_nulls().to_list())


def foreign_key_failures(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    """Every reference resolves: iso3 -> countries, source_id -> sources, and so on."""
    out = []
    for name, table in TABLES.items():
        frame = frames.get(name)
        if frame is None:
            continue
        for fk in table.foreign_keys:
            target = frames.get(fk.reference_table)
            if target is None:
                continue
            (field,), (ref_field,) = fk.fields, fk.reference_fields
            known = _keys(target, ref_field)
            rule = f"foreign_key:{fk.reference_table}.{ref_field}"
            for line, value in frame.select(LINE, field).drop_nulls().iter_rows():
                values = value.split(";") if fk.many else [value]
                out += [Failure(table.file, line, field, rule, v) for v in values if v not in known]
    return out


def consistency_failures(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    """Rules between columns: vocab pairs (type -> direction/stance/kind/unit) and link dates."""
    out: list[Failure] = []
    pairs = [
        ("crypto_actions", "action_type", "direction", vocab.ACTION_TYPE_DIRECTION),
        ("imf_crypto_responses", "response_type", "stance", vocab.RESPONSE_TYPE_STANCE),
        ("imf_arrangements", "facility", "instrument_kind", vocab.FACILITY_KIND),
        ("macro", "indicator", "unit", vocab.MACRO_INDICATOR_UNIT),
        ("imf_positions", "measure", "unit", vocab.POSITION_MEASURE_UNIT),
    ]
    for name, key, dependent, mapping in pairs:
        frame = frames.get(name)
        if frame is None:
            continue
        expected = pl.col(key).replace_strict(mapping, default=None, return_dtype=pl.String)
        bad = frame.filter(expected.is_not_null() & (pl.col(dependent) != expected))
        for line, k, d in bad.select(LINE, key, dependent).iter_rows():
            rule = f"consistent:{dependent}=f({key})"
            out.append(Failure(TABLES[name].file, line, dependent, rule, f"{d} (for {k})"))
    out += _linked_action_dates(frames)
    return out


def _linked_action_dates(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    """A response may only link actions known on its date (no look-ahead in the outcomes)."""
    responses, actions = frames.get("imf_crypto_responses"), frames.get("crypto_actions")
    if responses is None or actions is None:
        return []
    announced = dict(actions.select("action_id", "announced_on").iter_rows())
    out = []
    rows = responses.select(LINE, "responded_on", "linked_action_ids").drop_nulls().iter_rows()
    for line, responded, linked in rows:
        for action_id in linked.split(";"):
            on = announced.get(action_id)
            if on is not None and on > responded:
                out.append(
                    Failure(
                        TABLES["imf_crypto_responses"].file,
                        line,
                        "linked_action_ids",
                        "linked_action_not_after_response",
                        f"{action_id} announced {on}",
                    )
                )
    return out

"""Point-in-time views of the data: what the package would have held on a given day."""

from __future__ import annotations

import datetime as dt

import polars as pl

from riskscore.schemas import EVENT_DATES


def truncate(tables: dict[str, pl.DataFrame], day: dt.date) -> dict[str, pl.DataFrame]:
    """Drop every row dated after `day` (rows without a date are kept).

    Used to prove the model never looks ahead: scores as of `day` must not change.
    """
    out = {}
    for name, frame in tables.items():
        spec = EVENT_DATES.get(name)
        if spec is None:
            out[name] = frame
            continue
        column, kind = spec
        dated = pl.date(pl.col(column), 12, 31) if kind == "year" else pl.col(column)
        out[name] = frame.filter(dated.is_null() | (dated <= day))
    return out

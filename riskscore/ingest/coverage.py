"""coverage.csv: how far each table's observations reach, from datasets/curated/coverage.csv.

The dates are decisions recorded with their basis (the newest item the searches found, or a
source's vintage), not computed from the rows: a table can be observed through a day on
which nothing happened. Every table of the package has exactly one row.
"""

from __future__ import annotations

import polars as pl

from riskscore.ingest.common import IngestContext, IngestError, read_csv_text
from riskscore.schemas import TABLES

FILE = "coverage.csv"
COLUMNS = ["table_name", "observed_through", "basis"]


def revise(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """The coverage table; IngestError unless it names every table once and no other."""
    path = ctx.curated / FILE
    frame = read_csv_text(path)
    if frame.columns != COLUMNS:
        raise IngestError(f"{path}: columns {frame.columns} differ from expected {COLUMNS}")
    names = frame["table_name"].to_list()
    missing = sorted(set(TABLES) - set(names))
    unknown = sorted(set(names) - set(TABLES))
    repeated = sorted({n for n in names if names.count(n) > 1})
    if missing or unknown or repeated:
        raise IngestError(
            f"{path}: every table once: missing {missing}, unknown {unknown}, repeated {repeated}"
        )
    return {"coverage": frame}

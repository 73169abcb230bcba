"""imf_article_iv.csv: Article IV missions and Board conclusions, from datasets/curated.

Research (two calendar searches, Nov 2026) recorded, for the members with state crypto
exposure, when each consultation's staff discussions ended (`mission_concluded`) and when the
Board concluded it (`board_concluded`), one source per row. A month-only date is written
`YYYY-MM` and stored at the month's last day, as everywhere in the package.
"""

from __future__ import annotations

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import IngestContext, IngestError, period_end, read_csv_text

FILE = "imf_article_iv.csv"
COLUMNS = [
    "iso3", "consultation_year", "event", "event_on", "date_precision", "combined_with",
    "crypto_discussed", "source_id", "confidence", "notes",
]  # fmt: skip
CHECKED = {
    "event": vocab.ARTICLE_IV_EVENTS,
    "crypto_discussed": vocab.CRYPTO_DISCUSSED,
    "confidence": vocab.CONFIDENCE,
}


def build(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """The curated calendar, dates at period end, vocabularies checked."""
    path = ctx.curated / FILE
    frame = read_csv_text(path)
    if frame.columns != COLUMNS:
        raise IngestError(f"{path}: columns {frame.columns} differ from expected {COLUMNS}")
    rows = []
    for line, raw in enumerate(frame.iter_rows(named=True), start=2):
        row = {k: (v or "").strip() or None for k, v in raw.items()}
        where = f"{FILE}:{line}: {row['iso3']} {row['consultation_year']} {row['event']}"
        for column, allowed in CHECKED.items():
            if row[column] not in allowed:
                raise IngestError(f"{where}: {column} {row[column]!r} not in {allowed}")
        try:
            event_on, precision = period_end(row["event_on"] or "")
            year = int(row["consultation_year"] or "")
        except ValueError as err:
            raise IngestError(f"{where}: {err}") from err
        if precision != row["date_precision"]:
            raise IngestError(
                f"{where}: event_on has precision {precision}, row says {row['date_precision']!r}"
            )
        rows.append(row | {"event_on": event_on, "consultation_year": year})
    return {"imf_article_iv": pl.DataFrame(rows, infer_schema_length=None)}

"""sources.csv rows for whole datasets, hand-curated from each folder's PROVENANCE.md."""

from __future__ import annotations

import polars as pl

from riskscore.ingest.common import IngestContext, read_csv_text


def build(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    for row in read_csv_text(ctx.curated / "dataset_sources.csv").iter_rows(named=True):
        ctx.add_source(row)
    return {}

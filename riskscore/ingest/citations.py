"""Citations settled last: the curated citation changes, then sources.csv itself.

`datasets/curated/citation_changes.csv` (table, row_id, action, source_id, notes) edits a
row's `;`-joined `source_id`: `add_primary` puts the source first (moving it there if cited
already), `add` appends it, `remove` drops it (only where research found the citation does
not support the row or is wholly superseded; a row may not lose its last source). Rows are
named as `row_edits` reads them.

Then the sources table: exactly the sources some row cites, each the record the ingest
registered with the curated catalogue's fields on top (`source_catalogue`), or the
catalogue's record for a page only research cites. Every source must have a tier.
"""

from __future__ import annotations

import polars as pl

from riskscore.ingest.common import SOURCE_COLUMNS, IngestContext, IngestError, read_csv_text
from riskscore.ingest.row_edits import SEPARATOR, locate, update_rows, with_source, without_source
from riskscore.ingest.source_catalogue import catalogue

FILE = "citation_changes.csv"
COLUMNS = ["table", "row_id", "action", "source_id", "notes"]
ACTIONS = ["add_primary", "add", "remove"]


def revise(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """The tables with citation changes applied, and the final sources table."""
    changed = apply_changes(ctx)
    tables = ctx.tables | changed
    return changed | {"sources": sources_table(ctx, tables)}


def apply_changes(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """Every curated citation change, applied in file order."""
    path = ctx.curated / FILE
    changes = read_csv_text(path)
    if changes.columns != COLUMNS:
        raise IngestError(f"{path}: columns {changes.columns} differ from expected {COLUMNS}")
    changed: dict[str, pl.DataFrame] = {}
    for line, change in enumerate(changes.iter_rows(named=True), start=2):
        where = f"{FILE}:{line}: {change['table']} {change['row_id']}"
        table, action, source_id = change["table"], change["action"], change["source_id"]
        if action not in ACTIONS:
            raise IngestError(f"{where}: action {action!r} not in {ACTIONS}")
        frame = changed.get(table, ctx.tables.get(table))
        if frame is None:
            raise IngestError(f"{where}: no table {table!r}")
        mask = locate(frame, table, change["row_id"], FILE)
        changed[table] = update_rows(frame, mask, "source_id", _edit(action, source_id, where))
    return changed


def _edit(action: str, source_id: str, where: str):
    def edit(ids: str) -> str:
        if action != "remove":
            return with_source(ids, source_id, first=action == "add_primary")
        if source_id not in ids.split(SEPARATOR):
            raise IngestError(f"{where}: remove {source_id}: the row does not cite it")
        kept = without_source(ids, source_id)
        if not kept:
            raise IngestError(f"{where}: remove {source_id}: the row would cite nothing")
        return kept

    return edit


def cited_ids(tables: dict[str, pl.DataFrame]) -> set[str]:
    """Every source id some row of some table cites."""
    ids: set[str] = set()
    for name, frame in tables.items():
        if name != "sources" and "source_id" in frame.columns:
            for value in frame["source_id"].drop_nulls().to_list():
                ids.update(i for i in value.split(SEPARATOR) if i)
    return ids


def sources_table(ctx: IngestContext, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per cited source, with the catalogue's metadata and tier."""
    books = catalogue(ctx)
    rows = []
    for source_id in sorted(cited_ids(tables)):
        registered = ctx.registered_source(source_id) or None
        record = books.record(source_id, registered)
        if record is None:
            raise IngestError(f"sources: {source_id} is cited but neither registered nor curated")
        if not record.get("tier"):
            raise IngestError(f"sources: {source_id} has no tier (add it to the curated metadata)")
        rows.append({c: record.get(c) for c in SOURCE_COLUMNS})
    return pl.DataFrame(rows, schema={c: pl.String for c in SOURCE_COLUMNS})

"""What the curated files say about each source: its metadata, its tier, the pages research added.

Three curated files describe sources (every one read with exact headers):

- `dataset_sources.csv`: the whole datasets (registered by the `dataset_sources` module);
- `sources_metadata.csv`: publisher (an organisation, not a host name), title, publication
  and access dates, tier and notes for web pages the fact rows already cited;
- `sources_added.csv`: pages research read and cites, each with its URL and the id
  `web_source_id(url)` gives it (checked, so a hand edit cannot break the link).

The catalogue answers "what is known about source X" for the revisions: the tier decides
whether a correction resting on it may be applied, and the final sources table takes its
fields from here wherever the catalogue has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import IngestContext, IngestError, read_csv_text, web_source_id

METADATA_FILE = "sources_metadata.csv"
ADDED_FILE = "sources_added.csv"
METADATA_COLUMNS = [
    "source_id",
    "publisher",
    "title",
    "published_on",
    "accessed_on",
    "tier",
    "notes",
]
ADDED_COLUMNS = [
    "source_id", "url", "publisher", "title", "published_on", "accessed_on", "tier", "notes",
]  # fmt: skip


@dataclass
class SourceCatalogue:
    """Curated facts about sources, by id: metadata for cited pages, records for new ones."""

    metadata: dict[str, dict] = field(default_factory=dict)
    added: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, curated: Path) -> SourceCatalogue:
        """Read and check both curated files (exact headers, known tiers, ids from URLs)."""
        metadata = _rows(curated / METADATA_FILE, METADATA_COLUMNS)
        added = _rows(curated / ADDED_FILE, ADDED_COLUMNS)
        for path, rows in [(METADATA_FILE, metadata), (ADDED_FILE, added)]:
            for sid, row in rows.items():
                if row["tier"] not in vocab.SOURCE_TIERS:
                    raise IngestError(
                        f"{path}: {sid}: tier {row['tier']!r} not in {vocab.SOURCE_TIERS}"
                    )
        for sid, row in added.items():
            if web_source_id(row["url"]) != sid:
                raise IngestError(
                    f"{ADDED_FILE}: {sid}: the id of {row['url']!r} is {web_source_id(row['url'])}"
                )
        both = sorted(set(metadata) & set(added))
        if both:
            raise IngestError(f"{ADDED_FILE}: id(s) already described in {METADATA_FILE}: {both}")
        return cls(metadata, added)

    def record(self, source_id: str, registered: dict | None) -> dict | None:
        """The sources row for an id: the ingest's registered record with the catalogue's
        non-empty fields on top (a new page: the catalogue's record alone)."""
        if source_id in self.added:
            base = dict(registered or {})
            return base | {k: v for k, v in self.added[source_id].items() if v is not None}
        if registered is None:
            return None
        curated = self.metadata.get(source_id, {})
        out = dict(registered)
        for column, value in curated.items():
            if value is None:
                continue
            if column == "notes" and out.get("notes") and out["notes"] != value:
                out["notes"] = f"{out['notes']} {value}"
            else:
                out[column] = value
        return out

    def tier(self, source_id: str, ctx: IngestContext) -> str | None:
        """The tier of a source, from the catalogue or the datasets' curated record."""
        for rows in (self.metadata, self.added):
            if source_id in rows:
                return rows[source_id]["tier"]
        return ctx.registered_source(source_id).get("tier")


def catalogue(ctx: IngestContext) -> SourceCatalogue:
    """The run's catalogue, read from the curated folder once."""
    if "source_catalogue" not in ctx.cache:
        ctx.cache["source_catalogue"] = SourceCatalogue.load(ctx.curated)
    return ctx.cache["source_catalogue"]  # type: ignore[return-value]


def _rows(path: Path, columns: list[str]) -> dict[str, dict]:
    """A curated source file as {source_id: row}, empty cells as None; ids must be unique."""
    frame = read_csv_text(path)
    if frame.columns != columns:
        raise IngestError(f"{path}: columns {frame.columns} differ from expected {columns}")
    dupes = frame.filter(pl.col("source_id").is_duplicated())["source_id"].unique().to_list()
    if dupes:
        raise IngestError(f"{path}: duplicate source_id(s) {sorted(dupes)}")
    out = {}
    for row in frame.iter_rows(named=True):
        out[row["source_id"]] = {k: (v.strip() or None) if v else None for k, v in row.items()}
    return out

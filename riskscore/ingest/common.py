"""What every ingest module shares: the run context, source records and table writing."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import polars as pl

from riskscore.schemas import TABLES

SOURCE_COLUMNS = list(TABLES["sources"].columns)


class IngestError(Exception):
    """Raw input that the ingest cannot turn into a table; the message names file and row."""


@dataclass
class IngestContext:
    """Where the raw extracts are, and what earlier modules already produced."""

    shared: Path  # ../shared: holds sources/ and facts/
    curated: Path  # datasets/curated: hand-curated, sourced inputs kept in this repo
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    cache: dict[str, object] = field(default_factory=dict)  # curated lookups read once per run
    _sources: dict[str, dict] = field(default_factory=dict)

    @property
    def sources_dir(self) -> Path:
        return self.shared / "sources"

    @property
    def facts_dir(self) -> Path:
        return self.shared / "facts"

    def add_source(self, record: dict) -> str:
        """Register a source row (keys as in sources.csv) and return its id."""
        sid = record["source_id"]
        known = self._sources.get(sid)
        if known is None:
            self._sources[sid] = {c: record.get(c) for c in SOURCE_COLUMNS}
        else:  # same page cited twice: keep the fuller record
            for c in SOURCE_COLUMNS:
                if known.get(c) in (None, "") and record.get(c) not in (None, ""):
                    known[c] = record[c]
        return sid

    def registered_source(self, source_id: str) -> dict:
        """The record registered under an id ({} if none)."""
        return dict(self._sources.get(source_id, {}))

    def web_source(
        self,
        url: str,
        publisher: str | None = None,
        published_on: str | dt.date | None = None,
        title: str | None = None,
        notes: str | None = None,
    ) -> str:
        """Register a web page cited by a fact row and return its stable id."""
        url = url.strip()
        record = {
            "source_id": web_source_id(url),
            "publisher": (publisher or "").strip() or host_of(url),
            "title": title,
            "url": url,
            "published_on": to_iso_date(published_on),
            "accessed_on": None,
            "license": None,
            "tier": None,  # from the curated source metadata (see source_catalogue)
            "notes": notes,
        }
        return self.add_source(record)

    def sources_frame(self) -> pl.DataFrame:
        rows = sorted(self._sources.values(), key=lambda r: r["source_id"])
        return pl.DataFrame(rows, schema={c: pl.String for c in SOURCE_COLUMNS})


def web_source_id(url: str) -> str:
    """A short, stable id for a URL: 'web:' + host stem + 8 hex digits of its SHA-1."""
    host = host_of(url).removeprefix("www.")
    stem = re.sub(r"[^a-z0-9]+", "-", host.split(".")[0].lower()).strip("-") or "page"
    digest = hashlib.sha1(url.strip().encode("utf-8")).hexdigest()[:8]
    return f"web:{stem}-{digest}"


def host_of(url: str) -> str:
    return urlparse(url.strip()).netloc or url.strip()


def to_iso_date(value: str | dt.date | None) -> str | None:
    """ISO day string for a full date; None for empty or partial ('2025-03', '2024') dates."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    value = value.strip()
    return value if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None


def period_end(value: str) -> tuple[dt.date, str]:
    """Parse 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY' into (last day of the period, precision).

    A month- or year-precision event is dated at the end of its period: that is the first
    day on which it is certainly known, so point-in-time scoring never looks ahead.
    """
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value), "day"
    if re.fullmatch(r"\d{4}-\d{2}", value):
        year, month = map(int, value.split("-"))
        first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
        return first_next - dt.timedelta(days=1), "month"
    if re.fullmatch(r"\d{4}", value):
        return dt.date(int(value), 12, 31), "year"
    raise ValueError(f"not a date: {value!r}")


def read_csv_text(path: Path) -> pl.DataFrame:
    """Read a raw CSV with every column as text, so nothing is silently coerced."""
    if not path.exists():
        raise IngestError(f"{path}: file not found")
    return pl.read_csv(path, infer_schema=False, encoding="utf8")


def finalize_table(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Order columns as the schema does, cast to its types and sort by the primary key."""
    table = TABLES[name]
    missing = [c for c in table.columns if c not in frame.columns]
    if missing:
        raise IngestError(f"{name}: ingest produced no column(s) {missing}")
    schema = table.model.to_schema()
    exprs = []
    for col in table.columns:
        dtype = schema.columns[col].dtype.type  # the polars dtype behind the pandera one
        if dtype == pl.Date and frame.schema[col] == pl.String:
            exprs.append(pl.col(col).str.to_date("%Y-%m-%d", strict=True).alias(col))
        elif dtype == pl.Boolean and frame.schema[col] == pl.String:
            exprs.append(pl.col(col).replace_strict({"true": True, "false": False}).alias(col))
        else:
            exprs.append(pl.col(col).cast(dtype, strict=True).alias(col))
    return frame.select(exprs).sort(list(table.primary_key), nulls_last=True)


def write_table(name: str, frame: pl.DataFrame, out_dir: Path) -> Path:
    """Write one finished table as UTF-8 CSV (ISO dates, no index, stable row order)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / TABLES[name].file
    tmp = path.with_suffix(".csv.tmp")
    frame.write_csv(tmp, date_format="%Y-%m-%d", float_precision=None, null_value="")
    tmp.replace(path)
    return path

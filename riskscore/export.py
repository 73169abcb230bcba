"""Write outputs as Parquet with provenance metadata, atomically (temp file, then rename).

While a command writes an output set (riskscore.outputset.staging), files meant for its out/
go to the set's staging folder instead, and appear in out/ together when the set commits.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from riskscore import outputset

METADATA_PREFIX = "riskscore."


def write_parquet(frame: pl.DataFrame, path: Path, metadata: dict[str, str]) -> Path:
    """Write `frame` to `path` with key-value metadata; a crash never leaves a partial file."""
    target = outputset.staged_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    table = frame.to_arrow()
    merged = dict(table.schema.metadata or {})
    merged.update({f"{METADATA_PREFIX}{k}".encode(): str(v).encode() for k, v in metadata.items()})
    table = table.replace_schema_metadata(merged)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write a text file (JSON, Markdown, HTML) atomically: a reader never sees half of it."""
    target = outputset.staged_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_metadata(path: Path) -> dict[str, str]:
    """The riskscore.* key-value metadata of a Parquet file, without the prefix."""
    raw = pq.read_schema(path).metadata or {}
    out = {}
    for key, value in raw.items():
        name = key.decode()
        if name.startswith(METADATA_PREFIX):
            out[name.removeprefix(METADATA_PREFIX)] = value.decode()
    return out

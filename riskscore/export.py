"""Write outputs as Parquet with provenance metadata, atomically (temp file, then rename)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

METADATA_PREFIX = "riskscore."


def write_parquet(frame: pl.DataFrame, path: Path, metadata: dict[str, str]) -> Path:
    """Write `frame` to `path` with key-value metadata; a crash never leaves a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = frame.to_arrow()
    merged = dict(table.schema.metadata or {})
    merged.update({f"{METADATA_PREFIX}{k}".encode(): str(v).encode() for k, v in metadata.items()})
    table = table.replace_schema_metadata(merged)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


class ParquetStream:
    """Write a Parquet file frame by frame (bounded memory), atomically: the file appears only
    when the stream closes without error. Every frame must have the first frame's schema."""

    def __init__(self, path: Path, metadata: dict[str, str]):
        self.path = path
        self.metadata = {f"{METADATA_PREFIX}{k}": str(v) for k, v in metadata.items()}
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self.writer = None
        self.rows = 0

    def write(self, frame: pl.DataFrame) -> None:
        table = frame.to_arrow()
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            schema = table.schema.with_metadata({**(table.schema.metadata or {}), **self.metadata})
            self.writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")
        self.writer.write_table(table.cast(self.writer.schema))
        self.rows += frame.height

    def __enter__(self) -> ParquetStream:
        return self

    def __exit__(self, kind, error, trace) -> None:
        try:
            if self.writer is not None:
                self.writer.close()
            if kind is None and self.writer is not None:
                os.replace(self.tmp, self.path)
        finally:
            self.tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> Path:
    """Write a text file (JSON, Markdown, HTML) atomically: a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
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

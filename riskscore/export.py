"""Write outputs as Parquet with provenance metadata, atomically (temp file, then rename).

Every column the output registry (`riskscore.outputs`) knows carries its description (and unit)
as Arrow field metadata in the Parquet schema, so the file documents itself in any Arrow reader.
pyarrow is imported only here, when a file is written: polars 2 writes field-level metadata only
through a pyarrow schema, and DuckDB's COPY writes only file-level key-value metadata.

While a command writes an output set (riskscore.outputset.staging), files meant for its out/
go to the set's staging folder instead, and appear in out/ together when the set commits.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from riskscore import outputset

METADATA_PREFIX = "riskscore."


def field_metadata(frame: pl.DataFrame, path: Path) -> tuple[str | None, dict[str, dict[str, str]]]:
    """The registered table `frame` is (by file name, folder or columns), and per column the
    description and unit to store with it; (None, {}) for a frame the registry does not know."""
    from riskscore import outputs

    table = outputs.for_file(path, frame.columns)
    if table is None:
        return None, {}
    fields = {}
    for name in frame.columns:
        column = table.column(name)
        if column is not None:
            fields[name] = {"description": column.description}
            if column.unit:
                fields[name]["unit"] = column.unit
            if column.enum:
                fields[name]["ordered_values"] = ",".join(outputs.band_order())
    return table.name, fields


def write_parquet(frame: pl.DataFrame, path: Path, metadata: dict[str, str]) -> Path:
    """Write `frame` to `path` with key-value metadata and per-column descriptions from the
    output registry; a crash never leaves a partial file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = outputset.staged_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    table = frame.to_arrow()
    name, fields = field_metadata(frame, path)
    if fields:
        # the same columns under a described schema (Table.cast would import pyarrow.compute,
        # about 0.05 s, to convert nothing)
        table = pa.Table.from_arrays(
            table.columns,
            schema=pa.schema(
                [f.with_metadata(fields[f.name]) if f.name in fields else f for f in table.schema]
            ),
        )
    merged = dict(table.schema.metadata or {})
    merged.update({f"{METADATA_PREFIX}{k}".encode(): str(v).encode() for k, v in metadata.items()})
    if fields:
        merged[f"{METADATA_PREFIX}table".encode()] = name.encode()
    table = table.replace_schema_metadata(merged)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return path


class ParquetStream:
    """Write a Parquet file frame by frame (bounded memory), atomically: the file appears only
    when the stream closes without error. Every frame must have the first frame's schema."""

    def __init__(self, path: Path, metadata: dict[str, str]):
        self.path = path
        self.target = outputset.staged_path(path)
        self.metadata = {f"{METADATA_PREFIX}{k}": str(v) for k, v in metadata.items()}
        self.tmp = self.target.with_name(f".{self.target.name}.{os.getpid()}.tmp")
        self.writer = None
        self.rows = 0

    def write(self, frame: pl.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = frame.to_arrow()
        if self.writer is None:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            name, fields = field_metadata(frame, self.path)
            described = pa.schema(
                [f.with_metadata(fields[f.name]) if f.name in fields else f for f in table.schema]
            )
            meta = {**(table.schema.metadata or {}), **self.metadata}
            if fields:
                meta[f"{METADATA_PREFIX}table"] = name
            schema = described.with_metadata(meta)
            self.writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")
        schema = self.writer.schema
        if [f.type for f in table.schema] == [f.type for f in schema]:  # the usual case
            table = pa.Table.from_arrays(table.columns, schema=schema)
        else:  # a batch typed differently (say, a column all null): converted
            table = table.cast(schema)
        self.writer.write_table(table)
        self.rows += frame.height

    def __enter__(self) -> ParquetStream:
        return self

    def __exit__(self, kind, error, trace) -> None:
        try:
            if self.writer is not None:
                self.writer.close()
            if kind is None and self.writer is not None:
                os.replace(self.tmp, self.target)
        finally:
            self.tmp.unlink(missing_ok=True)


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
    raw = pl.read_parquet_metadata(path)
    return {
        key.removeprefix(METADATA_PREFIX): value
        for key, value in raw.items()
        if key.startswith(METADATA_PREFIX)
    }

"""A validation failure is data: file, line, column, rule, value (printable and storable)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

# Stable rule names (the part after the column in `file:line: column: rule: value`).
MISSING_FILE = "missing_file"
EMPTY_FILE = "empty_file"
ENCODING = "encoding:utf-8"
MISSING_COLUMN = "missing_column"
EXTRA_COLUMN = "extra_column"
DUPLICATE_COLUMN = "duplicate_column"
FIELD_COUNT = "field_count"
REQUIRED = "required"
PRIMARY_KEY = "primary_key_unique"
NOT_IN_FUTURE = "not_in_future"

VALUE_WIDTH = 80  # long free-text values are shortened in messages, not in the Parquet


@dataclass(frozen=True, order=True)
class Failure:
    """One broken rule at one place. line 0 = the file as a whole, 1 = the header."""

    file: str
    line: int
    column: str
    rule: str
    value: str

    def format(self) -> str:
        value = (
            self.value if len(self.value) <= VALUE_WIDTH else self.value[: VALUE_WIDTH - 1] + "…"
        )
        return f"{self.file}:{self.line}: {self.column or '-'}: {self.rule}: {value!r}"


FAILURE_SCHEMA = {
    "file": pl.String,
    "line": pl.Int64,
    "column": pl.String,
    "rule": pl.String,
    "value": pl.String,
}


def failures_frame(failures: list[Failure]) -> pl.DataFrame:
    """All failures as a table (one row each), sorted as they are printed."""
    return pl.DataFrame([asdict(f) for f in sorted(failures)], schema=FAILURE_SCHEMA)


def write_failures(failures: list[Failure], path: Path) -> Path:
    """Write the failures table to Parquet (atomically: temp file, then rename), each column
    described as the output registry says."""
    from riskscore import export

    return export.write_parquet(failures_frame(failures), path, {})

"""Validate a whole data package directory: every table, every rule, every failure at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from riskscore.schemas import TABLES
from riskscore.validate import checks
from riskscore.validate.failures import Failure, failures_frame, write_failures
from riskscore.validate.reader import LINE, read_table

__all__ = ["Failure", "PackageReport", "failures_frame", "validate_package", "write_failures"]


@dataclass
class PackageReport:
    """The outcome of validating a package: typed tables, failures and per-table counts."""

    directory: Path
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def rejected_rows(self) -> dict[str, int]:
        """Distinct data lines with at least one failure, per table file."""
        out: dict[str, set[int]] = {TABLES[t].file: set() for t in TABLES}
        for f in self.failures:
            if f.line > 1:
                out.setdefault(f.file, set()).add(f.line)
        return {file: len(lines) for file, lines in out.items()}

    def summary(self) -> pl.DataFrame:
        """One row per table: rows read, failures, rejected rows."""
        per_file: dict[str, int] = {}
        for f in self.failures:
            per_file[f.file] = per_file.get(f.file, 0) + 1
        rejected = self.rejected_rows()
        rows = [
            {
                "table": name,
                "rows": self.rows_read.get(name, 0),
                "failures": per_file.get(spec.file, 0),
                "rejected_rows": rejected.get(spec.file, 0),
            }
            for name, spec in TABLES.items()
        ]
        return pl.DataFrame(rows)

    def clean_tables(self) -> dict[str, pl.DataFrame]:
        """The typed tables without the helper line column (only meaningful when ok)."""
        return {name: frame.drop(LINE) for name, frame in self.tables.items()}


def validate_package(directory: Path, today: dt.date | None = None) -> PackageReport:
    """Check every table file in `directory` against its schema and the cross-table rules."""
    today = today or dt.date.today()
    report = PackageReport(directory)
    for name, table in TABLES.items():
        result = read_table(directory / table.file, table)
        report.failures += result.failures
        report.rows_read[name] = result.rows_read
        if result.frame is None:
            continue
        # a cell that failed to parse is already reported; don't report it again as missing
        unparsed = {(f.line, f.column) for f in result.failures}
        model = [
            f
            for f in checks.model_failures(table, result.frame)
            if (f.line, f.column) not in unparsed
        ]
        report.failures += model
        report.failures += checks.primary_key_failures(table, result.frame)
        report.failures += checks.future_date_failures(table, result.frame, today)
        report.tables[name] = result.frame
    report.failures += checks.date_order_failures(report.tables)
    report.failures += checks.foreign_key_failures(report.tables)
    report.failures += checks.consistency_failures(report.tables)
    report.failures = sorted(set(report.failures))
    return report

"""Validate a whole data package directory: every table, every rule, every failure at once.

Each file is read once through the bounded reader (riskscore.validate.files), parsed by polars
and checked with vectorised rules; editor lines are worked out only for tables with failures.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from riskscore.schemas import TABLES
from riskscore.validate import checks, descriptor, lifecycle, stamp
from riskscore.validate.failures import CODES, Failure, failures_frame, write_failures
from riskscore.validate.reader import ROW
from riskscore.validate.table import TablePlan, TableResult, open_table, read_bytes, run_plans

__all__ = [
    "CODES",
    "Failure",
    "PackageReport",
    "data_sha256",
    "failures_frame",
    "package_data_sha256",
    "validate_package",
    "write_failures",
]


@dataclass
class PackageReport:
    """The outcome of validating a package: typed tables, failures and per-table counts.

    `data_sha256` identifies the table files' content; `fingerprint` also covers
    datapackage.json and the rules, and is what a validated-stamp records. `trusted` is True
    when the rules were skipped because a stamp vouched for exactly these bytes.
    """

    directory: Path
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)
    trusted: bool = False
    stripped: set[str] = field(default_factory=set)  # tables with cells that needed stripping
    contents: dict[str, bytes] = field(default_factory=dict, repr=False)
    descriptor: bytes = field(default=b"", repr=False)

    @functools.cached_property
    def data_sha256(self) -> str:
        """SHA-256 of the table files as read (see `data_sha256`)."""
        return data_sha256(self.contents)

    @functools.cached_property
    def fingerprint(self) -> str:
        """The package's identity under the current rules (what a stamp records)."""
        return stamp.fingerprint(self.data_sha256, self.descriptor)

    def stamp(self) -> stamp.Stamp:
        """The validated-stamp this (clean) report earns."""
        return stamp.Stamp(self.fingerprint, frozenset(self.stripped))

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
        """The typed tables without the helper row column (only meaningful when ok)."""
        return {name: frame.drop(ROW) for name, frame in self.tables.items()}


def data_sha256(contents: dict[str, bytes]) -> str:
    """SHA-256 over the table files' bytes in table order (b"" for an unreadable file)."""
    digest = hashlib.sha256()
    for name, table in TABLES.items():
        digest.update(table.file.encode())
        digest.update(contents.get(name, b""))
    return digest.hexdigest()


def package_data_sha256(directory: Path) -> str:
    """`data_sha256` of the table files in `directory`, read through the bounded reader."""
    return data_sha256({name: read_bytes(directory, t)[0] for name, t in TABLES.items()})


def validate_package(
    directory: Path, today: dt.date | None = None, trusted: stamp.Stamp | None = None
) -> PackageReport:
    """Check every table file in `directory` against its schema and the cross-table rules,
    and datapackage.json against the schemas. Never raises for bad content.

    `trusted` is a validated-stamp: when the files are byte for byte the ones it vouches for
    (under the same rules), they are only parsed, not checked again.
    """
    today = today or dt.date.today()
    report = PackageReport(directory)
    for name, table in TABLES.items():
        report.contents[name], failures = read_bytes(directory, table)
        report.failures += failures
    report.descriptor, failures = descriptor.read(directory)
    report.failures += failures
    report.trusted = bool(trusted) and trusted.fingerprint == report.fingerprint and report.ok
    check = not report.trusted
    if check and not failures:
        report.failures += descriptor.check(report.descriptor)

    def opened(name: str) -> TablePlan | TableResult:
        strip = report.trusted and name in trusted.stripped
        return open_table(report.contents[name], TABLES[name], today, check=check, strip=strip)

    readable = [
        name
        for name, table in TABLES.items()
        # missing or unreadable: already reported
        if report.contents[name] or not any(f.file == table.file for f in report.failures)
    ]
    # two at a time: polars parses a CSV outside the GIL, so two tables split side by side
    with ThreadPoolExecutor(max_workers=2) as pool:
        plans = dict(zip(readable, pool.map(opened, readable), strict=True))
    results = run_plans(plans)
    for name, result in results.items():
        report.failures += result.failures
        report.rows_read[name] = result.rows_read
        if result.stripped:
            report.stripped.add(name)
        if result.frame is not None:
            report.tables[name] = result.frame
    if check:
        for name, frame in _cross_table_failures(results, report.tables).items():
            results[name].row_failures = pl.concat([results[name].row_failures, frame])
    for name, result in results.items():
        report.failures += _located(TABLES[name].file, result)
    report.failures = sorted(set(report.failures))
    return report


def _cross_table_failures(
    results: dict[str, TableResult], tables: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """Foreign keys (those the screens flagged), reference dates and the arrangements' life
    (riskscore.validate.lifecycle), per table at fault."""
    suspects = {name: r.suspect_keys for name, r in results.items() if r.suspect_keys}
    # a referenced table that lost rows, or whose key column has failures, cannot tell a wrong
    # reference from a consequence of its own failure: references into it are not judged
    targets = {name: tables[name] for name, r in results.items() if r.complete}
    unsure = {
        (name, column)
        for name, r in results.items()
        if not r.row_failures.is_empty()
        for column in r.row_failures["column"].unique().to_list()
    }
    out = checks.foreign_key_failures(tables, targets, suspects, unsure)
    for name, frame in checks.reference_date_failures(tables, targets).items():
        out[name] = pl.concat([out[name], frame]) if name in out else frame
    # the arrangements' life is judged only on tables read whole and free of row failures, so
    # one bad date gives one failure, not a cascade of overlaps it causes
    clean = {
        name: tables[name]
        for name, r in results.items()
        if name in targets and r.row_failures.is_empty()
    }
    for name, frame in lifecycle.failures(clean).items():
        out[name] = pl.concat([out[name], frame]) if name in out else frame
    return out


def _located(file: str, result: TableResult) -> list[Failure]:
    """Row failures with the editor line each row starts on."""
    rows = result.row_failures
    if rows.is_empty() or result.lines is None:
        return []
    lines = result.lines(rows[ROW])
    return [
        Failure(file, line, column, rule, value)
        for line, column, rule, value in zip(
            lines.to_list(),
            rows["column"].to_list(),
            rows["rule"].to_list(),
            rows["value"].to_list(),
            strict=True,
        )
    ]

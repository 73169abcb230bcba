"""The index's "Download" section: the tables behind the report, as CSV, Excel and Parquet.

Exports (CSV, Excel) are written to out/export/ by the export step; the Parquet outputs sit in
out/ itself. Only the files present when the report is built are linked; the others are listed
as not written yet, so the section always says what exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from riskscore import outputset

EXPORT_DIR = "export"
EXPORTS = (
    ("scores.csv", "the scores, one row per member"),
    ("contributions.csv", "the factor points behind each score"),
    ("history.csv", "quarter-end scores since 2015"),
    ("uncertainty.csv", "score and rank intervals"),
    ("sources.csv", "every source cited, with its URL"),
    ("riskscore.xlsx", "all of the above as one Excel workbook"),
)
PARQUET = (
    ("scores.parquet", "scores"),
    ("contributions.parquet", "factor contributions"),
    ("history.parquet", "quarter-end history"),
    ("history_contributions.parquet", "history of the contributions"),
    ("uncertainty.parquet", "uncertainty intervals"),
    ("backtest.parquet", "the backtest panel"),
    ("calibration.parquet", "calibrated probabilities"),
)


@dataclass(frozen=True)
class Download:
    """One file to offer: its name, what it holds, a link relative to out/report/, its size."""

    name: str
    what: str
    href: str
    size: str | None  # None: not written yet


def _size(path: Path) -> str | None:
    path = outputset.current_path(path)  # written by this very report run, not yet swapped in
    if not path.is_file():
        return None
    kib = path.stat().st_size / 1024
    return f"{kib:,.0f} KB" if kib < 1024 else f"{kib / 1024:,.1f} MB"


def downloads(out: Path) -> dict[str, list[Download]]:
    """The files to link from out/report/index.html, grouped: CSV and Excel, then Parquet."""
    exports = [
        Download(name, what, f"../{EXPORT_DIR}/{name}", _size(out / EXPORT_DIR / name))
        for name, what in EXPORTS
    ]
    parquet = [Download(name, what, f"../{name}", _size(out / name)) for name, what in PARQUET]
    return {"CSV and Excel": exports, "Parquet": parquet}

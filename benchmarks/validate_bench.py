"""Validation against the read floor: how much more `validate` costs than polars reading the CSVs.

    python benchmarks/validate_bench.py [DATASETS]     # prints the figures as JSON

`measure()` is what `make bench` (benchmarks/run.py) can call. Both figures come from the same
run, interleaved, so machine load affects them alike; compare the ratio, not the seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import polars as pl

from riskscore.schemas import TABLES
from riskscore.validate import validate_package


def _seconds(fn) -> tuple[float, float]:
    """Wall and CPU seconds of fn() (CPU sums polars' threads; steadier on a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def read_floor(datasets: Path) -> None:
    """The least any validator must do: polars reads every table file (all columns as text)."""
    for table in TABLES.values():
        pl.read_csv(datasets / table.file, infer_schema=False)


def measure(datasets: Path = Path("datasets"), repeats: int = 21) -> dict[str, float]:
    """Median wall and CPU seconds of `validate_package` and of the read floor on the same
    files, and their ratios (the target is <= 3). One warm-up run of each first. The floor is
    short (about 50 ms) and moves most between runs: with 7 runs three medians in a row gave
    ratios of 3.11, 2.57 and 2.78 with validate itself steady; 21 runs take about 4 s."""
    today = dt.date.today()
    validate_package(datasets, today=today)
    read_floor(datasets)
    validate_times, floor_times = [], []
    for _ in range(repeats):
        validate_times.append(_seconds(lambda: validate_package(datasets, today=today)))
        floor_times.append(_seconds(lambda: read_floor(datasets)))
    out: dict[str, float] = {"repeats": repeats}
    for kind, column in (("wall", 0), ("cpu", 1)):
        validate_s = statistics.median(t[column] for t in validate_times)
        floor_s = statistics.median(t[column] for t in floor_times)
        out[f"validate_{kind}_seconds"] = validate_s
        out[f"read_floor_{kind}_seconds"] = floor_s
        out[f"{kind}_ratio"] = validate_s / floor_s
    return out


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("datasets")
    print(json.dumps(measure(folder), indent=2))

"""Benchmarks: how the pipeline's cost scales, reported as ratios and curves, not pass/fail.

    make bench        # writes out/bench.json and prints the tables

Timings are medians of repeated runs on this machine; compare ratios across machines.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from riskscore import model, pipeline
from riskscore.validate import validate_package

REPEATS = 3
DATE_COUNTS = (1, 4, 16, 47, 142)  # one date ... every quarter-end ... every month-end since 2015
OUT = Path("out")


def _median_seconds(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    console = Console()
    datasets = Path("datasets")
    package = pipeline.load_package(datasets)
    months = pipeline.period_ends(dt.date(2015, 1, 1), dt.date.today(), "month")

    validate_s = _median_seconds(lambda: validate_package(datasets))
    curve = []
    for n in DATE_COUNTS:
        dates = months[-n:] if n <= len(months) else months
        seconds = _median_seconds(lambda dates=dates: model.run(package.tables, dates))
        curve.append({"dates": len(dates), "seconds": seconds})
    one = curve[0]["seconds"]
    for point in curve:
        point["ratio_to_one_date"] = point["seconds"] / one
        point["seconds_per_date"] = point["seconds"] / point["dates"]

    table = Table(title="Model run time by number of as-of dates (all members)")
    for col in ("dates", "seconds", "x one date", "s per date"):
        table.add_column(col, justify="right")
    for p in curve:
        table.add_row(str(p["dates"]), f"{p['seconds']:.2f}", f"{p['ratio_to_one_date']:.1f}",
                      f"{p['seconds_per_date']:.3f}")  # fmt: skip
    console.print(table)
    console.print(f"validate the package: {validate_s:.2f} s "
                  f"({validate_s / one:.1f}x one model run)")  # fmt: skip

    OUT.mkdir(exist_ok=True)
    result = {"validate_seconds": validate_s, "model_curve": curve, "repeats": REPEATS}
    (OUT / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"wrote {OUT / 'bench.json'}")


if __name__ == "__main__":
    main()

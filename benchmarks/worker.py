"""One benchmark job, run in its own process so its peak memory is its own:

    python benchmarks/worker.py JOB [ARG]

Jobs: panel FREQ (score every member on every period end / day, 2015 to the cutoff, streaming
batches, nothing written), clones FACTOR (the quarterly panel of the package cloned FACTOR
times), draws N (the Monte Carlo with N draws). Prints {"seconds": ..., ...} as JSON; the
caller measures wall time and peak memory from outside.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clone import clone

from riskscore import model, pipeline, uncertainty


def panel(package: pipeline.Package, tables: dict, freq: str) -> dict:
    dates = pipeline.period_ends(pipeline.HISTORY_START, package.cutoff, freq)
    start = time.perf_counter()
    rows = 0
    with model.Engine(tables) as engine:
        for run in engine.batches(dates, lineage=freq != "day"):
            rows += run.scores.height
    return {"seconds": time.perf_counter() - start, "dates": len(dates), "member_dates": rows}


def main(job: str, arg: str) -> dict:
    package = pipeline.load_package(Path("datasets"))
    if job == "panel":
        return panel(package, package.tables, arg)
    if job == "clones":
        return panel(package, clone(package.tables, int(arg)), "quarter") | {"factor": int(arg)}
    if job == "draws":
        result = uncertainty.run(package, package.cutoff, draws=int(arg))
        return {"seconds": result.seconds, "draws": int(arg)}
    raise SystemExit(f"unknown job {job!r}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")))

"""`make coverage`: line coverage of riskscore/ under the test suite, and every public function
(no leading underscore in its name or its class's) that no test executes.

Exits 1 when such a function exists or line coverage falls under the floor, so "every public
function has a test" is a measured claim rather than a hope. Code run in subprocesses (the CLI
tests that spawn `riskscore`) is not counted, so the figure is a lower bound.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FLOOR = 95.0


def untested(report: dict) -> list[str]:
    """`file:function` for each public function with statements, none of them executed."""
    missing = []
    for file, data in sorted(report["files"].items()):
        for name, function in data.get("functions", {}).items():
            if not name or any(part.startswith("_") for part in name.split(".")):
                continue
            summary = function["summary"]
            if summary["num_statements"] and not summary["covered_lines"]:
                missing.append(f"{file}:{name}")
    return missing


def main(path: Path) -> int:
    report = json.loads(path.read_text(encoding="utf-8"))
    total = report["totals"]["percent_covered"]
    public = sum(
        1
        for data in report["files"].values()
        for name in data.get("functions", {})
        if name and not any(part.startswith("_") for part in name.split("."))
    )
    missing = untested(report)
    print(f"line coverage of riskscore/: {total:.1f}% (floor {FLOOR}%)")
    print(f"public functions: {public}; executed by no test: {len(missing)}")
    for entry in missing:
        print(f"  {entry}")
    return 0 if total >= FLOOR and not missing else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/coverage.json")))

"""Whole output sets: a killed run leaves the previous set or the new one, never a mix; one
writer at a time; identical runs write identical bytes."""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import MINI
from typer.testing import CliRunner

from riskscore import calibration, export, lock, outputset, pipeline
from riskscore.cli import app

runner = CliRunner()
PAIRS = {"score": ("scores", "contributions"), "history": ("history", "history_contributions")}

# Runs the CLI with every os.replace announced on stderr and slowed down, so that the test can
# kill the run at a chosen write step: while it waits to make its k-th rename.
SLOW_REPLACE_SECONDS = 0.1
SLOW_CLI = f"""
import os, sys, time
_replace = os.replace
def slow_replace(src, dst):
    print("replace", dst, file=sys.stderr, flush=True)
    time.sleep({SLOW_REPLACE_SECONDS})
    _replace(src, dst)
os.replace = slow_replace
from riskscore.cli import app
app(sys.argv[1:], prog_name="riskscore")
"""
# renames in one run of score or history: two files into staging, COMMIT.json, two moves into
# out/, manifest.json
RENAMES_PER_RUN = 6


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_CLI, *args, "--datasets", str(MINI)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _command(kind: str, day: str, out: Path) -> list[str]:
    if kind == "score":
        return ["score", "--as-of", day, "--out", str(out)]
    return ["history", "--start", "2024-01-01", "--end", day, "--out", str(out)]


def _pair_state(out: Path, kind: str) -> tuple[str, str]:
    """The date each file of a pair was written for (as_of, or end for the history)."""
    key = "as_of" if kind == "score" else "end"
    first, second = (export.read_metadata(out / f"{name}.parquet")[key] for name in PAIRS[kind])
    return first, second


def _kill_before_rename(run: subprocess.Popen, k: int, delay: float) -> None:
    """SIGKILL the run `delay` seconds into its wait before its k-th rename."""
    seen = 0
    while seen < k:
        line = run.stderr.readline()
        assert line, f"the run ended before rename {k}"
        seen += line.startswith("replace ")
    time.sleep(delay)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)


def test_a_run_killed_at_any_moment_leaves_one_whole_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    days = ("2025-03-31", "2025-06-30")
    for kind in PAIRS:  # a first whole set of each pair, as of the first date
        done = _start(_command(kind, days[0], out))
        assert done.wait(timeout=120) == 0, done.stderr.read()

    rng = random.Random(20260404)
    steps = rng.sample(range(1, RENAMES_PER_RUN + 1), RENAMES_PER_RUN)  # each write step once
    torn_before_recovery, finished = 0, 0
    for i, step in enumerate(steps):
        kind = ("score", "history")[i % 2]
        before = _pair_state(out, kind)
        other_day = days[1] if before[0] == days[0] else days[0]  # so a new set shows
        run = _start(_command(kind, other_day, out))
        _kill_before_rename(run, step, rng.uniform(0, 0.8 * SLOW_REPLACE_SECONDS))
        # right after the kill, out/ is either consistent or holds a committed set to finish
        if outputset.check(out):
            torn_before_recovery += 1
            committed = list((out / outputset.STAGING_DIR).glob(f"*/{outputset.COMMIT_FILE}"))
            assert committed, outputset.check(out)
        with lock.holding(out, wait=False):  # what the next writer does first
            outputset.recover(out)
        assert outputset.check(out) == []
        assert not (out / outputset.STAGING_DIR).exists()
        assert not list(out.rglob("*.tmp"))
        after = _pair_state(out, kind)
        assert after[0] == after[1], f"kill before rename {step}: {kind} pair torn: {after}"
        manifest = outputset.read_manifest(out)["sets"][kind]
        assert set(manifest["files"]) == {f"{n}.parquet" for n in PAIRS[kind]}
        # killed before the commit point (rename 3 writes COMMIT.json): the previous set stays
        assert (after != before) == (step > 3), (step, before, after)
        finished += after != before
    # kills during the moves (renames 4-6) left out/ torn until the next writer finished them
    assert torn_before_recovery == 3 and finished == 3, (torn_before_recovery, finished)


def test_a_second_writer_is_told_who_holds_out_and_can_wait(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _start(["score", "--as-of", "2025-06-30", "--out", str(out)])
    deadline = time.monotonic() + 60
    while lock.holder(out).get("pid") != str(first.pid):  # the first run has the lock
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.05)
    started = time.perf_counter()
    second = runner.invoke(app, ["score", "--as-of", "2025-03-31", "--out", str(out)])
    assert second.exit_code == 75
    assert time.perf_counter() - started < 5  # promptly, without doing the work
    [line] = second.output.strip().splitlines()
    assert f"is being written by pid {first.pid} (" in line and "score --as-of 2025-06-30" in line
    waiting = runner.invoke(
        app, ["--wait", "score", "--as-of", "2025-03-31", "--datasets", str(MINI), "--out",
              str(out)],
    )  # fmt: skip
    assert first.wait(timeout=60) == 0
    assert waiting.exit_code == 0, waiting.output
    assert _pair_state(out, "score") == ("2025-03-31", "2025-03-31")  # the waiter wrote last
    assert outputset.check(out) == []


def test_recover_deletes_an_uncommitted_set_and_stray_temp_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with outputset.staging(out, "score"):
        export.write_text(out / "model_card.md", "first\n")
    pending = out / outputset.STAGING_DIR / "score-999"
    pending.mkdir(parents=True)
    (pending / "model_card.md").write_text("half written\n", encoding="utf-8")
    (out / ".scores.parquet.999.tmp").write_bytes(b"partial")
    done = outputset.recover(out)
    assert len(done) == 2
    assert (out / "model_card.md").read_text(encoding="utf-8") == "first\n"
    assert outputset.check(out) == [] and sorted(p.name for p in out.iterdir()) == [
        "manifest.json", "model_card.md"]  # fmt: skip


def test_a_failing_command_leaves_the_previous_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with outputset.staging(out, "score"):
        export.write_text(out / "a.txt", "old a\n")
        export.write_text(out / "b.txt", "old b\n")
    with pytest.raises(RuntimeError), outputset.staging(out, "score"):
        export.write_text(out / "a.txt", "new a\n")
        raise RuntimeError("fails before b is written")
    assert (out / "a.txt").read_text(encoding="utf-8") == "old a\n"
    assert outputset.check(out) == [] and not (out / outputset.STAGING_DIR).exists()


def test_identical_runs_write_identical_bytes(tmp_path: Path) -> None:
    commands = [
        ["score", "--as-of", "2025-06-30"],
        ["history", "--start", "2023-01-01", "--end", "2025-06-30"],
        ["uncertainty", "--as-of", "2025-06-30", "--draws", "40"],
        ["report", "--as-of", "2025-06-30"],
        ["build"],
    ]
    outs = [tmp_path / "one", tmp_path / "two"]
    for out in outs:
        for args in commands:
            result = runner.invoke(app, [*args, "--datasets", str(MINI), "--out", str(out)])
            assert result.exit_code == 0, result.output
    files = [sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file()) for out in outs]
    assert files[0] == files[1] and len(files[0]) >= 10
    for relative in files[0]:
        first, second = ((out / relative).read_bytes() for out in outs)
        assert first == second, f"{relative} differs between identical runs"


def test_reliability_table_is_the_same_every_time() -> None:
    """The mean forecast per bin is a sequential sum (numpy bincount), never a parallel one:
    polars' parallel group-by mean once gave two different last digits on such a frame."""
    rng = np.random.default_rng(7)
    probability = rng.beta(0.3, 8, 5000)
    label = rng.random(5000) < probability
    curves = {
        tuple(calibration.reliability(label, probability)["mean_probability"]) for _ in range(100)
    }
    assert len(curves) == 1
    lowest = probability[probability < 0.1]
    assert curves.pop()[0] == pytest.approx(math.fsum(lowest) / len(lowest), rel=1e-12)


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from riskscore import lock\nwith lock.holding(Path(sys.argv[1])): "
         "print('held', flush=True); time.sleep(60)", str(tmp_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    locked = pytest.raises(lock.OutputLocked, match=f"pid {holder.pid}")
    with locked, lock.holding(tmp_path, wait=False):
        pass
    holder.kill()
    holder.wait(timeout=10)
    with lock.holding(tmp_path, wait=False):  # no stale lock after kill -9
        assert lock.holder(tmp_path)["pid"] == str(os.getpid())


def test_the_database_of_the_real_package_is_the_same_bytes_every_time(
    tmp_path: Path, real_package
) -> None:
    """Long distinct strings (URLs, descriptions) are what DuckDB's FSST compression would
    sample at random; written twice, the real package's database is the same file."""
    outs = [tmp_path / "one", tmp_path / "two"]
    for out in outs:
        pipeline.build_database(real_package, out)
    first, second = ((out / "riskscore.duckdb").read_bytes() for out in outs)
    assert len(first) > 1_000_000 and first == second


def test_sets_committed_side_by_side_keep_every_manifest_entry(tmp_path: Path) -> None:
    """`riskscore all` commits from two processes at once: the manifest's read-and-rewrite is
    locked, so no set's entry is lost (threads here: each opens its own lock description)."""
    import threading

    out = tmp_path / "out"
    out.mkdir()
    start = threading.Barrier(2)

    def commit_many(prefix: str) -> None:
        start.wait()
        for i in range(25):
            with outputset.staging(out, f"{prefix}{i}"):
                export.write_text(out / f"{prefix}{i}.txt", f"{prefix} {i}\n")

    threads = [threading.Thread(target=commit_many, args=(p,)) for p in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sets = outputset.read_manifest(out)["sets"]
    assert sorted(sets) == sorted(f"{p}{i}" for p in "ab" for i in range(25))
    assert outputset.check(out) == []

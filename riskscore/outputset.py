"""Whole output sets: the files one command writes into out/ appear together or not at all.

While a command writes (inside `staging(out, name)`), export.write_parquet and write_text put
every file meant for out/ into a staging folder, out/.staging/<name>-<pid>/. When the command
has written everything, `commit`:

1. records the set in the staging folder's COMMIT.json (file -> sha256, and the set's run id),
   written atomically: this is the point of no return;
2. moves each file into out/ with os.replace;
3. records the set in out/manifest.json (atomically) and removes the staging folder.

A run killed before 1 leaves only a staging folder, which the next writer deletes: out/ still
holds the previous set. A run killed during 2 or 3 leaves a COMMIT.json, and the next writer
finishes the moves (`recover`), so out/ then holds the new set whole. Writers hold the lock on
out/ (riskscore.lock) and recover before they write; `check` tells whether out/ is one
consistent state (every file the manifest lists has the content it records).

The run id of a set is a fingerprint of its files' contents: identical inputs and arguments
give byte-identical files and so the same run id.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"
STAGING_DIR = ".staging"
COMMIT_FILE = "COMMIT.json"
TEMP_PATTERNS = (".*.tmp", ".riskscore.*.duckdb", ".riskscore.*.duckdb.wal")


@dataclass
class Stage:
    """An output set being written: the out/ folder it is for, and where its files go now."""

    name: str
    out: Path  # resolved
    directory: Path
    files: set[str] = field(default_factory=set)  # paths relative to out/, POSIX style


_active: contextvars.ContextVar[Stage | None] = contextvars.ContextVar("stage", default=None)


def _in_stage(path: Path) -> tuple[Stage, str] | None:
    """The set being written and `path` relative to its out/, if `path` belongs to it."""
    stage = _active.get()
    if stage is None:
        return None
    resolved = path.resolve()
    if not resolved.is_relative_to(stage.out) or resolved.is_relative_to(stage.directory):
        return None
    return stage, resolved.relative_to(stage.out).as_posix()


def staged_path(path: Path) -> Path:
    """Where a file meant for `path` is written now: its place in the staging folder of the
    output set being written, if `path` is inside that set's out/; otherwise `path` itself."""
    found = _in_stage(path)
    if found is None:
        return path
    stage, relative = found
    stage.files.add(relative)
    return stage.directory / relative


def current_path(path: Path) -> Path:
    """Where the newest content of `path` is: the staged copy if the set being written has
    written one, else `path` itself (for a reader inside a command that writes a set)."""
    found = _in_stage(path)
    if found is None or not (found[0].directory / found[1]).exists():
        return path
    return found[0].directory / found[1]


@contextmanager
def outside() -> Iterator[None]:
    """Write as if no set were being staged: files go straight to their place (or into a set
    the block stages itself), not into the set around it."""
    token = _active.set(None)
    try:
        yield
    finally:
        _active.reset(token)


@contextmanager
def staging(out: Path, name: str) -> Iterator[Stage]:
    """Stage every file written into `out` inside the block; commit them as one set when the
    block ends normally, discard them if it raises. Call it holding the lock on out/."""
    out.mkdir(parents=True, exist_ok=True)
    root = out.resolve()
    directory = root / STAGING_DIR / f"{_slug(name)}-{os.getpid()}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    stage = Stage(name, root, directory)
    token = _active.set(stage)
    try:
        yield stage
    except BaseException:
        _discard(directory)
        raise
    finally:
        _active.reset(token)
    commit(stage)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_id(files: dict[str, str]) -> str:
    """The set's id: a fingerprint of its file names and contents (16 hex digits)."""
    canonical = json.dumps(files, sort_keys=True).encode()
    return hashlib.sha256(canonical).hexdigest()[:16]


def commit(stage: Stage) -> None:
    """Make the staged files the set `stage.name` in out/, as described in the module doc."""
    files = {rel: sha256(stage.directory / rel) for rel in sorted(stage.files)}
    record = {"set": stage.name, "run_id": run_id(files), "files": files}
    _write_json(stage.directory / COMMIT_FILE, record)  # the point of no return
    _apply(stage.out, stage.directory)


def _apply(out: Path, directory: Path) -> None:
    """Move a committed set's files into out/, record it in the manifest, drop the folder.
    Safe to repeat after a kill at any point: moved files are no longer in the folder."""
    record = json.loads((directory / COMMIT_FILE).read_text(encoding="utf-8"))
    for rel in record["files"]:
        source = directory / rel
        if source.exists():
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    with _manifest_lock(out):  # `riskscore all` commits from two processes at once
        manifest = read_manifest(out)
        for entry in manifest["sets"].values():  # a file belongs to the set that wrote it last
            for rel in record["files"]:
                entry["files"].pop(rel, None)
        sets = {name: entry for name, entry in manifest["sets"].items() if entry["files"]}
        manifest["sets"] = sets | {
            record["set"]: {"run_id": record["run_id"], "files": record["files"]}
        }
        _write_json(out / MANIFEST, manifest)
    _discard(directory)


@contextmanager
def _manifest_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the out/ folder itself while reading and rewriting the
    manifest, so that sets committed side by side never drop each other's entries (a lock on
    the folder leaves no file behind)."""
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _discard(directory: Path) -> None:
    """Delete a staging folder, and out/.staging once no other set is pending in it."""
    shutil.rmtree(directory, ignore_errors=True)
    with contextlib.suppress(OSError):
        directory.parent.rmdir()


def recover(out: Path) -> list[str]:
    """Clean up after runs that were killed: finish committed sets, delete uncommitted staging
    folders and temporary files. Call it holding the lock. Returns what it did, one line each."""
    done: list[str] = []
    if not out.is_dir():
        return done
    staging_root = out / STAGING_DIR
    if staging_root.is_dir():
        for directory in sorted(p for p in staging_root.iterdir() if p.is_dir()):
            if (directory / COMMIT_FILE).exists():
                _apply(out.resolve(), directory)
                done.append(f"finished the committed output set in {directory}")
            else:
                _discard(directory)
                done.append(f"removed the unfinished output set in {directory}")
    for pattern in TEMP_PATTERNS:
        for path in sorted(out.rglob(pattern)):
            if STAGING_DIR not in path.relative_to(out).parts and path.is_file():
                path.unlink(missing_ok=True)
                done.append(f"removed {path}")
    return done


def read_manifest(out: Path) -> dict:
    """out/manifest.json: {"format": 1, "sets": {name: {"run_id", "files": {path: sha256}}}}."""
    path = out / MANIFEST
    if not path.exists():
        return {"format": 1, "sets": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def check(out: Path) -> list[str]:
    """Problems that make out/ other than one consistent state: a committed set not yet moved
    in (recover finishes it), or a file the manifest lists that is missing or has other
    content. [] when consistent. (An uncommitted staging folder is not a problem: out/ still
    holds the previous set; recover deletes the folder.)"""
    problems = [
        f"committed output set {path.parent} is not fully in {out}/ yet"
        for path in sorted((out / STAGING_DIR).glob(f"*/{COMMIT_FILE}"))
    ]
    for name, entry in sorted(read_manifest(out)["sets"].items()):
        for rel, digest in sorted(entry["files"].items()):
            path = out / rel
            if not path.exists():
                problems.append(f"{path} of set {name} ({entry['run_id']}) is missing")
            elif sha256(path) != digest:
                problems.append(f"{path} is not the file set {name} ({entry['run_id']}) wrote")
    return problems


def _write_json(path: Path, document: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)

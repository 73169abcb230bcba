"""A validated-stamp: proof that a package's exact bytes passed the current rules.

`riskscore validate --out out` and every command that validates write out/.validated.json
with the package's fingerprint; a later command whose files hash to the same fingerprint parses
them without checking again, so `make all` validates once. The fingerprint covers every table
file, datapackage.json and the rules themselves (the source of the models, keys, vocabularies
and validator, and VALIDATOR_VERSION), so editing a CSV or upgrading riskscore invalidates the
stamp.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from riskscore import settings
from riskscore.validate.files import InputError, read_input

FILE = ".validated.json"
VALIDATOR_VERSION = "3"  # bump when the checks change in a way the descriptor does not show


@functools.cache
def _rules_sha256() -> str:
    """The rules' identity: the source of every module that defines or applies them (the models,
    keys, vocabularies and the validator), hashed as files, so that trusting a stamp needs no
    pandera import (rendering the models would cost about a second)."""
    digest = hashlib.sha256(VALIDATOR_VERSION.encode())
    for path in _rule_sources():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _rule_sources() -> list[Path]:
    package = Path(__file__).resolve().parent.parent
    named = ["schemas.py", "schema_models.py", "schema_columns.py", "vocab.py"]
    return [package / name for name in named] + sorted(Path(__file__).parent.glob("*.py"))


def fingerprint(data_sha256: str, descriptor: bytes) -> str:
    """The identity of a package's content under the current rules."""
    digest = hashlib.sha256(_rules_sha256().encode())
    digest.update(data_sha256.encode())
    digest.update(hashlib.sha256(descriptor).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class Stamp:
    """What a stamp records: the fingerprint of the package that passed, and the tables whose
    cells needed stripping (so parsing them again without the checks strips them too)."""

    fingerprint: str
    stripped: frozenset[str] = frozenset()


def read(out: Path) -> Stamp | None:
    """The stamp in `out`, or None (no stamp, or one that is not ours)."""
    try:
        data = json.loads(read_input(out / FILE, settings.MAX_SMALL_INPUT_BYTES))
    except (InputError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    value, stripped = data.get("fingerprint"), data.get("stripped", [])
    if not isinstance(value, str) or not isinstance(stripped, list):
        return None
    return Stamp(value, frozenset(str(name) for name in stripped))


def write(out: Path, stamp: Stamp) -> Path | None:
    """Stamp `out` (atomically); None when `out` cannot be written, which only costs speed."""
    path = out / FILE
    tmp = out / f".validated.{os.getpid()}.tmp"
    record = {"fingerprint": stamp.fingerprint, "stripped": sorted(stamp.stripped)}
    try:
        out.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return None
    return path

"""Paths and defaults in one place (model weights live in config/model.toml, not here)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent

DATASETS_DIR = Path("datasets")  # relative to the working directory, like make's targets
OUT_DIR = Path("out")
SHARED_DIR = Path("../shared")

# Natural Earth country shapes for the report's world map, built by riskscore.ingest.world_shapes
# and shipped inside the package so that the report needs nothing outside it.
WORLD_SHAPES_FILE = PACKAGE_DIR / "report" / "world_shapes.json"


def sql_dir() -> Path:
    """The layered SQL files: the repo's sql/ in a checkout, the packaged copy in a wheel."""
    for candidate in (REPO_DIR / "sql", PACKAGE_DIR / "_sql"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("sql/ directory not found next to the riskscore package")


@functools.cache
def code_sha256() -> str:
    """Every riskscore source file and SQL model, hashed: the identity of the code, for the
    caches in out/ whose contents any change to it could alter."""
    digest = hashlib.sha256()
    files = sorted(PACKAGE_DIR.rglob("*.py")) + sorted(sql_dir().rglob("*.sql"))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def method_file() -> Path:
    """METHOD.md: the repo's in a checkout, the copy packaged in a wheel."""
    for candidate in (REPO_DIR / "METHOD.md", PACKAGE_DIR / "METHOD.md"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("METHOD.md not found next to the riskscore package")


def curated_dir(datasets: Path) -> Path:
    """Hand-curated, sourced inputs that the ingest merges with the raw extracts."""
    return datasets / "curated"


# Hostile-input bounds for every file riskscore reads from a user (package CSVs, datapackage.json,
# scenario files). The largest shipped table, macro.csv, is ~6.5 MB; ten times that is plenty.
MAX_TABLE_BYTES = 64 * 1024 * 1024
# datapackage.json (~45 kB today) and a scenario file (a few rows) are small by nature.
MAX_SMALL_INPUT_BYTES = 4 * 1024 * 1024

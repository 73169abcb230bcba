"""Build the tidy tables in datasets/ from the raw public extracts in ../shared.

One module per source. Each exposes ``build(ctx) -> dict[str, polars.DataFrame]`` returning
rows for one or more tables (several modules may feed the same table, e.g. macro comes from
WEO and WDI). Modules run in the order below, so a later one can read ``ctx.tables`` of an
earlier one (responses need arrangements to tell program from surveillance).

`world_shapes` is apart: it writes no table but the country shapes the report's world map
ships with (`settings.WORLD_SHAPES_FILE`); `riskscore ingest` runs it after the tables.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import polars as pl

from riskscore.ingest.common import IngestContext, IngestError, finalize_table, write_table
from riskscore.schemas import TABLES

# module name -> what it builds
MODULES: list[str] = [
    "dataset_sources",  # sources.csv rows for whole datasets (datasets/curated)
    "countries",  # countries.csv: WB CLASS + IMF code crosswalk + IMF membership
    "weo",  # macro.csv core: IMF WEO Oct 2025
    "wdi",  # macro.csv external side + imf_positions yearly IMF credit: World Bank WDI/IDS
    "positions",  # imf_positions.csv: quota and credit, IMF finances 2024-01-31
    "arrangements",  # imf_arrangements.csv + imf_staff_level_agreements.csv (reconciled)
    "reviews",  # imf_reviews.csv: MONA + curated reviews
    "facts",  # crypto_actions.csv + imf_crypto_responses.csv (fact base + curation)
    "context",  # btc, electricity, adoption ranks, hashrate shares, crises, debt distress
]

Progress = Callable[[str], None]


def build_all(
    shared: Path, curated: Path, progress: Progress | None = None
) -> dict[str, pl.DataFrame]:
    """Run every ingest module and return the finished tables (not yet written)."""
    ctx = IngestContext(shared=shared, curated=curated)
    if not (shared / "sources").is_dir():
        raise IngestError(f"{shared}: no sources/ folder here; pass --shared PATH to ../shared")
    parts: dict[str, list[pl.DataFrame]] = {}
    for name in MODULES:
        if progress:
            progress(name)
        module = importlib.import_module(f"riskscore.ingest.{name}")
        try:
            produced = module.build(ctx)
        except IngestError:
            raise
        except Exception as err:  # a malformed raw file: name the module, not a traceback
            raise IngestError(f"ingest module {name!r}: {type(err).__name__}: {err}") from err
        for table, frame in produced.items():
            parts.setdefault(table, []).append(frame)
            ctx.tables[table] = pl.concat(parts[table], how="diagonal_relaxed")
    tables = {
        t: finalize_table(t, pl.concat(fs, how="diagonal_relaxed")) for t, fs in parts.items()
    }
    tables["sources"] = finalize_table("sources", ctx.sources_frame())
    missing = [t for t, spec in TABLES.items() if spec.required and t not in tables]
    if missing:
        raise IngestError(f"ingest produced no rows for table(s): {', '.join(missing)}")
    return tables


def write_all(tables: dict[str, pl.DataFrame], out_dir: Path) -> list[Path]:
    """Write every table to out_dir as CSV."""
    return [write_table(name, frame, out_dir) for name, frame in sorted(tables.items())]

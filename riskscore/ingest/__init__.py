"""Build the tidy tables in datasets/ from the raw public extracts in ../shared.

Two phases. First the table builders, one module per source: each exposes
``build(ctx) -> dict[str, polars.DataFrame]`` returning rows for one or more tables (several
modules may feed the same table, e.g. macro comes from WEO and WDI). Modules run in the order
below, so a later one can read ``ctx.tables`` of an earlier one (responses need arrangements
to tell program from surveillance).

Then the revisions: hand-curated research in datasets/curated that corrects or completes rows
the builders made. Each exposes ``revise(ctx) -> dict[str, polars.DataFrame]`` returning whole
tables that replace the ones in ``ctx.tables`` (or new tables). They run in order, after every
builder, because they act on finished rows: a correction must see the value it replaces, the
arrangement lifecycle must see every review, and the sources table is settled last, once every
row's citations are final.

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
    "article_iv",  # imf_article_iv.csv: Article IV calendar (datasets/curated)
]

# module name -> what it revises
REVISIONS: list[str] = [
    "corrections",  # single cells fixed from sources, each checked against the value it replaces
    "lifecycle",  # imf_arrangement_events.csv; each arrangement made consistent with its events
    "review_status",  # imf_reviews: completions found by research; status and reason per review
    "channels",  # responses' channel again, on the revised arrangements
    "citations",  # citation changes; sources.csv: metadata, tier, only the sources rows cite
    "coverage",  # coverage.csv: how far each table's observations reach
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
        for table, frame in _run(name, "build", ctx, progress).items():
            parts.setdefault(table, []).append(frame)
            ctx.tables[table] = pl.concat(parts[table], how="diagonal_relaxed")
    for name in REVISIONS:
        ctx.tables.update(_run(name, "revise", ctx, progress))
    tables = {t: finalize_table(t, frame) for t, frame in ctx.tables.items()}
    missing = [t for t, spec in TABLES.items() if spec.required and t not in tables]
    if missing:
        raise IngestError(f"ingest produced no rows for table(s): {', '.join(missing)}")
    return tables


def _run(
    name: str, step: str, ctx: IngestContext, progress: Progress | None
) -> dict[str, pl.DataFrame]:
    """Call one module's build or revise step; an unexpected error names the module."""
    if progress:
        progress(name)
    module = importlib.import_module(f"riskscore.ingest.{name}")
    try:
        return getattr(module, step)(ctx)
    except IngestError:
        raise
    except Exception as err:  # a malformed raw file: name the module, not a traceback
        raise IngestError(f"ingest module {name!r}: {type(err).__name__}: {err}") from err


def write_all(tables: dict[str, pl.DataFrame], out_dir: Path) -> list[Path]:
    """Write every table to out_dir as CSV."""
    return [write_table(name, frame, out_dir) for name, frame in sorted(tables.items())]

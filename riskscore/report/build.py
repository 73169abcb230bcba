"""Building out/report/: the index, a page per member, the map and the brief, as of a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from riskscore import diff, export, pipeline, settings
from riskscore.config import ModelConfig
from riskscore.config import load as load_config
from riskscore.errors import NotFound
from riskscore.report import downloads, maps, pages, summary, tables
from riskscore.report import inputs as report_inputs

__all__ = ["ReportFiles", "build_report"]


@dataclass
class ReportFiles:
    """What `build_report` wrote, and what it read or computed on the way."""

    directory: Path
    index: Path
    summary: Path
    map: Path
    countries: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build_report(
    out: Path = settings.OUT_DIR,
    as_of: dt.date | None = None,
    datasets: Path = settings.DATASETS_DIR,
    countries: list[str] | None = None,
    package: pipeline.Package | None = None,
    config: ModelConfig | None = None,
    on_start: Callable[[int], None] | None = None,
    on_page: Callable[[str], None] | None = None,
    before_index: Callable[[], None] | None = None,
) -> ReportFiles:
    """Build out/report/ as of a date (default: the data cutoff) for every member, or only
    `countries`.

    Raises pipeline.InvalidPackage if the data package fails validation, and KeyError for a
    country that is not a scored member. `on_start(n)` and `on_page(iso3)` report progress;
    `before_index()` runs before the index lists the downloads.
    """
    package = package or pipeline.load_package(datasets)
    as_of = package.default_as_of(as_of)
    config = config or load_config()
    data = report_inputs.load(out, as_of, package, config)

    change = evidence = None
    if data.previous_on is not None:
        change = diff.attribute(data.history, data.history_contributions, data.previous_on, as_of)
        evidence = diff.describe(change.evidence, data.tables)

    members = data.scores.sort("rank").select("iso3", "country", "rank").to_dicts()
    wanted = [c.upper() for c in countries] if countries else [m["iso3"] for m in members]
    unknown = sorted(set(wanted) - {m["iso3"] for m in members})
    if unknown:
        raise NotFound(f"not scored IMF member(s) on {as_of}: {', '.join(unknown)}")

    target = out / "report"
    files = ReportFiles(
        target, target / "index.html", target / "summary.md", target / "map.svg", notes=data.notes
    )
    world = maps.score_map(data)
    export.write_text(files.map, f'<?xml version="1.0" encoding="UTF-8"?>\n{world}\n')
    export.write_text(files.summary, summary.build(data, change, evidence))

    sources = tables.source_index(data.tables["sources"])
    position = {m["iso3"]: i for i, m in enumerate(members)}
    if on_start:
        on_start(len(wanted))
    for iso3 in wanted:
        i = position[iso3]
        neighbours = (
            members[i - 1] if i > 0 else None,
            members[i + 1] if i + 1 < len(members) else None,
        )
        html = pages.country_page(data, iso3, change, evidence, sources, neighbours)
        files.countries.append(export.write_text(target / "country" / f"{iso3}.html", html))
        if on_page:
            on_page(iso3)
    # last: the index lists every download with its size (riskscore all may still be writing one)
    if before_index:
        before_index()
    model_card = (out / "model_card.md").exists()
    offered = downloads.downloads(out)
    export.write_text(files.index, pages.index_page(data, change, model_card, world, offered))
    return files

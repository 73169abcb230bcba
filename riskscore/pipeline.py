"""The pipeline a user runs: validated package -> model -> Parquet outputs and the DuckDB file.

Every function here is what a CLI command calls, and a notebook user can call it too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riskscore import __version__, export, model, settings
from riskscore.config import ModelConfig
from riskscore.config import load as load_config
from riskscore.schemas import MODEL_EVENT_TABLES
from riskscore.validate import PackageReport, stamp, validate_package, write_failures

FREQUENCIES = {"day": 0, "month": 1, "quarter": 3, "year": 12}
HISTORY_START = dt.date(2015, 1, 1)


class InvalidPackage(Exception):
    """The data package failed validation; `report` holds every failure."""

    def __init__(self, report: PackageReport):
        super().__init__(f"{report.directory}: {len(report.failures)} validation failure(s)")
        self.report = report


@dataclass(frozen=True)
class Package:
    """The validated tables of a data package and a hash identifying their content."""

    directory: Path
    tables: dict[str, pl.DataFrame]
    data_sha256: str
    validated: stamp.Stamp | None = None  # what a validated-stamp for these tables records
    cache_dir: Path | None = None  # the out/ it was read for: where derived tables may be cached

    def observed_through(self, table: str) -> dt.date | None:
        """The day up to which a missing row of `table` means "did not happen"."""
        coverage = self.tables.get("coverage")
        if coverage is None:
            return None
        row = coverage.filter(pl.col("table_name") == table)
        return row["observed_through"].item() if row.height else None

    @property
    def cutoff(self) -> dt.date:
        """The package cutoff: the earliest observed_through among the event tables the model
        reads. After it at least one of them is incomplete. A package without a coverage
        table (an older one) is taken as complete up to today."""
        days = [self.observed_through(t) for t in MODEL_EVENT_TABLES]
        known = [d for d in days if d is not None]
        return min(known) if known else dt.date.today()

    def default_as_of(self, as_of: dt.date | None) -> dt.date:
        """`as_of`, or the cutoff when none was asked for."""
        return as_of or self.cutoff


def data_hash(directory: Path) -> str:
    """SHA-256 over the package's table files, in table order (each read through the bounded
    reader, so a FIFO or a huge file cannot hang it; an unreadable file counts as empty)."""
    from riskscore.validate import package_data_sha256

    return package_data_sha256(directory)


def load_package(
    datasets: Path = settings.DATASETS_DIR,
    today: dt.date | None = None,
    cache: Path | None = None,
) -> Package:
    """Validate the package and return its typed tables; raise InvalidPackage on any failure.

    With `cache` (out/riskscore.duckdb, as the commands pass it), its folder may hold a
    validated-stamp (written by `riskscore validate --out`, `build` and every command that read
    the package into that folder): a package whose bytes
    already passed the current rules is then parsed without checking it again. So `make all`
    validates once, and editing any CSV (or upgrading the rules) means validating again.
    """
    trusted = stamp.read(cache.parent) if cache is not None else None
    report = validate_package(datasets, today=today, trusted=trusted)
    if not report.ok:
        raise InvalidPackage(report)
    cache_dir = cache.parent if cache is not None else None
    return Package(datasets, report.clean_tables(), report.data_sha256, report.stamp(), cache_dir)


def period_ends(start: dt.date, end: dt.date, freq: str = "quarter") -> list[dt.date]:
    """Every day, or month, quarter or year ends, from `start` to `end` inclusive."""
    if freq == "day":
        return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    step = FREQUENCIES[freq]
    dates = []
    year, month = start.year, start.month
    while True:
        # the first period end on or after `start`
        month_end_month = ((month - 1) // step + 1) * step
        first_next = dt.date(year + (month_end_month == 12), month_end_month % 12 + 1, 1)
        day = first_next - dt.timedelta(days=1)
        if day > end:
            return dates
        if day >= start:
            dates.append(day)
        year, month = first_next.year, first_next.month


def metadata(package: Package, config: ModelConfig, **extra: str) -> dict[str, str]:
    """The key-value metadata every output carries: what made it and up to when its data are
    known (`data_through`, the package cutoff)."""
    return {
        "model_version": config.version,
        "config_sha256": config.sha256,
        "data_sha256": package.data_sha256,
        "data_through": package.cutoff.isoformat(),
        "riskscore_version": __version__,
        **extra,
    }


def made_from(path: Path, provenance: dict[str, str], **expected: str) -> bool:
    """Whether the output at `path` exists and was made from the data and config `provenance`
    (see `metadata`) names, with the `expected` metadata too (e.g. as_of): then it can be read
    instead of computed again."""
    if not path.exists():
        return False
    meta = export.read_metadata(path)
    wanted = {
        "config_sha256": provenance["config_sha256"],
        "data_sha256": provenance["data_sha256"],
        **expected,
    }
    return all(meta.get(k) == v for k, v in wanted.items())


def after_cutoff(package: Package, as_of: dt.date) -> str | None:
    """A one-line warning when `as_of` lies after the package cutoff, else None."""
    if as_of <= package.cutoff:
        return None
    return (
        f"as of {as_of} is after the data cutoff {package.cutoff}: events after the cutoff are "
        "unknown, not absent (review clocks stop at the cutoff; decays continue)"
    )


def run_model(
    dates: list[dt.date],
    datasets: Path = settings.DATASETS_DIR,
    config: ModelConfig | None = None,
    package: Package | None = None,
) -> tuple[model.ModelRun, Package]:
    """Validate the package (unless given) and score every member on every date."""
    package = package or load_package(datasets)
    run = model.run(package.tables, dates, config or load_config(), cache_dir=package.cache_dir)
    return run, package


def score(
    as_of: dt.date | None = None,
    datasets: Path = settings.DATASETS_DIR,
    config: ModelConfig | None = None,
) -> pl.DataFrame:
    """Scores of every IMF member as of a date (default: the package cutoff), ranked."""
    return _run_on(as_of, datasets, config).scores


def contributions(
    as_of: dt.date | None = None,
    datasets: Path = settings.DATASETS_DIR,
    config: ModelConfig | None = None,
) -> pl.DataFrame:
    """Factor contributions (they sum to each score) as of a date (default: the cutoff)."""
    return _run_on(as_of, datasets, config).contributions


def _run_on(as_of: dt.date | None, datasets: Path, config: ModelConfig | None) -> model.ModelRun:
    package = load_package(datasets)
    return run_model([package.default_as_of(as_of)], config=config, package=package)[0]


def history(
    start: dt.date = HISTORY_START,
    end: dt.date | None = None,
    freq: str = "quarter",
    datasets: Path = settings.DATASETS_DIR,
    config: ModelConfig | None = None,
) -> pl.DataFrame:
    """Scores for every period end (or day) from start to end (default: the cutoff)."""
    package = load_package(datasets)
    dates = period_ends(start, package.default_as_of(end), freq)
    with model.Engine(package.tables, config) as engine:
        runs = engine.batches(dates, lineage=freq != "day")
        return pl.concat(run.scores for run in runs)


def write_scores(run: model.ModelRun, package: Package, out: Path, as_of: dt.date) -> list[Path]:
    """out/scores.parquet and out/contributions.parquet for one as-of date."""
    meta = metadata(package, run.config, as_of=as_of.isoformat())
    return [
        export.write_parquet(run.scores, out / "scores.parquet", meta),
        export.write_parquet(run.contributions, out / "contributions.parquet", meta),
    ]


def write_history(
    runs: Iterable[model.ModelRun],
    package: Package,
    config: ModelConfig,
    out: Path,
    start: dt.date,
    end: dt.date,
    freq: str,
) -> tuple[list[Path], int]:
    """out/history.parquet (scores) and out/history_contributions.parquet, streamed batch by
    batch; returns the paths and the number of member-dates written."""
    meta = metadata(package, config, start=start.isoformat(), end=end.isoformat(), freq=freq)
    scores_path, parts_path = out / "history.parquet", out / "history_contributions.parquet"
    with (
        export.ParquetStream(scores_path, meta) as scores,
        export.ParquetStream(parts_path, meta) as parts,
    ):
        for run in runs:
            scores.write(run.scores)
            parts.write(run.contributions)
    return [scores_path, parts_path], scores.rows


def record_rejections(report: PackageReport, out: Path) -> Path:
    """Keep an account of rejected rows beside the (untouched) outputs."""
    return write_failures(report.failures, out / "validation_failures.parquet")


OUTPUT_VIEWS = {
    "scores": "scores.parquet",
    "contributions": "contributions.parquet",
    "history": "history.parquet",
    "history_contributions": "history_contributions.parquet",
}


def build_database(package: Package, out: Path, config: ModelConfig | None = None) -> Path:
    """out/riskscore.duckdb: every dataset table, the config tables and every output in out/,
    self-contained and commented (see riskscore.database)."""
    from riskscore import database

    return database.build(package, out, config)

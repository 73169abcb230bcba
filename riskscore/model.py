"""Run the scoring model for a set of as-of dates: tables in, scores and contributions out.

DuckDB SQL (sql/staging, sql/features) turns the validated tables into each factor's raw value
per member and date, with the rows and sources behind it; riskscore.formula turns those into
the score and its exact decomposition. This module moves data between the two.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from riskscore import db, formula, settings
from riskscore.config import ModelConfig
from riskscore.config import load as load_config

SCORE_COLUMNS = [
    "iso3", "country", "as_of", "score", "band", "rank",
    "exposure", "engagement", "vulnerability", "completeness", "model_version",
]  # fmt: skip
CONTRIBUTION_COLUMNS = [
    "iso3", "as_of", "pillar", "factor", "label", "raw_value", "scaled_value", "weight",
    "points", "observed", "evidence_ids", "source_ids",
]  # fmt: skip
BATCH_ROWS = 60_000  # member-dates scored at once: bounds memory on long daily panels
# with lineage a member-date carries its evidence and source lists (about 13 contribution rows
# of lists): smaller batches keep a 25x-members quarterly panel near 1.3 GB instead of 1.9
BATCH_ROWS_LINEAGE = 20_000
WORKERS = 2  # batches scored side by side (one DuckDB thread each)
MEMORY_LIMIT = (
    "1GB"  # DuckDB keeps freed buffers up to its limit; a bounded one keeps the peak bounded
)
OUTPUT_MODELS = ("country_dates", "factors__cells", "actions__points", "exposure__sized_actions")
IMPUTED_FACTOR = "missing_value_imputed"
IMPUTED_LABEL = "No factor observed: pillar set to its missing value"
IMPUTED_POSITION = 99
# out/.staging-<key>.duckdb: the staging layer as last built from the same tables, config and code
STAGING_CACHE_PREFIX = ".staging-"


@dataclass(frozen=True)
class ModelRun:
    """Everything one run produced, for the dates it was asked about.

    `keys` (iso3, as_of, country) orders the rows of `inputs` and `result`, the arrays the
    formula worked on, so the Monte Carlo and the challenger can reuse them."""

    scores: pl.DataFrame
    contributions: pl.DataFrame | None  # None when the run was asked for scores only
    action_points: pl.DataFrame
    config: ModelConfig
    keys: pl.DataFrame
    inputs: formula.Inputs
    params: formula.Params

    def factor_values(self) -> pl.DataFrame:
        """One row per key (iso3, as_of) with each factor's scaled value (0-10); null where
        the factor is not observed (the values the contribution rows carry), from the formula
        run again on the run's arrays (it keeps its inputs, not every intermediate array)."""
        result = formula.evaluate(self.inputs, self.params)
        scaled = np.where(self.inputs.observed, result.scaled[0], np.nan)
        names = self.config.factors()["factor"].to_list()
        return self.keys.select("iso3", "as_of").with_columns(
            pl.Series(name, scaled[:, i]).fill_nan(None) for i, name in enumerate(names)
        )


def published_params(config: ModelConfig) -> formula.Params:
    """The configured model as one draw of parameters."""
    factors, pillars = config.factors(), config.pillars()
    one = lambda values: np.asarray(values, dtype=float)[None, :]  # noqa: E731
    return formula.Params(
        weight=one(factors["weight"]),
        lo=one(factors["lo"]),
        hi=one(factors["hi"]),
        transform=np.zeros(1, dtype=int),
        imputation=np.zeros(1, dtype=int),
        missing_value=one(pillars["missing_value"]),
        coefficient=one(pillars["coefficient"]),
        half_life_multiplier=np.ones((1, config.action_types().height)),
    )


def features(
    con: duckdb.DuckDBPyConnection,
    as_of_dates: list[dt.date],
    lineage: bool = True,
    prebuilt: frozenset[str] = frozenset(),
    partial: db.Partial | None = None,
) -> dict[str, pl.DataFrame]:
    """Run the SQL on a connection holding the tables and config: every member's factor raw
    values on every date (`factors__cells`), the crypto
    actions known then with their decay (`actions__points`), the sized actions
    (`exposure__sized_actions`) and the scored rows (`country_dates`). Without `lineage` the
    evidence and source lists stay empty. `prebuilt`: models the database already holds;
    `partial`: dates on which only some members are scored."""
    db.bind_as_of_dates(con, as_of_dates, lineage, partial)
    # the cells are read once, below: as a view, without lineage its lists are never built
    db.run_models(con, keep=OUTPUT_MODELS, prebuilt=prebuilt, read_once=("factors__cells",))
    cells = "select * from factors__cells"
    if not lineage:  # numeric columns only: straight into numpy, no frame
        cells = "select row_index, column_index, raw_value, observed from factors__cells"
    return {
        "country_dates": db.table(con, "country_dates", order_by="as_of, iso3"),
        "factors__cells": db.frame_of(con.sql(cells)),
        "actions__points": db.table(
            con, "actions__points", order_by="as_of, iso3, announced_on, action_id"
        ),
        "exposure__sized_actions": db.table(
            con, "exposure__sized_actions", order_by="as_of, iso3, action_id"
        ),
    }


class Engine:
    """The package's tables and the config loaded once into an in-memory DuckDB, scoring
    batches of dates. Each batch runs on its own connection to that database with one thread
    (temporary tables, fixed summation order), so batches can run side by side and the result
    never depends on how they were scheduled."""

    def __init__(
        self,
        tables: dict[str, pl.DataFrame],
        config: ModelConfig | None = None,
        cache_dir: Path | None = None,
    ):
        """`cache_dir` (a command's out/) keeps the staging layer of these tables, config and
        code in a file (`STAGING_CACHE_PREFIX`<key>.duckdb), read instead of built again."""
        self.config = config or load_config()
        # the models are parsed (by DuckDB, outside the GIL) while the tables load; once, before
        # any batch thread needs them (a parse error is raised below, by build_layer)
        parsing = threading.Thread(target=_parse_models)
        parsing.start()
        self.con = db.connect(threads=1, memory_limit=MEMORY_LIMIT)
        cached = _staging_cache(cache_dir, tables, self.config) if cache_dir else None
        parsing.join()
        # staging reads no date: built once here, read by every batch; the package tables and
        # staging models only staging reads are then dropped (a panel of cloned members holds
        # millions of rows). A dropped model stays named as built, so no batch builds it again.
        staging = frozenset(m.name for m in db.sql_models() if m.layer == "staging")
        unread = db.read_only_by("staging")
        kept = staging - unread
        if cached is not None and db.load_tables(self.con, cached, kept):
            db.load_frames(self.con, {n: f for n, f in tables.items() if n not in unread})
            db.load_frames(self.con, self.config.tables())
            db.create_macros(self.con)
            self.prebuilt = staging
            return
        db.load_frames(self.con, tables)
        db.load_frames(self.con, self.config.tables())
        self.prebuilt = db.build_layer(self.con, "staging")
        for name in sorted(unread & (set(tables) | self.prebuilt)):
            self.con.execute(f'drop table "{name}"')
        if cached is not None:
            _keep_staging(self.con, kept, cached)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def run(
        self,
        as_of_dates: list[dt.date],
        lineage: bool = True,
        partial: db.Partial | None = None,
        contributions: bool = True,
    ) -> ModelRun:
        """Score every IMF member on every date (on `partial.dates`, only `partial.members`),
        using only what was known on that date; without `contributions`, no contribution rows
        (the run's arrays still give every factor's value)."""
        if not as_of_dates:
            raise ValueError("no as-of dates to score")
        con = self.con.cursor()
        try:
            frames = features(con, as_of_dates, lineage, self.prebuilt, partial)
        finally:
            con.close()
        return _score(frames, self.config, contributions)

    def batches(
        self,
        as_of_dates: list[dt.date],
        lineage: bool = True,
        workers: int = WORKERS,
        progress: Callable[[int, int], None] | None = None,
        partial: db.Partial | None = None,
        contributions: bool = True,
    ) -> Iterator[ModelRun]:
        """The dates in batches of at most BATCH_ROWS member-dates (BATCH_ROWS_LINEAGE with
        lineage), scored `workers` at a time and yielded in date order; memory holds a few
        batches, never the whole panel.
        `progress(dates_done, dates_total)` is called as batches finish."""
        dates = sorted(set(as_of_dates))
        members = max(
            1,
            self.con.execute("select count(*) from stg_countries").fetchone()[0],  # members
        )
        size = max(1, (BATCH_ROWS_LINEAGE if lineage else BATCH_ROWS) // members)
        # a short panel is still split so that every worker gets a share
        size = min(size, -(-len(dates) // max(1, workers)))
        chunks = [dates[i : i + size] for i in range(0, len(dates), size)]
        done = 0
        # the workers are the parallelism: BLAS threads of their own would only contend
        with _one_blas_thread(workers > 1), ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            pending = [
                pool.submit(self.run, chunk, lineage, partial, contributions)
                for chunk in chunks[:workers]
            ]
            for index in range(len(chunks)):
                result = pending[index].result()
                following = index + workers
                if following < len(chunks):
                    pending.append(
                        pool.submit(self.run, chunks[following], lineage, partial, contributions)
                    )
                pending[index] = None  # let the batch go once it is consumed
                done += len(chunks[index])
                if progress:
                    progress(done, len(dates))
                yield result


@contextlib.contextmanager
def _one_blas_thread(limit: bool) -> Iterator[None]:
    if not limit:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _staging_cache(cache_dir: Path, tables: dict[str, pl.DataFrame], config: ModelConfig) -> Path:
    """Where the staging layer of these tables, config and code is kept: the key hashes every
    table's rows (polars' row hashes, stable within a polars version), the config, the code and
    SQL, and the DuckDB and polars versions."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name]
        digest.update(f"{name}:{frame.schema}".encode())
        digest.update(frame.hash_rows().to_numpy().tobytes())
    for part in (config.sha256, settings.code_sha256(), duckdb.__version__, pl.__version__):
        digest.update(part.encode())
    return cache_dir / f"{STAGING_CACHE_PREFIX}{digest.hexdigest()[:20]}.duckdb"


def _keep_staging(con: duckdb.DuckDBPyConnection, names: frozenset[str], cached: Path) -> None:
    """Save the staging tables as out/'s only staging cache; a failure costs only speed."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        db.save_tables(con, names, cached)
        db.drop_older_caches(cached, STAGING_CACHE_PREFIX)
    except (OSError, duckdb.Error):
        return


def _parse_models() -> None:
    with contextlib.suppress(db.SqlModelError):
        db.sql_models()


def run(
    tables: dict[str, pl.DataFrame],
    as_of_dates: list[dt.date],
    config: ModelConfig | None = None,
    lineage: bool = True,
    cache_dir: Path | None = None,
) -> ModelRun:
    """Score every IMF member on every date, using only what was known on that date (one
    batch, in memory; see Engine.batches for long panels; `cache_dir`: see Engine)."""
    with Engine(tables, config, cache_dir) as engine:
        return engine.run(as_of_dates, lineage)


def with_row(frame: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the index (`row`) of its (iso3, as_of) in `keys`, in its own order."""
    index = keys.select("iso3", "as_of").with_row_index("row")
    return frame.join(index, on=["iso3", "as_of"], maintain_order="left")


def inputs(
    keys: pl.DataFrame,
    cells: pl.DataFrame,
    actions: pl.DataFrame,
    sized: pl.DataFrame,
    config: ModelConfig,
) -> formula.Inputs:
    """The formula's arrays: one row per key (member x date), one column per configured factor;
    `actions` (with `row`, see with_row) in the order the action arrays take."""
    names = config.factors()
    raw = np.full((keys.height, names.height), np.nan)
    observed = np.zeros(raw.shape, dtype=bool)
    rows, columns = cells["row_index"].to_numpy(), cells["column_index"].to_numpy()
    seen = cells["observed"].to_numpy()
    raw[rows[seen], columns[seen]] = cells["raw_value"].to_numpy()[seen]
    observed[rows, columns] = seen
    state_actions = names["factor"].to_list().index("state_actions")
    observed[:, state_actions] = True  # computed from the actions: no action is 0 points
    types = config.action_types()["action_type"].to_list()
    shares = (
        sized.filter(pl.col("full_share").is_not_null())
        .join(
            actions.select("iso3", "as_of", "action_id").with_row_index("action"),
            on=["iso3", "as_of", "action_id"],
        )
        .sort("action")
    )
    return formula.Inputs(
        raw=raw,
        observed=observed,
        pillar=np.array([formula.PILLARS.index(p) for p in names["pillar"]]),
        state_actions=state_actions,
        exposure_size=names["factor"].to_list().index("exposure_size"),
        action_row=actions["row"].to_numpy().astype(np.int64),
        action_type=np.array([types.index(t) for t in actions["action_type"]], dtype=np.int64),
        action_base=(actions["type_weight"] * actions["status_multiplier"]).to_numpy(),
        action_decay=actions["decay"].to_numpy(),
        size_action=shares["action"].to_numpy().astype(np.int64),
        size_share=shares["full_share"].to_numpy(),
    )


def on_dates(run: ModelRun, dates: Iterable[dt.date]) -> ModelRun:
    """The part of `run` about the given dates."""
    wanted = pl.Series(sorted(set(dates)), dtype=pl.Date).implode()
    on = pl.col("as_of").is_in(wanted)
    rows = np.flatnonzero(run.keys.select(on).to_series().to_numpy())
    return replace(
        run,
        scores=run.scores.filter(on),
        contributions=None if run.contributions is None else run.contributions.filter(on),
        action_points=run.action_points.filter(on),
        keys=run.keys[rows],
        inputs=run.inputs.subset(rows),
    )


def concat(runs: list[ModelRun]) -> ModelRun:
    """Runs over consecutive batches of dates (Engine.batches) as one run."""
    if len(runs) == 1:
        return runs[0]
    return ModelRun(
        scores=pl.concat([r.scores for r in runs]),
        contributions=None
        if runs[0].contributions is None
        else pl.concat([r.contributions for r in runs]),
        action_points=pl.concat([r.action_points for r in runs]),
        config=runs[0].config,
        keys=pl.concat([r.keys for r in runs]),
        inputs=formula.Inputs.concat([r.inputs for r in runs]),
        params=runs[0].params,
    )


def _score(
    frames: dict[str, pl.DataFrame], config: ModelConfig, contributions: bool = True
) -> ModelRun:
    keys = frames["country_dates"].select("iso3", "as_of", "country")
    actions = with_row(frames["actions__points"], keys)
    model_inputs = inputs(
        keys, frames["factors__cells"], actions, frames["exposure__sized_actions"], config
    )
    params = published_params(config)
    result = formula.evaluate(model_inputs, params)
    action_points = actions.with_columns(points=pl.Series(result.action_points[0])).drop("row")
    return ModelRun(
        scores=_scores(keys, result, model_inputs, config),
        contributions=_contributions(keys, result, model_inputs, frames["factors__cells"], config)
        if contributions
        else None,
        action_points=action_points,
        config=config,
        keys=keys,
        inputs=model_inputs,
        params=params,
    )


def _scores(
    keys: pl.DataFrame, result: formula.Result, model_inputs: formula.Inputs, config: ModelConfig
) -> pl.DataFrame:
    bands = config.bands()
    score = result.score[0]
    band = formula.band_index(score, bands["lower_bound"].to_numpy())
    as_of = keys["as_of"].to_physical().to_numpy()
    return keys.select(
        "iso3",
        "country",
        "as_of",
        score=pl.Series(score),
        band=pl.Series(bands["band"].to_numpy()[band]),
        rank=pl.Series(formula.ranks(score, as_of), dtype=pl.Int64),
        exposure=pl.Series(result.pillars[0, :, 0]),
        engagement=pl.Series(result.pillars[0, :, 1]),
        vulnerability=pl.Series(result.pillars[0, :, 2]),
        completeness=pl.Series(formula.completeness(model_inputs.observed)),
        model_version=pl.lit(config.version),
    ).sort("as_of", "rank", "iso3")


def _contributions(
    keys: pl.DataFrame,
    result: formula.Result,
    model_inputs: formula.Inputs,
    cells: pl.DataFrame,
    config: ModelConfig,
) -> pl.DataFrame:
    """One row per member, date and factor (an imputed pillar: one row for the pillar), in
    as-of, iso3, pillar and factor order, built from the arrays by position (no joins)."""
    names = config.factors()
    n, f = keys.height, names.height
    pillars = len(formula.PILLARS)
    factor_imputed = result.imputed[0][:, model_inputs.pillar]  # (N, F)
    keep = ~factor_imputed.ravel()
    imputed = result.imputed[0].ravel()  # (N x P)
    rows = np.concatenate(
        [np.repeat(np.arange(n), f)[keep], np.repeat(np.arange(n), pillars)[imputed]]
    )
    pillar = np.concatenate(
        [np.tile(model_inputs.pillar, n)[keep], np.tile(np.arange(pillars), n)[imputed]]
    )
    position = np.concatenate(
        [np.tile(names["position"].to_numpy(), n)[keep], np.full(imputed.sum(), IMPUTED_POSITION)]
    )
    column = np.concatenate([np.tile(np.arange(f), n)[keep], np.full(imputed.sum(), f)])
    # rows in (as_of, iso3) order, then pillar and position; nearly sorted, so a stable sort
    # of one integer key is quick
    order = np.argsort((rows * pillars + pillar) * (IMPUTED_POSITION + 1) + position, kind="stable")
    rows, pillar, column = rows[order], pillar[order], column[order]
    factor_names = [*names["factor"].to_list(), IMPUTED_FACTOR]
    labels = [*names["label"].to_list(), IMPUTED_LABEL]

    def values(per_factor: np.ndarray, per_pillar: np.ndarray) -> np.ndarray:
        merged = np.concatenate([per_factor.ravel()[keep], per_pillar.ravel()[imputed]])
        return merged[order]

    empty = np.zeros((n, pillars))
    frame = pl.DataFrame(
        {
            "iso3": keys["iso3"].gather(rows),
            "as_of": keys["as_of"].gather(rows),
            "pillar": pl.Series(formula.PILLARS).gather(pillar),
            "factor": pl.Series(factor_names).gather(column),
            "label": pl.Series(labels).gather(column),
            "raw_value": values(result.raw[0], np.full((n, pillars), np.nan)),
            "scaled_value": values(result.scaled[0], result.pillars[0]),
            "weight": values(result.effective_weight[0], np.ones((n, pillars))),
            "points": values(result.points[0], result.imputed_points[0]),
            "observed": values(model_inputs.observed, empty.astype(bool)),
        }
    ).with_columns(pl.col("raw_value", "scaled_value").fill_nan(None))
    return frame.with_columns(**_lineage(cells, rows, column, n, f))


def _lineage(
    cells: pl.DataFrame, rows: np.ndarray, column: np.ndarray, n: int, f: int
) -> dict[str, pl.Series]:
    """evidence_ids and source_ids for each contribution row; empty lists without lineage or
    for an imputed pillar (column f)."""
    kind = pl.List(pl.String)
    if "evidence_ids" not in cells.columns:
        empty = pl.Series([[]], dtype=kind).new_from_index(0, rows.size)
        return {"evidence_ids": empty, "source_ids": empty}
    # a cell's place in the row-major (row, column) grid; a member-date without some factor's
    # row, or an imputed pillar (column f), points past the cells at an empty list
    where = np.full(n * f + 1, cells.height)
    where[cells["row_index"].to_numpy() * f + cells["column_index"].to_numpy()] = np.arange(
        cells.height
    )
    index = where[np.where(column < f, rows * f + np.minimum(column, f - 1), n * f)]
    padded = {
        name: pl.concat([cells[name].cast(kind), pl.Series([[]], dtype=kind)])
        for name in ("evidence_ids", "source_ids")
    }
    return {name: series.gather(index) for name, series in padded.items()}

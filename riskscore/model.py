"""Run the scoring model for a set of as-of dates: tables in, scores and contributions out.

DuckDB SQL (sql/staging, sql/features) turns the validated tables into each factor's raw value
per member and date, with the rows and sources behind it; riskscore.formula turns those into
the score and its exact decomposition. This module moves data between the two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from riskscore import db, formula
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
OUTPUT_MODELS = ("country_dates", "factors__raw", "actions__points", "exposure__sized_actions")
IMPUTED_FACTOR = "missing_value_imputed"
IMPUTED_LABEL = "No factor observed: pillar set to its missing value"
IMPUTED_POSITION = 99


@dataclass(frozen=True)
class ModelRun:
    """Everything one run produced, for the dates it was asked about.

    `keys` (iso3, as_of, country) orders the rows of `inputs` and `result`, the arrays the
    formula worked on, so the Monte Carlo and the challenger can reuse them."""

    scores: pl.DataFrame
    contributions: pl.DataFrame
    action_points: pl.DataFrame
    config: ModelConfig
    keys: pl.DataFrame
    inputs: formula.Inputs
    params: formula.Params


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
    tables: dict[str, pl.DataFrame], as_of_dates: list[dt.date], config: ModelConfig
) -> dict[str, pl.DataFrame]:
    """Run the SQL: every member's factor raw values on every date (`factors__raw`), the crypto
    actions known then with their decay (`actions__points`), and the scored rows
    (`country_dates`)."""
    con = db.connect(threads=1)  # one summation order: bit-identical reruns
    try:
        db.load_frames(con, tables)
        db.load_frames(con, config.tables())
        db.bind_as_of_dates(con, as_of_dates)
        db.run_models(con, keep=OUTPUT_MODELS)
        return {
            "country_dates": db.table(con, "country_dates", order_by="as_of, iso3"),
            "factors__raw": db.table(con, "factors__raw"),
            "actions__points": db.table(
                con, "actions__points", order_by="as_of, iso3, announced_on, action_id"
            ),
            "exposure__sized_actions": db.table(
                con, "exposure__sized_actions", order_by="as_of, iso3, action_id"
            ),
        }
    finally:
        con.close()


def with_row(frame: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the index (`row`) of its (iso3, as_of) in `keys`, in its own order."""
    index = keys.select("iso3", "as_of").with_row_index("row")
    return frame.join(index, on=["iso3", "as_of"], maintain_order="left")


def inputs(
    keys: pl.DataFrame,
    factors_raw: pl.DataFrame,
    actions: pl.DataFrame,
    sized: pl.DataFrame,
    config: ModelConfig,
) -> formula.Inputs:
    """The formula's arrays: one row per key (member x date), one column per configured factor;
    `actions` (with `row`, see with_row) in the order the action arrays take."""
    names = config.factors()
    cells = (
        with_row(factors_raw, keys)
        .join(names.select("factor", column=pl.int_range(pl.len(), dtype=pl.UInt32)), on="factor")
        .filter(pl.col("observed"))
    )
    raw = np.full((keys.height, names.height), np.nan)
    observed = np.zeros(raw.shape, dtype=bool)
    rows, columns = cells["row"].to_numpy(), cells["column"].to_numpy()
    raw[rows, columns] = cells["raw_value"].fill_null(np.nan).to_numpy()
    observed[rows, columns] = True
    state_actions = names["factor"].to_list().index("state_actions")
    observed[:, state_actions] = True  # computed from the actions: no action is 0 points
    types = config.action_types()["action_type"].to_list()
    acts = actions
    shares = (
        sized.filter(pl.col("full_share").is_not_null())
        .join(
            acts.select("iso3", "as_of", "action_id").with_row_index("action"),
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
        action_row=acts["row"].to_numpy().astype(np.int64),
        action_type=np.array([types.index(t) for t in acts["action_type"]], dtype=np.int64),
        action_base=(acts["type_weight"] * acts["status_multiplier"]).to_numpy(),
        action_decay=acts["decay"].to_numpy(),
        size_action=shares["action"].to_numpy().astype(np.int64),
        size_share=shares["full_share"].to_numpy(),
    )


def run(
    tables: dict[str, pl.DataFrame],
    as_of_dates: list[dt.date],
    config: ModelConfig | None = None,
) -> ModelRun:
    """Score every IMF member on every date, using only what was known on that date."""
    if not as_of_dates:
        raise ValueError("no as-of dates to score")
    config = config or load_config()
    frames = features(tables, as_of_dates, config)
    keys = frames["country_dates"].select("iso3", "as_of", "country")
    actions = with_row(frames["actions__points"], keys)
    model_inputs = inputs(
        keys, frames["factors__raw"], actions, frames["exposure__sized_actions"], config
    )
    params = published_params(config)
    result = formula.evaluate(model_inputs, params)
    action_points = actions.with_columns(points=pl.Series(result.action_points[0])).drop("row")
    return ModelRun(
        scores=_scores(keys, result, model_inputs, config),
        contributions=_contributions(keys, result, model_inputs, frames["factors__raw"], config),
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
    factors_raw: pl.DataFrame,
    config: ModelConfig,
) -> pl.DataFrame:
    """One row per member, date and factor (an imputed pillar: one row for the pillar)."""
    names = config.factors()
    n, f = result.score.shape[1], names.height
    imputed = result.imputed[0]  # (N, P)
    factor_imputed = imputed[:, model_inputs.pillar]  # (N, F)
    long = pl.DataFrame(
        {
            "row": np.repeat(np.arange(n), f),
            "column": np.tile(np.arange(f), n),
            "raw_value": result.raw[0].ravel(),
            "scaled_value": result.scaled[0].ravel(),
            "weight": result.effective_weight[0].ravel(),
            "points": result.points[0].ravel(),
            "observed": model_inputs.observed.ravel(),
            "imputed": factor_imputed.ravel(),
        }
    ).filter(~pl.col("imputed"))
    lineage = factors_raw.select("iso3", "as_of", "factor", "evidence_ids", "source_ids")
    factor_rows = (
        long.join(keys.select("iso3", "as_of").with_row_index("row"), on="row")
        .join(
            names.select("pillar", "factor", "label", "position").with_row_index("column"),
            on="column",
        )
        .join(lineage, on=["iso3", "as_of", "factor"], how="left")
        .with_columns(
            pl.col("raw_value", "scaled_value").fill_nan(None),
            pl.col("evidence_ids", "source_ids").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
    )
    pillar_rows = (
        pl.DataFrame(
            {
                "row": np.repeat(np.arange(n), len(formula.PILLARS)),
                "pillar": np.tile(np.array(formula.PILLARS), n),
                "scaled_value": result.pillars[0].ravel(),
                "points": result.imputed_points[0].ravel(),
                "imputed": imputed.ravel(),
            }
        )
        .filter(pl.col("imputed"))
        .join(keys.select("iso3", "as_of").with_row_index("row"), on="row")
        .with_columns(
            factor=pl.lit(IMPUTED_FACTOR),
            label=pl.lit(IMPUTED_LABEL),
            position=pl.lit(IMPUTED_POSITION, dtype=pl.Int64),
            raw_value=pl.lit(None, dtype=pl.Float64),
            weight=pl.lit(1.0),
            observed=pl.lit(False),
            evidence_ids=pl.lit([], dtype=pl.List(pl.String)),
            source_ids=pl.lit([], dtype=pl.List(pl.String)),
        )
    )
    pillar_order = pl.col("pillar").replace_strict(
        {p: i for i, p in enumerate(formula.PILLARS)}, return_dtype=pl.Int8
    )
    return (
        pl.concat(
            [
                factor_rows.select(*CONTRIBUTION_COLUMNS, "position"),
                pillar_rows.select(*CONTRIBUTION_COLUMNS, "position"),
            ]
        )
        .sort("as_of", "iso3", pillar_order, "position", "factor")
        .drop("position")
    )

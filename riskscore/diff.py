"""Change attribution: how each score moved between two dates, and what moved it.

Contributions sum to the score on every date, so the change of each factor's points,
`points(to) - points(from)`, sums to the change of the score. That holds although the
engagement and vulnerability points scale with exposure: the split is per factor, not per
pillar value, and a factor that exists on one date only counts 0 on the other. The facts
behind a change are the evidence ids a factor cites on `to` but not on `from` (new actions,
reviews, arrangements, responses, data years) and those it no longer cites.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riskscore import settings
from riskscore.errors import NotFound

FACTOR_KEYS = ["iso3", "pillar", "factor"]

# evidence id -> the kind of fact it names (ids as the scoring SQL writes them)
_ARRANGEMENT = r"[A-Z]{3}-[A-Z/]+-\d{4}-\d{2}-\d{2}"
EVIDENCE_KINDS: list[tuple[str, re.Pattern]] = [
    ("action", re.compile(r"^(ACT|HYP)-[A-Z]{3}-\d{3}$")),
    ("response", re.compile(r"^(RSP|HYP)-[A-Z]{3}-\d{2}$")),
    ("review", re.compile(rf"^(HYP-)?{_ARRANGEMENT} review \d+$")),
    ("arrangement", re.compile(rf"^(HYP-)?{_ARRANGEMENT}$")),
    ("staff_level_agreement", re.compile(r"^SLA ")),
    ("imf_credit", re.compile(r"^IMF credit ")),
    ("macro", re.compile(r"^[a-z_]+ \d{4}$")),
]


@dataclass(frozen=True)
class ScoreDiff:
    """Scores on both dates per country, per-factor changes, and the evidence that came or went."""

    from_on: dt.date
    to_on: dt.date
    countries: pl.DataFrame  # one row per country, largest absolute change first
    factors: pl.DataFrame  # one row per country and factor; points_change sums to score_change
    evidence: pl.DataFrame  # one row per country and evidence id that appeared or disappeared


def evidence_kind(evidence_id: str) -> str:
    """'action', 'response', 'review', 'arrangement', … or 'other'."""
    for kind, pattern in EVIDENCE_KINDS:
        if pattern.match(evidence_id):
            return kind
    return "other"


def _on(frame: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    return frame.filter(pl.col("as_of") == day)


def attribute(
    scores: pl.DataFrame,
    contributions: pl.DataFrame,
    from_on: dt.date,
    to_on: dt.date,
    iso3s: list[str] | None = None,
) -> ScoreDiff:
    """Attribute score changes between two dates present in `scores` and `contributions`."""
    for name, frame in (("scores", scores), ("contributions", contributions)):
        missing = {from_on, to_on} - set(frame["as_of"].unique().to_list())
        if missing:
            raise NotFound(f"{name} hold no rows as of {', '.join(map(str, sorted(missing)))}")
    if iso3s:
        wanted = [c.upper() for c in iso3s]
        unknown = sorted(set(wanted) - set(_on(scores, to_on)["iso3"].to_list()))
        if unknown:
            raise NotFound(f"not scored IMF member(s) on {to_on}: {', '.join(unknown)}")
        scores = scores.filter(pl.col("iso3").is_in(wanted))
        contributions = contributions.filter(pl.col("iso3").is_in(wanted))

    keep = ["score", "band", "rank"]
    before = _on(scores, from_on).select("iso3", *[pl.col(c).alias(f"{c}_from") for c in keep])
    after = _on(scores, to_on).select(
        "iso3", "country", *[pl.col(c).alias(f"{c}_to") for c in keep]
    )
    countries = after.join(before, on="iso3", how="left").with_columns(
        score_change=pl.col("score_to") - pl.col("score_from").fill_null(0.0),
        from_on=pl.lit(from_on),
        to_on=pl.lit(to_on),
    )

    cols = ["points", "evidence_ids", "label"]
    a = _on(contributions, from_on).select(*FACTOR_KEYS, *[pl.col(c).alias(f"{c}_a") for c in cols])
    b = _on(contributions, to_on).select(*FACTOR_KEYS, *[pl.col(c).alias(f"{c}_b") for c in cols])
    factors = (
        b.join(a, on=FACTOR_KEYS, how="full", coalesce=True)
        .filter(pl.col("iso3").is_in(countries["iso3"].to_list()))
        .with_columns(
            label=pl.coalesce("label_b", "label_a"),
            points_from=pl.col("points_a").fill_null(0.0),
            points_to=pl.col("points_b").fill_null(0.0),
            new_evidence_ids=pl.col("evidence_ids_b")
            .fill_null([])
            .list.set_difference(pl.col("evidence_ids_a").fill_null([]))
            .list.sort(),
            gone_evidence_ids=pl.col("evidence_ids_a")
            .fill_null([])
            .list.set_difference(pl.col("evidence_ids_b").fill_null([]))
            .list.sort(),
        )
        .with_columns(points_change=pl.col("points_to") - pl.col("points_from"))
        .select(
            *FACTOR_KEYS,
            "label",
            "points_from",
            "points_to",
            "points_change",
            "new_evidence_ids",
            "gone_evidence_ids",
        )
        .sort("iso3", "pillar", "factor")
    )
    top = (
        factors.sort(pl.col("points_change").abs(), descending=True)
        .group_by("iso3", maintain_order=True)
        .agg(
            top_factor=pl.when(pl.col("points_change").abs() > 1e-9).then(pl.col("factor")).first()
        )
    )
    countries = (
        countries.join(top, on="iso3", how="left")
        .select(
            "iso3",
            "country",
            "from_on",
            "to_on",
            "score_from",
            "score_to",
            "score_change",
            "band_from",
            "band_to",
            "rank_from",
            "rank_to",
            "top_factor",
        )
        .sort(pl.col("score_change").abs(), "score_to", descending=[True, True])
    )
    evidence = _evidence(contributions, from_on, to_on, countries["iso3"].to_list())
    return ScoreDiff(from_on, to_on, countries, factors, evidence)


def _evidence(contributions: pl.DataFrame, from_on: dt.date, to_on: dt.date, iso3s) -> pl.DataFrame:
    """Evidence ids a country cites on `to` but on no factor on `from` (new), and vice versa."""
    cited = (
        contributions.filter(pl.col("as_of").is_in([from_on, to_on]), pl.col("iso3").is_in(iso3s))
        .select("iso3", "as_of", "factor", pl.col("evidence_ids").alias("evidence_id"))
        .explode("evidence_id")
        .drop_nulls("evidence_id")
        .group_by("iso3", "evidence_id")
        .agg(
            on_from=(pl.col("as_of") == from_on).any(),
            on_to=(pl.col("as_of") == to_on).any(),
            factors=pl.col("factor").unique().sort(),
        )
    )
    return (
        cited.filter(pl.col("on_from") != pl.col("on_to"))
        .with_columns(
            change=pl.when(pl.col("on_to")).then(pl.lit("new")).otherwise(pl.lit("gone")),
            kind=pl.col("evidence_id").map_elements(evidence_kind, return_dtype=pl.String),
        )
        .select("iso3", "evidence_id", "change", "factors", "kind")
        .sort("iso3", "change", "evidence_id", descending=[False, True, False])
    )


def residual(result: ScoreDiff) -> float:
    """Largest |score change - sum of factor changes| over countries (0 up to rounding)."""
    sums = result.factors.group_by("iso3").agg(pl.col("points_change").alias("changes"))
    joined = result.countries.join(sums, on="iso3")
    worst = 0.0
    for change, parts in joined.select("score_change", "changes").iter_rows():
        worst = max(worst, abs(change - math.fsum(parts)))
    return worst


def diff(
    from_on: dt.date,
    to_on: dt.date,
    iso3s: list[str] | None = None,
    datasets: Path = settings.DATASETS_DIR,
    package=None,
    config=None,
) -> ScoreDiff:
    """Score every member on both dates and attribute each change to factors and evidence."""
    from riskscore import pipeline

    run, _ = pipeline.run_model(sorted({from_on, to_on}), datasets, config, package)
    return attribute(run.scores, run.contributions, from_on, to_on, iso3s)


def output_frame(result: ScoreDiff) -> pl.DataFrame:
    """The factor rows with each country's scores beside them (what `--output` writes)."""
    return result.countries.drop("top_factor").join(result.factors, on="iso3", how="left")


def describe(evidence: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Add each evidence id's date, a one-line description and its source ids."""
    facts: dict[str, tuple[dt.date | None, str, str | None]] = {}
    ids = set(evidence["evidence_id"].to_list())
    for row in (
        tables["crypto_actions"].filter(pl.col("action_id").is_in(list(ids))).iter_rows(named=True)
    ):
        text = f"{row['action_type'].replace('_', ' ')} ({row['status']}): {row['description']}"
        facts[row["action_id"]] = (row["announced_on"], text, row["source_id"])
    responses = tables["imf_crypto_responses"].filter(pl.col("response_id").is_in(list(ids)))
    for row in responses.iter_rows(named=True):
        text = (
            f"IMF {row['response_type'].replace('_', ' ')} ({row['stance']}): {row['description']}"
        )
        facts[row["response_id"]] = (row["responded_on"], text, row["source_id"])
    arrangements = tables["imf_arrangements"]
    for row in arrangements.filter(pl.col("arrangement_id").is_in(list(ids))).iter_rows(named=True):
        amount = "" if row["amount_sdr_m"] is None else f", SDR {row['amount_sdr_m']:,.0f}m"
        text = f"{row['facility']} arrangement approved{amount}"
        facts[row["arrangement_id"]] = (row["approved_on"], text, row["source_id"])
    reviews = tables["imf_reviews"].with_columns(
        evidence_id=pl.format("{} review {}", "arrangement_id", "review_no")
    )
    for row in reviews.filter(pl.col("evidence_id").is_in(list(ids))).iter_rows(named=True):
        text = f"review {row['review_no']} of {row['arrangement_id']} completed"
        facts[row["evidence_id"]] = (row["completed_on"], text, row["source_id"])

    rows = []
    for row in evidence.iter_rows(named=True):
        dated_on, text, source = facts.get(row["evidence_id"], (None, None, None))
        if text is None:
            text = {
                "macro": "macro data year entering or leaving the model's window",
                "imf_credit": "IMF credit outstanding as reported on this date",
                "staff_level_agreement": "staff-level agreement awaiting the Board",
            }.get(row["kind"], "")
        rows.append({**row, "dated_on": dated_on, "description": text, "source_ids": source})
    schema = {
        **evidence.schema,
        "dated_on": pl.Date,
        "description": pl.String,
        "source_ids": pl.String,
    }
    order = {kind: i for i, (kind, _) in enumerate(EVIDENCE_KINDS)}
    return (
        pl.DataFrame(rows, schema=schema)
        .with_columns(
            _order=pl.col("kind").replace_strict(order, default=99, return_dtype=pl.Int64)
        )
        .sort("iso3", "change", "_order", "dated_on", descending=[False, True, False, False])
        .drop("_order")
    )


def render(
    result: ScoreDiff,
    console,
    evidence: pl.DataFrame | None = None,
    changed_only: bool = True,
    top: int = 10,
) -> None:
    """Print the score changes, then for the largest ones the factors and facts behind them.
    Text from the data is printed literally (riskscore.terminal)."""
    from riskscore import terminal

    right = terminal.Column
    countries = result.countries
    if changed_only:
        countries = countries.filter(pl.col("score_change").abs() > 1e-9)
    rows = []
    for row in countries.iter_rows(named=True):
        before = "–" if row["score_from"] is None else f"{row['score_from']:.1f}"
        band = row["band_to"]
        if row["band_from"] != row["band_to"]:
            band = f"{row['band_from']} → {band}"
        rows.append(
            (
                row["iso3"],
                row["country"],
                before,
                f"{row['score_to']:.1f}",
                f"{row['score_change']:+.1f}",
                band,
                row["top_factor"] or "",
            )
        )
    terminal.table(
        f"Score changes {result.from_on} → {result.to_on} ({countries.height} countries)",
        [
            "iso3",
            "country",
            right("from", True),
            right("to", True),
            right("change", True),
            "band",
            "main factor",
        ],
        rows,
        console,
    )

    for iso3 in countries.head(top)["iso3"].to_list():
        moved = result.factors.filter(pl.col("iso3") == iso3, pl.col("points_change").abs() > 1e-9)
        if moved.is_empty():
            continue
        change = countries.filter(pl.col("iso3") == iso3)["score_change"][0]
        terminal.table(
            f"{iso3}: factor points {result.from_on} → {result.to_on}, {change:+.2f} in all "
            "(the changes add up)",
            [
                "pillar",
                "factor",
                right("from", True),
                right("to", True),
                right("change", True),
                "new evidence",
                "no longer cited",
            ],
            [
                (
                    row["pillar"],
                    row["factor"],
                    f"{row['points_from']:.2f}",
                    f"{row['points_to']:.2f}",
                    f"{row['points_change']:+.2f}",
                    ", ".join(row["new_evidence_ids"]),
                    ", ".join(row["gone_evidence_ids"]),
                )
                for row in moved.sort(pl.col("points_change").abs(), descending=True).iter_rows(
                    named=True
                )
            ],
            console,
        )
        if evidence is None:
            continue
        facts = evidence.filter(
            pl.col("iso3") == iso3, ~pl.col("kind").is_in(["macro", "imf_credit"])
        )
        for row in facts.iter_rows(named=True):
            mark = "+" if row["change"] == "new" else "−"
            text = (
                row["description"]
                if len(row["description"]) <= 160
                else (row["description"][:159] + "…")
            )
            terminal.line(f"  {mark} {row['dated_on'] or ''} {row['evidence_id']}: {text}",
                          out=console)  # fmt: skip

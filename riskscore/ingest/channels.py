"""Where the IMF spoke about a member's crypto policy: program, surveillance or policy.

- policy: membership-wide papers and technical advice (board_policy_paper,
  technical_assessment), and every WLD row;
- surveillance: Article IV findings and a refused publication (article_iv_warning,
  article_iv_observation, article_iv_neutral, publication_blocked);
- program: program documents (program_commitment, program_condition, staff_report_finding,
  review_delay, review_neutral);
- board and staff statements (board_statement, staff_statement, staff_statement_concern,
  staff_statement_neutral, supportive_statement) are
  program if, that day, the country had a lending or non-lending arrangement in force
  (approved_on <= day <= coalesce(ended_on, expires_on); no end date known = not in force) or
  had announced a staff-level agreement on a new arrangement within the previous
  SLA_WINDOW_DAYS days; else surveillance.
"""

from __future__ import annotations

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import IngestContext, IngestError
from riskscore.schemas import TABLES

# Channel fixed by the response type; None = depends on the country's program status that day.
CHANNEL_BY_RESPONSE_TYPE: dict[str, str | None] = {
    "board_policy_paper": "policy",
    "technical_assessment": "policy",
    "article_iv_warning": "surveillance",
    "article_iv_observation": "surveillance",
    "article_iv_neutral": "surveillance",
    "publication_blocked": "surveillance",
    "program_commitment": "program",
    "program_condition": "program",
    "staff_report_finding": "program",
    "review_delay": "program",
    "review_neutral": "program",
    "board_statement": None,
    "staff_statement": None,
    "staff_statement_concern": None,
    "staff_statement_neutral": None,
    "supportive_statement": None,
}
# Arrangements whose reviews make staff statements program business. Emergency financing
# (RFI/RCF) is an outright disbursement without reviews, and precautionary lines are insurance
# a member may never draw, so neither turns a statement into a program statement.
PROGRAM_KINDS = ["lending", "non_lending"]
NEW_ARRANGEMENT_STAGE = "new arrangement"
# A staff-level agreement on a new arrangement already binds the authorities to the program's
# policies while the Board has yet to approve it; the gap is usually weeks and can run to a few
# months when prior actions must be met first (El Salvador: SLA Dec 2024, Board Feb 2025).
# Half a year covers that gap without stretching a failed negotiation into a program.
SLA_WINDOW_DAYS = 180


def revise(ctx: IngestContext) -> dict[str, pl.DataFrame]:
    """Responses' channel again, on the arrangements as the lifecycle revision left them
    (an end date it moved can move a statement in or out of a program)."""
    responses = ctx.tables["imf_crypto_responses"].drop("channel")
    slas = ctx.tables.get("imf_staff_level_agreements")
    return {"imf_crypto_responses": with_channel(responses, ctx.tables["imf_arrangements"], slas)}


def with_channel(
    responses: pl.DataFrame, arrangements: pl.DataFrame, slas: pl.DataFrame | None
) -> pl.DataFrame:
    """responses plus channel (program/surveillance/policy), by the rule in the module docstring."""
    fixed = pl.col("response_type").replace_strict(
        CHANNEL_BY_RESPONSE_TYPE, default=None, return_dtype=pl.String
    )
    programmed = in_program_ids(responses, arrangements, slas)
    channel = (
        pl.when(pl.col("iso3") == vocab.WORLD_ISO3)
        .then(pl.lit("policy"))
        .when(fixed.is_not_null())
        .then(fixed)
        .when(pl.col("response_id").is_in(programmed.implode()))
        .then(pl.lit("program"))
        .otherwise(pl.lit("surveillance"))
    )
    return responses.with_columns(channel=channel).select(TABLES["imf_crypto_responses"].columns)


def in_program_ids(
    responses: pl.DataFrame, arrangements: pl.DataFrame, slas: pl.DataFrame | None
) -> pl.Series:
    """Ids of responses made while the country had a program in force or a fresh new-program SLA."""
    days = responses.select("response_id", "iso3", "responded_on")
    in_force = (
        _as_dates(
            arrangements, ["approved_on", "expires_on", "ended_on"], ["iso3", "instrument_kind"]
        )
        .filter(pl.col("instrument_kind").is_in(PROGRAM_KINDS))
        .select("iso3", "approved_on", ends_on=pl.coalesce("ended_on", "expires_on"))
    )
    covered = days.join(in_force, on="iso3").filter(
        pl.col("responded_on").is_between(pl.col("approved_on"), pl.col("ends_on"))
    )
    ids = [covered["response_id"]]
    if slas is not None and not slas.is_empty():
        new = _as_dates(slas, ["announced_on"], ["iso3", "stage"]).filter(
            pl.col("stage").str.strip_chars().str.to_lowercase() == NEW_ARRANGEMENT_STAGE
        )
        fresh = days.join(new.select("iso3", "announced_on"), on="iso3").filter(
            pl.col("responded_on").is_between(
                pl.col("announced_on"), pl.col("announced_on") + pl.duration(days=SLA_WINDOW_DAYS)
            )
        )
        ids.append(fresh["response_id"])
    return pl.concat(ids).unique()


def _as_dates(frame: pl.DataFrame, columns: list[str], needed: list[str]) -> pl.DataFrame:
    """frame with columns as Date (earlier modules may hand over ISO text); needed must exist."""
    missing = [c for c in [*needed, *columns] if c not in frame.columns]
    if missing:
        raise IngestError(f"facts: arrangement/SLA frame lacks column(s) {missing}")
    return frame.with_columns(
        pl.col(c).str.to_date("%Y-%m-%d")
        if frame.schema[c] == pl.String
        else pl.col(c).cast(pl.Date)
        for c in columns
    )

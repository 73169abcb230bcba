"""Controlled vocabularies shared by the schemas, the ingest modules and the model.

One place for every allowed value, so the data dictionary, the validation and the
scoring SQL cannot drift apart.
"""

from __future__ import annotations

# --- crypto actions -------------------------------------------------------------------------
# action_type -> direction, as defined in the fact base (../shared/facts/README.md).
ACTION_TYPE_DIRECTION: dict[str, str] = {
    "legal_tender_adoption": "state_exposure",
    "legal_tender_effective": "state_exposure",
    "public_btc_purchase": "state_exposure",
    "holdings_disclosure": "state_exposure",
    "strategic_reserve_announced": "state_exposure",
    "strategic_reserve_law": "state_exposure",
    "state_mining": "state_exposure",
    "mining_power_allocation": "state_exposure",
    "national_token": "state_exposure",
    "state_wallet_launch": "state_exposure",
    "state_crypto_payments": "state_exposure",
    "sovereign_crypto_debt": "state_exposure",
    "official_token_promotion": "state_exposure",
    "foreign_crypto_partnership": "state_exposure",
    "crypto_agency_created": "state_exposure",
    "regulator_created": "liberalizing",
    "licensing_regime": "liberalizing",
    "legal_recognition": "liberalizing",
    "tax_treatment": "liberalizing",
    "ban_lifted": "liberalizing",
    "mining_legalisation": "liberalizing",
    "crypto_payment_sandbox": "liberalizing",
    "crypto_ban": "restrictive",
    "crypto_banking_ban": "restrictive",
    "crypto_payment_ban": "restrictive",
    "mining_restriction": "restrictive",
    "legal_tender_repeal": "restrictive",
    "legal_tender_rollback": "restrictive",
    "national_token_shutdown": "restrictive",
    "official_warning": "restrictive",
    "cbdc_launch": "neutral",
    "cbdc_pilot": "neutral",
}
ACTION_TYPES = sorted(ACTION_TYPE_DIRECTION)
DIRECTIONS = ["state_exposure", "liberalizing", "restrictive", "neutral"]
ACTION_STATUSES = ["proposed", "announced", "enacted", "reversed"]
ACTION_SCOPES = ["national", "subnational"]
DATE_PRECISIONS = ["day", "month", "year"]
CONFIDENCE = ["high", "medium", "low"]

# Units a normalised magnitude may carry. USD_m = millions of US dollars.
MAGNITUDE_UNITS = ["MW", "BTC", "USD_m", "tokens", "pct_reserves", "kg_gold", "pct_tax", "count"]

# --- IMF responses ----------------------------------------------------------------------------
RESPONSE_TYPE_STANCE: dict[str, str] = {
    "article_iv_warning": "opposing",
    "article_iv_observation": "cautionary",
    "staff_statement_concern": "opposing",
    "staff_statement": "cautionary",
    "program_commitment": "opposing",
    "program_condition": "opposing",
    "staff_report_finding": "opposing",
    "board_statement": "opposing",
    "review_delay": "opposing",
    "publication_blocked": "opposing",
    "board_policy_paper": "opposing",
    "technical_assessment": "neutral",
    # non-objections: the IMF discussed the measure and neither objected nor cautioned
    "article_iv_neutral": "neutral",
    "review_neutral": "neutral",
    "staff_statement_neutral": "neutral",
    "supportive_statement": "supportive",
}
RESPONSE_TYPES = sorted(RESPONSE_TYPE_STANCE)
STANCES = ["opposing", "cautionary", "neutral", "supportive"]
CHANNELS = ["program", "surveillance", "policy"]

# --- IMF arrangements -------------------------------------------------------------------------
# facility -> instrument_kind. Blends are written with a slash, e.g. "EFF/ECF".
FACILITY_KIND: dict[str, str] = {
    # upper-credit-tranche lending (GRA)
    "SBA": "lending",
    "EFF": "lending",
    # concessional lending (PRGT and its predecessors)
    "ECF": "lending",
    "SCF": "lending",
    "ESF": "lending",
    "PRGF": "lending",
    "ESAF": "lending",
    "SAF": "lending",
    # resilience lending (RST)
    "RSF": "lending",
    # precautionary / insurance lines
    "FCL": "precautionary_line",
    "PLL": "precautionary_line",
    "PCL": "precautionary_line",
    "SLL": "precautionary_line",
    # outright emergency financing (no arrangement, no reviews)
    "RFI": "emergency",
    "RCF": "emergency",
    # non-lending instruments (no money)
    "SMP": "non_lending",
    "PCI": "non_lending",
    "PSI": "non_lending",
    # blends: a GRA and a concessional arrangement approved together, GRA leg first
    "EFF/ECF": "lending",
    "SBA/SCF": "lending",
    "SBA/ESF": "lending",
    "EFF/PRGF": "lending",
    "EFF/ESAF": "lending",
    "SBA/ESAF": "lending",
    "EFF/SAF": "lending",
    "SBA/SAF": "lending",
    "PSI/SCF": "lending",
}
FACILITIES = sorted(FACILITY_KIND)
INSTRUMENT_KINDS = ["lending", "precautionary_line", "emergency", "non_lending"]
ARRANGEMENT_STATUSES = [
    "active",
    "completed",
    "expired",
    "cancelled",
    "lapsed",
    "suspended",
    "off_track",
    "replaced",  # ended when a successor arrangement was approved while it was in force
    "disbursed",  # outright emergency disbursement (RFI/RCF)
]

# What happened to an arrangement during its life (imf_arrangement_events.event).
ARRANGEMENT_EVENTS = [
    "approval",  # the Board approved it (amount at approval; corrects approved_on)
    "augmentation",  # access raised (amount_sdr_m_after = access after it)
    "reduction",  # access cut at the member's request
    "extension",  # scheduled end moved (new_expires_on)
    "suspension",  # access frozen without a formal end
    "component_end",  # one leg of a blend ended; the arrangement continued
    "cancellation",  # ended early at the member's request or by the Board
    "lapse",  # ended automatically (e.g. no review completed in 18 months)
    "replacement",  # ended when a successor was approved while it was in force
    "expiry",  # ran to its scheduled end
    "completion",  # final review completed / access fully drawn
]
# Events that end an arrangement before or at its scheduled end, and the status each gives.
END_EVENT_STATUS = {"cancellation": "cancelled", "lapse": "lapsed", "replacement": "replaced"}

# --- IMF reviews ------------------------------------------------------------------------------
REVIEW_STATUSES = ["completed", "not_completed", "unknown"]
REVIEW_NOT_COMPLETED_REASONS = [
    "arrangement_cancelled",
    "arrangement_replaced",
    "arrangement_expired",
    "combined_later",  # folded into a later review
    "pending",  # still due after the data end
]
REVIEW_DATE_PRECISIONS = ["day", "month"]

# --- Article IV consultations ----------------------------------------------------------------
ARTICLE_IV_EVENTS = ["mission_concluded", "board_concluded"]
CRYPTO_DISCUSSED = ["yes", "no", "not_checked"]

# --- sources --------------------------------------------------------------------------------
# official: IMF, government, central bank, legislature, court, statistics office (their data
# count as official even when read from a third-party copy); press: established news
# organisations; secondary: aggregators, blogs, social posts, reposts on non-news sites.
SOURCE_TIERS = ["official", "press", "secondary"]

# --- macro ------------------------------------------------------------------------------------
# indicator -> unit. Amounts carry their unit in the name (see ../shared/STYLE.md).
MACRO_INDICATOR_UNIT: dict[str, str] = {
    "gdp_usd_bn": "USD bn",
    "real_gdp_growth_pct": "percent",
    "inflation_pct": "percent",
    "gov_gross_debt_pct_gdp": "percent of GDP",
    "fiscal_balance_pct_gdp": "percent of GDP",
    "primary_balance_pct_gdp": "percent of GDP",
    "current_account_pct_gdp": "percent of GDP",
    "population_m": "millions",
    "reserves_usd_bn": "USD bn",
    "reserves_months_imports": "months",
    "reserves_pct_gdp": "percent of GDP",
    "remittances_pct_gdp": "percent of GDP",
    "external_debt_pct_gni": "percent of GNI",
    "debt_service_pct_exports": "percent of exports",
    "short_term_debt_pct_reserves": "percent of reserves",
    "electricity_consumption_twh": "TWh",
}
MACRO_INDICATORS = sorted(MACRO_INDICATOR_UNIT)

# --- IMF positions ----------------------------------------------------------------------------
POSITION_MEASURE_UNIT: dict[str, str] = {
    "quota_sdr_m": "SDR m",
    "gra_credit_sdr_m": "SDR m",
    "prgt_credit_sdr_m": "SDR m",
    "rst_credit_sdr_m": "SDR m",
    "total_credit_sdr_m": "SDR m",
    "total_credit_pct_quota": "percent of quota",
    "use_of_imf_credit_usd_m": "USD m",
}
POSITION_MEASURES = sorted(POSITION_MEASURE_UNIT)

# --- context ----------------------------------------------------------------------------------
CRISIS_TYPES = [
    "banking_crisis_start",
    "currency_crisis",
    "sovereign_debt_crisis",
    "sovereign_debt_restructuring",
]
DEBT_DISTRESS_RISKS = ["low", "moderate", "high", "in_debt_distress"]

INCOME_GROUPS = ["Low income", "Lower middle income", "Upper middle income", "High income"]

# ISO3 stand-ins used where ISO 3166-1 has no code.
KOSOVO_ISO3 = "XKX"  # World Bank's user-assigned code; the IMF's own "KOS" is mapped to it
WORLD_ISO3 = "WLD"  # membership-wide IMF policy, not a country


# Facilities that name the same kind of arrangement in different sources or eras: the
# 1952-2019 table files ESAF and PRGF arrangements under "Extended Credit Facility", and
# the PCL was renamed PLL in 2011.
FACILITY_FAMILY = {"PRGF": "ECF", "ESAF": "ECF", "PCL": "PLL"}


def facility_legs(facility: str) -> list[str]:
    """The single facilities a code is made of ('EFF/ECF' -> ['EFF', 'ECF'])."""
    return [leg.strip() for leg in facility.replace("-", "/").split("/") if leg.strip()]


def facility_families(facility: str) -> frozenset[str]:
    """Families of a facility code (a blend belongs to both legs'): two arrangements of one
    family are the same kind of program."""
    return frozenset(FACILITY_FAMILY.get(leg, leg) for leg in facility_legs(facility))

"""Country name -> ISO3 resolution shared by the ingest modules.

A name resolves in two steps and nowhere else:

1. exactly (after trimming spaces) to a name that the World Bank (CLASS economies, WDI
   countries), the IMF (WEO areas, IFS code crosswalk, member list of the finances report) or
   a source's own code list give next to an ISO3 code;
2. else through ``datasets/curated/country_name_aliases.csv`` (name, iso3, note), which holds
   only names that match nothing exactly and whose country is certain.

Anything else stays unresolved: callers drop the row and report the name (see
``attach_iso3``). Nothing is guessed from fuzzy similarity.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import IngestContext, IngestError, read_csv_text

log = logging.getLogger(__name__)

ALIASES_FILE = "country_name_aliases.csv"

# IMF area codes that are not ISO 3166-1 alpha-3: the IMF writes Kosovo KOS (we use the World
# Bank's XKX), West Bank and Gaza WBG (ISO's PSE, as the World Bank uses), and the IFS code
# crosswalk still carries Romania's pre-2002 code ROM (ISO changed it to ROU).
IMF_CODE_TO_ISO3: dict[str, str] = {"KOS": vocab.KOSOVO_ISO3, "WBG": "PSE", "ROM": "ROU"}

# Raw files whose (name, code) pairs feed the exact-match table: path under sources/, name
# column, code column, and a filter keeping countries only (no WB aggregates, no IMF groups).
_CLASSIFICATIONS = "country_classifications"
_WB_CLASS = f"{_CLASSIFICATIONS}/wb_country_classification.csv"
_IMF_CROSSWALK = f"{_CLASSIFICATIONS}/imf_ifs_code_iso3_crosswalk.csv"
_WEO_AREAS = "imf_weo_oct2025/weo_oct2025_areas.csv"
_QFR_MEMBERS = (
    "imf_finances_member_positions_2024-01-31/imf_gra_quota_and_credit_by_member_2024-01-31.csv"
)
_WDI = "wb_wdi_external_energy_population/wdi_selected_indicators_wide.csv"


def to_iso3(code: str) -> str:
    """An IMF or World Bank area code as ISO3 (KOS -> XKX, WBG -> PSE, ROM -> ROU)."""
    code = code.strip()
    return IMF_CODE_TO_ISO3.get(code, code)


def to_iso3_expr(column: str) -> pl.Expr:
    """`to_iso3` as a polars expression on a string column."""
    return pl.col(column).str.strip_chars().replace(IMF_CODE_TO_ISO3)


@dataclass
class CountryNames:
    """Exact names and curated aliases; `resolve` tries them in that order."""

    exact: dict[str, str]
    aliases: dict[str, str] = field(default_factory=dict)

    def resolve(self, name: str | None) -> str | None:
        """ISO3 for a name, or None when neither an exact name nor an alias matches."""
        if name is None:
            return None
        key = name.strip()
        return self.exact.get(key) or self.aliases.get(key)

    def with_names(self, pairs: Iterable[tuple[str, str]]) -> CountryNames:
        """A copy that also knows a source's own (name, iso3) pairs as exact names."""
        return CountryNames(merge_exact(self.exact, pairs, "source code list"), self.aliases)


def merge_exact(
    known: dict[str, str], pairs: Iterable[tuple[str, str]], origin: str
) -> dict[str, str]:
    """Add (name, iso3) pairs to an exact-name table; a name naming two countries is an error."""
    merged = dict(known)
    for name, iso3 in pairs:
        if name is None or iso3 is None:
            continue
        name, iso3 = name.strip(), to_iso3(iso3)
        if merged.get(name, iso3) != iso3:
            raise IngestError(f"{origin}: {name!r} is {iso3} here but {merged[name]} elsewhere")
        merged[name] = iso3
    return merged


def exact_names(sources_dir: Path) -> dict[str, str]:
    """Every country name the WB and IMF files print next to a country code."""
    wb = read_csv_text(sources_dir / _WB_CLASS).filter(pl.col("region").is_not_null())
    crosswalk = read_csv_text(sources_dir / _IMF_CROSSWALK)
    # WEO group codes are G001, G110, GX123...: countries have three letters.
    weo = read_csv_text(sources_dir / _WEO_AREAS).filter(pl.col("code").str.contains(r"^[A-Z]{3}$"))
    members = read_csv_text(sources_dir / _QFR_MEMBERS)
    wdi = (
        pl.scan_csv(sources_dir / _WDI, infer_schema=False)
        .filter(pl.col("is_aggregate") == "False")
        .select("country", "iso3")
        .unique()
        .collect()
    )
    names: dict[str, str] = {}
    for origin, frame, name_col, code_col in [
        (_WB_CLASS, wb, "economy", "iso3"),
        (_WDI, wdi, "country", "iso3"),
        (_WEO_AREAS, weo, "area", "code"),
        (_IMF_CROSSWALK, crosswalk, "country", "iso3"),
        (_QFR_MEMBERS, members, "member", "iso3"),
    ]:
        names = merge_exact(names, frame.select(name_col, code_col).iter_rows(), origin)
    return names


def load_aliases(curated: Path) -> dict[str, str]:
    """The curated alias table as {name: iso3}; duplicate names or bad codes are errors."""
    frame = read_csv_text(curated / ALIASES_FILE)
    if frame.columns != ["name", "iso3", "note"]:
        raise IngestError(f"{ALIASES_FILE}: columns must be name, iso3, note")
    bad = frame.filter(
        ~pl.col("iso3").str.contains(r"^[A-Z]{3}$")
        | pl.col("name").is_duplicated()
        | pl.col("note").is_null()
    )
    if bad.height:
        raise IngestError(f"{ALIASES_FILE}: bad or duplicate rows {bad.rows()}")
    return dict(frame.select(pl.col("name").str.strip_chars(), "iso3").iter_rows())


def country_names(ctx: IngestContext) -> CountryNames:
    """The resolver for this run: raw-file names first, then the curated aliases."""
    exact = exact_names(ctx.sources_dir)
    aliases = load_aliases(ctx.curated)
    shadowed = sorted(n for n in aliases if n in exact and exact[n] != aliases[n])
    if shadowed:  # an alias may not contradict a name the sources themselves code
        raise IngestError(f"{ALIASES_FILE}: aliases contradict source names: {shadowed}")
    return CountryNames(exact, aliases)


def attach_iso3(
    frame: pl.DataFrame,
    name_col: str,
    names: CountryNames,
    countries: set[str],
    label: str,
) -> pl.DataFrame:
    """Add `iso3` from `name_col` and keep rows whose country is in countries.csv.

    Names that resolve to nothing, and names that resolve to a code outside countries.csv,
    are logged (count and list) under `label`, never silently dropped.
    """
    lookup = {n: names.resolve(n) for n in frame[name_col].unique().drop_nulls().to_list()}
    resolved = frame.with_columns(
        pl.col(name_col).replace_strict(lookup, default=None, return_dtype=pl.String).alias("iso3")
    )
    unresolved = sorted(n for n, code in lookup.items() if code is None)
    outside = sorted(
        f"{n} ({c})" for n, c in lookup.items() if c is not None and c not in countries
    )
    report(label, "name(s) not resolved to ISO3", unresolved)
    report(label, "name(s) resolved to a code outside countries.csv", outside)
    return resolved.filter(pl.col("iso3").is_in(sorted(countries)))


def report(label: str, what: str, items: list[str]) -> None:
    """Log a count and the full list of dropped names, so a run never hides them."""
    if items:
        log.warning("%s: %d %s, dropped: %s", label, len(items), what, "; ".join(items))

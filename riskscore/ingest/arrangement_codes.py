"""Codes shared by the IMF-arrangement ingest: facilities, their families, countries.

The source readers (`arrangement_sources`), the reconciliation (`arrangements`), the
reviews and the staff-level agreements all speak these codes.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riskscore import vocab
from riskscore.ingest.common import read_csv_text, to_iso_date

# --- facilities -------------------------------------------------------------------------------
GRA_FACILITIES = {"SBA", "EFF"}  # a blend's first leg
CONCESSIONAL_FACILITIES = {"ECF", "PRGF", "ESAF", "SAF", "SCF", "ESF"}  # a blend's second leg
FACILITY_FAMILY = vocab.FACILITY_FAMILY

# Instruments that are never a blend leg: listed with others they are separate arrangements.
STANDALONE_FACILITIES = {"RSF", "PCI", "PSI", "SMP", "RFI", "RCF", "FCL", "PLL", "SLL"}


# --- facility helpers -------------------------------------------------------------------------
facility_legs = vocab.facility_legs
families = vocab.facility_families


def blend_code(legs: list[str]) -> str:
    """Canonical code of one or two legs: the GRA leg first ('ECF-EFF' -> 'EFF/ECF')."""
    unique = sorted(set(legs), key=lambda leg: (leg not in GRA_FACILITIES, leg))
    return "/".join(unique)


def canonical_facility(raw: str) -> str:
    """A source's facility spelling in project codes ('ECF/EFF', 'EFF-ECF blend' -> 'EFF/ECF')."""
    text = raw.strip().removesuffix(" blend")
    return blend_code(facility_legs(text))


# --- countries --------------------------------------------------------------------------------
# Codes that IMF files spell differently from ISO 3166-1 alpha-3.
ISO3_FIXES = {"KOS": vocab.KOSOVO_ISO3, "UVK": vocab.KOSOVO_ISO3, "ROM": "ROU"}
# Source country names that the IFS crosswalk cannot place (normalised, see `name_key`).
NAME_ISO3 = {
    "somalia": "SOM",
    "cuba": "CUB",
    # SFR Yugoslavia's arrangements 1961-1990 (labelled "Yugoslavia, FR"): ISO 3166-3 code
    "yugoslavia fr": "YUG",
    # filed under the Czech Republic's IFS code; the IMF lists them under neither successor
    "czechoslovakia": "CSK",
    "serbia and montenegro": "SRB",
    # MONA archive: the Federal Republic of Yugoslavia's 2001 SBA; Serbia continues it
    "yugoslavia": "SRB",
}


def name_key(name: str) -> str:
    """Case-, accent- and punctuation-free form of a country name, for lookups."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.casefold()).strip()


def fix_iso3(code: str) -> str:
    """ISO3 for a code an IMF file uses (Kosovo KOS/UVK -> XKX, Romania ROM -> ROU)."""
    return ISO3_FIXES.get(code, code)


@dataclass(frozen=True)
class CountryCodes:
    """IMF IFS codes and IMF-style names -> ISO3."""

    by_ifs: dict[str, str]
    by_name: dict[str, str]

    @classmethod
    def load(cls, sources_dir: Path) -> CountryCodes:
        crosswalk = read_csv_text(
            sources_dir / "country_classifications" / "imf_ifs_code_iso3_crosswalk.csv"
        )
        areas = read_csv_text(sources_dir / "imf_weo_oct2025" / "weo_oct2025_areas.csv")
        by_ifs = {r["imf_ifs_code"]: fix_iso3(r["iso3"]) for r in crosswalk.iter_rows(named=True)}
        by_name = {
            name_key(r["country"]): fix_iso3(r["iso3"]) for r in crosswalk.iter_rows(named=True)
        }
        by_name |= {
            name_key(r["area"]): fix_iso3(r["code"])
            for r in areas.iter_rows(named=True)
            if re.fullmatch(r"[A-Z]{3}", r["code"])
        }
        return cls(by_ifs=by_ifs, by_name=by_name | NAME_ISO3)

    def iso3(self, name: str, ifs_code: str | None = None) -> str | None:
        """ISO3 of a member: the name overrides first, then the IFS code, then the name."""
        key = name_key(name)
        if key in NAME_ISO3:
            return NAME_ISO3[key]
        if ifs_code and ifs_code.strip() in self.by_ifs:
            return self.by_ifs[ifs_code.strip()]
        return self.by_name.get(key)


# --- values ---------------------------------------------------------------------------------
def to_date(column: str) -> pl.Expr:
    """Parse an ISO day column; empty or partial dates become null."""
    return pl.col(column).str.strip_chars().str.to_date("%Y-%m-%d", strict=False)


def parse_day(value: str | None) -> dt.date | None:
    """A full ISO day as a date; None for empty or partial dates."""
    iso = to_iso_date(value)
    return dt.date.fromisoformat(iso) if iso else None


def to_float(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.replace_all(",", "").cast(pl.Float64, strict=False)


def fmt(value: float | dt.date | None) -> str:
    """A value as notes show it: floats without trailing zeros, None as 'n/a'."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)

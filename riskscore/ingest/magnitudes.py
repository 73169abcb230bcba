"""Check hand-normalised action magnitudes against the fact base's own wording.

A curator turns free text such as "USD 1bn volcano bond planned" into ``1000`` ``USD_m``. The
ingest must never publish a number the fact base does not state, so every curated number is
looked up among the numbers of the original text, after undoing thousands separators and
applying the scale words the text uses (m, bn, trn, k) and the scale of the curated unit.
"""

from __future__ import annotations

import math
import re

# Scale words the fact base writes after a number ("USD539m", "210m tokens", "USD 1bn").
SCALE_WORDS: dict[str, float] = {"k": 1e3, "m": 1e6, "bn": 1e9, "trn": 1e12}

# How many base units one curated unit stands for: USD_m counts millions of dollars, every
# other unit counts itself (BTC, MW, tokens, percentage points, kg, a count).
UNIT_SCALE: dict[str, float] = {"USD_m": 1e6}

# A number with optional thousands separators and decimals, then an optional scale word that
# is not the start of a longer word ("2,000 MW" has none; "210m tokens" has "m").
_NUMBER = re.compile(
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?:\s?(?P<scale>trn|bn|m|k)(?![A-Za-z]))?"
)

# Relative tolerance for comparing floats that went through a scale multiplication.
_REL_TOL = 1e-9


def stated_amounts(text: str | None) -> list[float]:
    """Every amount written in text, in base units: '~USD 1,000m' gives 1e9, '6,101' gives 6101.

    A scaled number counts only at its scale, so a curated 210 tokens is not accepted for
    "210m tokens": the check catches a forgotten scale as well as a wrong number.
    """
    if not text:
        return []
    amounts: list[float] = []
    for match in _NUMBER.finditer(text):
        value = float(match["int"].replace(",", "") + (match["frac"] or ""))
        amounts.append(value * SCALE_WORDS.get(match["scale"] or "", 1.0))
    return amounts


def is_stated(value: float, unit: str, *texts: str | None) -> bool:
    """True if value (in unit) is written, in some scale, in at least one of texts."""
    target = value * UNIT_SCALE.get(unit, 1.0)
    return any(
        math.isclose(target, amount, rel_tol=_REL_TOL)
        for text in texts
        for amount in stated_amounts(text)
    )

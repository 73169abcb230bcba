"""The benchmark's synthetic members (benchmarks/clone.py) score exactly like the originals."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from clone import clone

from riskscore import model


def test_a_cloned_member_scores_like_its_original(real_package) -> None:
    day = dt.date(2025, 6, 30)
    original = real_package.tables
    doubled = clone(original, 2)
    members = original["countries"].filter(pl.col("imf_member")).height
    assert doubled["countries"].filter(pl.col("imf_member")).height == 2 * members
    scores = model.run(doubled, [day]).scores
    by_code = dict(zip(scores["iso3"], scores["score"], strict=True))
    new_iso3 = doubled["countries"].slice(original["countries"].height)["iso3"]
    copies = dict(zip(original["countries"]["iso3"], new_iso3, strict=True))
    for iso3 in ("PAK", "SLV", "USA", "DEU"):
        assert by_code[copies[iso3]] == by_code[iso3], iso3
    actions = doubled["crypto_actions"].filter(pl.col("iso3") == copies["PAK"])
    assert actions["action_id"].str.contains(copies["PAK"]).all()

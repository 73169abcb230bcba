"""The versioned model configuration (model.toml): loading, hashing, and its DuckDB tables."""

from __future__ import annotations

import functools
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from riskscore import vocab

DEFAULT_PATH = Path(__file__).resolve().parent / "model.toml"
PILLARS = ("exposure", "engagement", "vulnerability")


@dataclass(frozen=True)
class ModelConfig:
    """The parsed config plus the hash that identifies it in output metadata."""

    raw: dict
    sha256: str
    path: Path

    @property
    def version(self) -> str:
        return self.raw["model"]["version"]

    def factors(self) -> pl.DataFrame:
        """One row per factor, in the model's column order: pillar, factor, label, weight, lo,
        hi, position (within the pillar), column_index (over all factors)."""
        rows = []
        for pillar in PILLARS:
            for position, (name, spec) in enumerate(self.raw["pillars"][pillar]["factors"].items()):
                rows.append(
                    {
                        "pillar": pillar,
                        "factor": name,
                        "label": spec["label"],
                        "weight": float(spec["weight"]),
                        "lo": float(spec["lo"]),
                        "hi": float(spec["hi"]),
                        "position": position,
                        "column_index": len(rows),
                    }
                )
        return pl.DataFrame(rows)

    def pillars(self) -> pl.DataFrame:
        """One row per pillar with its label, missing value and aggregation coefficient."""
        agg = self.raw["aggregation"]
        coefficient = {"exposure": agg["base"], "engagement": agg["engagement"]}
        coefficient["vulnerability"] = agg["vulnerability"]
        return pl.DataFrame(
            [
                {
                    "pillar": p,
                    "label": self.raw["pillars"][p]["label"],
                    "missing_value": float(self.raw["pillars"][p]["missing_value"]),
                    "coefficient": float(coefficient[p]),
                    "position": i,
                }
                for i, p in enumerate(PILLARS)
            ]
        )

    def bands(self) -> pl.DataFrame:
        items = sorted(self.raw["bands"].items(), key=lambda kv: kv[1])
        return pl.DataFrame(
            {"band": [k for k, _ in items], "lower_bound": [float(v) for _, v in items]}
        )

    def action_types(self) -> pl.DataFrame:
        return pl.DataFrame(
            [
                {
                    "action_type": name,
                    "weight": float(spec["weight"]),
                    "half_life_months": float(spec["half_life_months"]),
                }
                for name, spec in self.raw["action_types"].items()
            ]
        )

    def keyed(self, section: str, key_name: str, value_name: str) -> pl.DataFrame:
        """A flat {key: number} section as a two-column table."""
        items = self.raw[section].items()
        return pl.DataFrame(
            {key_name: [k for k, _ in items], value_name: [float(v) for _, v in items]}
        )

    def scalars(self) -> pl.DataFrame:
        """Single-valued parameters as one wide row, named section_key."""
        row = {}
        for section in (
            "model", "aggregation", "exposure_size", "engagement", "publication_lag",
            "freshness",
        ):  # fmt: skip
            for key, value in self.raw[section].items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    row[f"{section}_{key}"] = float(value)
        return pl.DataFrame([row])

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every config table the SQL reads, by name."""
        return {
            "cfg_factors": self.factors(),
            "cfg_pillars": self.pillars(),
            "cfg_bands": self.bands(),
            "cfg_action_types": self.action_types(),
            "cfg_action_status": self.keyed("action_status", "status", "multiplier"),
            "cfg_program_level": self.keyed("program_level", "level", "value"),
            "cfg_attention_stance": self.keyed("attention_stance", "stance", "weight"),
            "cfg_scalars": self.scalars(),
        }


def load(path: Path | None = None) -> ModelConfig:
    """Read and check the model config (weights positive where required, bands ordered)."""
    path = path or DEFAULT_PATH
    return _parsed(path, path.read_bytes())


@functools.lru_cache(maxsize=4)
def _parsed(path: Path, data: bytes) -> ModelConfig:
    """The config these bytes hold, parsed and checked once per process (a command asks for
    it a dozen times; nothing changes a ModelConfig)."""
    raw = tomllib.loads(data.decode("utf-8"))
    config = ModelConfig(raw=raw, sha256=hashlib.sha256(data).hexdigest(), path=path)
    _check(config)
    return config


def _check(config: ModelConfig) -> None:
    factors = config.factors()
    if (factors["weight"] <= 0).any():
        raise ValueError(f"{config.path}: factor weights must be positive")
    if (factors["lo"] == factors["hi"]).any():
        raise ValueError(f"{config.path}: a factor has lo == hi")
    twice = sorted(set(factors.filter(pl.col("factor").is_duplicated())["factor"]))
    if twice:  # the SQL and every output name a factor without its pillar
        raise ValueError(f"{config.path}: factor named in more than one pillar: {twice}")
    macro = factors.filter(pl.col("pillar") == "vulnerability")
    unknown = set(macro["factor"]) - set(vocab.MACRO_INDICATORS)
    if unknown:  # macro factors are looked up by indicator name
        raise ValueError(f"{config.path}: vulnerability factors not in macro.csv: {unknown}")
    agg = config.raw["aggregation"]
    if abs(agg["base"] + agg["engagement"] + agg["vulnerability"] - 1.0) > 1e-9:
        raise ValueError(f"{config.path}: aggregation coefficients must sum to 1")

"""riskscore: IMF-conflict risk of governments' crypto policies, scored point-in-time.

>>> import datetime as dt, riskscore
>>> riskscore.score(as_of=dt.date(2025, 6, 30))  # polars DataFrame, one row per member
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "contributions", "history", "score"]


def __getattr__(name: str):
    # the library functions load polars, duckdb and pandera; import them on first use so the
    # command line (and `--help`) starts fast
    if name in {"score", "contributions", "history"}:
        from riskscore import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'riskscore' has no attribute {name!r}")

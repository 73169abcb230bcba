"""riskscore: IMF-conflict risk of governments' crypto policies, scored point-in-time.

>>> import datetime as dt, riskscore
>>> riskscore.score(as_of=dt.date(2025, 6, 30))  # polars DataFrame, one row per member
"""

from __future__ import annotations

__version__ = "0.1.0"

from riskscore.pipeline import contributions, history, score

__all__ = ["__version__", "contributions", "history", "score"]

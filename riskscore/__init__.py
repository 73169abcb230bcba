"""riskscore: IMF-conflict risk of governments' crypto policies, scored point-in-time."""

from __future__ import annotations

__version__ = "0.1.0"

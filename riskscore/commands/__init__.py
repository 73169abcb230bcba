"""Command groups that live outside cli.py, each in its own module with `register(app)`.

Keeps cli.py small: evaluation (backtest, uncertainty) and reporting (report, diff,
scenario) register their commands on the same typer app.
"""

from __future__ import annotations

import importlib

import typer

MODULES = ("evaluate", "reporting")


def register_all(app: typer.Typer) -> None:
    """Register every command module that is present."""
    for name in MODULES:
        try:
            module = importlib.import_module(f"riskscore.commands.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"riskscore.commands.{name}":
                raise  # a real import error inside the module
            continue
        module.register(app)

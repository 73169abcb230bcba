"""The `riskscore` command: a thin layer over the library functions.

Each group of commands lives in its own module under riskscore/commands/ and registers itself
here, in the order `--help` lists them.
"""

from __future__ import annotations

import typer

from riskscore.commands import data, evaluate, exports, query, reporting, scoring

app = typer.Typer(
    help="Score the risk that a government's crypto policy collides with its IMF program.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """riskscore: sourced data package, point-in-time scores, reports."""


for _module in (data, scoring, query, exports, evaluate, reporting):
    _module.register(app)

if __name__ == "__main__":
    app()

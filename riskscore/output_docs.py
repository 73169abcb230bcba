"""Documentation generated from the output registry: out/datapackage.json and docs/outputs.md.

Both are derived from `riskscore.outputs`, never written by hand, so they cannot drift from what
the writers produce (tests regenerate and compare). `python -m riskscore.output_docs` rewrites
docs/outputs.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from riskscore import __version__, export, outputs, settings

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
DOCS_FILE = settings.REPO_DIR / "docs" / "outputs.md"

_TYPES = {pl.String: "string", pl.Int64: "integer", pl.UInt32: "integer", pl.Float64: "number",
          pl.Boolean: "boolean", pl.Date: "date"}  # fmt: skip

# Files in out/ that are not tables, described for the data package.
OTHER_FILES = {
    "riskscore.duckdb": ("database", "application/octet-stream", "duckdb",
                         "Every dataset, the model config and every output as commented tables; "
                         "opens in DuckDB 1.1 or later (`select * from contents`)"),
    "backtest_metrics.json": ("backtest_metrics", "application/json", "json",
                              "Backtest metrics with bootstrap intervals, episodes, lead times, "
                              "challenger and calibration summary"),
    "model_card.md": ("model_card", "text/markdown", "md",
                      "Model card: coverage, method, backtest, calibration, uncertainties, gaps"),
    "report/index.html": ("report", "text/html", "html",
                          "Static report: ranked table of every member, one page per member"),
    "report/summary.md": ("summary", "text/markdown", "md", "One-page brief for email or a wiki"),
}  # fmt: skip

PACKAGE_DESCRIPTION = (
    "Outputs of the riskscore model: scores of every IMF member, their exact factor "
    "contributions, history, backtest, calibration, uncertainty and sensitivity. Every Parquet "
    "file carries its provenance (model version, config and data hashes, as-of date) as "
    "key-value metadata and a description of each column as field metadata."
)


def type_name(dtype: pl.DataType) -> str:
    """The Table Schema type of a polars type (lists are JSON arrays)."""
    if isinstance(dtype, pl.List) or dtype == pl.List:
        return "array"
    return _TYPES.get(dtype if isinstance(dtype, type) else type(dtype), "any")


def field(column: outputs.Column, config=None) -> dict:
    """A Table Schema field descriptor for a registered column."""
    description = column.description + (f" [{column.unit}]" if column.unit else "")
    spec: dict = {"name": column.name, "type": type_name(column.dtype), "description": description}
    if column.enum:
        spec["categories"] = outputs.band_order(config)
        spec["categoriesOrdered"] = True
    return spec


def _table_resource(table: outputs.Table, files: list[Path], out: Path) -> dict:
    present = pl.read_parquet_schema(files[0])
    fields = []
    for name, dtype in present.items():
        column = table.column(name)
        fields.append(field(column) if column else {"name": name, "type": type_name(dtype)})
    paths = [f.relative_to(out).as_posix() for f in files]
    resource = {
        "$schema": RESOURCE_PROFILE,
        "name": table.name,
        "path": paths[0] if len(paths) == 1 else paths,
        "type": "table",
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "description": table.description,
        "schema": {"$schema": SCHEMA_PROFILE, "fields": fields},
    }
    meta = export.read_metadata(files[0])
    if "model_version" in meta:
        resource["version"] = meta["model_version"]
    return resource


def datapackage(out: Path) -> dict:
    """The Frictionless (v2) descriptor of every output file now in `out`."""
    resources = []
    for table in outputs.registry().values():
        files = sorted(out.glob(table.file)) if table.file else []
        if files:
            resources.append(_table_resource(table, files, out))
    for path, (name, mediatype, fmt, description) in OTHER_FILES.items():
        if (out / path).exists():
            resources.append({"$schema": RESOURCE_PROFILE, "name": name, "path": path,
                              "format": fmt, "mediatype": mediatype,
                              "description": description})  # fmt: skip
    return {
        "$schema": PROFILE,
        "name": "riskscore-outputs",
        "title": "riskscore outputs: IMF-conflict risk of governments' crypto policies",
        "description": PACKAGE_DESCRIPTION,
        "version": __version__,
        "resources": resources,
    }


def write_datapackage(out: Path) -> Path:
    """Write out/datapackage.json describing the outputs present now."""
    text = json.dumps(datapackage(out), indent=2, ensure_ascii=False) + "\n"
    return export.write_text(out / "datapackage.json", text)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown() -> str:
    """docs/outputs.md: every output table and its columns, from the registry."""
    bands = " < ".join(outputs.band_order())
    lines = [
        "# Output tables",
        "",
        "<!-- Generated from riskscore/outputs.py by `python -m riskscore.output_docs`; "
        "do not edit. -->",
        "",
        "Every table below is a Parquet file in `out/` (each column's description is stored in "
        "the file's schema), a table of the same name in `out/riskscore.duckdb` (with `COMMENT`s; "
        "`riskscore sql --schema TABLE` prints them) and a resource of `out/datapackage.json`. "
        f"Band columns are an ordered type: {bands}.",
        "",
    ]
    for table in outputs.registry().values():
        where = f"`out/{table.file}`" if table.file else "wherever `--output` says"
        lines += [f"## {table.name}", "", f"{table.description}. File: {where}.", "",
                  "| column | type | unit | description |", "|---|---|---|---|"]  # fmt: skip
        for column in table.columns:
            kind = "band" if column.enum else type_name(column.dtype)
            lines.append(
                f"| `{column.name}` | {kind} | {_cell(column.unit or '')} | "
                f"{_cell(outputs.describe(column))} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_markdown(path: Path = DOCS_FILE) -> Path:
    """Rewrite docs/outputs.md."""
    return export.write_text(path, render_markdown())


if __name__ == "__main__":
    print(f"wrote {write_markdown()}")

"""Generate the Frictionless Data Package (v2) descriptor from the pandera models.

The models in `riskscore.schema_models` are the single source of truth; their Table Schema
fields are generated into `riskscore.schema_columns` (`make docs`), and `datapackage.json`
is derived from those, so none can drift (tests regenerate and compare). Each resource
also carries `observed_through` (a custom property) from the package's coverage table, and
the package the `cutoff` of the event tables the model reads.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from riskscore import __version__, schema_columns
from riskscore.schemas import MODEL_EVENT_TABLES, TABLES, Table

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"

PACKAGE_DESCRIPTION = (
    "Sourced tables of country finances, IMF arrangements and reviews, government crypto "
    "actions and IMF responses, built to score the risk that a government's crypto policy "
    "collides with its IMF program. Every fact row carries a source_id into sources.csv; "
    "source_id may hold several ids joined by ';' (such multi-valued references are checked "
    "by `riskscore validate`, not declared as foreign keys here)."
)


def _resource(table: Table) -> dict:
    # generated from the pandera models (schema_columns.py): describing needs no pandera
    fields = [dict(field) for field in schema_columns.FIELDS[table.name]]
    foreign_keys = [
        {
            "fields": list(fk.fields),
            "reference": {"resource": fk.reference_table, "fields": list(fk.reference_fields)},
        }
        for fk in table.foreign_keys
        if not fk.many
    ]
    table_schema: dict = {
        "$schema": SCHEMA_PROFILE,
        "fields": fields,
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    if foreign_keys:
        table_schema["foreignKeys"] = foreign_keys
    return {
        "$schema": RESOURCE_PROFILE,
        "name": table.name,
        "path": table.file,
        "type": "table",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": schema_columns.DESCRIPTIONS[table.name],
        "schema": table_schema,
    }


def observed_through(directory: Path | None) -> dict[str, str]:
    """table -> observed_through (ISO day) from the package's coverage.csv ({} without one)."""
    path = directory / TABLES["coverage"].file if directory else None
    if path is None or not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {row["table_name"]: row["observed_through"] for row in csv.DictReader(f)}


def descriptor(directory: Path | None = None) -> dict:
    """The package descriptor as a dict; with `directory`, dated by its coverage.csv."""
    through = observed_through(directory)
    resources = [_resource(table) for table in TABLES.values()]
    for resource in resources:
        if resource["name"] in through:
            resource["observed_through"] = through[resource["name"]]
    package = {
        "$schema": PROFILE,
        "name": "riskscore",
        "title": "riskscore data package: crypto policy and IMF programs",
        "description": PACKAGE_DESCRIPTION,
        "version": __version__,
        "licenses": [
            {
                "name": "other-at",
                "title": "Mixed: each table keeps its upstream licence (README.md, sources.csv)",
            }
        ],
    }
    cutoffs = [through[t] for t in MODEL_EVENT_TABLES if t in through]
    if cutoffs:  # the model's events are complete only up to the earliest of their dates
        package["cutoff"] = min(cutoffs)
    return package | {"resources": resources}


def render(directory: Path | None = None) -> str:
    return json.dumps(descriptor(directory), indent=2, ensure_ascii=False) + "\n"


def write(directory: Path) -> Path:
    """Write datapackage.json into the package folder (after its tables)."""
    path = directory / "datapackage.json"
    path.write_text(render(directory), encoding="utf-8")
    return path

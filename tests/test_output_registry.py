"""The output registry is the one data dictionary: every column a writer produces is in it with a
description, and the Parquet schemas, out/datapackage.json and docs/outputs.md come from it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from riskscore import output_docs, outputs
from riskscore.validate.failures import Failure, write_failures


def _written(out: Path) -> list[Path]:
    files = sorted(out.rglob("*.parquet")) + sorted((out.parent / "diff").glob("*.parquet"))
    return [path for path in files if "export" not in path.parts]


@pytest.fixture(scope="module")
def failures_file(tmp_path_factory) -> Path:
    """The validation writer's output, from one made-up failure."""
    path = tmp_path_factory.mktemp("failures") / "validation_failures.parquet"
    return write_failures([Failure("macro.csv", 3, "value", "type:float", "x")], path)


def test_every_column_each_writer_produces_is_registered_with_a_description(
    handoff_out: Path, failures_file: Path
) -> None:
    files = [*_written(handoff_out), failures_file]
    seen = set()
    for path in files:
        schema = pl.read_parquet_schema(path)
        table = outputs.for_file(path, list(schema))
        assert table is not None, f"{path.name}: no registered table; add it to outputs.py"
        seen.add(table.name)
        for name, dtype in schema.items():
            column = table.column(name)
            assert column is not None, f"{table.name}.{name} is written but not in outputs.py"
            assert column.description.strip(), f"{table.name}.{name} has no description"
            assert dtype == column.dtype, (
                f"{table.name}.{name}: written {dtype}, registered {column.dtype}"
            )
        missing = set(table.names) - set(schema)
        assert not missing, f"{table.name}: registered but never written: {sorted(missing)}"
    assert seen == set(outputs.registry()), "a registered output that no writer produced"


def test_parquet_schema_carries_each_column_description(
    handoff_out: Path, failures_file: Path
) -> None:
    for path in [*_written(handoff_out), failures_file]:
        schema = pq.read_schema(path)
        table = outputs.for_file(path, schema.names)
        assert schema.metadata[b"riskscore.table"].decode() == table.name
        for field in schema:
            assert field.metadata[b"description"].decode() == table.column(field.name).description


def test_band_columns_are_ordered_by_the_model_config() -> None:
    from riskscore.config import load

    bounds = load().bands().sort("lower_bound")["band"].to_list()
    assert outputs.band_order() == bounds
    bands = [c for t in outputs.registry().values() for c in t.columns if c.name.startswith("band")]
    assert bands and all(c.enum == outputs.BAND for c in bands)


def test_docs_outputs_md_is_generated_from_the_registry() -> None:
    shipped = output_docs.DOCS_FILE.read_text(encoding="utf-8")
    assert shipped == output_docs.render_markdown(), "run `python -m riskscore.output_docs`"
    for table in outputs.registry().values():
        assert f"## {table.name}\n" in shipped


def test_out_datapackage_describes_every_output_file(handoff_out: Path) -> None:
    import frictionless

    descriptor = json.loads((handoff_out / "datapackage.json").read_text(encoding="utf-8"))
    report = frictionless.Package.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    resources = {r["name"]: r for r in descriptor["resources"]}
    for path in sorted(handoff_out.rglob("*.parquet")):
        relative = path.relative_to(handoff_out).as_posix()
        resource = next(
            (r for r in resources.values() if relative in (r["path"], *list(r["path"]))), None
        )
        assert resource is not None, f"{relative} is not in out/datapackage.json"
        names = [f["name"] for f in resource["schema"]["fields"]]
        assert names == list(pl.read_parquet_schema(path))
        assert all(f.get("description") for f in resource["schema"]["fields"])
    band = next(f for f in resources["scores"]["schema"]["fields"] if f["name"] == "band")
    assert band["categories"] == outputs.band_order() and band["categoriesOrdered"] is True
    assert "database" in resources


def test_the_generated_column_list_matches_the_pandera_models() -> None:
    from riskscore import schema_columns, schema_models

    shipped = Path(schema_columns.__file__).read_text(encoding="utf-8")
    assert shipped == schema_models.render_columns(), "run `make docs`"
    # and the validator's own compilation agrees with it, table by table
    from riskscore.schemas import TABLES
    from riskscore.validate.columns import compile_table, parsing

    for table in TABLES.values():
        assert compile_table(table).dtypes == parsing(table).dtypes


def test_rules_compiled_from_the_generated_fields_are_the_models_rules(monkeypatch) -> None:
    """Validation reads the generated fields (no pandera import); compiling every table from its
    pandera model instead gives the same rules, in the same order, and needs no pandera run."""
    from riskscore import schema_columns
    from riskscore.schemas import TABLES
    from riskscore.validate.columns import compile_table

    def rules() -> dict[str, list[tuple[str, str]]]:
        compile_table.cache_clear()
        return {n: [(r.column, r.rule) for r in compile_table(t).rules] for n, t in TABLES.items()}

    generated = rules()
    monkeypatch.setattr(schema_columns, "UNCOMPILED", frozenset(TABLES))
    from_models = rules()
    compile_table.cache_clear()
    assert generated == from_models
    assert sum(len(r) for r in generated.values()) > 200
    assert not any(compile_table(t).pandera for t in TABLES.values())

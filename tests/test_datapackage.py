"""The shipped package: valid, in sync with the models, and reproducible from ../shared."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest
from conftest import DATASETS, SHARED

from riskscore import datapackage
from riskscore.schemas import TABLES
from riskscore.validate import validate_package


def test_shipped_package_validates() -> None:
    report = validate_package(DATASETS)
    assert report.ok, "\n".join(f.format() for f in report.failures[:20])


def test_datapackage_json_is_generated_from_the_models() -> None:
    shipped = json.loads((DATASETS / "datapackage.json").read_text(encoding="utf-8"))
    assert shipped == datapackage.descriptor(DATASETS), "run `make datasets` to regenerate it"


def test_datapackage_and_models_agree_on_tables_and_columns() -> None:
    resources = {r["name"]: r for r in datapackage.descriptor()["resources"]}
    assert set(resources) == set(TABLES)
    for name, table in TABLES.items():
        fields = [f["name"] for f in resources[name]["schema"]["fields"]]
        assert fields == table.columns
        header = pl.read_csv(DATASETS / table.file, n_rows=0).columns
        assert header == table.columns, f"{table.file} header differs from its model"


def test_every_fact_row_carries_a_source_with_publisher_and_url() -> None:
    sources = pl.read_csv(DATASETS / "sources.csv", infer_schema=False)
    assert sources["publisher"].null_count() == 0 and sources["url"].null_count() == 0
    for name, table in TABLES.items():
        if name in ("sources", "coverage"):  # the source list itself; dates with their basis
            continue
        frame = pl.read_csv(DATASETS / table.file, infer_schema=False)
        assert frame["source_id"].null_count() == 0, name


def test_frictionless_accepts_the_package(tmp_path) -> None:
    frictionless = pytest.importorskip("frictionless")
    for path in DATASETS.glob("*.*"):
        if path.suffix in {".csv", ".json"}:
            shutil.copy(path, tmp_path / path.name)
    # the macro table is large; its rules are covered by `riskscore validate`, so check a slice
    macro = pl.read_csv(DATASETS / "macro.csv", infer_schema=False)
    macro.head(5000).write_csv(tmp_path / "macro.csv")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    errors = [e.message for task in report.tasks for e in task.errors][:10]
    assert report.valid, errors


@pytest.mark.skipif(not (SHARED / "sources").is_dir(), reason="needs ../shared raw extracts")
def test_ingest_reproduces_the_committed_tables_byte_for_byte(tmp_path) -> None:
    from riskscore.ingest import build_all, write_all

    paths = write_all(build_all(SHARED, DATASETS / "curated"), tmp_path)
    assert len(paths) == len(TABLES)
    for path in paths:
        assert path.read_bytes() == (DATASETS / path.name).read_bytes(), path.name

"""Failure codes live in one registry, and every failure uses a registered, documented code."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pandera.polars as pa
import pytest

from riskscore import schemas
from riskscore.errors import NotFound
from riskscore.validate import CODES, Failure
from riskscore.validate.files import InputError, read_input
from riskscore.validate.table import open_table, run_plans

PACKAGE = Path(__file__).resolve().parents[1] / "riskscore"


def test_every_code_is_documented() -> None:
    for name, code in CODES.items():
        assert code.name == name and name.isidentifier(), name
        assert code.title.strip() and len(code.description.strip()) > 20, name


def test_a_failure_with_an_unregistered_code_cannot_be_made() -> None:
    with pytest.raises(NotFound, match="unregistered validation rule 'made_up:x'"):
        Failure("a.csv", 2, "x", "made_up:x", "1")
    assert Failure("a.csv", 2, "x", "range:>=0", "-1").code is CODES["range"]


def _literal_rules(path: Path) -> list[str]:
    """Failure(...) calls whose rule (4th argument) is written as a string literal."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Failure":
            rule = node.args[3] if len(node.args) > 3 else None
            rule = rule or next((k.value for k in node.keywords if k.arg == "rule"), None)
            if isinstance(rule, ast.Constant | ast.JoinedStr):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_failure_names_its_rule_with_a_literal() -> None:
    offenders = [hit for path in PACKAGE.rglob("*.py") for hit in _literal_rules(path)]
    assert offenders == [], "use a code from riskscore.validate.failures"


def test_not_found_is_its_own_exception_and_still_a_key_error() -> None:
    with pytest.raises(NotFound) as err:
        schemas.table("no_such_table")
    assert str(err.value).startswith("no table 'no_such_table'; the package has sources, ")
    assert isinstance(err.value, KeyError)  # callers still written as `except KeyError` work


def test_every_date_column_has_plausible_bounds() -> None:
    for table in schemas.TABLES.values():
        for name, column in table.model.to_schema().columns.items():
            if column.dtype.type.__name__ != "Date":
                continue
            bounds = {c.name for c in column.checks}
            assert {"greater_than_or_equal_to", "less_than_or_equal_to"} <= bounds, (
                f"{table.name}.{name}: use schemas._date(...)"
            )


class _Codes(pa.DataFrameModel):
    """A table whose model uses a check riskscore does not compile (pandera runs it)."""

    code: str = pa.Field(str_length={"min_value": 2, "max_value": 3}, description="A code")
    n: int = pa.Field(ge=0, description="A count")

    class Config:
        strict = True


def test_a_check_that_is_not_compiled_is_run_by_pandera_with_its_line(monkeypatch) -> None:
    from riskscore import schema_models

    monkeypatch.setattr(schema_models, "Codes", _Codes, raising=False)
    table = schemas.Table("codes", "Codes", ("code",))
    raw = b"code,n\nab,1\nabcdef,2\nxy,-1\n"
    plan = open_table(raw, table, dt.date(2026, 1, 1))
    [result] = run_plans({"codes": plan}).values()
    failures = result.row_failures.sort("__row__")
    lines = result.lines(failures["__row__"]).to_list()
    found = [(line, *rest) for line, (_, *rest) in zip(lines, failures.rows(), strict=True)]
    assert found == [
        (3, "code", "check:str_length", "abcdef"),
        (4, "n", "range:>=0", "-1"),
    ]


def test_unreadable_file_is_reported_even_as_root(tmp_path: Path, monkeypatch) -> None:
    import os

    path = tmp_path / "t.csv"
    path.write_text("a\n", encoding="utf-8")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(InputError) as err:
        read_input(path, 1000)
    assert err.value.rule == "unreadable" and "Permission denied" in err.value.value

"""datapackage.json is part of the package: it must exist, parse, and agree with the schemas.

`riskscore.datapackage` generates the descriptor from the pandera models, so "agree" means its
`resources` equal the generated ones (package-level title, version and licences are free text
and are not compared). Each difference is one failure naming its JSON path.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from riskscore import settings
from riskscore.validate import failures as fl
from riskscore.validate.failures import Failure
from riskscore.validate.files import InputError, read_input, text_body

FILE = "datapackage.json"
MAX_DIFFERENCES = 20  # a descriptor from another project differs everywhere; the first few do


def read(directory: Path) -> tuple[bytes, list[Failure]]:
    """The descriptor's bytes (b"" when unreadable) and the failures of reading them."""
    try:
        return read_input(directory / FILE, settings.MAX_SMALL_INPUT_BYTES, root=directory), []
    except InputError as err:
        return b"", [Failure(FILE, err.line, "", err.rule, err.value)]


def check(raw: bytes) -> list[Failure]:
    """Failures of a descriptor's bytes: not UTF-8 text, not JSON, or not what the models say."""
    try:
        text = text_body(raw).decode("utf-8")
    except InputError as err:
        return [Failure(FILE, err.line, "", err.rule, err.value)]
    try:
        found = json.loads(text)
    except json.JSONDecodeError as err:
        return [Failure(FILE, err.lineno, "", fl.JSON_SYNTAX.name, err.msg)]
    except RecursionError:
        return [Failure(FILE, 0, "", fl.JSON_SYNTAX.name, "nested too deeply")]
    expected = _expected_resources()
    if not isinstance(found, dict):
        return [_mismatch("", found, "an object")]
    resources = _undated(found.get("resources"))
    if _canonical(resources) == _expected_text():  # the usual case, no walk
        return []
    return [_mismatch(path, a, b) for path, a, b in _differences("/resources", resources, expected)]


def _undated(resources: object) -> object:
    """The resources without `observed_through`: that date comes from the coverage table (which
    is validated as a table), not from the models this file is compared with."""
    if not isinstance(resources, list):
        return resources
    return [
        {k: v for k, v in r.items() if k != "observed_through"} if isinstance(r, dict) else r
        for r in resources
    ]


def _canonical(value: object) -> str:
    """JSON text that tells 1 from 1.0 from true (== would not)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@functools.cache
def _expected_text() -> str:
    return _canonical(_expected_resources())


@functools.cache
def _expected_resources() -> list:
    from riskscore import datapackage

    return datapackage.descriptor()["resources"]


def _mismatch(path: str, found: object, expected: object) -> Failure:
    shown = "missing" if found is _MISSING else json.dumps(found, ensure_ascii=False)
    want = json.dumps(expected, ensure_ascii=False) if not isinstance(expected, str) else expected
    value = f"{_short(shown)} (the models say {_short(want)})"
    return Failure(FILE, 0, path or "/", fl.DESCRIPTOR_MISMATCH.name, value)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _differences(path: str, found: object, expected: object) -> list[tuple[str, object, object]]:
    """(JSON path, found, expected) where the two differ, walking the expected structure only
    (so a hostile descriptor's depth costs nothing), at most MAX_DIFFERENCES of them."""
    out: list[tuple[str, object, object]] = []

    def walk(path: str, found: object, expected: object) -> None:
        if len(out) >= MAX_DIFFERENCES:
            return
        if isinstance(expected, dict) and isinstance(found, dict):
            for key in expected:
                walk(f"{path}/{key}", found.get(key, _MISSING), expected[key])
            for key in found:
                if key not in expected and len(out) < MAX_DIFFERENCES:
                    out.append((f"{path}/{key}", found[key], "no such key"))
        elif isinstance(expected, list) and isinstance(found, list):
            if _named(expected) and _named(found):  # resources and fields: match by name
                walk_named(path, found, expected)
                return
            for i, item in enumerate(expected):
                walk(f"{path}/{i}", found[i] if i < len(found) else _MISSING, item)
            if len(found) > len(expected):
                out.append((f"{path}/{len(expected)}", found[len(expected)], "no such item"))
        elif found is _MISSING:
            out.append((path, _MISSING, expected))
        elif found != expected or type(found) is not type(expected):
            out.append((path, found, expected))

    def walk_named(path: str, found: list, expected: list) -> None:
        have = {item["name"]: item for item in found}
        names = [item["name"] for item in expected]
        if [item["name"] for item in found] != names and set(have) == set(names):
            out.append((path, [item["name"] for item in found], names))  # order differs
        for item in expected:
            walk(f"{path}/{item['name']}", have.get(item["name"], _MISSING), item)
        for name in have:
            if name not in names and len(out) < MAX_DIFFERENCES:
                out.append((f"{path}/{name}", name, "no such name"))

    walk(path, found, expected)
    return out


class _Missing:
    def __repr__(self) -> str:
        return "missing"


_MISSING = _Missing()


def _named(items: list) -> bool:
    return all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items)

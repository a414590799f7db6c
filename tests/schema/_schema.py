"""The API's schema (``api-schema/extend-api.json``, written by ``scripts/extract_schema.py`` from
the pinned official package), read once, and the helpers that turn its type texts into
something a test can walk."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "api-schema" / "extend-api.json"


@cache
def schema() -> dict[str, Any]:
    if not SCHEMA_PATH.is_file():
        pytest.fail(
            f"the API schema is missing: expected {SCHEMA_PATH} (`make schema` writes it).",
            pytrace=False,
        )
    data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return data


def types() -> dict[str, Any]:
    return schema()["types"]  # type: ignore[no-any-return]


def endpoints() -> list[dict[str, Any]]:
    return schema()["endpoints"]  # type: ignore[no-any-return]


def endpoint(namespace: str, method: str) -> dict[str, Any]:
    """One endpoint by the official SDK's namespace (``root`` for the client's own methods)
    and method name."""
    (found,) = [e for e in endpoints() if (e["namespace"], e["method"]) == (namespace, method)]
    return found


NAMED = re.compile(r"Extend\.([A-Za-z0-9_.]+)")


def reachable(texts: list[str]) -> set[str]:
    """The names of every type the type texts name, and of every type those name in turn."""
    seen: set[str] = set()
    todo = [name for text in texts for name in NAMED.findall(text)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        entry = types()[name]
        inner = [entry.get("type", ""), *entry.get("extends", [])]
        inner += [f["type"] for f in entry.get("fields", [])]
        todo += [n for text in inner for n in NAMED.findall(text)]
    return seen


def strip(name: str) -> str:
    return name.removeprefix("Extend.")


def fields_of(type_name: str) -> list[dict[str, Any]]:
    """An object type's fields, those of the types it ``extends`` included."""
    entry = types()[strip(type_name)]
    fields: list[dict[str, Any]] = []
    for parent in entry.get("extends", []):
        fields += fields_of(parent)
    return fields + list(entry["fields"])


def union_members(text: str) -> list[str]:
    """``"A | B | null"`` -> ``["A", "B"]`` (null is the field's ``nullable`` flag)."""
    return [part.strip() for part in text.split("|") if part.strip() != "null"]


def resolve(text: str) -> str:
    """Follow aliases: ``Extend.CreatedAt`` -> ``datetime``, ``Extend.PageRanges`` -> ``...[]``."""
    text = text.strip()
    while True:
        entry = types().get(strip(text))
        if entry is None or entry["kind"] != "alias":
            return text
        text = entry["type"].strip()


def item_type(text: str) -> str:
    """``"X[]"`` -> ``"X"``; ``"(A | B)[]"`` -> ``"A | B"``."""
    item = text.removesuffix("[]")
    return item[1:-1] if item.startswith("(") and item.endswith(")") else item


LITERAL = re.compile(r'^"(.*)"$')


def validate(text: str, value: Any, where: str = "$", *, nullable: bool = False) -> list[str]:
    """What in ``value`` the schema's type ``text`` does not allow: missing required keys,
    keys it lacks, values of another type, enum values it does not list."""
    if value is None:
        return (
            [] if nullable or "null" in [p.strip() for p in text.split("|")] else [f"{where}: null"]
        )
    parts = union_members(text)
    if len(parts) > 1:
        tried = [validate(part, value, where) for part in parts]
        return [] if any(not t for t in tried) else min(tried, key=len)
    raw = parts[0].strip()
    want = resolve(raw)
    if want != raw:
        return validate(want, value, where)
    if want == "datetime":
        ok = isinstance(value, str) and TIMESTAMP.match(value) is not None
        return [] if ok else [f"{where}: not an RFC 3339 timestamp"]
    if want == "unknown":
        return []
    literal = LITERAL.match(want)
    if literal:
        return [] if value == literal.group(1) else [f"{where}: {value!r} is not {want}"]
    if want.endswith("[]"):
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        item = item_type(want)
        return [p for i, each in enumerate(value) for p in validate(item, each, f"{where}[{i}]")]
    simple = {"string": (str,), "boolean": (bool,), "number": (int, float), "integer": (int,)}
    if want in simple:
        ok = isinstance(value, simple[want]) and (want == "boolean") == isinstance(value, bool)
        return [] if ok else [f"{where}: {type(value).__name__} is not a {want}"]
    if want in ("true", "false"):  # a boolean literal
        return [] if value is (want == "true") else [f"{where}: {value!r} is not {want}"]
    if want.startswith("Record<"):
        return [] if isinstance(value, dict) else [f"{where}: not an object"]
    entry = types()[strip(want)]
    if entry["kind"] == "enum":
        return [] if value in entry["values"] else [f"{where}: {value!r} is not a {want} value"]
    if not isinstance(value, dict):
        return [f"{where}: not an object"]
    problems = []
    fields = {f["name"]: f for f in fields_of(want)}
    for key in sorted(set(value) - set(fields)):
        problems.append(f"{where}.{key}: not in {strip(want)}")
    for name, f in fields.items():
        if name not in value:
            if f["required"]:
                problems.append(f"{where}.{name}: missing")
            continue
        problems += validate(f["type"], value[name], f"{where}.{name}", nullable=f["nullable"])
    return problems


TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def body_types() -> set[str]:
    """Every type an endpoint's JSON body reaches (through fields, lists, unions, aliases)."""
    return reachable([p["type"] for e in endpoints() for p in e["body"]])

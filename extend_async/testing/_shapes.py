"""The API's shapes, as the emulator renders them.

``_shapes.json`` (written by ``scripts/generate_emulator_shapes.py`` from the project's
schema) holds the endpoint list and every type an endpoint answers with. It is read on the
first use of a route beyond the classify surface, never at import: the emulator starts fast.

``fit(type, values)`` is the one renderer of those routes: an object of ``type`` whose keys
are exactly the type's fields, taking each value from ``values`` when given and otherwise a
default (``null`` when the key may be null, else the type's simplest valid value).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["endpoints", "fields", "fit", "item_type", "literal", "skeleton", "type_entry"]

_PATH = Path(__file__).with_name("_shapes.json")
_EPOCH = "2026-01-01T00:00:00.000Z"
_MAX_DEPTH = 12


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_PATH.read_text(encoding="utf-8"))
    return data


def endpoints() -> list[dict[str, Any]]:
    """Every endpoint of the schema: namespace, method, http, path, response type."""
    return list(_data()["endpoints"])


def type_entry(name: str) -> dict[str, Any]:
    entry: dict[str, Any] = _data()["types"][name.removeprefix("Extend.")]
    return entry


@cache
def fields(name: str) -> tuple[tuple[str, bool, str], ...]:
    """An object type's fields (those of the types it extends first): (key, required, type)."""
    entry = type_entry(name)
    found: list[tuple[str, bool, str]] = []
    for parent in entry.get("extends", []):
        found += fields(parent)
    found += [(f[0], f[1], f[2]) for f in entry["fields"]]
    return tuple(found)


def _members(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and not text.endswith("[]"):
        text = text[1:-1]
    depth, parts, current = 0, [], ""
    for char in text:
        depth += char in "(<"
        depth -= char in ")>"
        if char == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p and p != "null"]


def nullable(text: str) -> bool:
    return "null" in [p.strip() for p in text.split("|")]


def item_type(text: str) -> str:
    """``X[]`` -> ``X``; ``(A | B)[]`` -> ``A | B``."""
    item = text.strip().removesuffix("[]")
    return item[1:-1] if item.startswith("(") and item.endswith(")") else item


def list_member(text: str) -> str | None:
    """The list type among a type text's members (``X[] | null`` -> ``X[]``), if any."""
    return next((m for m in _members(text) if m.endswith("[]")), None)


def literal(text: str) -> str | None:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else None


def resolve(text: str) -> str:
    """Follow aliases to what they name (a union stays a union text)."""
    text = text.strip()
    for _ in range(_MAX_DEPTH):
        if not text.startswith("Extend.") or "|" in text or text.endswith("[]"):
            return text
        entry = type_entry(text)
        if entry["kind"] != "alias":
            return text
        text = entry["type"].strip()
    return text


def object_names(text: str) -> list[str]:
    """The object types a type text may be (through aliases and unions)."""
    names: list[str] = []
    for member in _members(text):
        target = resolve(member)
        if "|" in target:
            names += object_names(target)
        elif target.startswith("Extend.") and type_entry(target)["kind"] == "object":
            names.append(target.removeprefix("Extend."))
    return names


def skeleton(text: str, depth: int = 0) -> Any:
    """The simplest value a type text allows (a new object each call)."""
    members = _members(text)
    if not members:
        return None
    target = resolve(members[0])
    if "|" in target:
        return skeleton(target, depth)
    if depth > _MAX_DEPTH:
        return None
    value = literal(target)
    if value is not None:
        return value
    if target.endswith("[]"):
        return []
    if target.startswith("Record<"):
        return {}
    simple = {
        "string": "",
        "integer": 0,
        "number": 0,
        "boolean": False,
        "datetime": _EPOCH,
        "date": "2026-01-01",
        "unknown": {},
        "file": None,
        "true": True,
        "false": False,
    }
    if target in simple:
        return simple[target]
    entry = type_entry(target)
    if entry["kind"] == "enum":
        return entry["values"][0]
    return fit(target, {}, depth + 1)


def fit(name: str, values: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """An object of type ``name``: its fields only, from ``values`` where given."""
    result: dict[str, Any] = {}
    for key, required, text in fields(name):
        if key in values:
            result[key] = conform(text, values[key], depth + 1)
        elif required and not nullable(text):
            result[key] = skeleton(text, depth)
        else:
            result[key] = None
    return result


def conform(text: str, value: Any, depth: int = 0) -> Any:
    """``value`` made to fit the type text: an object keeps only (and gets every one of)
    the fields of the object type it matches best; lists item by item; the rest as is."""
    if value is None or depth > _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        names = object_names(text)
        if not names:
            return value
        best = max(names, key=lambda name: _overlap(name, value))
        return fit(best, value, depth)
    if isinstance(value, list):
        member = list_member(text)
        if member is None:
            return value
        item = item_type(member)
        return [conform(item, each, depth + 1) for each in value]
    return value


def _overlap(name: str, value: dict[str, Any]) -> int:
    """How well ``value`` matches object type ``name``: its keys the type has, and a
    literal field (a discriminator) that agrees counts most."""
    score = 0
    for key, _, text in fields(name):
        if key in value:
            fixed = literal(text)
            if fixed is not None:
                score += 100 if value[key] == fixed else -100
            else:
                score += 1
    return score

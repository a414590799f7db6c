"""Hypothesis strategies for answers built from the API's schema, and the check that a
decoded model shows every value of the answer it came from.

An answer is what the schema allows and a little more: any subset of the keys (only the
required ones, all of them, some required ones dropped, nested ones too), ``null`` where
the schema promises a value, enum values the schema does not list yet, and keys the
schema does not name. The root's ``id`` is kept: an answer without one is a decode error
by design.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from enum import Enum
from functools import cache
from typing import Any

import attrs
from hypothesis import strategies as st

from extend_async._converter import wire_key

from ._schema import LITERAL, fields_of, item_type, reachable, resolve, strip, types

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
TIMESTAMPS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
).map(lambda d: d.isoformat().replace("+00:00", "Z"))
# The schema's "number" fields the SDK reads as int (counts, pages) take any JSON integer;
# integers are also what the float fields see most, and they must read as equal floats.
NUMBERS = st.integers(min_value=-(2**31), max_value=2**31)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(TEXT, inner, max_size=2),
    max_leaves=4,
)
UNKNOWN_KEYS = st.dictionaries(TEXT.map(lambda key: "zz" + key), JSON, max_size=2)


# Objects nested deeper than ``limit`` are null (lists of them empty): the generated models
# are hundreds, some big, so their tests ask for shallow answers to stay short.
NO_LIMIT = 1_000


def answer(type_name: str, limit: int = NO_LIMIT) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object for the schema's ``type_name``, with a string ``id`` if it has one (a
    union: one member's object, with its required keys)."""
    if types()[strip(type_name)]["kind"] == "alias":
        return _value(type_name, 0, limit)
    return _object(strip(type_name), frozenset({"id"}), 0, limit)


@cache  # one strategy per type and depth: recursive types would rebuild them endlessly
def _object(
    name: str, keep: frozenset[str] = frozenset(), depth: int = 0, limit: int = NO_LIMIT
) -> st.SearchStrategy[dict[str, Any]]:
    mandatory: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for f in fields_of(name):
        value = _value(f["type"], depth + 1, limit)
        if f["name"] in keep:
            mandatory[f["name"]] = value
        else:
            # null where the schema allows it, and sometimes where it does not.
            optional[f["name"]] = st.one_of(value, value, st.none())
    known = st.fixed_dictionaries(mandatory, optional=optional)
    return st.tuples(known, UNKNOWN_KEYS).map(lambda pair: {**pair[1], **pair[0]})


def _split(text: str) -> list[str]:
    """The top-level members of a union type text; ``(A | B)[]`` and ``Record<...>`` are one."""
    parts, level, current = [], 0, ""
    for char in text:
        level += char in "(<"
        level -= char in ")>"
        if char == "|" and level == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


@cache
def _value(text: str, depth: int = 0, limit: int = NO_LIMIT) -> st.SearchStrategy[Any]:
    parts = [p for p in _split(text) if p != "null"]
    if not parts:
        return st.none()
    if len(parts) > 1:
        return st.one_of([_member(part, depth, limit) for part in parts])
    raw = parts[0].strip()
    want = resolve(raw)
    if want != raw:
        return _value(want, depth, limit)
    if want == "datetime":
        return TIMESTAMPS
    if want == "unknown":
        return JSON
    literal = LITERAL.match(want)
    if literal:
        return st.just(literal.group(1))
    if want.endswith("[]"):
        item = resolve(item_type(want))
        nested = (
            item.startswith("Extend.")
            and "|" not in item
            and "[" not in item
            and types()[strip(item)]["kind"] == "object"
        )
        if depth > limit or (nested and depth > 1 and _nests_itself(strip(item))):
            return st.just([])  # not a list of nulls: the lenient walk drops null items
        return st.lists(st.deferred(lambda: _value(item_type(want), depth, limit)), max_size=2)
    if want == "string":
        return TEXT
    if want in ("number", "integer"):
        return NUMBERS
    if want == "boolean":
        return st.booleans()
    if want.startswith("Record<"):
        return st.dictionaries(TEXT, JSON, max_size=2)
    if want in ("true", "false"):
        return st.just(want == "true")
    entry = types()[strip(want)]
    if entry["kind"] == "enum":
        return st.sampled_from(entry["values"]) | TEXT.map(lambda s: "NEW_" + s)
    if depth > limit or (depth > 1 and _nests_itself(strip(want))):
        return st.none()
    return st.deferred(lambda: _object(strip(want), depth=depth, limit=limit))


@cache
def _nests_itself(name: str) -> bool:
    """Whether a type can hold itself (a condition's clauses): read one level deep only,
    or examples grow with every field that leads back to it."""
    entry = types()[name]
    texts = [entry.get("type", ""), *entry.get("extends", [])]
    texts += [f["type"] for f in entry.get("fields", [])]
    return name in reachable(texts)


def _member(text: str, depth: int, limit: int) -> st.SearchStrategy[Any]:
    """One member of a union. An object member keeps its required keys (its wire tag among
    them), so that the object says which member it is."""
    want = resolve(text.strip())
    entry = types().get(strip(want)) if want.startswith("Extend.") else None
    if entry is None or entry["kind"] != "object" or depth > limit:
        return _value(want, depth, limit)
    if depth > 1 and _nests_itself(strip(want)):
        return st.none()
    required = frozenset(f["name"] for f in fields_of(strip(want)) if f["required"])
    return st.deferred(lambda: _object(strip(want), required, depth, limit))


def snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def assert_readable(data: Any, model: Any, where: str = "$") -> None:
    """Every value present in ``data`` can be read on ``model`` (named, or in extra_fields)."""
    if data is None:
        assert model is None, where
    elif attrs.has(type(model)):
        assert isinstance(data, dict), where
        names = {wire_key(a): a.name for a in attrs.fields(type(model)) if a.name != "extra_fields"}
        for key, value in data.items():
            if key in names:
                assert_readable(value, getattr(model, names[key]), f"{where}.{key}")
            elif hasattr(model, "extra_fields"):
                assert model.extra_fields[key] == value, f"{where}.{key} is not kept"
            # else: a request input (FileFromUrl...), which keeps no unknown key
    elif isinstance(data, list) and not isinstance(model, list):  # a list in an Any is as sent
        assert isinstance(model, tuple), where
        assert len(model) == len(data), where
        for i, (item, read) in enumerate(zip(data, model, strict=True)):
            assert_readable(item, read, f"{where}[{i}]")
    elif isinstance(model, datetime):
        assert model == datetime.fromisoformat(data.replace("Z", "+00:00")), where
    elif isinstance(model, Enum):
        assert model.value == data, where
    else:
        assert model == data, where
        assert type(model) is not str or type(data) is str, where


# --- request inputs: what the schema allows a caller to send, and nothing else -------------

# Any JSON value but null: a model leaves out a field that is None, a dict keeps it.
JSON_VALUE = st.recursive(
    st.booleans() | NUMBERS | TEXT,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(TEXT, inner, max_size=2),
    max_leaves=4,
)
# Requests nest (a workflow's steps, a JSON schema's properties): deeper than this, only
# the required keys, and empty lists and maps.
REQUEST_DEPTH = 3


def request(type_name: str) -> st.SearchStrategy[dict[str, Any]]:
    """A request input of the schema's object type ``type_name``, as a caller writes it as a
    dict: its required keys, any subset of the others, values of the schema's types (enum
    values it does not list among them), no null and no key the schema does not name."""
    return _request_object(strip(type_name), 0)


@cache
def _request_object(name: str, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    mandatory: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for f in fields_of(name):
        if f["required"]:
            mandatory[f["name"]] = _request_value(f["type"], depth + 1)
        elif depth < REQUEST_DEPTH:
            optional[f["name"]] = _request_value(f["type"], depth + 1)
    return st.fixed_dictionaries(mandatory, optional=optional)


@cache
def _request_value(text: str, depth: int) -> st.SearchStrategy[Any]:
    parts = [p for p in _split(text) if p != "null"]
    if len(parts) > 1:
        return st.one_of([_request_value(part, depth) for part in parts])
    want = resolve(parts[0].strip())
    if len(_split(want)) > 1:  # an alias of a union
        return _request_value(want, depth)
    if want == "datetime":
        return TIMESTAMPS
    if want == "unknown":
        return JSON_VALUE
    literal = LITERAL.match(want)
    if literal:
        return st.just(literal.group(1))
    if want in ("true", "false"):
        return st.just(want == "true")
    if want.endswith("[]"):
        if depth >= REQUEST_DEPTH:
            return st.just([])
        item = item_type(want)
        return st.lists(st.deferred(lambda: _request_value(item, depth + 1)), max_size=2)
    if want.startswith("Record<"):
        if depth >= REQUEST_DEPTH:
            return st.just({})
        inner = want[len("Record<") : -1].split(",", 1)[1]
        return st.dictionaries(
            TEXT, st.deferred(lambda: _request_value(inner, depth + 1)), max_size=2
        )
    if want == "string":
        return TEXT
    if want in ("number", "integer"):
        return NUMBERS
    if want == "boolean":
        return st.booleans()
    entry = types()[strip(want)]
    if entry["kind"] == "enum":
        return st.sampled_from(entry["values"]) | TEXT.map(lambda s: "NEW_" + s)
    return st.deferred(lambda: _request_object(strip(want), depth))


# --- two fixed answers per type: only the required keys, and every key ---------------------

SAMPLE_DEPTH = 4  # deeper than this, every key is the required keys only


def required_only(type_name: str) -> Any:
    """The smallest answer the schema allows: each object with its required keys only."""
    return _sample(type_name, every_key=False, depth=0)


def every_key(type_name: str) -> Any:
    """An answer with every key the schema names, each with a value of its type (objects
    nested deeper than ``SAMPLE_DEPTH``, or inside themselves, with their required keys)."""
    return _sample(type_name, every_key=True, depth=0)


def _sample(text: str, *, every_key: bool, depth: int, inside: frozenset[str] = frozenset()) -> Any:
    parts = [p for p in _split(text) if p != "null"]
    want = resolve(parts[0].strip())
    if len(_split(want)) > 1:
        return _sample(want, every_key=every_key, depth=depth, inside=inside)
    fixed: dict[str, Any] = {
        "datetime": "2025-01-02T03:04:05Z",
        "unknown": {"any": [1, "json"]},
        "string": "text",
        "number": 2,
        "integer": 3,
        "boolean": True,
        "true": True,
        "false": False,
    }
    if want in fixed:
        return fixed[want]
    literal = LITERAL.match(want)
    if literal:
        return literal.group(1)
    if want.endswith("[]") or want.startswith("Record<"):
        inner = item_type(want) if want.endswith("[]") else want[7:-1].split(",", 1)[1]
        item = _sample(inner, every_key=every_key, depth=depth + 1, inside=inside)
        return [item] if want.endswith("[]") else {"key": item}
    name = strip(want)
    entry = types()[name]
    if entry["kind"] == "enum":
        return entry["values"][0] if entry["values"] else "VALUE"
    wide = every_key and depth < SAMPLE_DEPTH and name not in inside
    out = {}
    for f in fields_of(name):
        if f["required"] or wide:
            out[f["name"]] = _sample(
                f["type"], every_key=every_key, depth=depth + 1, inside=inside | {name}
            )
    if "id" in out:
        out["id"] = "id_1"
    return out

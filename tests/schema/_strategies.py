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
from typing import Any

import attrs
from hypothesis import strategies as st

from ._schema import LITERAL, fields_of, item_type, resolve, strip, types, union_members

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


def answer(type_name: str) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object for the schema's ``type_name``, with a string ``id`` if it has one."""
    return _object(strip(type_name), keep=frozenset({"id"}))


def _object(name: str, keep: frozenset[str] = frozenset()) -> st.SearchStrategy[dict[str, Any]]:
    mandatory: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for f in fields_of(name):
        value = _value(f["type"])
        if f["name"] in keep:
            mandatory[f["name"]] = value
        else:
            # null where the schema allows it, and sometimes where it does not.
            optional[f["name"]] = st.one_of(value, value, st.none())
    known = st.fixed_dictionaries(mandatory, optional=optional)
    return st.tuples(known, UNKNOWN_KEYS).map(lambda pair: {**pair[1], **pair[0]})


def _value(text: str) -> st.SearchStrategy[Any]:
    parts = union_members(text)
    if len(parts) > 1:
        return st.one_of([_value(part) for part in parts])
    raw = parts[0].strip()
    want = resolve(raw)
    if want != raw:
        return _value(want)
    if want == "datetime":
        return TIMESTAMPS
    if want == "unknown":
        return JSON
    literal = LITERAL.match(want)
    if literal:
        return st.just(literal.group(1))
    if want.endswith("[]"):
        return st.lists(st.deferred(lambda: _value(item_type(want))), max_size=2)
    if want == "string":
        return TEXT
    if want in ("number", "integer"):
        return NUMBERS
    if want == "boolean":
        return st.booleans()
    if want.startswith("Record<"):
        return st.dictionaries(TEXT, JSON, max_size=2)
    entry = types()[strip(want)]
    if entry["kind"] == "enum":
        return st.sampled_from(entry["values"]) | TEXT.map(lambda s: "NEW_" + s)
    return st.deferred(lambda: _object(strip(want)))


def snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def assert_readable(data: Any, model: Any, where: str = "$") -> None:
    """Every value present in ``data`` can be read on ``model`` (named, or in extra_fields)."""
    if data is None:
        assert model is None, where
    elif attrs.has(type(model)):
        assert isinstance(data, dict), where
        names = {a.name for a in attrs.fields(type(model))}
        for key, value in data.items():
            if snake(key) in names and snake(key) != "extra_fields":
                assert_readable(value, getattr(model, snake(key)), f"{where}.{key}")
            else:
                assert model.extra_fields[key] == value, f"{where}.{key} is not kept"
    elif isinstance(data, list):
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

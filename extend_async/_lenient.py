"""The lenient walk: a model from an answer that deviates from the schema.

The strict compiled functions of ``_converter`` decode every well-formed answer; this walk
runs only when one of them fails. It reads everything that fits, sets what does not to
``None`` (a ``dict[str, Any]`` or ``Any`` field keeps the raw value), drops list items that
are not what the list promises, keeps unknown keys in ``extra_fields``, and logs each
deviation once per model and field path at WARNING on the ``extend_async`` logger, without
the value (a value may be a customer's data).

Only two things make it give up (``ShapeError``): a body that is not a JSON object, and a
model with an ``id`` whose answer carries no string ``id``: such an answer names nothing.
"""

from __future__ import annotations

import logging
import threading
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import attrs

from ._introspect import (
    admits_none,
    choose_member,
    extra_keys,
    is_model,
    item_of,
    members_by_value,
    model_shape,
    model_union_of,
    open_enum_of,
    optional_of,
    type_name,
    union_takes_dict,
)
from ._scalars import STRICT_PRIMITIVES, TimestampRangeError, structure_datetime
from .types._base import EXTRA_FIELDS

__all__ = ["ShapeError", "forget_warnings", "read_leniently", "structure_leniently"]

T = TypeVar("T")

log = logging.getLogger("extend_async")

# (model, field path) pairs already logged. The paths come from the models' own fields
# (list positions are written ``[]``), so the set stays small; the cap is a guard.
_WARNED: set[tuple[str, str]] = set()
_WARNED_CAP = 10_000
_WARNED_LOCK = threading.Lock()


class ShapeError(ValueError):
    """A JSON answer that no model can be read from: not an object, or no ``id``."""


def structure_leniently(data: Any, tp: type[T], *, fallback: Callable[[Any, Any], Any]) -> T:
    """``data`` as ``tp`` with every readable part read; see the module docstring.

    ``fallback`` structures a value of a type the walk has no rule for (the strict
    converter's ``structure``): passed in, so this module needs nothing of the converter.
    """
    root = type_name(tp)
    if not is_model(tp):
        value = _Walk(root, fallback).read(tp, data, "")
        if value is None and data is not None:
            raise ShapeError(f"expected {root}, got {_kind(data)}")
        return value  # type: ignore[no-any-return]
    if not isinstance(data, dict):
        raise ShapeError(f"expected a JSON object, got {_kind(data)}")
    shape = model_shape(tp)  # type: ignore[arg-type]
    if "id" in shape.known and not isinstance(data.get("id"), str):
        why = "is missing" if "id" not in data else f"is {_kind(data['id'])}, not a string"
        raise ShapeError(f"{root}.id {why}")
    return _Walk(root, fallback).model(tp, data, "")  # type: ignore[no-any-return]


def read_leniently(
    value: Any, tp: Any, *, root: str, path: str, fallback: Callable[[Any, Any], Any]
) -> Any:
    """``value`` (found at ``path`` in an answer of type ``root``) as ``tp``, read as the
    walk reads it there: a nested model decoded on first read (``_first_read``) logs the same
    deviations, under the same names, as decoding the whole answer at once."""
    return _Walk(root, fallback).read(tp, value, path)


def forget_warnings() -> None:
    """Log every deviation again from now on (tests use this)."""
    with _WARNED_LOCK:
        _WARNED.clear()


def _kind(value: Any) -> str:
    """A JSON value's kind, never the value itself."""
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Walk:
    """One lenient decode of one answer; ``root`` names the model in the log lines."""

    def __init__(self, root: str, fallback: Callable[[Any, Any], Any]) -> None:
        self.root = root
        self.fallback = fallback

    def deviation(self, path: str, why: str) -> None:
        key = (self.root, path)
        with _WARNED_LOCK:
            if key in _WARNED:
                return
            if len(_WARNED) < _WARNED_CAP:
                _WARNED.add(key)
        log.warning(
            "%s: %s %s, not what the API schema promises; it reads as None",
            self.root,
            path or "the body",
            why,
        )

    def model(self, tp: Any, data: dict[str, Any], path: str) -> Any:
        shape = model_shape(tp)
        kwargs: dict[str, Any] = {}
        for f in shape.fields:
            where = _join(path, f.key)
            if f.key in data:
                kwargs[f.name.lstrip("_")] = self.read(f.type, data[f.key], where)
            elif f.default is attrs.NOTHING:
                self.deviation(where, "is missing")
                kwargs[f.name.lstrip("_")] = None
            # else: the model's default, as on the strict path
        if shape.keeps_extra:
            kwargs[EXTRA_FIELDS] = extra_keys(data, shape.known)
        return shape.cls(**kwargs)

    def read(self, tp: Any, value: Any, path: str) -> Any:
        if tp is Any:
            return value
        if value is None:
            if tp is type(None) or admits_none(tp):
                return None
            self.deviation(path, "is null")
            return None
        strict = STRICT_PRIMITIVES.get(tp)
        if strict is not None:
            try:
                return strict(value, tp)
            except TypeError:
                return self.unreadable(path, value)
        if tp is datetime:
            try:
                return structure_datetime(value, tp)
            except TimestampRangeError:
                self.deviation(path, "is a timestamp outside years 1-9999 in UTC")
                return None
            except (TypeError, ValueError):
                self.deviation(path, f"is {_kind(value)}, not an RFC 3339 timestamp")
                return None
        enum_cls = open_enum_of(tp)
        if enum_cls is not None:
            if isinstance(value, str):
                # A value the schema does not list yet is no deviation: the enums are open.
                return members_by_value(enum_cls).get(value, value)
            return self.unreadable(path, value)
        inner = optional_of(tp)
        if inner is not None:
            return self.read(inner, value, path)
        item = item_of(tp)
        if item is not None:
            if not isinstance(value, list):
                return self.unreadable(path, value)
            where = f"{path}[]"
            read = [self.read(item, v, where) for v in value]
            return tuple(v for v in read if v is not None)
        members = model_union_of(tp)
        if members is not None:
            member = choose_member(members, value) if isinstance(value, dict) else None
            if member is None and isinstance(value, dict) and union_takes_dict(tp):
                return value
            if member is None:
                return self.unreadable(path, value)
            return self.model(member, value, path)
        if is_model(tp):
            if not isinstance(value, dict):
                return self.unreadable(path, value)
            return self.model(tp, value, path)
        origin = typing.get_origin(tp)
        if origin in (dict, typing.get_origin(typing.Mapping[str, Any])):
            if isinstance(value, dict):
                return value  # a free-form object (metadata): kept as delivered
            return self.unreadable(path, value)
        try:
            return self.fallback(value, tp)
        except Exception:
            return self.unreadable(path, value)

    def unreadable(self, path: str, value: Any) -> None:
        self.deviation(path, f"is {_kind(value)}")
        return None

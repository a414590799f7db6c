"""A mapping input written with Python's snake_case keys, refused before anything is sent.

A dict input (``ParseConfigDict``...) is sent as written, so its keys are the API's own
(camelCase). A key that is the snake_case spelling of one of the model's wire keys
(``"base_processor"`` for ``baseProcessor``, as the official SDK's ``...Params`` dicts spell
them) would reach the API as a key it does not know and be ignored: it is an
``InvalidInputError`` naming the key to use instead, at any depth the model describes. Any
other key the model does not name is sent: the API may know it before this SDK does.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from ._errors import InvalidInputError
from ._introspect import is_model, item_of, model_shape, model_union_of, optional_of, to_camel

__all__ = ["check_keys"]

# Deeper than this, nothing more is checked (orjson refuses a body nested past 254 levels).
MAX_DEPTH = 64


def check_keys(value: Mapping[Any, Any], models: tuple[Any, ...], where: str) -> None:
    """Raise ``InvalidInputError`` for a snake_case key where ``models`` (any of them) name
    its camelCase form, in ``value`` and in every nested mapping a model field describes."""
    _check(value, models, where, 0)


def _check(value: Mapping[Any, Any], models: tuple[Any, ...], where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    fields: dict[str, list[Any]] = {}
    for model in models:
        for f in model_shape(model).fields:
            fields.setdefault(f.key, []).append(f.type)
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        types = fields.get(key)
        if types is None:
            camel = to_camel(key)
            if camel != key and camel in fields:
                raise InvalidInputError(
                    f"{where}: {key!r} is not a key of the API, {camel!r} is (a mapping "
                    "input is sent as written, with the API's camelCase keys)"
                )
            continue
        for tp in types:
            _check_value(item, tp, f"{where}.{key}", depth + 1)


def _check_value(item: Any, tp: Any, where: str, depth: int) -> None:
    inner = optional_of(tp)
    if inner is not None:
        tp = inner
    element = item_of(tp)
    if element is not None and isinstance(item, list | tuple):
        for i, each in enumerate(item):
            _check_value(each, element, f"{where}[{i}]", depth + 1)
    elif isinstance(item, Mapping):
        members = (typing.get_origin(tp) or tp,) if is_model(tp) else model_union_of(tp)
        if members:
            _check(item, members, where, depth)

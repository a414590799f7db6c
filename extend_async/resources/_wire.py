"""What the generated resources send: a method's arguments as the API's JSON body and query.

Each argument is checked before anything is sent (``InvalidInputError`` naming the
parameter); a model (one from an answer too), a mapping with the API's keys, a list of
either, an enum member or a plain value goes out as JSON; ``None`` leaves the key out.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar, cast

import attrs

from .._converter import unstructure_request
from .._errors import InvalidInputError
from .._input_keys import check_keys

__all__ = ["body", "deprecated", "query"]

F = TypeVar("F", bound=Callable[..., Any])

_SCALARS = (str, int, float, bool)


def body(*fields: tuple[str, str, Any, bool, tuple[type, ...]]) -> dict[str, Any]:
    """The JSON body from ``(wire key, parameter, value, required, models)``: ``None`` is
    left out (a required one is refused); a mapping given for one of ``models`` (or a list
    of them) has its keys checked against them first (``check_keys``)."""
    out: dict[str, Any] = {}
    for key, name, value, required, models in fields:
        if value is None:
            if required:
                raise InvalidInputError(f"{name} is required")
            continue
        if models:
            for index, item in enumerate(value if isinstance(value, list | tuple) else [value]):
                if isinstance(item, Mapping):
                    check_keys(item, models, name if item is value else f"{name}[{index}]")
        try:
            out[key] = _json(value, name)
        except RecursionError:  # a mapping that holds itself, or nests past any JSON limit
            raise InvalidInputError(f"{name} nests too deeply to be sent as JSON") from None
    return out


def query(*fields: tuple[str, str, Any]) -> dict[str, Any]:
    """The query from ``(wire key, parameter, value)``: one scalar each, ``None`` left out."""
    out: dict[str, Any] = {}
    for key, name, value in fields:
        if value is None:
            continue
        if isinstance(value, Enum):
            value = value.value
        if not isinstance(value, _SCALARS):
            raise InvalidInputError(
                f"{name} must be a str, int or bool, got {type(value).__name__}"
            )
        out[key] = value
    return out


def _json(value: Any, name: str) -> Any:
    if value is None:  # inside a mapping or a list: an explicit null
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, _SCALARS):
        return value
    if attrs.has(type(value)) or isinstance(value, datetime):
        return unstructure_request(value)
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise InvalidInputError(f"{name} must be a mapping with str keys")
        return {key: _json(item, f"{name}[{key!r}]") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item, f"{name}[{index}]") for index, item in enumerate(value)]
    raise InvalidInputError(
        f"{name} must be a model, a mapping, a list or a plain value, got {type(value).__name__}"
    )


def deprecated(message: str) -> Callable[[F], F]:
    """Mark a method deprecated: each call warns (``DeprecationWarning``, at the caller's
    line) before it does what it did."""

    def mark(method: F) -> F:
        @functools.wraps(method)
        def warn_then_call(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            return method(*args, **kwargs)

        warn_then_call.__deprecated__ = message  # type: ignore[attr-defined]  # as PEP 702's
        return cast(F, warn_then_call)

    return mark

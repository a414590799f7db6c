"""What the decoders know about a type: shared by the strict and the lenient decoder.

Pure functions of a type (no converter, no decoding), so ``_converter`` (the strict,
compiled functions) and ``_lenient`` (the walk for drifted answers) both import from here
and neither imports the other's internals.
"""

from __future__ import annotations

import functools
import operator
import types
import typing
from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any, TypeVar

import attrs
from attrs import frozen

from .types._base import EXTRA_FIELDS, Model

__all__ = [
    "NO_EXTRA",
    "ModelField",
    "ModelShape",
    "extra_keys",
    "item_of",
    "members_by_value",
    "model_shape",
    "open_enum_of",
    "optional_of",
    "to_camel",
    "type_name",
]

_NoneType = type(None)


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def open_enum_of(tp: Any) -> type[Enum] | None:
    """The enum class when ``tp`` is ``Enum | str`` or ``Enum | str | None``, else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = [a for a in typing.get_args(tp) if a is not _NoneType]
    if len(args) != 2 or str not in args:
        return None
    (other,) = [a for a in args if a is not str]
    return other if isinstance(other, type) and issubclass(other, Enum) else None


def optional_of(tp: Any) -> Any:
    """``X`` when ``tp`` is ``X | None`` (and not an open enum), else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType) or open_enum_of(tp):
        return None
    args = typing.get_args(tp)
    if len(args) != 2 or _NoneType not in args:
        return None
    return args[0] if args[1] is _NoneType else args[1]


def item_of(tp: Any) -> Any:
    """``X`` when ``tp`` is ``tuple[X, ...]``, else None."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


def admits_none(tp: Any) -> bool:
    return _NoneType in typing.get_args(tp)


def is_model(tp: Any) -> bool:
    """An attrs class, or a generic alias of one (``Page[X]``)."""
    return attrs.has(typing.get_origin(tp) or tp)


@cache
def members_by_value(enum_cls: type[Enum]) -> Mapping[Any, Enum]:
    """An enum's members by value, for one dict lookup per decoded value.

    Built once per enum from its public iteration plus its aliases (``__members__``), so
    nothing depends on ``Enum._value2member_map_``, the enum module's private copy of the
    same map (``tests/unit/test_enum_members.py`` holds the two equal).
    """
    members: dict[Any, Enum] = {}
    for member in enum_cls.__members__.values():
        members.setdefault(member.value, member)
    return types.MappingProxyType(members)


def _substitute(tp: Any, bound: Mapping[Any, Any]) -> Any:
    """``tp`` with the type variables of a generic model replaced (``Page[X]``)."""
    if not bound:
        return tp
    if isinstance(tp, TypeVar):
        return bound.get(tp, Any)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is tuple:
        return tuple[tuple(_substitute(a, bound) for a in args)]  # type: ignore[misc]
    if origin in (typing.Union, types.UnionType):
        return functools.reduce(operator.or_, [_substitute(a, bound) for a in args])
    return tp


@frozen
class ModelField:
    """One field of a model as the decoders see it: wire key, resolved type, default."""

    name: str
    key: str
    type: Any
    default: Any  # attrs.NOTHING when required, an ``attrs.Factory`` or a plain value


@frozen
class ModelShape:
    """A model class (the origin of a generic alias), its fields and its known wire keys."""

    cls: type[Any]
    fields: tuple[ModelField, ...]
    known: frozenset[str]
    keeps_extra: bool


@cache
def model_shape(tp: Any) -> ModelShape:
    """The decoders' view of an attrs class or of a generic alias of one (``Page[X]``)."""
    cls = typing.get_origin(tp) or tp
    attrs.resolve_types(cls)
    params = getattr(cls, "__parameters__", ())
    bound = dict(zip(params, typing.get_args(tp), strict=False))
    fields = tuple(
        ModelField(a.name, to_camel(a.name), _substitute(a.type, bound), a.default)
        for a in attrs.fields(cls)
        if a.init and a.name != EXTRA_FIELDS
    )
    keeps_extra = any(a.name == EXTRA_FIELDS for a in attrs.fields(cls))
    return ModelShape(cls, fields, frozenset(f.key for f in fields), keeps_extra)


NO_EXTRA: Mapping[str, Any] = Model().extra_fields
"""The shared empty ``extra_fields`` of every model that has nothing unknown."""


def extra_keys(o: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    """The keys of ``o`` a model does not name, with their values (the shared empty map if none)."""
    if known.issuperset(o):
        return NO_EXTRA
    return {k: v for k, v in o.items() if k not in known}


def type_name(tp: Any) -> str:
    """``ClassifyRun``, ``Page[ClassifyRunSummary]``: a type as messages name it."""
    args = typing.get_args(tp)
    name = getattr(typing.get_origin(tp) or tp, "__name__", str(tp))
    return f"{name}[{', '.join(type_name(a) for a in args)}]" if args else str(name)

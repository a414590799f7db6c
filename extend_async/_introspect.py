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
    "choose_member",
    "extra_keys",
    "item_of",
    "members_by_value",
    "model_shape",
    "model_union_of",
    "open_enum_of",
    "optional_of",
    "to_camel",
    "type_name",
    "union_takes_dict",
    "wire_key",
]

_NoneType = type(None)


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def wire_key(attribute: attrs.Attribute[Any]) -> str:
    """A field's key on the wire: its camelCase name, or the key its metadata names
    (generated models say ``field(metadata={"wire": "image_url"})`` for a key that is not
    the camelCase of any Python name)."""
    key = attribute.metadata.get("wire")
    return key if isinstance(key, str) else to_camel(attribute.name)


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
        ModelField(a.name, wire_key(a), _substitute(a.type, bound), a.default)
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
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    name = getattr(typing.get_origin(tp) or tp, "__name__", str(tp))
    return f"{name}[{', '.join(type_name(a) for a in args)}]" if args else str(name)


# --- unions of models: picked by their wire tag, or by their keys --------------------------

_FREE_FORM = dict[str, Any]


def model_union_of(tp: Any) -> tuple[type[Any], ...] | None:
    """The member classes when ``tp`` is a union of models (``| None`` too), of two or
    more, or of one or more and a free-form object (``dict[str, Any]``, see
    ``union_takes_dict``)."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = [a for a in typing.get_args(tp) if a is not _NoneType]
    models = tuple(a for a in args if isinstance(a, type) and attrs.has(a))
    rest = [a for a in args if a not in models]
    if len(args) < 2 or not models or rest not in ([], [_FREE_FORM]):
        return None
    return models


def union_takes_dict(tp: Any) -> bool:
    """Whether a union of models also takes any object (read as a plain dict when no
    member fits it)."""
    return _FREE_FORM in typing.get_args(tp)


@cache
def _tags(members: tuple[type[Any], ...]) -> tuple[str, Mapping[str, type[Any]]] | None:
    """``(wire key, {value: member})`` when every member carries a ``_wire_tag`` on the same
    key (the members of a discriminated union, as the model generator writes them)."""
    tags = [getattr(m, "_wire_tag", None) for m in members]
    if not all(isinstance(t, tuple) and len(t) == 2 for t in tags):
        return None
    keys = {t[0] for t in tags if t is not None}
    if len(keys) != 1:
        return None
    by_tag = {t[1]: m for t, m in zip(tags, members, strict=True) if t is not None}
    return keys.pop(), types.MappingProxyType(by_tag)


def choose_member(members: tuple[type[Any], ...], value: Mapping[str, Any]) -> type[Any] | None:
    """The member a JSON object is: by its tag when the members carry one (an unknown tag
    is None), else the member whose required keys are all present and that names the most
    of the object's keys (the first on a tie: the schema's order)."""
    tagged = _tags(members)
    if tagged is not None:
        key, by_tag = tagged
        tag = value.get(key)
        return by_tag.get(tag) if isinstance(tag, str) else None
    best, best_score = None, -1
    for member in members:
        shape = model_shape(member)  # type: ignore[arg-type]
        if any(f.default is attrs.NOTHING and f.key not in value for f in shape.fields):
            continue
        score = len(shape.known.intersection(value))
        if score > best_score:
            best, best_score = member, score
    return best

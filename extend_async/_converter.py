"""The one cattrs converter: camelCase on the wire, snake_case in Python.

Every attrs class gets its (un)structure function from one hook factory pair, so a new
model needs no registration. Open enums (``SomeEnum | str``) and aware datetimes have
hooks of their own.
"""

from __future__ import annotations

import inspect
import re
import sys
import types
import typing
from collections.abc import Callable
from datetime import datetime, timezone
from enum import Enum
from functools import cache
from typing import Any, TypeVar

import attrs
from cattrs import Converter
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

__all__ = ["converter", "structure_hook_for", "to_camel", "unstructure_request"]

T = TypeVar("T")


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


converter = Converter(detailed_validation=False)


def _structure_attrs_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
    if isinstance(cls, type) and not getattr(cls, "__parameters__", ()):
        return _make_structure_fn(cls)
    # Generic classes (``Page[T]``) keep cattrs' own generator, which maps type variables.
    renames = {a.name: override(rename=to_camel(a.name)) for a in attrs.fields(cls)}
    return make_dict_structure_fn(cls, converter, **renames)  # type: ignore[arg-type]


def _unstructure_attrs_factory(cls: type[Any]) -> Callable[[Any], Any]:
    renames = {a.name: override(rename=to_camel(a.name)) for a in attrs.fields(cls)}
    return make_dict_unstructure_fn(
        cls,
        converter,
        _cattrs_omit_if_default=True,
        **renames,  # type: ignore[arg-type]
    )


converter.register_structure_hook_factory(attrs.has, _structure_attrs_factory)
converter.register_unstructure_hook_factory(attrs.has, _unstructure_attrs_factory)


# --- primitives: the promised type, or an error ------------------------------------------


def _not_a(expected: str, value: Any) -> TypeError:
    return TypeError(f"expected {expected}, got {type(value).__name__}")


def _strict_str(value: Any, _: Any = None) -> str:
    if isinstance(value, str):
        return value
    raise _not_a("a string", value)


def _strict_bool(value: Any, _: Any = None) -> bool:
    if isinstance(value, bool):
        return value
    raise _not_a("a boolean", value)


def _strict_int(value: Any, _: Any = None) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 30.0 is a fine page count; 2.5 or "3" is not
    raise _not_a("an integer", value)


def _strict_float(value: Any, _: Any = None) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)  # JSON has one number type: 9 credits arrive as an int
    raise _not_a("a number", value)


# cattrs' own primitive hooks call ``str(x)``, ``bool(x)``...: null would become "None"
# and "false" True. Decoding a response must refuse what the API did not promise instead.
_STRICT_PRIMITIVES: dict[type, Callable[[Any, Any], Any]] = {
    str: _strict_str,
    bool: _strict_bool,
    int: _strict_int,
    float: _strict_float,
}
for _tp, _hook in _STRICT_PRIMITIVES.items():
    converter.register_structure_hook(_tp, _hook)


# --- structure functions of plain attrs classes (the decoding hot path) -------------------
#
# cattrs' generated functions call, for every ``X | None`` field, a hook that looks the
# inner hook up again on each call, and collect the fields present in a dict for
# ``**kwargs``. A ClassifyRun has ~80 such fields, so these functions are generated here
# instead: one ``o.get`` per field, ``None`` tests, primitives and ``tuple[X, ...]`` inline,
# every other hook resolved once. Semantics are cattrs' with ``detailed_validation=False``:
# unknown keys are ignored and a missing required key raises ``KeyError``.

_PRIMITIVES = (str, int, float, bool)
_MISSING = object()
_NoneType = type(None)


def _optional_of(tp: Any) -> Any:
    """``X`` when ``tp`` is ``X | None`` (and not an open enum), else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType) or _open_enum_of(tp):
        return None
    args = typing.get_args(tp)
    if len(args) != 2 or _NoneType not in args:
        return None
    return args[0] if args[1] is _NoneType else args[1]


def _item_of(tp: Any) -> Any:
    """``X`` when ``tp`` is ``tuple[X, ...]``, else None."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


def _structure_expr(tp: Any, value: str, name: str, globs: dict[str, Any]) -> str:
    """Source that structures the local ``value`` as ``tp``; helpers go in ``globs``."""
    if tp is Any:
        return value
    if tp in _PRIMITIVES:
        # The right type passes with one class test and no call; anything else goes
        # through a strict check, so a null id is an error rather than the string "None".
        globs[name] = _STRICT_PRIMITIVES[tp]
        globs[f"{name}_t"] = tp
        return f"({value} if {value}.__class__ is {name}_t else {name}({value}))"
    inner = _optional_of(tp)
    if inner is not None:
        return f"None if {value} is None else {_structure_expr(inner, value, name, globs)}"
    item = _item_of(tp)
    if item is not None:
        return f"tuple([{_structure_expr(item, 'e', name, globs)} for e in {value}])"
    globs[name] = converter.get_structure_hook(tp)
    globs[f"{name}_t"] = tp
    return f"{name}({value}, {name}_t)"


def _slot_setters(cls: type[Any]) -> dict[str, Callable[[Any, Any], None]] | None:
    """Each field's slot setter when ``cls.__init__`` only stores its arguments, else None.

    A frozen attrs ``__init__`` stores each field through ``object.__setattr__``; setting
    the slots directly builds the same instance ~3x faster, and that is half the cost of
    decoding a ClassifyRun. Anything more in ``__init__`` (a validator, a converter, a
    post-init hook, a field outside the arguments, a hand-written ``__init__``) and the
    decoder calls ``__init__`` as usual.
    """
    fields = attrs.fields(cls)
    code = getattr(cls.__init__, "__code__", None)
    if (
        code is None
        or "attrs generated" not in code.co_filename
        or hasattr(cls, "__attrs_pre_init__")
        or hasattr(cls, "__attrs_post_init__")
        or any(not a.init or a.validator or a.converter for a in fields)
    ):
        return None
    slots = {
        name
        for klass in cls.__mro__
        for name in klass.__dict__.get("__slots__", ())
        if name != "__weakref__"
    }
    if slots != {a.name for a in fields}:
        return None  # not slotted, or a slot __init__ fills itself (the cached hash)
    descriptors = {a.name: inspect.getattr_static(cls, a.name) for a in fields}
    if not all(isinstance(d, types.MemberDescriptorType) for d in descriptors.values()):
        return None
    return {name: d.__set__ for name, d in descriptors.items()}


def _make_structure_fn(cls: type[Any]) -> Callable[[Any, Any], Any]:
    attrs.resolve_types(cls)
    setters = _slot_setters(cls)
    globs: dict[str, Any] = {"_cls": cls, "_MISSING": _MISSING, "_new": object.__new__}
    lines = [f"def structure_{cls.__name__}(o, _=None):", "  get = o.get"]
    if setters is not None:
        lines.append("  self = _new(_cls)")
    kwargs = []
    for i, a in enumerate(attrs.fields(cls)):
        if not a.init:
            continue
        key = to_camel(a.name)
        expr = _structure_expr(a.type, "x", f"h{i}", globs)
        if a.default is attrs.NOTHING:
            lines.append(f"  x = o[{key!r}]")
        elif a.default is None:
            lines.append(f"  x = get({key!r})")
            if _optional_of(a.type) is None:
                expr = f"None if x is None else {expr}"
        else:
            if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                globs[f"d{i}"] = a.default.factory
                default = f"d{i}()"
            else:
                globs[f"d{i}"] = a.default
                default = f"d{i}"
            lines.append(f"  x = get({key!r}, _MISSING)")
            expr = f"{default} if x is _MISSING else {expr}"
        if setters is not None:
            globs[f"s{i}"] = setters[a.name]
            lines.append(f"  s{i}(self, {expr})")
        else:
            lines.append(f"  v{i} = {expr}")
            kwargs.append(f"{a.alias}=v{i}")
    lines.append("  return self" if setters is not None else f"  return _cls({', '.join(kwargs)})")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<structure {cls.__qualname__}>", "exec"), globs, namespace)
    return namespace[f"structure_{cls.__name__}"]  # type: ignore[no-any-return]


# --- datetimes: RFC 3339 in, aware UTC out ------------------------------------------------


# Seconds fraction of any length, and the offset after it: RFC 3339 allows any number of
# digits, Python 3.10's fromisoformat only 3 or 6.
_FRACTION = re.compile(r"\.(\d+)(?=[+-]\d\d:?\d\d$|$)")


def _fromisoformat_lenient(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        padded = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
        if padded == text:
            raise
        return datetime.fromisoformat(padded)


def _parse_timestamp_rewritten(value: str) -> datetime:
    # Python 3.10's fromisoformat does not accept the "Z" suffix the API uses.
    return _fromisoformat_lenient(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)


def _parse_timestamp_direct(value: str) -> datetime:
    # 3.11+ parses "Z" itself, ~4x faster than rewriting the string first.
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return _parse_timestamp_rewritten(value)


_parse_timestamp = (
    _parse_timestamp_direct if sys.version_info >= (3, 11) else _parse_timestamp_rewritten
)


def _structure_datetime(value: Any, _: Any) -> datetime:
    if isinstance(value, str):
        parsed = _parse_timestamp(value)
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise TypeError(f"expected an RFC 3339 timestamp, got {type(value).__name__}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    # "+00:00" parses to the timezone.utc singleton: the common case costs one identity test.
    return parsed if parsed.tzinfo is timezone.utc else parsed.astimezone(timezone.utc)


def _unstructure_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    text = value.astimezone(timezone.utc).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


converter.register_structure_hook(datetime, _structure_datetime)
converter.register_unstructure_hook(datetime, _unstructure_datetime)


# --- open enums: ``SomeEnum | str`` (optionally ``| None``) -------------------------------


def _open_enum_of(tp: Any) -> type[Enum] | None:
    """The enum class when ``tp`` is ``Enum | str`` or ``Enum | str | None``, else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if len(args) != 2 or str not in args:
        return None
    (other,) = [a for a in args if a is not str]
    return other if isinstance(other, type) and issubclass(other, Enum) else None


def _make_open_enum_hook(tp: Any) -> Callable[[Any, Any], Any]:
    enum_cls = _open_enum_of(tp)
    assert enum_cls is not None
    members = enum_cls._value2member_map_
    nullable = type(None) in typing.get_args(tp)

    def structure_open_enum(value: Any, _: Any) -> Any:
        if isinstance(value, str):
            # A known value becomes its member; an unknown one stays the plain string.
            return members.get(value, value)
        if value is None and nullable:
            return None
        raise TypeError(f"expected a string for {enum_cls.__name__}, got {type(value).__name__}")

    return structure_open_enum


converter.register_structure_hook_factory(
    lambda tp: _open_enum_of(tp) is not None, _make_open_enum_hook
)
converter.register_unstructure_hook_func(
    lambda tp: _open_enum_of(tp) is not None,
    lambda value: value.value if isinstance(value, Enum) else value,
)


# --- entry points ---------------------------------------------------------------------------


@cache
def structure_hook_for(cls: type[T]) -> Callable[[Any, type[T]], T]:
    """The compiled structure function for ``cls``, looked up once (hot path)."""
    return converter.get_structure_hook(cls)


def unstructure_request(value: Any) -> Any:
    """A request input (attrs instance, mapping or scalar) as JSON-ready data."""
    return converter.unstructure(value)

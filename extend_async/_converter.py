"""The one cattrs converter: camelCase on the wire, snake_case in Python.

Every attrs class gets its (un)structure function from one hook factory pair, so a new
model needs no registration. Open enums (``SomeEnum | str``) and aware datetimes have
hooks of their own. ``decode_response`` turns a 2xx body into its model: the compiled
strict function first, and the lenient walk of ``_lenient`` only when that fails.
"""

from __future__ import annotations

import functools
import inspect
import logging
import operator
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from enum import Enum
from functools import cache
from typing import Any, TypeVar

import attrs
from attrs import frozen
from cattrs import Converter
from cattrs.gen import make_dict_unstructure_fn, override

from ._errors import ResponseDecodeError, excerpt
from ._json import loads
from .types._base import EXTRA_FIELDS, Model, _ExtraFieldsSlot

__all__ = [
    "choose_member",
    "converter",
    "decode_response",
    "members_by_value",
    "model_union_of",
    "structure_hook_for",
    "structure_response",
    "to_camel",
    "union_takes_dict",
    "unstructure_request",
    "wire_key",
]

T = TypeVar("T")
log = logging.getLogger("extend_async")


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


converter = Converter(detailed_validation=False)


def _structure_attrs_factory(tp: Any) -> Callable[[Any, Any], Any]:
    return _make_structure_fn(tp)


def wire_key(attribute: attrs.Attribute[Any]) -> str:
    """A field's key on the wire: its camelCase name, or the key its metadata names
    (generated models say ``field(metadata={"wire": "image_url"})`` for a key that is not
    the camelCase of any Python name)."""
    key = attribute.metadata.get("wire")
    return key if isinstance(key, str) else to_camel(attribute.name)


def _unstructure_attrs_factory(cls: type[Any]) -> Callable[[Any], Any]:
    renames = {
        a.name: override(omit=True) if a.name == EXTRA_FIELDS else override(rename=wire_key(a))
        for a in attrs.fields(cls)
    }
    plain = make_dict_unstructure_fn(
        cls,
        converter,
        _cattrs_omit_if_default=True,
        **renames,  # type: ignore[arg-type]
    )
    if not any(a.name == EXTRA_FIELDS for a in attrs.fields(cls)):
        return plain

    def unstructure_with_extra(value: Any) -> Any:
        data = plain(value)
        extra = value.extra_fields
        # The keys this SDK does not know go back as they came; the named fields win.
        return {**extra, **data} if extra else data

    return unstructure_with_extra


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


# --- structure functions of attrs classes (the decoding hot path) -------------------------
#
# cattrs' generated functions call, for every ``X | None`` field, a hook that looks the
# inner hook up again on each call, and collect the fields present in a dict for
# ``**kwargs``. A ClassifyRun has ~80 such fields, so these functions are generated here
# instead: one ``o.get`` per field, ``None`` tests, primitives and ``tuple[X, ...]`` inline,
# every other hook resolved once. They are strict: a missing required key or a value of
# another type raises, and ``decode_response`` then reads the answer again with the
# lenient walk of ``_lenient``, so a well-formed answer pays for nothing else.

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


def extra_keys(o: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    """The keys of ``o`` a model does not name, with their values (the shared empty map if none)."""
    if known.issuperset(o):
        return _NO_EXTRA
    return {k: v for k, v in o.items() if k not in known}


_NO_EXTRA = Model().extra_fields


def _structure_expr(tp: Any, value: str, name: str, globs: dict[str, Any]) -> str:
    """Source that structures the local ``value`` as ``tp``; helpers go in ``globs``."""
    if tp is Any:
        return value
    if tp in _PRIMITIVES:
        # The right type passes with one class test and no call; anything else goes
        # through a strict check, so a null id is an error rather than the string "None".
        globs[name] = _STRICT_PRIMITIVES[tp]
        globs[f"{name}_t"] = tp
        return f"({value} if type({value}) is {name}_t else {name}({value}))"
    inner = _optional_of(tp)
    if inner is not None:
        return f"None if {value} is None else {_structure_expr(inner, value, name, globs)}"
    item = _item_of(tp)
    if item is not None:
        if attrs.has(item):
            # One call per item without a comprehension's frame (3.11 builds one per call).
            globs[name] = converter.get_structure_hook(item)
            return f"tuple(map({name}, {value}))"
        return f"tuple([{_structure_expr(item, 'e', name, globs)} for e in {value}])"
    if tp == dict[str, Any]:
        # A free-form object (metadata): a C-level copy instead of cattrs' dict walk.
        globs[name] = converter.get_structure_hook(tp)
        globs[f"{name}_t"] = tp
        return f"(dict({value}) if type({value}) is dict else {name}({value}, {name}_t))"
    if tp is datetime:
        globs[f"{name}_p"] = _datetime_from_text
        globs[name] = _structure_datetime
        return f"({name}_p({value}) if type({value}) is str else {name}({value}, None))"
    enum_cls = _open_enum_of(tp)
    if enum_cls is not None:
        # A string becomes its member, or stays itself when the enum does not list it yet.
        globs[f"{name}_m"] = members_by_value(enum_cls).get
        globs[name] = converter.get_structure_hook(tp)
        globs[f"{name}_t"] = tp
        return (
            f"({name}_m({value}, {value}) if type({value}) is str "
            f"else {name}({value}, {name}_t))"
        )
    globs[name] = converter.get_structure_hook(tp)
    globs[f"{name}_t"] = tp
    return f"{name}({value}, {name}_t)"


def _slot_setters(cls: type[Any]) -> dict[str, Callable[[Any, Any], None]] | None:
    """Each field's slot setter when ``cls.__init__`` only stores its arguments, else None.

    Why this pays: a frozen attrs ``__init__`` stores each field through
    ``object.__setattr__``; setting the slots directly builds the same instance ~3x faster,
    and structuring the benchmark's ClassifyRun takes ~53 us this way against ~82 us through
    ``__init__`` (CPython 3.11, measured on a shared 2-core machine). Anything more in
    ``__init__`` (a validator, a converter, a post-init hook, a field outside the arguments,
    a hand-written ``__init__``) and the decoder calls ``__init__`` as usual.

    What it relies on is not public attrs API: that attrs names the file of the code it
    generates "attrs generated ...", and that a slotted class's fields are member
    descriptors. Both are feature-checked here, per class: when either looks different
    (another attrs release), the class is built through ``__init__`` as usual, slower but
    the same, and a DEBUG line says so once per class.
    ``tests/unit/test_structure_fast_path.py`` checks both sides of that line.
    """
    fields = attrs.fields(cls)
    code = getattr(cls.__init__, "__code__", None)
    if code is None or "attrs generated" not in code.co_filename:
        if attrs.has(cls) and "__init__" in cls.__dict__ and code is not None:
            _log_slot_fallback(cls, "its __init__ is not attrs' generated code")
        return None
    if (
        hasattr(cls, "__attrs_pre_init__")
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
    extra = descriptors.get(EXTRA_FIELDS)
    if isinstance(extra, _ExtraFieldsSlot):
        descriptors[EXTRA_FIELDS] = extra.slot  # the slot under Model's read-as-empty wrapper
    if not all(isinstance(d, types.MemberDescriptorType) for d in descriptors.values()):
        _log_slot_fallback(cls, "its fields are not slot descriptors")
        return None
    return {name: d.__set__ for name, d in descriptors.items()}


_slot_fallbacks_said: set[type[Any]] = set()


def _log_slot_fallback(cls: type[Any], why: str) -> None:
    # Once per class: the fallback is correct, only slower, so DEBUG is the right level.
    if cls in _slot_fallbacks_said:
        return
    _slot_fallbacks_said.add(cls)
    log.debug("decoding %s through __init__ (%s)", cls.__qualname__, why)


def _make_structure_fn(tp: Any) -> Callable[[Any, Any], Any]:
    """Generate the strict structure function of a model (see the section comment).

    Two bodies: an object with exactly as many keys as the model names (the usual, complete
    answer) reads every key by subscript, and then has no unknown key unless one of the
    named keys is missing, which the ``KeyError`` sends to the second body. That one reads
    with ``get``, applies defaults and collects the unknown keys for ``extra_fields``.
    """
    shape = model_shape(tp)
    cls = shape.cls
    setters = _slot_setters(cls)
    globs: dict[str, Any] = {
        "_cls": cls,
        "_MISSING": _MISSING,
        "_new": object.__new__,
        "_known": shape.known,
        "_no_extra": shape.known.issuperset,
        "_NO_EXTRA": _NO_EXTRA,
        "_extra_keys": extra_keys,
    }
    exprs = [_structure_expr(f.type, "x", f"h{i}", globs) for i, f in enumerate(shape.fields)]
    fn_name = f"structure_{cls.__name__}"
    lines = [f"def {fn_name}(o, _=None):"]
    if shape.fields:
        lines += [f"  if len(o) == {len(shape.fields)}:", "    try:"]
        lines += _body(shape, setters, exprs, globs, complete=True, indent="      ")
        lines.append("    except KeyError:")
        lines.append("      pass  # a named key is missing (maybe for an unknown one)")
    lines += _body(shape, setters, exprs, globs, complete=False, indent="  ")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<structure {cls.__qualname__}>", "exec"), globs, namespace)
    return namespace[fn_name]  # type: ignore[no-any-return]


def _body(
    shape: ModelShape,
    setters: dict[str, Callable[[Any, Any], None]] | None,
    exprs: list[str],
    globs: dict[str, Any],
    *,
    complete: bool,
    indent: str,
) -> list[str]:
    """The lines that build one instance; ``complete``: every named key is present."""
    lines = [] if complete else ["get = o.get"]
    if setters is not None:
        lines.append("self = _new(_cls)")
    kwargs = []
    for i, (f, expr) in enumerate(zip(shape.fields, exprs, strict=True)):
        if complete or f.default is attrs.NOTHING:
            lines.append(f"x = o[{f.key!r}]")
            if f.default is None and _optional_of(f.type) is None:
                expr = f"None if x is None else {expr}"
        elif f.default is None:
            lines.append(f"x = get({f.key!r})")
            if _optional_of(f.type) is None:
                expr = f"None if x is None else {expr}"
        else:
            if isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
                globs[f"d{i}"] = f.default.factory
                default = f"d{i}()"
            else:
                globs[f"d{i}"] = f.default
                default = f"d{i}"
            lines.append(f"x = get({f.key!r}, _MISSING)")
            expr = f"{default} if x is _MISSING else {expr}"
        if setters is not None:
            globs[f"s{i}"] = setters[f.name]
            lines.append(f"s{i}(self, {expr})")
        else:
            lines.append(f"v{i} = {expr}")
            kwargs.append(f"{f.name.lstrip('_')}=v{i}")
    if shape.keeps_extra:
        # A complete object has no room for an unknown key; otherwise one C-level subset
        # test per object, and the copy only when there is something to keep. The slot
        # path leaves the slot unset when there is nothing: it reads as the empty mapping.
        if setters is not None:
            if not complete:
                globs["s_extra"] = setters[EXTRA_FIELDS]
                lines.append("if not _no_extra(o):")
                lines.append("    s_extra(self, _extra_keys(o, _known))")
        else:
            extra = (
                "_NO_EXTRA" if complete else "_NO_EXTRA if _no_extra(o) else _extra_keys(o, _known)"
            )
            kwargs.append(f"{EXTRA_FIELDS}={extra}")
    lines.append("return self" if setters is not None else f"return _cls({', '.join(kwargs)})")
    return [indent + line for line in lines]


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


_FROMISOFORMAT_TAKES_Z = sys.version_info >= (3, 11)
_parse_timestamp = _parse_timestamp_direct if _FROMISOFORMAT_TAKES_Z else _parse_timestamp_rewritten


class TimestampRangeError(ValueError):
    """A timestamp whose UTC time falls outside what ``datetime`` holds (years 1-9999).

    A ``ValueError``, so the strict decoder fails as for any bad value and the lenient
    walk reads the field as ``None`` (one logged deviation), as it does for other values
    it cannot hold.
    """

    def __init__(self, parsed: datetime) -> None:
        super().__init__(f"the timestamp is outside years 1-9999 in UTC (offset {parsed:%z})")


def _datetime_from_text(value: str) -> datetime:
    if _FROMISOFORMAT_TAKES_Z:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = _parse_timestamp_rewritten(value)
    else:
        parsed = _parse_timestamp_rewritten(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    # "+00:00" parses to the timezone.utc singleton: the common case costs one identity test.
    if parsed.tzinfo is timezone.utc:
        return parsed
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # "9999-12-31T23:59:59-05:00" is past datetime.max in UTC
        raise TimestampRangeError(parsed) from None


def _structure_datetime(value: Any, _: Any) -> datetime:
    if isinstance(value, str):
        return _datetime_from_text(value)
    if isinstance(value, datetime):
        parsed = value
    else:
        raise TypeError(f"expected an RFC 3339 timestamp, got {type(value).__name__}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    # "+00:00" parses to the timezone.utc singleton: the common case costs one identity test.
    if parsed.tzinfo is timezone.utc:
        return parsed
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # "9999-12-31T23:59:59-05:00" is past datetime.max in UTC
        raise TimestampRangeError(parsed) from None


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


@cache
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


def _make_open_enum_hook(tp: Any) -> Callable[[Any, Any], Any]:
    enum_cls = _open_enum_of(tp)
    assert enum_cls is not None
    members = members_by_value(enum_cls)
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


# --- unions: of models (picked by their wire tag, or by their keys), of primitives ---------


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


def _make_model_union_hook(tp: Any) -> Callable[[Any, Any], Any]:
    found = model_union_of(tp)
    assert found is not None
    members: tuple[type[Any], ...] = found
    nullable = _NoneType in typing.get_args(tp)
    takes_dict = union_takes_dict(tp)

    def structure_model_union(value: Any, _: Any) -> Any:
        if value is None and nullable:
            return None
        if not isinstance(value, dict):
            raise _not_a("an object", value)
        member = choose_member(members, value)
        if member is None and takes_dict:
            return dict(value)
        if member is None:
            raise ValueError(f"the object is none of {[m.__name__ for m in members]}")
        return structure_hook_for(member)(value, member)  # type: ignore[arg-type]

    return structure_model_union


converter.register_structure_hook_factory(
    lambda tp: model_union_of(tp) is not None, _make_model_union_hook
)


def _primitive_union_of(tp: Any) -> tuple[type, ...] | None:
    """The members when ``tp`` is a union of two or more of str, int, float, bool."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = tuple(a for a in typing.get_args(tp) if a is not _NoneType)
    if len(args) < 2 or not all(a in _PRIMITIVES for a in args):
        return None
    return args


def _make_primitive_union_hook(tp: Any) -> Callable[[Any, Any], Any]:
    allowed = _primitive_union_of(tp)
    assert allowed is not None
    nullable = _NoneType in typing.get_args(tp)

    def structure_primitive_union(value: Any, _: Any) -> Any:
        if type(value) in allowed or (value is None and nullable):
            return value
        if type(value) is int and float in allowed:
            return float(value)  # JSON has one number type
        raise _not_a(" or ".join(a.__name__ for a in allowed), value)

    return structure_primitive_union


converter.register_structure_hook_factory(
    lambda tp: _primitive_union_of(tp) is not None, _make_primitive_union_hook
)


# --- entry points ---------------------------------------------------------------------------


@cache
def structure_hook_for(cls: type[T]) -> Callable[[Any, type[T]], T]:
    """The compiled, strict structure function for ``cls``, looked up once (hot path)."""
    return converter.get_structure_hook(cls)


def structure_response(data: Any, cls: type[T]) -> T:
    """``data`` (decoded JSON) as ``cls``, never failing because of its shape.

    The strict function first; when the answer deviates from what the model promises, the
    lenient walk reads what it can, sets what it cannot to ``None`` and logs each deviation
    once (model and field path, no value). Raises ``ShapeError`` only when ``data`` is not
    a JSON object or, for a model with an ``id``, carries no string ``id``.
    """
    try:
        return structure_hook_for(cls)(data, cls)  # type: ignore[arg-type, no-any-return]
    except Exception:  # the answer drifted from the schema somewhere: read it leniently
        pass
    from ._lenient import structure_leniently

    return structure_leniently(data, cls)


def decode_response(
    body: bytes,
    cast_to: type[T],
    *,
    status: int,
    request_id: str | None,
    method: str,
    path: str,
) -> T:
    """The model in a 2xx body; ``ResponseDecodeError`` only for a body that is not JSON,
    not an object, or without an ``id`` (the message names the field path)."""
    try:
        data = loads(body)
    except ValueError as exc:
        why = f"the body is not JSON ({exc})"
        raise _decode_error(why, body, cast_to, status, request_id, method, path) from exc
    try:
        return structure_response(data, cast_to)
    except ShapeError as exc:
        raise _decode_error(str(exc), body, cast_to, status, request_id, method, path) from None


class ShapeError(ValueError):
    """A JSON answer that no model can be read from: not an object, or no ``id``."""


def _decode_error(
    why: str,
    body: bytes,
    cast_to: Any,
    status: int,
    request_id: str | None,
    method: str,
    path: str,
) -> ResponseDecodeError:
    return ResponseDecodeError(
        f"could not decode a {type_name(cast_to)} from the {status} response to "
        f"{method} {path}: {why}",
        status_code=status,
        request_id=request_id,
        body=excerpt(body),
        method=method,
        path=path,
    )


def type_name(tp: Any) -> str:
    """``ClassifyRun``, ``Page[ClassifyRunSummary]``: a type as messages name it."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    name = getattr(typing.get_origin(tp) or tp, "__name__", str(tp))
    return f"{name}[{', '.join(type_name(a) for a in args)}]" if args else str(name)


def unstructure_request(value: Any) -> Any:
    """A request input (attrs instance, mapping or scalar) as JSON-ready data."""
    return converter.unstructure(value)

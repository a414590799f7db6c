"""The one cattrs converter: camelCase on the wire, snake_case in Python.

Every attrs class gets its (un)structure function from one hook factory pair, so a new
model needs no registration. Open enums (``SomeEnum | str``) and aware datetimes have
hooks of their own. ``decode_response`` turns a 2xx body into its model: the compiled
strict function first, and the lenient walk of ``_lenient`` only when that fails.
"""

from __future__ import annotations

import inspect
import itertools
import linecache
import logging
import types
import typing
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Any, TypeVar

import attrs
from cattrs import Converter
from cattrs.gen import make_dict_unstructure_fn, override

from ._errors import ResponseDecodeError, excerpt
from ._first_read import WIRE_SLOT, FieldPlan
from ._introspect import (
    NO_EXTRA,
    ModelShape,
    choose_member,
    extra_keys,
    item_of,
    members_by_value,
    model_shape,
    model_union_of,
    open_enum_of,
    optional_of,
    to_camel,
    type_name,
    union_takes_dict,
    wire_key,
)
from ._json import HEAD_KEYS, head, loads, loads_leniently
from ._lenient import ShapeError, read_leniently, structure_leniently
from ._scalars import (
    STRICT_PRIMITIVES,
    TimestampRangeError,
    datetime_from_text,
    structure_datetime,
    unstructure_datetime,
)
from .types._base import EXTRA_FIELDS, Model, _ExtraFieldsSlot

__all__ = [
    "ShapeError",
    "TimestampRangeError",
    "converter",
    "decode_response",
    "members_by_value",
    "structure_hook_for",
    "structure_response",
    "to_camel",
    "type_name",
    "unstructure_request",
    "wire_key",
]

T = TypeVar("T")
log = logging.getLogger("extend_async")


converter = Converter(detailed_validation=False)


def _structure_attrs_factory(tp: Any) -> Callable[[Any, Any], Any]:
    return _make_structure_fn(tp)


def _unstructure_attrs_factory(cls: type[Any]) -> Callable[[Any], Any]:
    # A field left at its default is omitted, except a literal (a string default: a union
    # member's tag, an ``object`` kind): the API needs it, and it is what the dict says.
    renames = {
        a.name: override(omit=True)
        if a.name == EXTRA_FIELDS
        else override(rename=wire_key(a), omit_if_default=not isinstance(a.default, str))
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


for _tp, _hook in STRICT_PRIMITIVES.items():
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


# The models whose structure function is being generated: a model that holds itself (a
# condition's ``if`` clause is a condition) gets a hook that looks its function up on
# first use, instead of generating it again without end.
_BUILDING: set[Any] = set()


def _hook_of(tp: Any) -> Callable[..., Any]:
    if tp not in _BUILDING:
        return converter.get_structure_hook(tp)
    found: list[Callable[..., Any]] = []

    def structure_later(value: Any, _: Any = None) -> Any:
        if not found:
            found.append(converter.get_structure_hook(tp))
        return found[0](value, tp)

    return structure_later


def _structure_expr(tp: Any, value: str, name: str, globs: dict[str, Any]) -> str:
    """Source that structures the local ``value`` as ``tp``; helpers go in ``globs``."""
    if tp is Any:
        return value
    if tp in _PRIMITIVES:
        # The right type passes with one class test and no call; anything else goes
        # through a strict check, so a null id is an error rather than the string "None".
        globs[name] = STRICT_PRIMITIVES[tp]
        globs[f"{name}_t"] = tp
        return f"({value} if type({value}) is {name}_t else {name}({value}))"
    inner = optional_of(tp)
    if inner is not None:
        return f"None if {value} is None else {_structure_expr(inner, value, name, globs)}"
    item = item_of(tp)
    if item is not None:
        if attrs.has(item):
            # One call per item without a comprehension's frame (3.11 builds one per call).
            globs[name] = _hook_of(item)
            return f"tuple(map({name}, {value}))"
        return f"tuple([{_structure_expr(item, 'e', name, globs)} for e in {value}])"
    if tp == dict[str, Any]:
        # A free-form object (metadata): a C-level copy instead of cattrs' dict walk.
        globs[name] = converter.get_structure_hook(tp)
        globs[f"{name}_t"] = tp
        return f"(dict({value}) if type({value}) is dict else {name}({value}, {name}_t))"
    if tp is datetime:
        globs[f"{name}_p"] = datetime_from_text
        globs[name] = structure_datetime
        return f"({name}_p({value}) if type({value}) is str else {name}({value}, None))"
    enum_cls = open_enum_of(tp)
    if enum_cls is not None:
        # A string becomes its member, or stays itself when the enum does not list it yet.
        globs[f"{name}_m"] = members_by_value(enum_cls).get
        globs[name] = converter.get_structure_hook(tp)
        globs[f"{name}_t"] = tp
        return (
            f"({name}_m({value}, {value}) if type({value}) is str "
            f"else {name}({value}, {name}_t))"
        )
    globs[name] = _hook_of(tp)
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
        if name not in ("__weakref__", WIRE_SLOT)
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
    shape, setters, exprs, globs = _prepare(tp)
    lines = [f"def structure_{shape.cls.__name__}(o, _=None):"]
    lines += _bodies(shape, setters, exprs, globs, deferred=frozenset())
    return _compile(f"{shape.cls.__module__}.{type_name(tp)}", lines, globs)


def _prepare(
    tp: Any,
) -> tuple[ModelShape, dict[str, Callable[[Any, Any], None]] | None, list[str], dict[str, Any]]:
    """What both generated functions of a model start from: its shape, its slot setters
    (None: built through ``__init__``), each field's structuring expression and their
    globals."""
    shape = model_shape(tp)
    setters = _slot_setters(shape.cls)
    globs = _globals_of(shape)
    _BUILDING.add(tp)
    try:
        exprs = [_structure_expr(f.type, "x", f"h{i}", globs) for i, f in enumerate(shape.fields)]
    finally:
        _BUILDING.discard(tp)
    return shape, setters, exprs, globs


def _globals_of(shape: ModelShape) -> dict[str, Any]:
    return {
        "_cls": shape.cls,
        "_MISSING": _MISSING,
        "_new": object.__new__,
        "_known": shape.known,
        "_no_extra": shape.known.issuperset,
        "_NO_EXTRA": NO_EXTRA,
        "_extra_keys": extra_keys,
    }


def _bodies(
    shape: ModelShape,
    setters: dict[str, Callable[[Any, Any], None]] | None,
    exprs: list[str],
    globs: dict[str, Any],
    *,
    deferred: frozenset[int],
    fill: bool = False,
) -> list[str]:
    lines = []
    if shape.fields:
        lines += [f"  if len(o) == {len(shape.fields)}:", "    try:"]
        lines += _body(shape, setters, exprs, globs, complete=True, indent="      ",
                       deferred=deferred, fill=fill)  # fmt: skip
        lines.append("    except KeyError:")
        lines.append("      pass  # a named key is missing (maybe for an unknown one)")
    lines += _body(shape, setters, exprs, globs, complete=False, indent="  ",
                   deferred=deferred, fill=fill)  # fmt: skip
    return lines


def _compile(model: str, lines: list[str], globs: dict[str, Any]) -> Callable[..., Any]:
    """The one function ``lines`` define, its source registered for tracebacks."""
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, _register_source(model, source), "exec"), globs, namespace)
    (function,) = namespace.values()
    return function  # type: ignore[no-any-return]


# The fields an answer decodes at once: what nearly every caller reads (a cancel's
# status, a bulk operation's id), so reading them never decodes the rest. ``_json.head``
# reads them from the body without parsing the rest.
_AT_ONCE = HEAD_KEYS


def _first_read_fn(tp: Any) -> Callable[..., Any] | None:
    """The structure function of a whole answer whose fields wait for their first read
    (``_first_read``): it decodes ``id`` and ``status`` from ``_json.head``'s mapping and
    keeps the body, its third argument, in the model's hidden slot, parsed at that read
    (without a body, the JSON object given is kept instead).
    None when ``tp`` is not a slotted ``Model`` with fields, whose answers are then decoded
    at once; nested models themselves are decoded in full when read."""
    shape, setters, exprs, globs = _prepare(tp)
    cls = shape.cls
    wire = inspect.getattr_static(cls, WIRE_SLOT, None)
    if (
        setters is None
        or not shape.fields
        or not issubclass(cls, Model)
        or not isinstance(wire, types.MemberDescriptorType)
    ):
        return None
    model = f"{cls.__module__}.{type_name(tp)}"
    deferred = frozenset(
        i for i, f in enumerate(shape.fields) if _deferred_json_type(f.type) is not None
    )
    nested = {}
    for i in deferred:
        f = shape.fields[i]
        json_type = globs[f"f{i}_t"] = _deferred_json_type(f.type)
        assert json_type is not None  # a deferred field's
        decode = _nested_decoder(model, type_name(tp), f.key, optional_of(f.type) or f.type)
        nested[f.name] = (f.key, json_type, setters[f.name], decode)
    body = _bodies(shape, setters, exprs, globs, deferred=deferred, fill=True)
    fill = _compile(f"{model} (fields at first read)", ["def fill(self, o):", *body], globs)

    def read_leniently_whole(raw: Any) -> Any:
        return structure_leniently(raw, tp, fallback=converter.structure)

    globs["_plan"] = FieldPlan(fill, read_leniently_whole, nested, setters)
    globs["_dict"] = dict
    globs["s_wire"] = wire.__set__
    lines = [
        f"def structure_on_first_read_{cls.__name__}(o, _=None, body=None):",
        "  if type(o) is not _dict:",
        "    raise TypeError('not a JSON object')",
        "  self = _new(_cls)",
    ]
    for i, f in enumerate(shape.fields):
        if f.key in _AT_ONCE and f.default is attrs.NOTHING and i not in deferred:
            globs[f"s{i}"] = setters[f.name]
            lines += [f"  x = o[{f.key!r}]", f"  s{i}(self, {exprs[i]})"]
    # From ``decode_response``: ``o`` holds only the head, the body is kept. From
    # ``structure_response`` (JSON already parsed): the JSON object itself.
    lines += ["  s_wire(self, (_plan, o if body is None else body, None))", "  return self"]
    return _compile(f"{model} (an answer, fields on first read)", lines, globs)


def _deferred_json_type(tp: Any) -> type | None:
    """``dict`` for a field holding a model (or a union of models), ``list`` for a tuple
    of models, each maybe ``| None``: the JSON value left undecoded until first read.
    None for any other field (a scalar, a timestamp, a free-form object): decoded at once."""
    inner = optional_of(tp) or tp
    if attrs.has(inner) or model_union_of(inner) is not None:
        return dict
    item = item_of(inner)
    if item is not None and (attrs.has(item) or model_union_of(item) is not None):
        return list
    return None


def _nested_decoder(model: str, root: str, path: str, tp: Any) -> Callable[[Any], Any]:
    """Decode a nested value when first read: strict, else the lenient walk, which logs a
    deviation under the answer's model (``root``) and the field's path, as decoding the
    whole answer at once would have. ``model`` names the generated source."""
    globs: dict[str, Any] = {
        "_leniently": partial(
            read_leniently, tp=tp, root=root, path=path, fallback=converter.structure
        )
    }
    lines = [
        "def decode_nested(x):",
        "  try:",
        f"    return {_structure_expr(tp, 'x', 'h', globs)}",
        "  except Exception:  # the value drifted from the schema: read it leniently",
        "    return _leniently(x)",
    ]
    return _compile(f"{model}.{path} (first read)", lines, globs)


_fake_file_numbers = itertools.count(2)


def _register_source(model: str, source: str) -> str:
    """Put a generated function's source in ``linecache`` under a stable fake file name.

    Tracebacks and debuggers read source lines through ``linecache``; an entry whose
    modification time is ``None`` is never dropped by ``linecache.checkcache`` (cattrs
    registers its generated code the same way). The name is the model's, so it is the
    same in every process; a clash with different source (two ``Page[X]`` built from
    different modules' classes of one name) takes the next free number.
    """
    base = f"<extend_async generated structure {model}>"
    filename = base
    while True:
        entry = linecache.cache.get(filename)
        if entry is None or (len(entry) == 4 and entry[2] == source.splitlines(True)):
            break
        filename = f"{base[:-1]} #{next(_fake_file_numbers)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return filename


def _body(
    shape: ModelShape,
    setters: dict[str, Callable[[Any, Any], None]] | None,
    exprs: list[str],
    globs: dict[str, Any],
    *,
    complete: bool,
    indent: str,
    deferred: frozenset[int],
    fill: bool,
) -> list[str]:
    """The lines that build one instance; ``complete``: every named key is present.

    ``fill``: the lines that set the fields of ``self`` instead (``_first_read``), leaving
    unset each field of ``deferred`` whose JSON value has the type it waits in."""
    lines = [] if complete else ["get = o.get"]
    if setters is not None and not fill:
        lines.append("self = _new(_cls)")
    kwargs = []
    for i, (f, expr) in enumerate(zip(shape.fields, exprs, strict=True)):
        if complete or f.default is attrs.NOTHING:
            lines.append(f"x = o[{f.key!r}]")
            if f.default is None and optional_of(f.type) is None:
                expr = f"None if x is None else {expr}"
        elif f.default is None:
            lines.append(f"x = get({f.key!r})")
            if optional_of(f.type) is None:
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
            if i in deferred:
                lines.append(f"if type(x) is not f{i}_t: s{i}(self, {expr})")
            else:
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
    if fill:
        lines.append("return")
    else:
        lines.append("return self" if setters is not None else f"return _cls({', '.join(kwargs)})")
    return [indent + line for line in lines]


converter.register_structure_hook(datetime, structure_datetime)
converter.register_unstructure_hook(datetime, unstructure_datetime)


# --- open enums: ``SomeEnum | str`` (optionally ``| None``) -------------------------------


def _make_open_enum_hook(tp: Any) -> Callable[[Any, Any], Any]:
    enum_cls = open_enum_of(tp)
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
    lambda tp: open_enum_of(tp) is not None, _make_open_enum_hook
)
converter.register_unstructure_hook_func(
    lambda tp: open_enum_of(tp) is not None,
    lambda value: value.value if isinstance(value, Enum) else value,
)


# --- unions: of models (picked by ``_introspect.choose_member``), of primitives ----------


def _make_model_union_hook(tp: Any) -> Callable[[Any, Any], Any]:
    found = model_union_of(tp)
    assert found is not None
    members: tuple[type[Any], ...] = found
    nullable = type(None) in typing.get_args(tp)
    takes_dict = union_takes_dict(tp)

    def structure_model_union(value: Any, _: Any) -> Any:
        if value is None and nullable:
            return None
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, got {type(value).__name__}")
        member = choose_member(members, value)
        if member is None and takes_dict:
            return dict(value)
        if member is None:
            raise ValueError(f"the object is none of {[m.__name__ for m in members]}")
        return converter.get_structure_hook(member)(value, member)

    return structure_model_union


converter.register_structure_hook_factory(
    lambda tp: model_union_of(tp) is not None, _make_model_union_hook
)


def _primitive_union_of(tp: Any) -> tuple[type, ...] | None:
    """The members when ``tp`` is a union of two or more of str, int, float, bool."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = tuple(a for a in typing.get_args(tp) if a is not type(None))
    if len(args) < 2 or not all(a in _PRIMITIVES for a in args):
        return None
    return args


def _make_primitive_union_hook(tp: Any) -> Callable[[Any, Any], Any]:
    allowed = _primitive_union_of(tp)
    assert allowed is not None
    nullable = type(None) in typing.get_args(tp)

    def structure_primitive_union(value: Any, _: Any) -> Any:
        if type(value) in allowed or (value is None and nullable):
            return value
        if type(value) is int and float in allowed:
            return float(value)  # JSON has one number type
        names = " or ".join(a.__name__ for a in allowed)
        raise TypeError(f"expected {names}, got {type(value).__name__}")

    return structure_primitive_union


converter.register_structure_hook_factory(
    lambda tp: _primitive_union_of(tp) is not None, _make_primitive_union_hook
)


# --- entry points ---------------------------------------------------------------------------


def structure_hook_for(cls: type[T]) -> Callable[[Any, type[T]], T]:
    """The compiled, strict structure function of a whole answer of type ``cls``, made
    once (hot path): for a model, one that leaves its fields but ``id`` and ``status`` as
    their JSON until first read (``_first_read``); for any other type, the converter's."""
    return (_answer_decoders.get(cls) or _answer_decoder(cls))[0]


# ``_answer_decoder``'s answers, by type: one dict lookup per answer on the hot path.
_answer_decoders: dict[Any, tuple[Callable[..., Any], bool]] = {}


def _answer_decoder(cls: Any) -> tuple[Callable[..., Any], bool]:
    """``structure_hook_for(cls)``, and whether its answers wait for their first read (it
    then takes the body as a third argument, for ``_json.exact`` at that read)."""
    found = _answer_decoders.get(cls)
    if found is None:
        waiting = _first_read_fn(cls) if attrs.has(typing.get_origin(cls) or cls) else None
        found = (waiting, True) if waiting else (converter.get_structure_hook(cls), False)
        # Two threads may both make it; either is kept, and both are the same.
        found = _answer_decoders.setdefault(cls, found)
    return found


def structure_response(data: Any, cls: type[T]) -> T:
    """``data`` (decoded JSON) as ``cls``, never failing because of its shape.

    The strict function first; when the answer deviates from what the model promises, the
    lenient walk reads what it can, sets what it cannot to ``None`` and logs each deviation
    once (model and field path, no value). Raises ``ShapeError`` only when ``data`` is not
    a JSON object or, for a model with an ``id``, carries no string ``id``.
    """
    try:
        return structure_hook_for(cls)(data, cls)
    except Exception:  # the answer drifted from the schema somewhere: read it leniently
        pass
    return structure_leniently(data, cls, fallback=converter.structure)


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
    decoder, waits = _answer_decoders.get(cast_to) or _answer_decoder(cast_to)
    if waits:
        # Its ``id`` and ``status``, the body checked to be JSON and nothing else built:
        # the rest is parsed at the first read of another field.
        found = head(body)
        if found is not None:
            try:
                return decoder(found, cast_to, body)  # type: ignore[no-any-return]
            except Exception:  # no string id, a status of no known kind: read leniently
                pass
    try:
        # An answer whose fields wait is read as at its first read (``loads_leniently``).
        data = loads_leniently(body) if waits else loads(body)
    except ValueError as exc:
        why = f"the body is not JSON ({exc})"
        raise _decode_error(why, body, cast_to, status, request_id, method, path) from exc
    if not waits:
        try:
            # ``structure_response`` written out (one frame fewer for every answer): the
            # strict function first, the lenient walk when the answer drifted from the schema.
            return decoder(data, cast_to)  # type: ignore[no-any-return]
        except Exception:
            pass
    try:
        return structure_leniently(data, cast_to, fallback=converter.structure)
    except ShapeError as exc:
        raise _decode_error(str(exc), body, cast_to, status, request_id, method, path) from None


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


def unstructure_request(value: Any) -> Any:
    """A request input (attrs instance, mapping or scalar) as JSON-ready data."""
    return converter.unstructure(value)

"""An answer's fields decoded on first read.

A decoded answer is built at once with only its ``id`` and ``status`` (what nearly every
caller of a cancel, a get or a bulk operation reads), read from the body by
``_json.head``, which checks the whole body is JSON without building the rest. The rest
waits in a hidden slot, as the tuple ``(plan, source, None)``: the model's ``FieldPlan``
and the body, parsed (``_json.loads_leniently``) at the first read (an answer structured
from JSON already parsed has that JSON object as its source instead).

The first read of any other field decodes them all (strictly, or, when the answer
deviates from the schema, with the lenient walk, exactly as decoding the whole answer at
once would have), except each nested model (``run.config``, ``run.output``, a tuple of
models), which waits until it is read itself: most answers are never read all the way
down, and building the ~35 objects of a full run was most of the SDK's CPU time per
request. The slot then holds ``(plan, None, waiting)``: only the JSON of the nested
models still unread, by field name, so a model read all the way down keeps no JSON.

The model stays what it was: a frozen, slotted attrs class with the same attributes and
types. A field not decoded yet is an unset slot, and Python calls ``Model.__getattr__``
(``read_field``) only when a slot is unset: once decoded, a field is a plain slot read.
Every way of looking at a model reads its attributes (``==``, ``hash``, ``repr``,
``to_dict``, pickling, copying, ``attrs.evolve``), so none of them can tell a field
decoded on first read from one decoded at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from ._json import head, loads_leniently

__all__ = ["WIRE_SLOT", "Decoded", "FieldPlan", "complete", "decode_now", "read_field"]

# The name of the hidden slot: not an attrs field, so no ``==``, ``hash``, ``repr``, pickle
# or ``attrs.evolve`` ever sees it.
WIRE_SLOT = "_wire"


class Decoded:
    """The base of ``Model``: the hidden slot of an answer whose fields wait."""

    __slots__ = (WIRE_SLOT,)


_WIRE: Any = Decoded.__dict__[WIRE_SLOT]
_get_wire = _WIRE.__get__
_set_wire = _WIRE.__set__


class FieldPlan:
    """How the fields of one model (or generic alias, ``Page[X]``) are decoded later.

    ``fill(model, raw)`` sets every field from the JSON object ``raw``, leaving unset the
    nested models whose JSON has the expected type; it raises when ``raw`` deviates from
    the schema, and ``lenient(raw)`` then gives the whole model, read leniently, whose
    fields are copied instead. ``nested`` maps a nested field's name to its wire key, the
    JSON type it waits as, its slot setter and the function that decodes its JSON value
    (strict, else lenient).
    """

    __slots__ = ("fill", "lenient", "nested", "setters")

    def __init__(
        self,
        fill: Callable[[Any, Any], None],
        lenient: Callable[[Any], Any],
        nested: Mapping[str, tuple[str, type, Callable[[Any, Any], None], Callable[[Any], Any]]],
        setters: Mapping[str, Callable[[Any, Any], None]],
    ) -> None:
        self.fill = fill
        self.lenient = lenient
        self.nested = nested
        self.setters = setters


log = logging.getLogger("extend_async")

_NOTHING_WAITS: dict[str, Any] = {}  # shared, never written: ``waiting`` when it is empty
_GONE = object()


def complete(model: Any) -> None:
    """Decode every field of ``model`` still waiting, nested models aside (no-op if none)."""
    try:
        plan, source, waiting = _get_wire(model)
    except AttributeError:  # decoded at once or built by hand: nothing waits
        return
    if waiting is not None:
        return
    raw = _parse(model, source) if type(source) is bytes else source
    try:
        plan.fill(model, raw)
    except Exception:  # the answer drifted from the schema: read it leniently
        whole = plan.lenient(raw)
        for name, set_slot in plan.setters.items():
            set_slot(model, getattr(whole, name))
        waiting = _NOTHING_WAITS
    else:  # the nested models the fill left unset: their JSON had the type they wait as
        waiting = {
            name: value
            for name, (key, json_type, _, _) in plan.nested.items()
            if type(value := raw.get(key)) is json_type
        } or _NOTHING_WAITS
    # Two threads reading at once both decode, to equal values (the model is frozen to its
    # users, not to its slots); the first to finish publishes what still waits, so a nested
    # model read through it is dropped from the one that stays.
    if _get_wire(model)[2] is None:
        _set_wire(model, (plan, None, waiting))


def _parse(model: Any, body: bytes) -> Any:
    """The body ``_json.head`` vouched for at the call, parsed. Should no parser follow it
    now (nested near the limit of what the call stack allows, which moves with the stack's
    depth and the Python version), its other fields read as None, as for any part of an
    answer that cannot be read, with a WARNING: the read itself never fails."""
    try:
        return loads_leniently(body)
    except ValueError as exc:
        log.warning(
            "the body of a %s answer could not be parsed past its id and status (%s): its "
            "other fields read as None",
            type(model).__name__,
            exc,
        )
        return head(body) or {}


def read_field(model: Any, name: str) -> Any:
    """``Model.__getattr__``: ``model.name`` for an unset slot, decoded now, or
    ``AttributeError`` as usual. Python calls it only when a slot is unset."""
    try:
        plan, _, waiting = _get_wire(model)
    except AttributeError:  # decoded at once or built by hand: nothing waits
        pass
    else:
        if name in plan.setters:  # a field (any other name decodes nothing)
            if waiting is None:
                complete(model)
                try:  # set now, unless it is a nested model whose JSON has its type
                    return object.__getattribute__(model, name)
                except AttributeError:
                    waiting = _get_wire(model)[2]
            value = waiting.get(name, _GONE)
            if value is _GONE:  # another thread decoded it since this read began
                return object.__getattribute__(model, name)
            _, _, set_slot, decode = plan.nested[name]
            decoded = decode(value)
            set_slot(model, decoded)
            waiting.pop(name, None)  # its JSON no longer kept
            if not waiting and waiting is not _NOTHING_WAITS:  # nor the empty dict
                _set_wire(model, (plan, None, _NOTHING_WAITS))
            return decoded
    raise AttributeError(f"{type(model).__name__!r} object has no attribute {name!r}")


def decode_now(value: Any) -> None:
    """Decode every field of ``value`` that still waits, nested models included: for an
    answer decoded in a worker thread, so that its first reads cost the event loop nothing."""
    if not isinstance(value, Decoded):
        return
    complete(value)
    try:
        waiting = _get_wire(value)[2]
    except AttributeError:  # decoded at once or built by hand: nothing waits
        return
    for name in list(waiting):
        getattr(value, name)

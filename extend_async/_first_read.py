"""Nested models decoded on first read.

An answer's model is built at once, but each nested model in it (``run.config``,
``run.output``, a tuple of models, a union of models) is kept as its parsed JSON until
the attribute is first read. Most answers are never read all the way down (a cancel's
caller looks at ``status``; a bulk operation at the id), and building the ~35 nested
objects of a full run was most of the SDK's CPU time per request.

The model stays what it was: a frozen, slotted attrs class with the same attributes and
types. The slot of such a field holds an ``undecoded`` tuple until the first read, which
decodes it (the strict function first, the lenient walk when the value deviates from the
schema, exactly as decoding the whole answer at once would have) and stores the result
in the slot, so the second read is a plain attribute read. Every way of looking at a
model reads its attributes (``==``, ``hash``, ``repr``, ``to_dict``, pickling, copying,
``attrs.evolve``), so none of them can tell an undecoded field from a decoded one.

The attribute of such a field is a ``ReadThrough`` wrapped around attrs' slot: it relies
on attrs' slotted classes keeping each field in a member descriptor on the class, which
``read_through`` checks per class and field; when that does not hold (another attrs
release), the field is simply decoded at once, as before.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

__all__ = ["UNDECODED", "ReadThrough", "is_undecoded", "read_through", "slot_of", "undecoded"]


class _Marker:
    """The first item of an undecoded value's tuple; nothing else ever holds it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<undecoded>"


UNDECODED = _Marker()


def undecoded(decode: Callable[[Any], Any], raw: Any) -> tuple[Any, ...]:
    """A nested value as parsed from the JSON answer, and how to decode it.

    A plain tuple led by the private ``UNDECODED`` marker, not an object of a class of its
    own: the decoder makes one per nested field of every answer, and a tuple costs a
    third of an instance built through ``__init__``. No decoded value is such a tuple (a
    tuple of models holds models), so a read can tell the two apart.
    """
    return (UNDECODED, decode, raw)


def is_undecoded(value: Any) -> bool:
    return type(value) is tuple and len(value) == 3 and value[0] is UNDECODED


class ReadThrough:
    """A field's slot, decoding an ``undecoded`` value on its first read."""

    __slots__ = ("slot",)

    def __init__(self, slot: Any) -> None:
        self.slot = slot

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self.slot.__get__(instance, owner)
        if type(value) is tuple and len(value) == 3 and value[0] is UNDECODED:
            # Two threads reading at once both decode; either result is stored, and both
            # are equal. The model is frozen to its users, not to this.
            value = value[1](value[2])
            self.slot.__set__(instance, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        self.slot.__set__(instance, value)

    def __delete__(self, instance: Any) -> None:
        self.slot.__delete__(instance)


def slot_of(descriptor: Any) -> Any:
    """The member descriptor under a ``ReadThrough``, or ``descriptor`` itself."""
    return descriptor.slot if isinstance(descriptor, ReadThrough) else descriptor


def read_through(cls: type[Any], name: str) -> bool:
    """Make the field ``name`` of ``cls`` decode an ``undecoded`` value on first read.

    True when it does (now or already); False when ``cls`` does not keep the field in a
    slot of its own (a base class's slot, or no slot), and the field must then be
    decoded at once.
    """
    descriptor = cls.__dict__.get(name)
    if isinstance(descriptor, ReadThrough):
        return True
    if not isinstance(descriptor, types.MemberDescriptorType):
        return False
    setattr(cls, name, ReadThrough(descriptor))
    return True

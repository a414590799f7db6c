"""``Model``: the base of every response model, which keeps the keys it does not name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

from attrs import field, frozen

__all__ = ["EXTRA_FIELDS", "Model"]

# The attribute that holds the unknown keys; the converter fills it, never from the wire.
EXTRA_FIELDS = "extra_fields"


class _NoExtra(Mapping[str, Any]):
    """The read-only empty mapping of a model without unknown keys (one, shared)."""

    __slots__ = ()

    def __getitem__(self, key: str) -> NoReturn:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"

    def __reduce__(self) -> str:
        return "_NO_EXTRA"  # unpickles as the module's singleton


_NO_EXTRA: Mapping[str, Any] = _NoExtra()


def _no_extra() -> Mapping[str, Any]:
    return _NO_EXTRA  # one shared, read-only empty mapping: most objects have no extra key


@frozen(kw_only=True)
class Model:
    """A response model.

    ``extra_fields`` holds every key of the answer that the model does not name, under its
    wire (camelCase) name and with its JSON value as delivered, so a field the API adds is
    usable before the SDK names it: ``run.extra_fields.get("someNewKey")``. It takes part in
    ``==`` but not in ``repr`` or ``hash``, and it is sent back when a model goes into a
    request (a config read from a classifier keeps what this SDK does not know).
    """

    extra_fields: Mapping[str, Any] = field(factory=_no_extra, repr=False, hash=False)


class _ExtraFieldsSlot:
    """The ``extra_fields`` slot, read as the empty mapping while it was never set.

    The converter builds models slot by slot; leaving this slot unset for the (usual)
    answer without unknown keys saves a store per object on the decoding hot path. Every
    read (attribute, ``==``, ``attrs.evolve``, pickling) sees the empty mapping instead.
    """

    __slots__ = ("slot",)

    def __init__(self, slot: Any) -> None:
        self.slot = slot

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        try:
            return self.slot.__get__(instance, owner)
        except AttributeError:
            return _NO_EXTRA

    def __set__(self, instance: Any, value: Any) -> None:
        self.slot.__set__(instance, value)

    def __delete__(self, instance: Any) -> None:
        self.slot.__delete__(instance)


setattr(Model, EXTRA_FIELDS, _ExtraFieldsSlot(Model.__dict__[EXTRA_FIELDS]))

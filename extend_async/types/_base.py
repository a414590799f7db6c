"""``Model``: the base of every response model, which keeps the keys it does not name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from attrs import field, frozen

from .._errors import InvalidInputError
from .._first_read import Decoded, complete, read_field
from ._plain import short_repr, to_python

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
class Model(Decoded):
    """A response model.

    ``extra_fields`` holds every key of the answer that the model does not name, under its
    wire (camelCase) name and with its JSON value as delivered, so a field the API adds is
    usable before the SDK names it: ``run.extra_fields.get("someNewKey")``. It takes part in
    ``==`` but not in ``repr`` or ``hash``, and it is sent back when a model goes into a
    request (a config read from a classifier keeps what this SDK does not know).

    The repr is short (the class, the id, the status and a few other fields; nested
    models and collections elided) so that a run fits a notebook cell; ``to_dict()`` and
    ``to_json()`` give every field.
    """

    extra_fields: Mapping[str, Any] = field(factory=_no_extra, repr=False, hash=False)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A ``__repr__`` of the class's own stops ``attrs.define``/``frozen`` (whose
        # ``auto_detect`` is on) from writing its full one, which would flood a notebook
        # cell; a class that writes its own ``__repr__`` keeps it.
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = short_repr  # type: ignore[method-assign]

    if not TYPE_CHECKING:  # hidden from type checkers, which would then accept any name
        # Only called for an unset slot: a field of an answer not decoded yet.
        __getattr__ = read_field

    def to_dict(self, *, mode: Literal["json", "python"] = "json") -> dict[str, Any]:
        """Every field as plain data.

        ``mode="json"`` (the default): the wire format, as the API sends it and the
        ``extend-client -o json`` output prints it: camelCase keys, timestamps as ISO 8601
        strings (``Z`` for UTC), enum members as their strings, the keys of
        ``extra_fields`` back in place; fields at their default (``None``, ``False``, an
        empty list) are left out. ``mode="python"``: snake_case attribute names with their
        Python values (aware ``datetime``, enum members), every field, nested models as
        dicts, and ``extra_fields`` as a key of its own.
        """
        if mode == "json":
            from .._converter import converter  # the one converter (it imports this module)

            data: dict[str, Any] = dict(converter.unstructure(self))
            return data
        if mode == "python":
            plain: dict[str, Any] = to_python(self)
            return plain
        raise InvalidInputError(f'mode must be "json" or "python", got {mode!r}')

    def to_json(self, *, indent: int | None = None) -> str:
        """``to_dict()`` as a JSON document (``indent=2`` for one key per line)."""
        import json

        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


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
            pass
        complete(instance)  # an answer whose fields still wait (``_first_read``)
        try:
            return self.slot.__get__(instance, owner)
        except AttributeError:
            return _NO_EXTRA

    def __set__(self, instance: Any, value: Any) -> None:
        self.slot.__set__(instance, value)

    def __delete__(self, instance: Any) -> None:
        self.slot.__delete__(instance)


setattr(Model, EXTRA_FIELDS, _ExtraFieldsSlot(Model.__dict__[EXTRA_FIELDS]))

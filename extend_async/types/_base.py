"""``Model``: the base of every response model, which keeps the keys it does not name."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

__all__ = ["EXTRA_FIELDS", "Model"]

# The attribute that holds the unknown keys; the converter fills it, never from the wire.
EXTRA_FIELDS = "extra_fields"

_NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


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

"""Models as short text (``repr``) and as plain Python data (``to_dict(mode="python")``).

A full run is 36 objects and several KB of text: its repr names the class, the id, the
status and a few other fields, each cut short, so a list of runs stays readable in a
notebook cell. Fields declared ``repr=False`` (a secret, ``extra_fields``) never show.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

import attrs

__all__ = ["short_repr", "to_python"]

# Shown first, in this order, when a model has them: what tells one object from another.
_KEY_FIELDS = (
    "id", "status", "name", "version", "type", "event_type", "failure_reason", "output", "file",
    "created_at",
)  # fmt: skip
# At most this many fields in a repr; the rest are counted (``…+7``).
MAX_FIELDS = 6
# A text value longer than this is cut, with ``…`` where the rest was.
MAX_TEXT = 40
# Never worth a place in the repr: the constant ``object`` tag.
_SKIPPED = frozenset({"object"})


def _shown_fields(cls: type[Any]) -> list[attrs.Attribute[Any]]:
    fields = [a for a in attrs.fields(cls) if a.repr and a.name not in _SKIPPED]
    rank = {name: i for i, name in enumerate(_KEY_FIELDS)}
    # Stable: key fields first in their own order, then the others as declared.
    return sorted(fields, key=lambda a: rank.get(a.name, len(rank)))


def _is_default(attribute: attrs.Attribute[Any], value: Any) -> bool:
    default: Any = attribute.default
    if default is attrs.NOTHING:
        return False
    factory = getattr(default, "factory", None)  # an ``attrs.Factory``
    if factory is not None:
        return False if getattr(default, "takes_self", False) else bool(value == factory())
    return bool(value is default or value == default)


def _brief(value: Any) -> str:
    """One value, short: nested models by class and id, collections by size."""
    if attrs.has(type(value)):
        ident = getattr(value, "id", None)
        if isinstance(ident, str):
            return f"{type(value).__name__}(id={_text(ident)})"
        return f"{type(value).__name__}(…)"
    if isinstance(value, Enum):
        return _text(str(value.value))
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Mapping):
        return f"{{{len(value)} {'key' if len(value) == 1 else 'keys'}}}"
    if isinstance(value, list | tuple | set | frozenset):
        return f"[{len(value)} {'item' if len(value) == 1 else 'items'}]"
    return _text(repr(value), quote=False)


def _text(value: str, *, quote: bool = True) -> str:
    cut = value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"
    return repr(cut) if quote else cut


def short_repr(self: Any) -> str:
    """``ClassifyRun(id='clr_…', status='PROCESSED', created_at=…, …+9)``: the fields
    not at their default, key fields first, at most ``MAX_FIELDS`` of them."""
    cls = type(self)
    if not attrs.has(cls):  # only models built by attrs get here; be safe all the same
        return object.__repr__(self)
    parts: list[str] = []
    hidden = 0
    for attribute in _shown_fields(cls):
        value = getattr(self, attribute.name)
        if _is_default(attribute, value):
            continue
        if len(parts) == MAX_FIELDS:
            hidden += 1
            continue
        parts.append(f"{attribute.name}={_brief(value)}")
    if hidden:
        parts.append(f"…+{hidden}")
    return f"{cls.__name__}({', '.join(parts)})"


def to_python(value: Any) -> Any:
    """A model as nested dicts of its attributes (snake_case), values kept as Python
    objects; lists and tuples become lists, mappings dicts."""
    if attrs.has(type(value)):
        data = {a.name: to_python(getattr(value, a.name)) for a in attrs.fields(type(value))}
        return data
    if isinstance(value, Mapping):
        return {key: to_python(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_python(item) for item in value]
    return value

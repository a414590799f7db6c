"""A small YAML emitter for JSON-compatible data (``-o yaml``), without a YAML library.

Block style for mappings and sequences; a string is left plain only when no YAML reader
could take it for anything but that string (no number, date, boolean, null, indicator or
special character); every other string is double-quoted with JSON's escapes (YAML 1.2's
double-quoted style is a superset), with control, bidi and surrogate characters escaped
too, so a document is safe on a terminal and reads back to the same data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ._escape import UNSAFE

__all__ = ["yaml_document"]

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
# YAML 1.1 and 1.2 readers take these for booleans or null, in any case.
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf"})


def _quoted(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}[repr(value)]
        return repr(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return _quoted(text)


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        if not value:
            return [pad + "{}"]
        out: list[str] = []
        for key, item in value.items():
            name = _scalar(str(key))
            if _is_block(item):
                out.append(f"{pad}{name}:")
                child = indent if isinstance(item, list | tuple) else indent + 2
                out.extend(_lines(item, child))
            else:
                out.append(f"{pad}{name}: {_inline(item)}")
        return out
    if isinstance(value, list | tuple):
        if not value:
            return [pad + "[]"]
        out = []
        for item in value:
            if _is_block(item):
                inner = _lines(item, indent + 2)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out.extend(inner[1:])
            else:
                out.append(f"{pad}- {_inline(item)}")
        return out
    return [pad + _scalar(value)]


def _is_block(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple) and bool(value)


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return _scalar(value)


def yaml_document(value: Any) -> str:
    """``value`` (dicts, lists, strings, numbers, booleans, ``None``) as one YAML document,
    starting with ``---`` and ending with a newline. Nesting deeper than Python's
    recursion limit raises ``RecursionError``, which the caller reports."""
    return "---\n" + "\n".join(_lines(value, 0)) + "\n"

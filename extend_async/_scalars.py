"""Scalars from the wire, strictly: the promised type or an error; RFC 3339 to aware UTC.

Shared by the strict decoder (``_converter``) and the lenient walk (``_lenient``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "STRICT_PRIMITIVES",
    "TimestampRangeError",
    "datetime_from_text",
    "structure_datetime",
    "unstructure_datetime",
]


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
STRICT_PRIMITIVES: dict[type, Callable[[Any, Any], Any]] = {
    str: _strict_str,
    bool: _strict_bool,
    int: _strict_int,
    float: _strict_float,
}


# --- datetimes: RFC 3339 in, aware UTC out ------------------------------------------------

# Seconds fraction of any length, and the offset after it: RFC 3339 allows any number of
# digits, Python 3.10's fromisoformat only 3 or 6.
_FRACTION = re.compile(r"\.(\d+)(?=[+-]\d\d:?\d\d$|$)")

# 3.11+ parses "Z" and any fraction itself, ~4x faster than rewriting the string first.
_FROMISOFORMAT_TAKES_Z = sys.version_info >= (3, 11)


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


class TimestampRangeError(ValueError):
    """A timestamp whose UTC time falls outside what ``datetime`` holds (years 1-9999).

    A ``ValueError``, so the strict decoder fails as for any bad value and the lenient
    walk reads the field as ``None`` (one logged deviation), as it does for other values
    it cannot hold.
    """

    def __init__(self, parsed: datetime) -> None:
        super().__init__(f"the timestamp is outside years 1-9999 in UTC (offset {parsed:%z})")


def _in_utc(parsed: datetime) -> datetime:
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    # "+00:00" parses to the timezone.utc singleton: the common case costs one identity test.
    if parsed.tzinfo is timezone.utc:
        return parsed
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # "9999-12-31T23:59:59-05:00" is past datetime.max in UTC
        raise TimestampRangeError(parsed) from None


def datetime_from_text(value: str) -> datetime:
    if _FROMISOFORMAT_TAKES_Z:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = _parse_timestamp_rewritten(value)
    else:
        parsed = _parse_timestamp_rewritten(value)
    # "Z" and "+00:00" parse to the timezone.utc singleton: no further call for them.
    return parsed if parsed.tzinfo is timezone.utc else _in_utc(parsed)


def structure_datetime(value: Any, _: Any) -> datetime:
    if isinstance(value, str):
        return datetime_from_text(value)
    if isinstance(value, datetime):
        return _in_utc(value)
    raise TypeError(f"expected an RFC 3339 timestamp, got {type(value).__name__}")


def unstructure_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    text = value.astimezone(timezone.utc).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text

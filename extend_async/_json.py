"""JSON from the wire, with every integer exact."""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["exact", "has_long_number", "loads", "loads_inexact"]

# orjson turns an integer beyond 64 bits into a float, silently losing digits. Such an
# integer has at least 19 digits in a row; a body holding none (nearly every answer) keeps
# orjson's speed, any other is parsed by the standard library, whose integers are exact.
# The digits are found by mapping each to "0" and searching for 19 of them: two C loops,
# about ten times faster than the regular expression \d{19} on a typical answer.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19
# A first look at every 4th byte only: 19 digits in a row cover at least four positions
# that are multiples of 4, so a body whose every-4th bytes hold no four digits in a row
# (nearly every answer: timestamps and ids never do) has no such integer, found at a
# quarter of the cost; any other body gets the full search.
_STRIDE = 4
_STRIDE_DIGITS = b"0" * 4


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(body: bytes) -> Any:
    """Parse ``body``; raises ``ValueError`` (``orjson.JSONDecodeError`` is one) if it is
    not JSON, or nests deeper than a parser follows."""
    if not has_long_number(body):
        return orjson.loads(body)  # refuses more than 1024 levels with JSONDecodeError
    return _loads_exactly(body)


def loads_inexact(body: bytes) -> Any:
    """``body`` parsed by orjson alone: an integer beyond 64 bits may have lost digits.

    For an answer whose numbers are read later (``_first_read``): ``exact`` then gives
    what ``loads`` would have, and an answer read only for its ``id`` and ``status``
    (strings) never pays for the search."""
    return orjson.loads(body)


def exact(body: bytes, parsed: Any) -> Any:
    """``parsed`` (``loads_inexact(body)``), or ``body`` parsed again with exact integers
    when it holds a long number (``parsed`` itself if the standard library cannot read it)."""
    if not has_long_number(body):
        return parsed
    try:
        return _loads_exactly(body)
    except ValueError:  # nested deeper than the standard library follows
        return parsed


def has_long_number(body: bytes) -> bool:
    """Whether ``body`` holds 19 digits in a row (what an integer beyond 64 bits needs)."""
    # ``find`` rather than ``in``: ``needle in body`` first tries the needle as an integer
    # and builds (then discards) a TypeError.
    return not (
        body[::_STRIDE].translate(_DIGITS_TO_ZERO).find(_STRIDE_DIGITS) < 0
        or body.translate(_DIGITS_TO_ZERO).find(_NINETEEN_DIGITS) < 0
    )


def _loads_exactly(body: bytes) -> Any:
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        # The standard library recurses once per level: a deeply nested body would
        # otherwise escape every handler that expects a parse error.
        raise ValueError("the JSON nests too deeply to be read") from None

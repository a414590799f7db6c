"""JSON from the wire, with every integer exact."""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["loads"]

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
    # ``find`` rather than ``in``: ``needle in body`` first tries the needle as an integer
    # and builds (then discards) a TypeError.
    if (
        body[::_STRIDE].translate(_DIGITS_TO_ZERO).find(_STRIDE_DIGITS) < 0
        or body.translate(_DIGITS_TO_ZERO).find(_NINETEEN_DIGITS) < 0
    ):
        return orjson.loads(body)  # refuses more than 1024 levels with JSONDecodeError
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        # The standard library recurses once per level: a deeply nested body would
        # otherwise escape every handler that expects a parse error.
        raise ValueError("the JSON nests too deeply to be read") from None

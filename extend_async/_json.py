"""JSON from the wire, with every integer exact."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["HEAD_KEYS", "has_long_number", "head", "loads", "loads_leniently"]

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


# The top-level keys ``head`` reads: what an answer decodes at once (``_converter``).
HEAD_KEYS = ("id", "status")


def head(body: bytes) -> dict[str, Any] | None:
    """The top-level ``id`` and ``status`` (those present) of the JSON object ``body``,
    the whole body checked to be JSON but nothing else of it built; None when it is not
    a JSON object, or when the check cannot vouch for it.

    For an answer whose other fields wait for their first read (``_first_read``): parsing
    a full run into dicts and lists (orjson) costs four times this check (msgspec, which
    skips what it is not asked for), and most answers are read only for these two fields.
    None sends the caller to a full parse, whose errors and limits then apply as before: a
    body msgspec refuses (not JSON, not an object, nested past its depth) is never taken
    for JSON here. What msgspec does not check in the values it skips is checked after it:
    the body's UTF-8, which orjson also refuses when invalid. The one body left that it
    takes and orjson does not, a number beyond a float's range, is parsed at first read by
    ``loads_leniently`` (the standard library reads it as infinity).
    """
    try:
        found = (_decode_head or _head_decoder())(body)
    except Exception:  # msgspec.DecodeError/ValidationError, RecursionError: let loads say
        return None
    if not body.isascii():
        try:
            body.decode()
        except UnicodeDecodeError:
            return None
    value = {}
    if found.id is not _unset:
        value["id"] = found.id
    if found.status is not _unset:
        value["status"] = found.status
    return value


def loads_leniently(body: bytes) -> Any:
    """``loads(body)``, or, when that fails, what orjson or the standard library alone reads
    of it: orjson for a body with a long integer nested deeper than the standard library
    follows (that integer may lose digits), the standard library for a number beyond a
    float's range (read as infinity). Raises ``loads``' error when neither reads it.

    For an answer whose fields wait (``_first_read``), at call time and at first read, so
    that a body ``head`` vouched for is always read."""
    try:
        return loads(body)
    except ValueError as error:
        for parse in (orjson.loads, _loads_exactly):
            try:
                return parse(body)
            except ValueError:
                pass
        raise error from None


_unset: Any = object()  # msgspec.UNSET once msgspec is loaded
_decode_head: Callable[[bytes], Any] | None = None


def _head_decoder() -> Callable[[bytes], Any]:
    """msgspec's decoder of the head, made on first use: ``import extend_async`` does not
    load msgspec (~5 ms)."""
    global _decode_head, _unset
    import msgspec

    class Head(msgspec.Struct):
        id: Any = msgspec.UNSET
        status: Any = msgspec.UNSET

    assert Head.__struct_fields__ == HEAD_KEYS
    _unset = msgspec.UNSET
    _decode_head = msgspec.json.Decoder(Head).decode
    return _decode_head


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

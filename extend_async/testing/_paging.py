"""Opaque ``nextPageToken`` cursors.

A token names the position *after* the last item of a page (its sort key), not an
offset, so runs created or deleted between two page requests never shift the pages of a
walk already under way.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from ._errors import ValidationProblem

__all__ = ["decode_cursor", "encode_cursor"]

_VERSION = "c1"


def encode_cursor(*parts: str | int) -> str:
    raw = orjson.dumps([_VERSION, *parts])
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(token: str, *, arity: int) -> list[Any]:
    """The parts of a token made by ``encode_cursor``; anything else is a 400."""
    try:
        padded = token + "=" * (-len(token) % 4)
        parts = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        parts = None
    if (
        not isinstance(parts, list)
        or len(parts) != arity + 1
        or parts[0] != _VERSION
        or not all(isinstance(p, str | int) and not isinstance(p, bool) for p in parts[1:])
    ):
        raise ValidationProblem("nextPageToken is invalid or was issued by another endpoint")
    return parts[1:]

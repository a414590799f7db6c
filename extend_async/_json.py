"""JSON from the wire, with every integer exact."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

__all__ = ["loads"]

# orjson turns an integer beyond 64 bits into a float, silently losing digits. Such an
# integer has at least 19 digits in a row; a body holding none (nearly every answer) keeps
# orjson's speed, any other is parsed by the standard library, whose integers are exact.
_LONG_DIGIT_RUN = re.compile(rb"\d{19}")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(body: bytes) -> Any:
    """Parse ``body``; raises ``ValueError`` (``orjson.JSONDecodeError`` is one) if it is
    not JSON."""
    if _LONG_DIGIT_RUN.search(body) is None:
        return orjson.loads(body)
    return json.loads(body, parse_constant=_refuse_constant)

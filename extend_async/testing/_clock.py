"""Time as the API shows it: integer microseconds inside, RFC 3339 UTC ("...Z") outside."""

from __future__ import annotations

import time
from datetime import datetime, timezone

__all__ = ["Ticker", "from_us", "now_us", "rfc3339"]


def now_us() -> int:
    return time.time_ns() // 1000


def rfc3339(us: int) -> str:
    """``1711039500123456`` -> ``"2024-03-21T16:45:00.123456Z"``.

    Sub-second digits keep orderings by time meaningful; every RFC 3339 parser accepts
    them, Python 3.10's ``fromisoformat`` included once the ``Z`` becomes ``+00:00``.
    """
    seconds, micros = divmod(us, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros:06d}Z"


def from_us(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, tz=timezone.utc)


class Ticker:
    """The current time, but strictly later than anything it returned before.

    Two creations never share a ``createdAt`` (nor two changes an ``updatedAt``), so
    sorting by time gives the order things happened in, and paging is deterministic.
    """

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        now = now_us()
        self._last = now if now > self._last else self._last + 1
        return self._last

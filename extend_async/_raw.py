"""Raw-response access: the parsed model together with status, headers and request id."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Generic, ParamSpec, TypeVar

from attrs import frozen
from multidict import CIMultiDictProxy

from ._transport import ResponseInfo, raw_response_sink

__all__ = ["RawResponse", "with_raw"]

P = ParamSpec("P")
T = TypeVar("T")


@frozen
class RawResponse(Generic[T]):
    status_code: int
    headers: CIMultiDictProxy[str]
    request_id: str | None
    attempts: int
    elapsed: float
    parsed: T


def with_raw(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    """Wrap a resource method so it returns a ``RawResponse`` around its usual result."""

    @functools.wraps(method)
    async def call_with_raw_response(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        sink: list[ResponseInfo] = []
        token = raw_response_sink.set(sink)
        try:
            parsed = await method(*args, **kwargs)
        finally:
            raw_response_sink.reset(token)
        info = sink[-1]
        return RawResponse(
            info.status_code, info.headers, info.request_id, info.attempts, info.elapsed, parsed
        )

    return call_with_raw_response

"""Raw-response access: the parsed model together with status, headers and request id."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

from attrs import frozen

from ._transport import ResponseInfo

if TYPE_CHECKING:
    from multidict import CIMultiDictProxy

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
    """Wrap a resource's bound method so it returns a ``RawResponse`` around its result.

    Each call runs the same method on a copy of the resource whose requester records the
    final response's info (``Requester.recording``): passed down, never found in the
    context, so nothing else running meanwhile can see or add to it.
    """
    resource: Any = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")

    @functools.wraps(method)
    async def call_with_raw_response(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        if not hasattr(resource, "_bound"):
            raise TypeError("with_raw wraps a method of an API resource")
        record: list[ResponseInfo] = []
        recording = resource._bound(resource._requester.recording(record))
        parsed: T = await getattr(recording, name)(*args, **kwargs)
        info = record[-1]
        return RawResponse(
            info.status_code, info.headers, info.request_id, info.attempts, info.elapsed, parsed
        )

    return call_with_raw_response

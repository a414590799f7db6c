"""Request and response hooks: a callable told about every attempt the client makes.

The events carry the method, the URL path, the attempt number, the status, the time the
attempt took and the request id: never a header, a query string or a body, so nothing a
hook sees can leak the API key or the data sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import aiohttp
from attrs import frozen

from ._errors import redact_secrets, sdk_error_in

__all__ = [
    "NO_HOOKS",
    "AttemptHooks",
    "RequestEvent",
    "RequestHook",
    "ResponseEvent",
    "ResponseHook",
    "SeenAttempt",
]

log = logging.getLogger("extend_async")


@frozen(kw_only=True)
class RequestEvent:
    """An attempt about to be sent. ``attempt`` counts from 1; a retry is attempt 2, 3, ..."""

    method: str
    path: str
    attempt: int


@frozen(kw_only=True)
class ResponseEvent:
    """An attempt that ended: with an answer (``status``), or without one (``error``).

    ``elapsed`` is this attempt's seconds, from sending to the whole body read; the wait
    before a retry is not in it. ``error`` describes the transport failure (a connection
    reset, a timeout) as ``"ClassName: message"``; an answered attempt, even a 500, has
    ``error=None``. The exception itself is not handed over: some of aiohttp's carry the
    request's headers, the key among them.
    """

    method: str
    path: str
    attempt: int
    status: int | None
    elapsed: float
    request_id: str | None
    error: str | None = None


RequestHook = Callable[[RequestEvent], None]
ResponseHook = Callable[[ResponseEvent], None]


class AttemptHooks:
    """Calls the client's hooks around one attempt: ``with hooks.attempt(...) as seen:``.

    A hook runs on the event loop, so it must be quick and must not block. An exception
    from a hook is logged and swallowed: observing a request never changes its outcome.
    """

    __slots__ = ("active", "on_request", "on_response")

    def __init__(self, on_request: RequestHook | None, on_response: ResponseHook | None) -> None:
        self.on_request = on_request
        self.on_response = on_response
        # Read once per attempt: with no hook, an attempt makes no event and reads no clock.
        self.active = on_request is not None or on_response is not None

    def attempt(self, method: str, path: str, attempt: int) -> SeenAttempt:
        return SeenAttempt(self, method, path, attempt)


class SeenAttempt:
    """One attempt as the hooks see it: its status and request id are filled in as the
    answer arrives, and ``__exit__`` reports it."""

    __slots__ = ("_attempt", "_hooks", "_method", "_path", "_started", "request_id", "status")

    def __init__(self, hooks: AttemptHooks, method: str, path: str, attempt: int) -> None:
        self._hooks = hooks
        self._method = method
        self._path = path
        self._attempt = attempt
        self._started = 0.0
        self.status: int | None = None
        self.request_id: str | None = None

    def __enter__(self) -> SeenAttempt:
        hook = self._hooks.on_request
        if hook is not None:
            _call(hook, RequestEvent(method=self._method, path=self._path, attempt=self._attempt))
        self._started = time.monotonic()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        hook = self._hooks.on_response
        if hook is None:
            return
        event = ResponseEvent(
            method=self._method,
            path=self._path,
            attempt=self._attempt,
            status=self.status,
            elapsed=time.monotonic() - self._started,
            request_id=self.request_id,
            error=_describe(exc) if isinstance(exc, Exception) else None,
        )
        _call(hook, event)


def _describe(exc: Exception) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "TimeoutError: the attempt timed out"
    # A request body that failed on its own (a file that changed while it was sent) is
    # named as itself, not as the connection error aiohttp wraps it in.
    exc = sdk_error_in(exc) or exc
    detail = str(exc) if not isinstance(exc, aiohttp.ClientResponseError) else exc.message
    # aiohttp's texts may name the connection, whose key holds a proxy's password.
    detail = redact_secrets(detail)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _call(hook: Callable[[Any], None], event: object) -> None:
    try:
        hook(event)
    except Exception:
        log.exception("a request hook raised; the request goes on")


NO_HOOKS = AttemptHooks(None, None)

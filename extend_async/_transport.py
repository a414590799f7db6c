"""The choke point: every HTTP request of the SDK goes through ``Requester.request``.

Headers, auth, retries, timeouts, error mapping, logging and decoding live here and
nowhere else; a resource method only says method, path, parameters and result type.
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import re
import time
import weakref
from collections.abc import Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, TypeVar

import aiohttp
import orjson
from attrs import frozen
from multidict import CIMultiDictProxy
from yarl import URL

from ._converter import decode_response
from ._errors import (
    BODY_EXCERPT_CHARS,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ExtendError,
    RateLimitError,
    error_class_for_status,
)
from ._options import ClientOptions, Timeout, TimeoutArg, as_timeout, check_retries
from ._retry import retry_after_seconds
from ._version import __version__

__all__ = ["Requester", "ResponseInfo", "SessionHolder"]

T = TypeVar("T")

log = logging.getLogger("extend_async")

USER_AGENT = (
    f"extend-client/{__version__} "
    f"(Python {platform.python_version()}; aiohttp {aiohttp.__version__})"
)
REQUEST_ID_HEADER = "x-extend-request-id"


@frozen
class ResponseInfo:
    """What a raw-response caller sees besides the parsed model."""

    status_code: int
    headers: CIMultiDictProxy[str]
    request_id: str | None
    attempts: int
    elapsed: float


# Set by ``with_raw_response`` wrappers; the requester appends the final response's info.
raw_response_sink: ContextVar[list[ResponseInfo] | None] = ContextVar(
    "extend_raw_response_sink", default=None
)


class SessionHolder:
    """One aiohttp session (one connection pool) per client family.

    Created lazily in the running loop on first use, because an aiohttp session is bound
    to the loop it was made in. Clients derived with ``with_options`` share the holder.
    """

    def __init__(self, *, connection_limit: int) -> None:
        self._connection_limit = connection_limit
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        _live_holders.add(self)

    def forget_inherited(self) -> None:
        """In a forked child: let go of the parent's session without closing it.

        Closing it needs the loop that made it, which lives in a parent thread, and would
        unregister the parent's sockets from the epoll instance both processes share,
        stalling the parent. So the session is detached and its connector marked closed:
        nothing in the child touches those connections; the next ``get`` makes new ones.
        """
        session, self._session = self._session, None
        self._loop = None
        if session is not None:
            connector = session.connector
            session.detach()
            if connector is not None:
                connector._closed = True

    def get(self) -> aiohttp.ClientSession:
        session = self._session
        loop = asyncio.get_running_loop()
        if session is not None and self._loop is loop and not session.closed:
            return session
        if self.closed:
            raise ExtendError("this client is closed; create a new one")
        if session is not None and self._loop is not loop and not self._loop_is_dead():
            raise ExtendError(
                "this client is already in use by another event loop; "
                "create one client per event loop"
            )
        connector = aiohttp.TCPConnector(limit=self._connection_limit, ttl_dns_cache=300)
        self._session = aiohttp.ClientSession(connector=connector, auto_decompress=True)
        self._loop = loop
        return self._session

    def _loop_is_dead(self) -> bool:
        return self._loop is None or self._loop.is_closed() or not self._loop.is_running()

    async def aclose(self) -> None:
        self.closed = True
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


_live_holders: weakref.WeakSet[SessionHolder] = weakref.WeakSet()


def _forget_inherited_sessions() -> None:
    for holder in list(_live_holders):
        holder.forget_inherited()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_sessions)


@lru_cache(maxsize=64)
def _client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=timeout.total, sock_connect=timeout.connect, sock_read=timeout.read
    )


def _build_headers(options: ClientOptions) -> dict[str, str]:
    headers = {
        "Authorization": f"Bearer {options.api_key}",
        "x-extend-api-version": options.api_version,
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
    }
    if options.workspace_id:
        headers["x-extend-workspace-id"] = options.workspace_id
    headers.update(options.default_headers)
    return headers


def _query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


_WHITESPACE = re.compile(r"\s+")
_TAGS = re.compile(r"<[^>]*>")


def excerpt(body: bytes) -> str:
    """A short, single-line, tag-free excerpt of a body for messages and logs."""
    text = body.decode("utf-8", errors="replace")
    text = _WHITESPACE.sub(" ", _TAGS.sub(" ", text)).strip()
    return text if len(text) <= BODY_EXCERPT_CHARS else text[:BODY_EXCERPT_CHARS] + "…"


def status_error(
    status: int, reason: str | None, body: bytes, headers: Mapping[str, str]
) -> APIStatusError:
    """Turn a non-2xx answer into its exception, whatever the body looks like."""
    envelope: Any = None
    try:
        envelope = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        envelope = None
    if isinstance(envelope, dict) and isinstance(envelope.get("error"), dict):
        envelope = envelope["error"]  # some endpoints wrap the envelope
    request_id = headers.get(REQUEST_ID_HEADER)
    if isinstance(envelope, dict):
        code = envelope.get("code")
        message = envelope.get("message")
        retryable = envelope.get("retryable")
        request_id = request_id or envelope.get("requestId")
        doc_url = envelope.get("docUrl")
        payload: Mapping[str, Any] | str | None = envelope
    else:
        code = message = retryable = doc_url = None
        payload = body.decode("utf-8", errors="replace") if body else None
    if not isinstance(message, str) or not message:
        message = reason or "error"
        if body and not isinstance(envelope, dict):
            message = f"{message}: {excerpt(body)}"
    cls = error_class_for_status(status)
    error = cls(
        status_code=status,
        code=code if isinstance(code, str) else None,
        message=message,
        retryable=retryable if isinstance(retryable, bool) else None,
        request_id=request_id if isinstance(request_id, str) else None,
        doc_url=doc_url if isinstance(doc_url, str) else None,
        body=payload,
        headers=headers,
    )
    if isinstance(error, RateLimitError):
        error.retry_after = retry_after_seconds(headers)
    return error


# Transport failures where the request surely never reached the server: safe to retry
# even for requests that are not idempotent.
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


class Requester:
    """Sends requests for one ``ClientOptions``; cheap to copy with other options."""

    def __init__(self, options: ClientOptions, sessions: SessionHolder) -> None:
        self.options = options
        self.sessions = sessions
        self._headers = _build_headers(options)
        self._base = options.base_url

    def with_options(self, options: ClientOptions) -> Requester:
        return Requester(options, self.sessions)

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        timeout: TimeoutArg = None,
        max_retries: int | None = None,
        idempotent: bool = True,
        default_timeout: Timeout | None = None,
    ) -> T:
        """Send, retry as the policy allows, map errors, decode into ``cast_to``."""
        options = self.options
        attempt_timeout = _client_timeout(
            as_timeout(timeout) if timeout is not None else default_timeout or options.timeout
        )
        retries = options.max_retries if max_retries is None else check_retries(max_retries)
        headers = self._headers
        data: bytes | None = None
        if json is not None:
            data = orjson.dumps(json)
            headers = {**headers, "Content-Type": "application/json"}
        url = URL(self._base + path, encoded=True)
        query = _query(params)
        session = self.sessions.get()
        policy = options.retry
        debug = log.isEnabledFor(logging.DEBUG)
        started = time.monotonic()
        attempt = 0
        lost_attempts = False
        while True:
            attempt += 1
            try:
                async with session.request(
                    method,
                    url,
                    params=query,
                    data=data,
                    headers=headers,
                    timeout=attempt_timeout,
                    # A 3xx is the API misbehaving: never resend a body or trust another host.
                    allow_redirects=False,
                ) as response:
                    body = await response.read()
                    status = response.status
                    response_headers = response.headers
                    reason = response.reason
            except (asyncio.TimeoutError, aiohttp.ClientError, OSError) as exc:
                error = _connection_error(exc, method, path, attempt)
                sent = not isinstance(exc, _NOT_SENT)
                # The server may have acted on a request whose answer was lost.
                lost_attempts = lost_attempts or sent
                may_retry = idempotent or not sent
                if attempt <= retries and may_retry:
                    delay = policy.backoff(attempt - 1)
                    _log_retry(method, path, repr(error), attempt, retries, delay)
                    await asyncio.sleep(delay)
                    # aclose() may have run while we slept: fail as closed, not RuntimeError.
                    session = self.sessions.get()
                    continue
                raise error from exc
            request_id = response_headers.get(REQUEST_ID_HEADER)
            if debug:
                log.debug(
                    "%s %s -> %d (attempt %d, request id %s, %.1f ms)",
                    method,
                    path,
                    status,
                    attempt,
                    request_id,
                    (time.monotonic() - started) * 1000,
                )
            if status < 300:
                sink = raw_response_sink.get()
                if sink is not None:
                    elapsed = time.monotonic() - started
                    sink.append(
                        ResponseInfo(status, response_headers, request_id, attempt, elapsed)
                    )
                return _decode(body, cast_to, status, request_id)
            failure = status_error(status, reason, body, response_headers)
            failure.attempts = attempt
            failure.after_lost_attempt = lost_attempts
            # A request that is not idempotent may have done its work before a 5xx; only a
            # 429 (the rate limiter turns it away first) is safe to send again.
            may_retry = idempotent or status == 429
            if (
                attempt <= retries
                and may_retry
                and policy.status_is_retryable(status, failure.retryable)
            ):
                wait = policy.delay(attempt - 1, response_headers)
                if wait is not None:
                    _log_retry(method, path, str(status), attempt, retries, wait)
                    await asyncio.sleep(wait)
                    session = self.sessions.get()
                    continue
            raise failure


def _connection_error(
    exc: BaseException, method: str, path: str, attempt: int
) -> APIConnectionError:
    if isinstance(exc, asyncio.TimeoutError):
        error: APIConnectionError = APITimeoutError(
            f"{method} {path} timed out", method=method, path=path
        )
    else:
        detail = str(exc) or type(exc).__name__
        error = APIConnectionError(f"{method} {path} failed: {detail}", method=method, path=path)
    error.attempts = attempt
    return error


def _log_retry(method: str, path: str, why: str, attempt: int, retries: int, delay: float) -> None:
    log.info(
        "retrying %s %s after %s in %.2f s (attempt %d of %d)",
        method,
        path,
        why,
        delay,
        attempt + 1,
        retries + 1,
    )


def _decode(body: bytes, cast_to: type[T], status: int, request_id: str | None) -> T:
    return decode_response(body, cast_to, status=status, request_id=request_id)

"""Fetching a payload that a webhook delivered as a signed URL.

The URL is absolute, on a storage host rather than the API, and carries its own
signature in the query string. So the request goes through the client's session (its
pool, loop checks and timeouts) and its retry policy, but not ``Requester.request``:
that one would prefix the API base URL and add the ``Authorization`` header, and the
API key must never leave for another host. For the same reason the URL (a credential
until it expires) appears in no message or log line; only its host does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
import orjson
from yarl import URL

from .._errors import APIConnectionError, APITimeoutError, InvalidInputError, ResponseDecodeError
from .._options import TimeoutArg, as_timeout, check_retries
from .._transport import (
    USER_AGENT,
    Requester,
    ResponseInfo,
    _client_timeout,
    excerpt,
    raw_response_sink,
    status_error,
)
from ..types.webhooks import SignedUrlEvent, WebhookEvent
from ._events import event_from_parts

__all__ = ["fetch_signed_payload"]

log = logging.getLogger("extend_async")

_HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/json"}


async def fetch_signed_payload(
    requester: Requester,
    event: SignedUrlEvent,
    *,
    timeout: TimeoutArg = None,
    max_retries: int | None = None,
) -> WebhookEvent:
    if not isinstance(event, SignedUrlEvent):
        raise InvalidInputError(
            f"event must be a SignedUrlEvent from webhooks.parse, got {type(event).__name__}"
        )
    try:
        # encoded=True: the query is already percent-encoded and signed; re-encoding it
        # would invalidate the signature.
        url = URL(event.payload.url, encoded=True)
    except (TypeError, ValueError):
        raise InvalidInputError("the signed payload URL is not a valid URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidInputError("the signed payload URL is not an absolute http(s) URL")
    options = requester.options
    attempt_timeout = _client_timeout(
        as_timeout(timeout) if timeout is not None else options.timeout
    )
    retries = options.max_retries if max_retries is None else check_retries(max_retries)
    policy = options.retry
    where = f"signed payload on {url.host}"
    session = requester.sessions.get()
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            async with session.get(
                url, headers=_HEADERS, timeout=attempt_timeout, allow_redirects=True
            ) as response:
                body = await response.read()
                status = response.status
                headers = response.headers
                reason = response.reason
        except (asyncio.TimeoutError, aiohttp.ClientError, OSError) as exc:
            error = _fetch_error(exc, where)
            if attempt <= retries:
                await asyncio.sleep(policy.backoff(attempt - 1))
                continue
            raise error from None
        if status < 300:
            break
        failure = status_error(status, reason, body, headers)
        if attempt <= retries and policy.status_is_retryable(status, None):
            delay = policy.delay(attempt - 1, headers)
            if delay is not None:
                log.info("retrying GET %s after %d in %.2f s", where, status, delay)
                await asyncio.sleep(delay)
                continue
        raise failure
    sink = raw_response_sink.get()
    if sink is not None:
        sink.append(ResponseInfo(status, headers, None, attempt, time.monotonic() - started))
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ResponseDecodeError(
            f"the {where} is not JSON: {exc}", status_code=status, request_id=None,
            body=excerpt(body),
        ) from None  # fmt: skip
    if not isinstance(payload, dict):
        raise ResponseDecodeError(
            f"the {where} is not a JSON object", status_code=status, request_id=None,
            body=excerpt(body),
        )  # fmt: skip
    return event_from_parts(event.event_id, str(event.event_type), payload)


def _fetch_error(exc: BaseException, where: str) -> APIConnectionError:
    if isinstance(exc, asyncio.TimeoutError):
        return APITimeoutError(f"GET {where} timed out", method="GET", path=where)
    # Only connection-level errors are described: other aiohttp errors print the URL.
    detail = str(exc) if isinstance(exc, aiohttp.ClientConnectorError) else type(exc).__name__
    return APIConnectionError(f"GET {where} failed: {detail}", method="GET", path=where)

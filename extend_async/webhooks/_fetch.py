"""Fetching a payload that a webhook delivered as a signed URL.

The URL is absolute, on a storage host rather than the API, and carries its own
signature in the query string. So the request is built here, not by
``Requester.build_request`` (which would prefix the API base URL and add the
``Authorization`` header: the API key must never leave for another host) but by
``Requester.build_external``, and sent by ``Requester.send``, like every other request:
the same session, retries and limits.
For the same reason the URL (a credential until it expires) appears in no message or log
line; only its host does.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from .. import _http_libs
from .._errors import InvalidInputError, ResponseDecodeError, excerpt
from .._first_read import decode_now
from .._json import loads
from .._options import check_max_response_bytes
from .._request_options import NO_OPTIONS, CallOptions
from .._transport import Requester, off_loop_if_large, user_agent
from ..types.webhooks import SignedUrlEvent
from ._events import event_from_parts

if TYPE_CHECKING:
    # The union of every event names every group's models: loaded only when used.
    from ..types.webhooks import WebhookEvent

__all__ = ["fetch_signed_payload"]


async def fetch_signed_payload(
    requester: Requester,
    event: SignedUrlEvent,
    options: CallOptions = NO_OPTIONS,
    *,
    max_response_bytes: int | None = None,
) -> WebhookEvent:
    if options.extra_query or options.extra_body:
        raise InvalidInputError(
            "fetch_payload takes no extra_query (the query string is part of the URL's "
            "signature) and no extra_body (it is a GET)"
        )
    if not isinstance(event, SignedUrlEvent):
        raise InvalidInputError(
            f"event must be a SignedUrlEvent from webhooks.parse, got {type(event).__name__}"
        )
    try:
        # encoded=True: the query is already percent-encoded and signed; re-encoding it
        # would invalidate the signature.
        url = _http_libs.yarl.URL(event.payload.url, encoded=True)
    except (TypeError, ValueError):
        raise InvalidInputError("the signed payload URL is not a valid URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidInputError("the signed payload URL is not an absolute http(s) URL")
    where = f"signed payload on {url.host}"
    request = requester.build_external(
        url,
        path=where,  # what messages and logs name: never the URL itself
        headers={
            "User-Agent": user_agent(),
            "Accept": "application/json",
            **(options.extra_headers or {}),
        },
        options=options,
        max_response_bytes=None
        if max_response_bytes is None
        else check_max_response_bytes(max_response_bytes),
        # Storage hosts redirect to their own mirrors; no credential of ours is sent.
        follow_redirects=True,
    )
    answer = await requester.send(request, idempotent=True)
    # A payload sent by URL is a large one: read off the event loop past the threshold.
    return await off_loop_if_large(
        len(answer.body), partial(_event_from_answer, event, answer.body, answer.status, where)
    )


def _event_from_answer(event: SignedUrlEvent, body: bytes, status: int, where: str) -> WebhookEvent:
    try:
        payload: Any = loads(body)
    except ValueError as exc:
        raise ResponseDecodeError(
            f"the {where} is not JSON: {exc}", status_code=status, request_id=None,
            body=excerpt(body), method="GET", path=where,
        ) from None  # fmt: skip
    if not isinstance(payload, dict):
        raise ResponseDecodeError(
            f"the {where} is not a JSON object", status_code=status, request_id=None,
            body=excerpt(body), method="GET", path=where,
        )  # fmt: skip
    fetched = event_from_parts(event.event_id, str(event.event_type), payload)
    # Decoded whole here (off the loop when large), not at its first reads on the loop.
    decode_now(getattr(fetched, "payload", None))
    return fetched

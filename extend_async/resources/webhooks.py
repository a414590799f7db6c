"""``client.webhooks``: the one webhook step that needs the network."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .._raw import with_raw
from .._request_options import RequestOptions, Unpack, resolve_options
from ..types.webhooks import SignedUrlEvent
from ..webhooks._fetch import fetch_signed_payload
from ._base import AsyncAPIResource

if TYPE_CHECKING:
    # The union of every event names every group's models: loaded only when used.
    from ..types.webhooks import WebhookEvent

__all__ = ["AsyncWebhooks", "AsyncWebhooksWithRawResponse"]


class AsyncWebhooks(AsyncAPIResource):
    """Verifying and parsing deliveries needs no client: see ``extend_async.webhooks``."""

    async def fetch_payload(
        self,
        event: SignedUrlEvent,
        **options: Unpack[RequestOptions],
    ) -> WebhookEvent:
        """Download a payload delivered as a signed URL and return the full typed event.

        The request uses this client's connection pool, timeout and retry policy, but
        sends no API key: the URL is on a storage host and is signed itself. The URL
        expires an hour after delivery; after that the host answers with an error status
        (raised as an ``APIStatusError`` subclass). ``extra_headers`` are sent as well;
        ``extra_query`` and ``extra_body`` are refused: the query string is part of the
        URL's signature, and the request is a GET.
        """
        return await fetch_signed_payload(self._requester, event, resolve_options(options))

    @cached_property
    def with_raw_response(self) -> AsyncWebhooksWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers)."""
        return AsyncWebhooksWithRawResponse(self)


class AsyncWebhooksWithRawResponse:
    def __init__(self, webhooks: AsyncWebhooks) -> None:
        self.fetch_payload = with_raw(webhooks.fetch_payload)

"""Receiving Extend webhooks: verify the signature, then read the typed event.

>>> from extend_async import webhooks
>>> event = webhooks.verify_and_parse(raw_body, request_headers, "wss_...")
>>> if isinstance(event, webhooks.ClassifyRunEvent):
...     print(event.payload.id, event.payload.status)

Nothing here does I/O except ``AsyncExtend.webhooks.fetch_payload`` (for payloads
delivered as a signed URL), so ``verify``/``parse`` work the same from sync code.
"""

from ..types.webhooks import (
    BatchRunEvent,
    ClassifierEvent,
    ClassifierVersionEvent,
    ClassifyRunEvent,
    GenericEvent,
    SignedDataUrl,
    SignedUrlEvent,
    WebhookEvent,
    WebhookEventType,
)
from ._events import WebhookParseError, parse, verify_and_parse
from ._signature import (
    DEFAULT_TOLERANCE,
    MAX_FUTURE_SKEW,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookVerificationError,
    sign,
    verify,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "MAX_FUTURE_SKEW",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "BatchRunEvent",
    "ClassifierEvent",
    "ClassifierVersionEvent",
    "ClassifyRunEvent",
    "GenericEvent",
    "SignedDataUrl",
    "SignedUrlEvent",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookParseError",
    "WebhookVerificationError",
    "parse",
    "sign",
    "verify",
    "verify_and_parse",
]

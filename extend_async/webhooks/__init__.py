"""Receiving Extend webhooks: verify the signature, then read the typed event.

>>> from extend_async import webhooks
>>> event = webhooks.verify_and_parse(raw_body, request_headers, "wss_...")
>>> if isinstance(event, webhooks.ClassifyRunEvent):
...     print(event.payload.id, event.payload.status)

Every event type of the API has its typed event: the classify ones are written by hand,
the others (``ExtractRunEvent``, ``WorkflowRunEvent``, ``SplitterEvent``...) are generated
from the API's schema and imported on first use, as is ``WebhookEvent``, the union of all.

Nothing here does I/O except ``AsyncExtend.webhooks.fetch_payload`` (for payloads
delivered as a signed URL), so ``verify``/``parse`` work the same from sync code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..types._generated import MODULE_OF as _GENERATED
from ..types.webhooks import (
    BatchRunEvent,
    ClassifierEvent,
    ClassifierVersionEvent,
    ClassifyRunEvent,
    GenericEvent,
    SignedDataUrl,
    SignedUrlEvent,
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

if TYPE_CHECKING:
    from ..types._generated.webhook_events import *  # noqa: F403  (for type checkers)

# The generated event classes and ``WebhookEvent``, imported on first use.
_LAZY = {name for name, module in _GENERATED.items() if module == "webhook_events"}

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
    "WebhookEventType",
    "WebhookParseError",
    "WebhookVerificationError",
    "parse",
    "sign",
    "verify",
    "verify_and_parse",
]
__all__ += sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("extend_async.types._generated.webhook_events"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})

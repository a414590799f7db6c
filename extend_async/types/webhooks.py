"""Webhook events: what ``extend_async.webhooks.parse`` turns a delivery into.

Each event class names its payload type, so ``match``/``isinstance`` on the event gives a
typed payload. A large payload may arrive as a signed URL (``SignedUrlEvent``); an event
type this SDK does not know arrives as a ``GenericEvent`` with the raw payload.

The classify-surface events are written here; the events of the rest of the API
(``ExtractRunEvent``, ``WorkflowRunEvent``, ...) are generated from the API's schema into
``_generated/webhook_events.py``, which also holds ``WebhookEvent``, the union of them all,
loaded on first use (it names every group's models).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from ._generated.webhook_event_types import WebhookEventType
from .batch import BatchRun
from .classifiers import Classifier, ClassifierVersion
from .classify_runs import ClassifyRun

__all__ = [
    "BatchRunEvent",
    "ClassifierEvent",
    "ClassifierVersionEvent",
    "ClassifyRunEvent",
    "GenericEvent",
    "SignedDataUrl",
    "SignedUrlEvent",
    "WebhookEvent",
    "WebhookEventType",
]


@frozen(kw_only=True)
class ClassifyRunEvent:
    """``classify_run.processed`` or ``classify_run.failed``."""

    event_id: str
    event_type: WebhookEventType | str
    payload: ClassifyRun


@frozen(kw_only=True)
class BatchRunEvent:
    """``batch_processor_run.processed`` or ``batch_processor_run.failed``."""

    event_id: str
    event_type: WebhookEventType | str
    payload: BatchRun


@frozen(kw_only=True)
class ClassifierEvent:
    """``classifier.created``, ``.updated``, ``.deleted`` or ``.draft.updated``."""

    event_id: str
    event_type: WebhookEventType | str
    payload: Classifier


@frozen(kw_only=True)
class ClassifierVersionEvent:
    """``classifier.version.published``."""

    event_id: str
    event_type: WebhookEventType | str
    payload: ClassifierVersion


@frozen(kw_only=True)
class SignedDataUrl:
    """A payload too large to deliver inline: fetch it from ``url`` within the hour.

    The URL itself grants access to the data, so it is kept out of ``repr``.
    """

    url: str = field(repr=False)
    id: str | None = None
    metadata: dict[str, Any] | None = None
    object: str = "signed_data_url"


@frozen(kw_only=True)
class SignedUrlEvent:
    """An event whose payload must be fetched: ``await client.webhooks.fetch_payload(event)``.

    ``payload.id`` and ``payload.metadata`` are available without fetching, e.g. to skip
    events meant for another environment.
    """

    event_id: str
    event_type: WebhookEventType | str
    payload: SignedDataUrl


@frozen(kw_only=True)
class GenericEvent:
    """An event type this SDK has no model for, or a payload its model could not read.

    Nothing is lost: ``payload`` is the JSON object exactly as delivered.
    """

    event_id: str
    event_type: WebhookEventType | str
    payload: dict[str, Any]


if TYPE_CHECKING:
    from ._generated.webhook_events import WebhookEvent


def __getattr__(name: str) -> Any:
    # ``WebhookEvent`` names the models of every group: imported only when asked for.
    if name == "WebhookEvent":
        from ._generated.webhook_events import WebhookEvent

        return WebhookEvent
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

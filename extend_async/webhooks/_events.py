"""Turning a webhook body into a typed event."""

from __future__ import annotations

import importlib
import logging
import typing
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from .._converter import ShapeError, structure_response, type_name
from .._json import loads
from ..types._generated.webhook_event_types import EVENT_CLASSES
from ..types.webhooks import GenericEvent, SignedDataUrl, SignedUrlEvent, WebhookEventType
from ._signature import DEFAULT_TOLERANCE, Body, Secrets, WebhookVerificationError, verify

if TYPE_CHECKING:
    from ..types.webhooks import WebhookEvent

__all__ = ["WebhookParseError", "event_from_parts", "parse", "verify_and_parse"]

log = logging.getLogger("extend_async")

_TYPES = {t.value: t for t in WebhookEventType}


@cache
def _event_class(event_type: str) -> tuple[Any, Any] | None:
    """(event class, payload type) of a known event type, its module imported on first use
    (``EVENT_CLASSES`` is generated from the schema's list of events)."""
    where = EVENT_CLASSES.get(event_type)
    if where is None:
        return None
    module, name = where
    cls = getattr(importlib.import_module(module), name)
    return cls, typing.get_type_hints(cls)["payload"]


class WebhookParseError(WebhookVerificationError):
    """The body is not a webhook event: not JSON, or missing ``eventId``/``eventType``/
    ``payload``. A ``WebhookVerificationError``, so one ``except`` covers every refusal."""


def parse(body: Body) -> WebhookEvent:
    """The typed event in a webhook body. Verify the body first (or use
    ``verify_and_parse``): this function trusts what it reads.

    Every event type the API documents gives its typed event (``ClassifyRunEvent``,
    ``ExtractRunEvent``, ``WorkflowRunEvent``, ...: the payload's model); a large payload
    sent by URL gives ``SignedUrlEvent``; any other type gives ``GenericEvent`` with the
    payload as delivered.
    """
    if not isinstance(body, bytes | bytearray | memoryview | str):
        raise WebhookParseError(
            f"the body must be the raw request bytes or text, got {type(body).__name__}"
        )
    try:
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    except UnicodeEncodeError:
        raise WebhookParseError("the body is not valid text") from None
    try:
        # As every answer is read: exact integers, and a body nested too deeply for the
        # parser is a parse error, never a RecursionError.
        envelope = loads(data)
    except ValueError as exc:
        raise WebhookParseError(f"the body is not JSON: {exc}") from None
    if not isinstance(envelope, dict):
        raise WebhookParseError("the body is not a JSON object")
    event_id = envelope.get("eventId")
    event_type = envelope.get("eventType")
    payload = envelope.get("payload")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        raise WebhookParseError("the body has no eventId or eventType string")
    if not isinstance(payload, dict):
        raise WebhookParseError(f"event {event_id} has no payload object")
    return event_from_parts(event_id, event_type, payload)


def verify_and_parse(
    body: Body,
    headers: Mapping[str, Any],
    secrets: Secrets,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> WebhookEvent:
    """``verify`` then ``parse``: the event, or ``WebhookVerificationError``."""
    verify(body, headers, secrets, tolerance=tolerance)
    return parse(body)


def event_from_parts(event_id: str, event_type: str, payload: dict[str, Any]) -> WebhookEvent:
    kind = _TYPES.get(event_type, event_type)
    if payload.get("object") == "signed_data_url" and isinstance(payload.get("data"), str):
        ref_id = payload.get("id")
        metadata = payload.get("metadata")
        return SignedUrlEvent(
            event_id=event_id,
            event_type=kind,
            payload=SignedDataUrl(
                url=payload["data"],
                id=ref_id if isinstance(ref_id, str) else None,
                metadata=metadata if isinstance(metadata, dict) else None,
            ),
        )
    known = _event_class(event_type)
    if known is not None:
        event_cls, model = known
        try:
            # Read like any answer: a payload that drifted from the schema still gives the
            # typed event, its unreadable parts None (and logged once, without values).
            decoded = structure_response(payload, model)
        except ShapeError as exc:
            # The delivery is authentic; refusing it would only make Extend send it again
            # and again. Hand it over untyped instead, and say why.
            log.warning(
                "webhook event %s (%s): payload is not a %s (%s); returned as GenericEvent",
                event_id,
                event_type,
                type_name(model),
                exc,
            )
        else:
            return event_cls(event_id=event_id, event_type=kind, payload=decoded)  # type: ignore[no-any-return]
    return GenericEvent(event_id=event_id, event_type=kind, payload=payload)

"""Webhook deliveries at the edges of what a parser or ``datetime`` can hold: a typed event
or ``WebhookParseError``, never ``RecursionError`` or ``OverflowError``."""

from __future__ import annotations

import pytest

from extend_async import ClassifyRun, webhooks
from extend_async.webhooks import ClassifyRunEvent, WebhookParseError

from ._helpers import SECRET, body_of, classify_run, headers_for

DEPTH = 100_000
# Nested far past the recursion limit, with a 19-digit run: read by the standard library.
DEEP = b'{"eventId": "1234567890123456789", "x": ' + b"[" * DEPTH + b"]" * DEPTH + b"}"
LATE = "9999-12-31T23:59:59-05:00"  # past datetime.max once in UTC


def test_an_authentic_webhook_with_such_a_timestamp_is_still_a_typed_event() -> None:
    body = body_of("classify_run.processed", {**classify_run(), "createdAt": LATE})
    event = webhooks.verify_and_parse(body, headers_for(body), SECRET)
    assert isinstance(event, ClassifyRunEvent)
    assert isinstance(event.payload, ClassifyRun)
    assert event.payload.created_at is None
    assert event.payload.id == classify_run()["id"]


def test_a_deep_webhook_body_is_a_webhook_parse_error() -> None:
    with pytest.raises(WebhookParseError, match="not JSON"):
        webhooks.parse(DEEP)
    text = DEEP.decode()
    with pytest.raises(WebhookParseError):
        webhooks.verify_and_parse(text, headers_for(text), SECRET)


def test_webhook_integers_stay_exact() -> None:
    big = 12345678901234567890123
    body = b'{"eventId": "e1", "eventType": "some.future_event", "payload": {"count": %d}}' % big
    event = webhooks.parse(body)
    assert event.payload["count"] == big  # type: ignore[index]

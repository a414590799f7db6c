"""``webhooks.parse``: every event type becomes its typed event; nothing is ever lost."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extend_async import BatchRun, Classifier, ClassifierVersion, RunStatus, webhooks
from extend_async.types import ClassifyRun

from ._helpers import (
    SECRET,
    batch_run,
    body_of,
    classifier,
    classifier_version,
    classify_run,
    headers_for,
)

SIGNED_URL = "https://storage.test/payloads/event_9?X-Amz-Signature=s3cr3tSig&X-Amz-Expires=3600"


@pytest.mark.parametrize("status", ["PROCESSED", "FAILED"])
def test_classify_run_events_carry_a_classify_run(status: str) -> None:
    event_type = f"classify_run.{status.lower()}"
    event = webhooks.parse(body_of(event_type, classify_run(status)))
    assert isinstance(event, webhooks.ClassifyRunEvent)
    assert event.event_id == "event_1234"
    assert event.event_type == event_type
    assert isinstance(event.event_type, webhooks.WebhookEventType)
    assert isinstance(event.payload, ClassifyRun)
    assert event.payload.status is RunStatus(status)
    assert event.payload.metadata == {"customerId": "abc"}


@pytest.mark.parametrize(
    "event_type", ["batch_processor_run.processed", "batch_processor_run.failed"]
)
def test_batch_events_carry_a_batch_run(event_type: str) -> None:
    event = webhooks.parse(body_of(event_type, batch_run()))
    assert isinstance(event, webhooks.BatchRunEvent)
    assert isinstance(event.payload, BatchRun)
    assert event.payload.run_count == 50
    assert event.payload.is_terminal


@pytest.mark.parametrize(
    "event_type",
    ["classifier.created", "classifier.updated", "classifier.deleted", "classifier.draft.updated"],
)
def test_classifier_events_carry_a_classifier(event_type: str) -> None:
    event = webhooks.parse(body_of(event_type, classifier()))
    assert isinstance(event, webhooks.ClassifierEvent)
    assert isinstance(event.payload, Classifier)
    assert event.payload.draft_version is not None
    assert event.payload.draft_version.version == "draft"


def test_version_published_carries_a_classifier_version() -> None:
    event = webhooks.parse(body_of("classifier.version.published", classifier_version("2.0")))
    assert isinstance(event, webhooks.ClassifierVersionEvent)
    assert isinstance(event.payload, ClassifierVersion)
    assert event.payload.version == "2.0"
    assert event.event_type is webhooks.WebhookEventType.CLASSIFIER_VERSION_PUBLISHED


def test_an_unknown_event_type_is_kept_whole_as_a_generic_event() -> None:
    payload = {"object": "translate_run", "id": "trr_1", "nested": {"a": [1, 2]}}
    event = webhooks.parse(body_of("translate_run.processed", payload, "event_77"))
    assert isinstance(event, webhooks.GenericEvent)
    assert event.event_id == "event_77"
    assert event.event_type == "translate_run.processed"
    assert not isinstance(event.event_type, webhooks.WebhookEventType)
    assert event.payload == payload


def test_a_known_type_with_a_drifted_payload_is_typed_with_nones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    payload = {"object": "classify_run", "id": "clr_1", "zzNew": 1}  # no status, no times
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        event = webhooks.parse(body_of("classify_run.processed", payload))
    assert isinstance(event, webhooks.ClassifyRunEvent)
    read: tuple[Any, ...] = (event.payload.id, event.payload.status, event.payload.created_at)
    assert read == (
        "clr_1",
        None,
        None,
    )
    assert event.payload.extra_fields == {"zzNew": 1}
    assert "ClassifyRun: status is missing" in caplog.text


def test_a_known_type_with_a_payload_without_id_is_kept_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    payload = {"object": "classify_run", "status": "PROCESSED"}
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        event = webhooks.parse(body_of("classify_run.processed", payload))
    assert isinstance(event, webhooks.GenericEvent)
    assert event.payload == payload
    assert event.event_type is webhooks.WebhookEventType.CLASSIFY_RUN_PROCESSED
    assert "event_1234" in caplog.text
    assert "GenericEvent" in caplog.text


def test_unknown_fields_and_statuses_do_not_break_typed_events() -> None:
    run = {**classify_run(), "status": "CANCELLING", "brandNewField": {"x": 1}}
    event = webhooks.parse(body_of("classify_run.failed", run))
    assert isinstance(event, webhooks.ClassifyRunEvent)
    assert event.payload.status == "CANCELLING"
    assert not event.payload.is_terminal


def test_a_signed_url_payload_is_represented_as_such() -> None:
    payload = {
        "object": "signed_data_url",
        "data": SIGNED_URL,
        "id": "clr_big",
        "metadata": {"env": "prod"},
    }
    event = webhooks.parse(body_of("classify_run.processed", payload))
    assert isinstance(event, webhooks.SignedUrlEvent)
    assert event.event_type is webhooks.WebhookEventType.CLASSIFY_RUN_PROCESSED
    assert event.payload.url == SIGNED_URL
    assert event.payload.id == "clr_big"
    assert event.payload.metadata == {"env": "prod"}
    # The URL grants access to the data until it expires: it stays out of reprs.
    assert "s3cr3tSig" not in repr(event)


def test_a_signed_url_payload_of_an_unknown_type_is_still_a_signed_url_event() -> None:
    payload = {"object": "signed_data_url", "data": SIGNED_URL}
    event = webhooks.parse(body_of("workflow_run.completed", payload))
    assert isinstance(event, webhooks.SignedUrlEvent)
    assert event.payload.id is None
    assert event.payload.metadata is None


def test_signed_data_url_without_a_string_url_is_not_a_signed_url_event() -> None:
    payload = {"object": "signed_data_url", "data": 5}
    event = webhooks.parse(body_of("workflow_run.completed", payload))
    assert isinstance(event, webhooks.GenericEvent)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"text"',
        b'{"eventType": "x", "payload": {}}',
        b'{"eventId": "e", "payload": {}}',
        b'{"eventId": 1, "eventType": "x", "payload": {}}',
        b'{"eventId": "e", "eventType": "x"}',
        b'{"eventId": "e", "eventType": "x", "payload": [1]}',
        "\ud800",
        12,
        None,
    ],
)
def test_bodies_that_are_not_events_raise_webhook_parse_error(body: Any) -> None:
    with pytest.raises(webhooks.WebhookParseError) as caught:
        webhooks.parse(body)
    assert isinstance(caught.value, webhooks.WebhookVerificationError)


def test_verify_and_parse_returns_the_event_of_an_authentic_delivery() -> None:
    body = body_of("classify_run.processed", classify_run())
    event = webhooks.verify_and_parse(body, headers_for(body), ["wss_old", SECRET])
    assert isinstance(event, webhooks.ClassifyRunEvent)


def test_verify_and_parse_checks_the_signature_before_reading() -> None:
    body = b"not even json"
    with pytest.raises(webhooks.WebhookVerificationError) as caught:
        webhooks.verify_and_parse(body, headers_for(b"{}"), SECRET)
    assert not isinstance(caught.value, webhooks.WebhookParseError)


def test_verify_and_parse_honours_the_tolerance() -> None:
    body = body_of("classifier.created", classifier())
    old = headers_for(body, age=1000)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify_and_parse(body, old, SECRET)
    assert isinstance(
        webhooks.verify_and_parse(body, old, SECRET, tolerance=0), webhooks.ClassifierEvent
    )


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
_event_types = st.sampled_from([t.value for t in webhooks.WebhookEventType]) | st.text(max_size=20)


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_arbitrary_bodies_parse_or_raise_only_parse_errors(body: bytes | str) -> None:
    try:
        event = webhooks.parse(body)
    except webhooks.WebhookParseError:
        return
    assert isinstance(event, webhooks.GenericEvent | webhooks.SignedUrlEvent)


@settings(max_examples=300, deadline=None)
@given(
    event_type=_event_types,
    payload=st.dictionaries(
        st.sampled_from(["object", "id", "status", "createdAt", "data", "runCount"])
        | st.text(max_size=8),
        _json,
        max_size=6,
    ),
)
def test_any_envelope_gives_an_event_that_keeps_id_and_type(
    event_type: str, payload: dict[str, Any]
) -> None:
    event = webhooks.parse(
        orjson.dumps({"eventId": "event_h", "eventType": event_type, "payload": payload})
    )
    assert event.event_id == "event_h"
    assert event.event_type == event_type

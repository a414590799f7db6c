"""``client.webhooks.fetch_payload`` against a real storage-like server on loopback.

The signed URL is absolute and on another host: the fetch must keep its query byte for
byte, send no API key, and keep the URL out of error messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web

from extend_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncExtend,
    InternalServerError,
    InvalidInputError,
    PermissionDeniedError,
    ResponseDecodeError,
    RetryPolicy,
    _transport,
    webhooks,
)
from extend_async.types import WorkflowRun
from extend_async.webhooks import _fetch

from ._helpers import body_of, classify_run

API_KEY = "sk_fetch_N3ver_leaves_the_api"
SIGNATURE_QUERY = "X-Amz-Signature=ab%2Fcd%3D%3D&X-Amz-Expires=3600&token=s3cr3t"


class Storage:
    """A stand-in for the payload bucket: answers are queued per test; requests recorded."""

    def __init__(self) -> None:
        self.requests: list[web.Request] = []
        self.answers: list[web.StreamResponse | float] = []
        self.url = ""
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else web.Response(status=404)
        if isinstance(answer, float):  # a stall (until teardown), for the client's timeout
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.release.wait(), answer)
            return web.Response(status=204)
        return answer


@pytest.fixture
async def storage() -> AsyncIterator[Storage]:
    store = Storage()
    app = web.Application()
    app.router.add_get("/payloads/{name}", store.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    store.url = f"http://127.0.0.1:{port}/payloads/event_9?{SIGNATURE_QUERY}"
    yield store
    store.release.set()
    await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[AsyncExtend]:
    # The API base URL is a port nothing listens on: only the storage host may be contacted.
    fast = RetryPolicy(initial_delay=0.001, max_delay=0.002)
    async with AsyncExtend(API_KEY, base_url="http://127.0.0.1:9", retry_policy=fast) as extend:
        yield extend


def _signed_event(url: str, event_type: str = "classify_run.processed") -> webhooks.SignedUrlEvent:
    payload = {"object": "signed_data_url", "data": url, "id": "clr_big", "metadata": {"e": 1}}
    event = webhooks.parse(body_of(event_type, payload, "event_9"))
    assert isinstance(event, webhooks.SignedUrlEvent)
    return event


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


async def test_fetch_returns_the_full_typed_event_without_sending_the_api_key(
    client: AsyncExtend, storage: Storage
) -> None:
    storage.answers.append(_json(classify_run()))
    event = await client.webhooks.fetch_payload(_signed_event(storage.url))
    assert isinstance(event, webhooks.ClassifyRunEvent)
    assert event.event_id == "event_9"
    assert event.event_type == "classify_run.processed"
    assert event.payload.id == "clr_Xj8mK2pL9nR4vT7qY5wZ"
    (request,) = storage.requests
    assert "Authorization" not in request.headers
    assert "x-extend-workspace-id" not in request.headers
    assert all(API_KEY not in value for value in request.headers.values())
    # The signed query arrives exactly as issued: re-encoding it would break the signature.
    assert request.raw_path == f"/payloads/event_9?{SIGNATURE_QUERY}"


async def test_an_unknown_event_type_fetches_into_a_generic_event(
    client: AsyncExtend, storage: Storage
) -> None:
    storage.answers.append(_json({"object": "translate_run", "id": "trr_1"}))
    event = await client.webhooks.fetch_payload(
        _signed_event(storage.url, "translate_run.processed")
    )
    assert isinstance(event, webhooks.GenericEvent)
    assert event.payload == {"object": "translate_run", "id": "trr_1"}


async def test_a_fetched_workflow_run_payload_is_a_typed_workflow_run_event(
    client: AsyncExtend, storage: Storage
) -> None:
    storage.answers.append(_json({"object": "workflow_run", "id": "workflow_run_1"}))
    event = await client.webhooks.fetch_payload(
        _signed_event(storage.url, "workflow_run.completed")
    )
    assert isinstance(event, webhooks.WorkflowRunEvent)
    assert isinstance(event.payload, WorkflowRun)
    assert event.payload.id == "workflow_run_1"


async def test_an_expired_url_raises_the_status_error_without_the_url_in_it(
    client: AsyncExtend, storage: Storage
) -> None:
    storage.answers.append(
        web.Response(status=403, text="<Error><Code>AccessDenied</Code>Request has expired</Error>")
    )
    with pytest.raises(PermissionDeniedError) as caught:
        await client.webhooks.fetch_payload(_signed_event(storage.url))
    assert "expired" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)
    assert len(storage.requests) == 1


async def test_server_errors_are_retried_with_the_client_policy(
    client: AsyncExtend, storage: Storage
) -> None:
    storage.answers += [web.Response(status=503), _json(classify_run("FAILED"))]
    event = await client.webhooks.fetch_payload(_signed_event(storage.url, "classify_run.failed"))
    assert isinstance(event, webhooks.ClassifyRunEvent)
    assert event.payload.status == "FAILED"
    assert len(storage.requests) == 2


async def test_max_retries_applies_per_call(client: AsyncExtend, storage: Storage) -> None:
    storage.answers += [web.Response(status=500), _json(classify_run())]
    with pytest.raises(InternalServerError):
        await client.webhooks.fetch_payload(_signed_event(storage.url), max_retries=0)
    assert len(storage.requests) == 1


async def test_the_timeout_bounds_the_fetch(client: AsyncExtend, storage: Storage) -> None:
    storage.answers.append(2.0)
    with pytest.raises(APITimeoutError) as caught:
        await client.webhooks.fetch_payload(_signed_event(storage.url), timeout=0.1, max_retries=0)
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize("body", [b"<html>not json</html>", b"[1, 2]"])
async def test_a_body_that_is_not_a_json_object_is_a_decode_error(
    client: AsyncExtend, storage: Storage, body: bytes
) -> None:
    storage.answers.append(web.Response(body=body))
    with pytest.raises(ResponseDecodeError):
        await client.webhooks.fetch_payload(_signed_event(storage.url))


async def test_an_unreachable_host_is_a_connection_error_without_the_url(
    client: AsyncExtend,
) -> None:
    with pytest.raises(APIConnectionError) as caught:
        await client.webhooks.fetch_payload(
            _signed_event(f"http://127.0.0.1:9/p?{SIGNATURE_QUERY}"), max_retries=0
        )
    assert "s3cr3t" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


@pytest.mark.parametrize(
    "url", ["/relative/path?sig=1", "ftp://files.test/p", "file:///etc/passwd", "http://"]
)
async def test_urls_that_are_not_absolute_http_are_refused(
    client: AsyncExtend, storage: Storage, url: str
) -> None:
    with pytest.raises(InvalidInputError):
        await client.webhooks.fetch_payload(_signed_event(url))
    assert storage.requests == []


@pytest.mark.parametrize("max_retries", [-1, True, "2"])
async def test_bad_max_retries_is_refused_before_fetching(
    client: AsyncExtend, storage: Storage, max_retries: Any
) -> None:
    with pytest.raises(InvalidInputError):
        await client.webhooks.fetch_payload(_signed_event(storage.url), max_retries=max_retries)
    assert storage.requests == []


async def test_only_signed_url_events_can_be_fetched(client: AsyncExtend) -> None:
    event = webhooks.parse(body_of("classify_run.processed", classify_run()))
    with pytest.raises(InvalidInputError, match="SignedUrlEvent"):
        await client.webhooks.fetch_payload(event)  # type: ignore[arg-type]


async def test_raw_response_gives_the_storage_status(client: AsyncExtend, storage: Storage) -> None:
    storage.answers.append(_json(classify_run()))
    raw = await client.webhooks.with_raw_response.fetch_payload(_signed_event(storage.url))
    assert raw.status_code == 200
    assert raw.request_id is None
    assert isinstance(raw.parsed, webhooks.ClassifyRunEvent)


async def test_a_payload_over_the_threshold_is_read_in_a_worker_thread(
    client: AsyncExtend, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = {**classify_run(), "metadata": {"notes": "n" * (_transport.OFF_LOOP_DECODE_BYTES + 1)}}
    storage.answers.append(_json(run))
    loop_thread = threading.get_ident()
    threads: list[int] = []
    original = _fetch._event_from_answer

    def spy(*args: Any) -> webhooks.WebhookEvent:
        threads.append(threading.get_ident())
        return original(*args)

    monkeypatch.setattr(_fetch, "_event_from_answer", spy)
    event = await client.webhooks.fetch_payload(_signed_event(storage.url))
    assert isinstance(event, webhooks.ClassifyRunEvent)
    # Decoded whole in that thread: nothing waits for a first read on the loop.
    assert object.__getattribute__(event.payload, "_wire")[1:] == (None, {})
    assert event.payload.metadata == run["metadata"]
    assert len(threads) == 1
    assert threads[0] != loop_thread

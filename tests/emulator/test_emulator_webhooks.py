"""The emulator's webhook deliveries, seen on the wire by a plain aiohttp receiver.

Signatures are checked with an HMAC written here from the documented algorithm, not
with the SDK's verifier (``tests/webhooks/test_end_to_end.py`` covers that side).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.server
import re
import socket
import threading
import time
import types
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, ClassVar

import orjson
import pytest
from aiohttp import web

from extend_async.testing import (
    ExtendEmulator,
    Lifecycle,
    WebhookConfig,
    WebhookDelivery,
    _webhooks,
)
from extend_async.testing._cli import build_parser, main, webhooks_from_args

from ._wire import API_VERSION, INLINE_CONFIG, Wire, create_body

SECRET = "wss_emulator_t3st_secret"
EVENT_ID = re.compile(r"^event_[A-Za-z0-9_-]{21}$")

MakeEmulator = Callable[..., Awaitable[ExtendEmulator]]


def reference_signature(timestamp: str, body: bytes) -> str:
    message = b"v0:" + timestamp.encode() + b":" + body
    return hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()


class Hook:
    """A receiver that records every request and answers from a script (default 200)."""

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[tuple[bytes, dict[str, str]]] = []
        self.answers: list[int] = []
        self.stall = False  # hold every request until teardown
        self.release = asyncio.Event()
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((body, dict(request.headers)))
        self.arrived.set()
        if self.stall:
            await self.release.wait()
        return web.Response(status=self.answers.pop(0) if self.answers else 200)

    @property
    def envelopes(self) -> list[dict[str, Any]]:
        return [orjson.loads(body) for body, _ in self.requests]

    def types(self) -> list[str]:
        return [envelope["eventType"] for envelope in self.envelopes]


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    receiver = Hook()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield receiver
    receiver.release.set()
    await runner.cleanup()


def config(hook: Hook, **options: Any) -> WebhookConfig:
    return WebhookConfig(url=hook.url, secret=SECRET, **options)


async def emulator_with(make_emulator: MakeEmulator, hook: Hook, **options: Any) -> ExtendEmulator:
    extra = {k: options.pop(k) for k in ("lifecycle", "seed", "webhook_queue_size") if k in options}
    return await make_emulator(webhooks=config(hook, **options), **extra)


# --- the wire format of a delivery -------------------------------------------------------


async def test_a_delivery_is_signed_as_documented_and_carries_the_run_as_get_shows_it(
    make_emulator: MakeEmulator, hook: Hook, session: Any
) -> None:
    emu = await emulator_with(make_emulator, hook, headers={"x-tenant": "acme"})
    wire = Wire(session, emu.base_url)
    created = (await wire.post("/classify_runs", json=create_body(metadata={"k": "v"}))).json
    before = int(time.time())
    assert emu.advance(created["id"], "PROCESSED")
    await emu.webhooks_idle()

    ((body, headers),) = hook.requests
    timestamp = headers["x-extend-request-timestamp"]
    assert timestamp.isdigit()
    assert before <= int(timestamp) <= int(time.time())
    assert headers["x-extend-request-signature"] == reference_signature(timestamp, body)
    assert headers["x-extend-api-version"] == API_VERSION
    assert headers["Content-Type"] == "application/json"
    assert headers["x-tenant"] == "acme"
    assert "Authorization" not in headers
    envelope = orjson.loads(body)
    assert set(envelope) == {"eventId", "eventType", "payload"}
    assert EVENT_ID.match(envelope["eventId"])
    assert envelope["eventType"] == "classify_run.processed"
    assert envelope["payload"] == (await wire.get(f"/classify_runs/{created['id']}")).json
    assert envelope["payload"]["status"] == "PROCESSED"

    (delivery,) = emu.webhook_deliveries
    assert isinstance(delivery, WebhookDelivery)
    assert delivery.event_id == envelope["eventId"]
    assert delivery.subject_id == created["id"]
    assert (delivery.url, delivery.outcome, delivery.status, delivery.attempts) == (
        hook.url,
        "delivered",
        200,
        1,
    )
    assert delivery.body == body
    assert delivery.delivered


async def test_the_secret_never_shows_in_a_repr() -> None:
    hook = WebhookConfig(url="http://127.0.0.1:9/hook", secret=SECRET)
    assert SECRET not in repr(hook)
    emu = ExtendEmulator(webhooks=hook)
    assert SECRET not in repr(emu.webhooks)


async def test_seeded_emulators_give_events_the_same_ids(
    make_emulator: MakeEmulator, hook: Hook
) -> None:
    ids: list[list[str]] = []
    for _ in range(2):
        emu = await emulator_with(make_emulator, hook, seed=42)
        runs = emu.seed_runs(3)
        for run_id in runs:
            emu.advance(run_id, "PROCESSED")
        await emu.webhooks_idle()
        ids.append([d.event_id for d in emu.webhook_deliveries])
    assert ids[0] == ids[1]
    assert len(set(ids[0])) == 3


async def test_every_endpoint_gets_the_event_with_one_event_id(
    make_emulator: MakeEmulator, hook: Hook
) -> None:
    emu = await make_emulator(
        webhooks=[config(hook), WebhookConfig(url=hook.url + "?second", secret=SECRET)]
    )
    (run_id,) = emu.seed_runs(1)
    emu.advance(run_id, "FAILED")
    await emu.webhooks_idle()
    first, second = hook.envelopes
    assert first == second
    assert sorted(d.url for d in emu.webhook_deliveries) == [hook.url, hook.url + "?second"]


# --- which changes send which events -----------------------------------------------------


async def test_cancelled_and_seeded_runs_send_nothing_and_a_repeat_status_sends_once(
    make_emulator: MakeEmulator, hook: Hook, session: Any
) -> None:
    emu = await emulator_with(make_emulator, hook)
    wire = Wire(session, emu.base_url)
    emu.seed_runs(5, status=["PROCESSED", "FAILED", "CANCELLED"])
    active = emu.seed_runs(2)
    assert (await wire.cancel(active[0])).status == 200
    emu.advance(active[1], "PROCESSED")
    emu.advance(active[1], "PROCESSED")
    await emu.webhooks_idle()
    assert hook.types() == ["classify_run.processed"]
    assert hook.envelopes[0]["payload"]["id"] == active[1]


async def test_the_sync_endpoint_has_sent_its_event_by_the_time_it_answers(
    make_emulator: MakeEmulator, hook: Hook, session: Any
) -> None:
    emu = await emulator_with(make_emulator, hook)
    wire = Wire(session, emu.base_url)
    answer = await wire.post("/classify", json=create_body())
    assert emu.webhook_deliveries  # recorded before the answer went out
    await emu.webhooks_idle()
    (envelope,) = hook.envelopes
    assert envelope["payload"] == answer.json


async def test_lifecycle_timers_send_events(
    make_emulator: MakeEmulator, hook: Hook, session: Any
) -> None:
    lifecycle = Lifecycle(queue=True, processing_seconds=0.0, failure_rate=1.0)
    emu = await emulator_with(make_emulator, hook, lifecycle=lifecycle)
    wire = Wire(session, emu.base_url)
    run_id = (await wire.post("/classify_runs", json=create_body())).json["id"]
    await asyncio.wait_for(hook.arrived.wait(), 5)  # nothing else moves the run
    await emu.webhooks_idle()
    (envelope,) = hook.envelopes
    assert envelope["eventType"] == "classify_run.failed"
    assert envelope["payload"]["failureReason"] == "INTERNAL_ERROR"
    assert emu.runs[run_id].history == ["PENDING", "PROCESSING", "FAILED"]


@pytest.mark.parametrize(
    ("finals", "expected"),
    [
        (["PROCESSED", "FAILED", "CANCELLED"], "batch_processor_run.processed"),
        (["FAILED", "FAILED", "CANCELLED"], "batch_processor_run.failed"),
        (["CANCELLED", "CANCELLED", "CANCELLED"], None),  # no cancelled event exists
    ],
)
async def test_a_batch_is_announced_once_when_its_last_run_finishes(
    make_emulator: MakeEmulator, hook: Hook, finals: list[str], expected: str | None
) -> None:
    emu = await emulator_with(make_emulator, hook, events={expected} if expected else None)
    runs = emu.seed_runs(3, batch_id="bpr_webhookbatch000000001")
    for run_id, status in zip(runs, finals, strict=True):
        assert hook.types() == []  # nothing while any run is unfinished
        emu.advance(run_id, status)
        await emu.webhooks_idle()
    emu.advance(runs[0], finals[0])  # a repeat changes nothing
    await emu.webhooks_idle()
    batch_events = [e for e in hook.envelopes if e["eventType"].startswith("batch")]
    if expected is None:
        assert batch_events == []
        return
    (event,) = batch_events
    assert event["eventType"] == expected
    assert event["payload"] == {
        "object": "batch_run",
        "id": "bpr_webhookbatch000000001",
        "status": expected.rsplit(".", 1)[1].upper(),
        "runCount": 3,
        "createdAt": event["payload"]["createdAt"],
    }


async def test_deleting_the_last_unfinished_run_finishes_its_batch(
    make_emulator: MakeEmulator, hook: Hook, session: Any
) -> None:
    emu = await emulator_with(make_emulator, hook, events={"batch_processor_run.processed"})
    emu.configure(allow_delete_active=True)
    done, active = emu.seed_runs(2, batch_id="bpr_webhookbatch000000002")
    emu.advance(done, "PROCESSED")
    assert (await Wire(session, emu.base_url).delete(f"/classify_runs/{active}")).status == 200
    await emu.webhooks_idle()
    assert hook.types() == ["batch_processor_run.processed"]


async def test_classifier_events_follow_the_api(
    make_emulator: MakeEmulator, hook: Hook, session: Any
) -> None:
    emu = await emulator_with(make_emulator, hook)
    wire = Wire(session, emu.base_url)
    created = (await wire.post("/classifiers", json={"name": "A", "config": INLINE_CONFIG})).json
    path = f"/classifiers/{created['id']}"
    await emu.webhooks_idle()
    await wire.post(path, json={"config": INLINE_CONFIG})  # same config: draft unchanged
    await emu.webhooks_idle()
    changed = {"classifications": [{"id": "r", "type": "r", "description": "A receipt"}]}
    updated = (await wire.post(path, json={"name": "B", "config": changed})).json
    await emu.webhooks_idle()
    version = (await wire.post(f"{path}/versions", json={"releaseType": "minor"})).json
    await emu.webhooks_idle()
    emu.seed_runs(1, classifier_id="cl_seededclassifier00001")  # seeding announces nothing
    direct = emu.create_classifier("Direct")  # the control surface does
    await emu.webhooks_idle()

    assert hook.types() == [
        "classifier.created",
        "classifier.updated",
        "classifier.updated",
        "classifier.draft.updated",
        "classifier.version.published",
        "classifier.created",
    ]
    envelopes = hook.envelopes
    assert envelopes[0]["payload"] == created
    assert envelopes[2]["payload"] == envelopes[3]["payload"] == updated
    assert envelopes[4]["payload"] == version
    assert envelopes[4]["payload"] == (await wire.get(f"{path}/versions/0.1")).json
    assert envelopes[5]["payload"]["id"] == direct


# --- retries, failures, bounds ---------------------------------------------------------


async def test_retries_back_off_then_give_up(make_emulator: MakeEmulator, hook: Hook) -> None:
    hook.answers = [500, 502, 404]
    emu = await emulator_with(make_emulator, hook, max_attempts=3, retry_delay=0.001)
    (run_id,) = emu.seed_runs(1)
    emu.advance(run_id, "PROCESSED")
    await emu.webhooks_idle()
    assert len(hook.requests) == 3
    (delivery,) = emu.webhook_deliveries
    assert (delivery.outcome, delivery.status, delivery.attempts) == ("failed", 404, 3)
    assert delivery.error == "answered 404"


def test_the_backoff_doubles_up_to_its_cap() -> None:
    hook = WebhookConfig(url="http://127.0.0.1:9/", secret=SECRET)
    assert [hook.retry_delay_after(n) for n in range(1, 7)] == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0]


async def test_a_receiver_that_does_not_answer_in_time_is_retried_then_failed(
    make_emulator: MakeEmulator, hook: Hook
) -> None:
    hook.stall = True
    emu = await emulator_with(make_emulator, hook, timeout=0.05, max_attempts=2, retry_delay=0)
    (run_id,) = emu.seed_runs(1)
    emu.advance(run_id, "PROCESSED")
    await emu.webhooks_idle()
    (delivery,) = emu.webhook_deliveries
    assert (delivery.outcome, delivery.status, delivery.attempts) == ("failed", None, 2)
    assert delivery.error == "no answer within 0.05 s"


async def test_a_receiver_that_is_not_listening_is_a_failed_delivery(
    make_emulator: MakeEmulator,
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = WebhookConfig(
        url=f"http://127.0.0.1:{port}/hook", secret=SECRET, max_attempts=2, retry_delay=0
    )
    emu = await make_emulator(webhooks=closed)
    (run_id,) = emu.seed_runs(1)
    emu.advance(run_id, "PROCESSED")
    await emu.webhooks_idle()
    (delivery,) = emu.webhook_deliveries
    assert (delivery.outcome, delivery.status, delivery.attempts) == ("failed", None, 2)
    assert delivery.error is not None
    assert "Connect" in delivery.error


async def test_a_full_queue_drops_and_counts_events_and_stop_cancels_the_rest(
    make_emulator: MakeEmulator, hook: Hook
) -> None:
    hook.stall = True
    emu = await emulator_with(make_emulator, hook, webhook_queue_size=2)
    runs = emu.seed_runs(5)
    for run_id in runs:
        emu.advance(run_id, "PROCESSED")  # answers at once: delivery never blocks this
    assert emu.dropped_webhooks == 3
    assert emu.pending_webhooks == 2
    outcomes = [d.outcome for d in emu.webhook_deliveries]
    assert outcomes == ["pending", "pending", "dropped", "dropped", "dropped"]
    with pytest.raises(TimeoutError, match="2 webhook deliveries still pending"):
        await emu.webhooks_idle(timeout=0.02)

    await emu.stop()

    assert [d.outcome for d in emu.webhook_deliveries][:2] == ["cancelled", "cancelled"]
    await emu.webhooks_idle(timeout=1)  # nothing left under way
    assert emu.pending_webhooks == 0
    emu.reset_stats()
    assert emu.webhook_deliveries == []
    assert emu.dropped_webhooks == 0


async def test_stopping_cancels_deliveries_that_have_not_started_yet(
    make_emulator: MakeEmulator, hook: Hook
) -> None:
    emu = await emulator_with(make_emulator, hook)
    for run_id in emu.seed_runs(3):
        emu.advance(run_id, "PROCESSED")
    await emu.stop()  # before the delivery tasks got a turn
    assert [d.outcome for d in emu.webhook_deliveries] == ["cancelled"] * 3
    await emu.webhooks_idle(timeout=1)
    assert hook.requests == []


async def test_events_raised_before_start_are_sent_once_it_serves(hook: Hook) -> None:
    emu = ExtendEmulator(webhooks=config(hook))
    classifier_id = emu.create_classifier("Early")
    assert [d.outcome for d in emu.webhook_deliveries] == ["pending"]
    async with emu:
        await emu.webhooks_idle()
        assert [d.outcome for d in emu.webhook_deliveries] == ["delivered"]
    assert hook.envelopes[0]["payload"]["id"] == classifier_id


# --- configuration ---------------------------------------------------------------------


async def test_endpoints_change_while_running(make_emulator: MakeEmulator, hook: Hook) -> None:
    emu = await make_emulator()
    assert emu.webhooks == ()
    first, second, third = emu.seed_runs(3)
    emu.advance(first, "PROCESSED")  # no endpoint yet
    emu.webhooks = [config(hook)]
    emu.advance(second, "PROCESSED")
    settings = emu.configure(webhooks=None, state_conflict_status=422)
    assert settings.state_conflict_status == 422
    emu.advance(third, "PROCESSED")
    await emu.webhooks_idle()
    assert [e["payload"]["id"] for e in hook.envelopes] == [second]

    with pytest.raises(ValueError, match="4xx"):
        emu.configure(webhooks=config(hook), state_conflict_status=200)
    assert len(emu.webhooks) == 0  # nothing applied when a change is invalid
    with pytest.raises(TypeError, match="WebhookConfig"):
        emu.configure(webhooks=[hook.url])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"url": "http://example.com/hook"}, "loopback addresses only"),
        ({"url": "http://10.0.0.8/hook"}, "loopback addresses only"),
        ({"url": "ftp://127.0.0.1/hook"}, "absolute http"),
        ({"url": "/hook"}, "absolute http"),
        ({"secret": ""}, "non-empty"),
        ({"events": {"classify_run.cancelled"}}, "unknown webhook event types"),
        ({"events": set()}, "at least one"),
        ({"payload_format": "xml"}, "payload_format"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"timeout": 0}, "timeout"),
        ({"url_threshold_bytes": -1}, "url_threshold_bytes"),
    ],
)
def test_bad_configurations_are_refused(options: dict[str, Any], message: str) -> None:
    arguments = {"url": "http://127.0.0.1:8000/hook", "secret": SECRET, **options}
    with pytest.raises(ValueError, match=message) as refused:
        WebhookConfig(**arguments)
    assert SECRET not in str(refused.value)


def test_remote_and_named_loopback_receivers() -> None:
    assert WebhookConfig(url="http://example.com/hook", secret=SECRET, allow_remote=True)
    assert WebhookConfig(url="http://localhost:8000/hook", secret=SECRET)
    assert WebhookConfig(url="http://[::1]:8000/hook", secret=SECRET)
    only = WebhookConfig(url="http://127.0.0.1/", secret=SECRET, events="classify_run.failed")
    assert only.events == frozenset({"classify_run.failed"})


def test_the_queue_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="webhook_queue_size"):
        ExtendEmulator(webhook_queue_size=0)


# --- payloads by signed URL -------------------------------------------------------------


async def test_signed_urls_serve_the_payload_without_a_key_until_they_expire(
    make_emulator: MakeEmulator, hook: Hook, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = await emulator_with(make_emulator, hook, payload_format="url")
    (run_id,) = emu.seed_runs(1, metadata={"tenant": "t1"})
    emu.advance(run_id, "PROCESSED")
    await emu.webhooks_idle()
    (envelope,) = hook.envelopes
    reference = envelope["payload"]
    assert set(reference) == {"object", "data", "id", "metadata"}
    assert (reference["object"], reference["id"], reference["metadata"]) == (
        "signed_data_url",
        run_id,
        {"tenant": "t1"},
    )
    assert emu.webhook_deliveries[0].payload_format == "url"

    async with session.get(reference["data"]) as response:  # no Authorization header
        assert response.status == 200
        assert response.content_type == "application/json"
        payload = orjson.loads(await response.read())
    wire = Wire(session, emu.base_url)
    assert payload == (await wire.get(f"/classify_runs/{run_id}")).json
    async with session.get(reference["data"] + "x") as response:
        assert response.status == 403
    async with session.post(reference["data"]) as response:  # only GET bypasses the API
        assert response.status == 401

    later = time.monotonic() + 3601
    monkeypatch.setattr(_webhooks, "time", types.SimpleNamespace(monotonic=lambda: later))
    async with session.get(reference["data"]) as response:
        assert response.status == 403


# --- waiting from other threads ------------------------------------------------------------


class _ThreadedReceiver(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).bodies.append(self.rfile.read(length))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    # The default backlog of 5 drops connections when 16 deliveries arrive at once, and
    # each dropped SYN costs a one-second retransmission.
    request_queue_size = 128


@pytest.fixture
def threaded_receiver() -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []
    handler = type("Receiver", (_ThreadedReceiver,), {"bodies": bodies})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", bodies
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_sync_code_waits_for_deliveries_with_wait_for_webhooks(
    threaded_receiver: tuple[str, list[bytes]],
) -> None:
    url, bodies = threaded_receiver
    with ExtendEmulator(webhooks=WebhookConfig(url=url, secret=SECRET)).run_in_thread() as emu:
        runs = emu.seed_runs(20)
        for run_id in runs:
            emu.advance(run_id, "PROCESSED")
        emu.wait_for_webhooks(timeout=5)
        assert sorted(orjson.loads(b)["payload"]["id"] for b in bodies) == sorted(runs)
        assert {d.outcome for d in emu.webhook_deliveries} == {"delivered"}


async def test_wait_for_webhooks_refuses_to_block_the_emulators_own_loop(
    make_emulator: MakeEmulator, hook: Hook
) -> None:
    emu = await emulator_with(make_emulator, hook)
    with pytest.raises(RuntimeError, match="await emu.webhooks_idle"):
        emu.wait_for_webhooks(timeout=1)


# --- the command line --------------------------------------------------------------------


def test_cli_options_build_webhook_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = build_parser()
    args = parser.parse_args(
        [
            "--webhook-url", "http://127.0.0.1:9000/a",
            "--webhook-url", "http://localhost:9000/b",
            "--webhook-secret", SECRET,
            "--webhook-event", "classify_run.processed",
            "--webhook-payload-format", "url",
            "--webhook-url-threshold", "1024",
        ]
    )  # fmt: skip
    first, second = webhooks_from_args(args)
    assert (first.url, second.url) == ("http://127.0.0.1:9000/a", "http://localhost:9000/b")
    assert first.secret == second.secret == SECRET
    assert first.events == frozenset({"classify_run.processed"})
    assert (first.payload_format, first.url_threshold_bytes) == ("url", 1024)

    assert webhooks_from_args(parser.parse_args([])) == []
    monkeypatch.setenv("EXTEND_WEBHOOK_SECRET", "wss_from_env")
    (from_env,) = webhooks_from_args(parser.parse_args(["--webhook-url", "http://127.0.0.1/"]))
    assert from_env.secret == "wss_from_env"


@pytest.mark.parametrize(
    "argv",
    [
        ["--webhook-url", "http://127.0.0.1:9000/"],  # no secret
        ["--webhook-url", "http://example.com/", "--webhook-secret", SECRET],  # not loopback
        ["--webhook-event", "classify_run.cancelled"],
    ],
)
def test_cli_refuses_bad_webhook_options(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("EXTEND_WEBHOOK_SECRET", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["--port", "0", *argv])
    assert exited.value.code == 2
    assert SECRET not in capsys.readouterr().err

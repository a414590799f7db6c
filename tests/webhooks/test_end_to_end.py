"""Webhooks end to end: the emulator delivers signed events to a real aiohttp receiver,
which verifies and parses them with ``extend_async.webhooks`` as an application would.

Everything runs over loopback sockets. Tests wait for ``emu.webhooks_idle()`` (or for
the client's own ``wait``), never for a fixed time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from extend_async import AsyncExtend, FileFromUrl, PollPolicy, RunStatus, webhooks
from extend_async.testing import ExtendEmulator, Lifecycle, WebhookConfig
from extend_async.types import ClassifyConfigDict
from extend_async.webhooks import (
    BatchRunEvent,
    ClassifierEvent,
    ClassifierVersionEvent,
    ClassifyRunEvent,
    SignedUrlEvent,
    WebhookEvent,
    WebhookEventType,
)

SECRET = "wss_end_to_end_s3cret_Q7"
QUICK = PollPolicy(interval=0.005, fast_phase=0, multiplier=1.0, max_interval=0.005, jitter=0)
CONFIG: ClassifyConfigDict = {
    "classifications": [
        {"id": "invoice", "type": "invoice", "description": "An invoice"},
        {"id": "other", "type": "other", "description": "Anything else"},
    ]
}
OTHER_CONFIG: ClassifyConfigDict = {
    "classifications": [{"id": "receipt", "type": "receipt", "description": "A receipt"}]
}
PDF = FileFromUrl(url="https://files.example.com/docs/invoice_42.pdf")


class Receiver:
    """A webhook endpoint written the way the README tells applications to write one."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.url = ""
        self.events: list[WebhookEvent] = []
        self.refusals: list[str] = []
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []  # raw, every attempt
        self.answers: list[int] = []  # answered first, before looking at the delivery

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.deliveries.append((body, dict(request.headers)))
        if self.answers:
            return web.Response(status=self.answers.pop(0))
        try:
            event = webhooks.verify_and_parse(body, request.headers, self.secret)
        except webhooks.WebhookVerificationError as exc:
            self.refusals.append(str(exc))
            return web.Response(status=400)
        self.events.append(event)
        return web.Response(status=204)

    def of_type(self, cls: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, cls)]


MakeReceiver = Callable[..., Awaitable[Receiver]]
MakeEmulator = Callable[..., Awaitable[ExtendEmulator]]


@pytest.fixture
async def make_receiver() -> AsyncIterator[MakeReceiver]:
    runners: list[web.AppRunner] = []

    async def make(secret: str = SECRET) -> Receiver:
        receiver = Receiver(secret)
        app = web.Application()
        app.router.add_post("/extend-webhooks", receiver.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/extend-webhooks"
        return receiver

    yield make
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def receiver(make_receiver: MakeReceiver) -> Receiver:
    return await make_receiver()


@pytest.fixture
async def make_emulator() -> AsyncIterator[MakeEmulator]:
    started: list[ExtendEmulator] = []

    async def make(**options: Any) -> ExtendEmulator:
        emulator = ExtendEmulator(seed="webhooks-e2e", **options)
        await emulator.start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        await emulator.stop()
        assert emulator.unexpected_errors == []


@pytest.fixture
async def client_for() -> AsyncIterator[Callable[[ExtendEmulator], AsyncExtend]]:
    clients: list[AsyncExtend] = []

    def make(emulator: ExtendEmulator) -> AsyncExtend:
        client = AsyncExtend(emulator.api_key, base_url=emulator.base_url)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def endpoint(receiver: Receiver, **options: Any) -> WebhookConfig:
    return WebhookConfig(url=receiver.url, secret=SECRET, **options)


async def test_finished_runs_arrive_as_typed_verified_events_and_cancelled_ones_do_not(
    receiver: Receiver,
    make_emulator: MakeEmulator,
    client_for: Callable[[ExtendEmulator], AsyncExtend],
) -> None:
    emu = await make_emulator(webhooks=endpoint(receiver))
    client = client_for(emu)
    done = await client.classify_runs.create(file=PDF, config=CONFIG, metadata={"order": 1})
    failed = await client.classify_runs.create(file=PDF, config=CONFIG)
    cancelled = await client.classify_runs.create(file=PDF, config=CONFIG)
    assert emu.advance(done.id, "PROCESSED")
    assert emu.advance(failed.id, "FAILED", failure_reason="FAILED_TO_PROCESS_FILE")
    await client.classify_runs.cancel(cancelled.id)

    await emu.webhooks_idle()

    assert receiver.refusals == []
    events = {event.payload.id: event for event in receiver.of_type(ClassifyRunEvent)}
    assert len(events) == len(receiver.events) == 2
    assert cancelled.id not in events  # the API has no classify_run.cancelled event
    processed, failure = events[done.id], events[failed.id]
    assert processed.event_type is WebhookEventType.CLASSIFY_RUN_PROCESSED
    assert failure.event_type is WebhookEventType.CLASSIFY_RUN_FAILED
    assert processed.event_id != failure.event_id
    assert processed.event_id.startswith("event_")
    # The payload is the full run, exactly as GET /classify_runs/{id} shows it.
    assert processed.payload == await client.classify_runs.get(done.id)
    assert processed.payload.status is RunStatus.PROCESSED
    assert processed.payload.output is not None
    assert processed.payload.metadata == {"order": 1}
    assert failure.payload == await client.classify_runs.get(failed.id)
    assert failure.payload.failure_reason == "FAILED_TO_PROCESS_FILE"


@pytest.mark.parametrize(
    ("failure_rate", "status", "event_type"),
    [
        (0.0, RunStatus.PROCESSED, WebhookEventType.CLASSIFY_RUN_PROCESSED),
        (1.0, RunStatus.FAILED, WebhookEventType.CLASSIFY_RUN_FAILED),
    ],
)
async def test_lifecycle_timers_and_the_sync_endpoint_send_events(
    receiver: Receiver,
    make_emulator: MakeEmulator,
    client_for: Callable[[ExtendEmulator], AsyncExtend],
    failure_rate: float,
    status: RunStatus,
    event_type: WebhookEventType,
) -> None:
    lifecycle = Lifecycle(processing_seconds=0.0, failure_rate=failure_rate)
    emu = await make_emulator(webhooks=endpoint(receiver), lifecycle=lifecycle)
    client = client_for(emu)
    timed = await client.classify_runs.create(file=PDF, config=CONFIG)
    finished = await client.classify_runs.wait(timed.id, poll=QUICK)
    answered = await client.classify_runs.classify(file=PDF, config=CONFIG)

    await emu.webhooks_idle()

    events = {event.payload.id: event for event in receiver.of_type(ClassifyRunEvent)}
    assert set(events) == {timed.id, answered.id}
    assert events[timed.id].payload == finished
    assert events[answered.id].payload == answered  # the body the sync call answered
    assert {event.payload.status for event in events.values()} == {status}
    assert {event.event_type for event in events.values()} == {event_type}


async def test_a_finished_batch_sends_its_runs_and_then_itself(
    receiver: Receiver,
    make_emulator: MakeEmulator,
    client_for: Callable[[ExtendEmulator], AsyncExtend],
) -> None:
    emu = await make_emulator(
        webhooks=endpoint(receiver), lifecycle=Lifecycle(processing_seconds=0.0)
    )
    client = client_for(emu)
    classifier = await client.classifiers.create(name="Doc types", config=CONFIG)
    batch = await client.classify_runs.create_batch(classifier=classifier.id, inputs=[PDF] * 3)
    final = await client.batch_runs.wait(batch.id, poll=QUICK)

    await emu.webhooks_idle()

    (batch_event,) = receiver.of_type(BatchRunEvent)
    assert batch_event.event_type is WebhookEventType.BATCH_PROCESSOR_RUN_PROCESSED
    assert batch_event.payload == final
    assert batch_event.payload.status is RunStatus.PROCESSED
    assert batch_event.payload.run_count == 3
    batch_runs = [run.id async for run in client.classify_runs.list(batch_id=batch.id)]
    run_events = receiver.of_type(ClassifyRunEvent)
    assert sorted(event.payload.id for event in run_events) == sorted(batch_runs)
    assert all(event.payload.classifier is not None for event in run_events)
    (created,) = receiver.of_type(ClassifierEvent)
    assert created.event_type is WebhookEventType.CLASSIFIER_CREATED


async def test_classifier_changes_send_classifier_and_version_events(
    receiver: Receiver,
    make_emulator: MakeEmulator,
    client_for: Callable[[ExtendEmulator], AsyncExtend],
) -> None:
    emu = await make_emulator(webhooks=endpoint(receiver))
    client = client_for(emu)
    created = await client.classifiers.create(name="Doc types", config=CONFIG)
    await emu.webhooks_idle()
    renamed = await client.classifiers.update(created.id, name="Renamed")
    await emu.webhooks_idle()
    reconfigured = await client.classifiers.update(created.id, config=OTHER_CONFIG)
    await emu.webhooks_idle()
    version = await client.classifier_versions.create(created.id, release_type="major")
    await emu.webhooks_idle()

    assert receiver.refusals == []
    types = [event.event_type for event in receiver.events]
    assert types == [
        WebhookEventType.CLASSIFIER_CREATED,
        WebhookEventType.CLASSIFIER_UPDATED,  # the rename
        WebhookEventType.CLASSIFIER_UPDATED,  # the new config...
        WebhookEventType.CLASSIFIER_DRAFT_UPDATED,  # ...which changed the draft
        WebhookEventType.CLASSIFIER_VERSION_PUBLISHED,
    ]
    first, rename, update, draft = receiver.of_type(ClassifierEvent)
    assert first.payload == created
    assert rename.payload == renamed
    assert update.payload == draft.payload == reconfigured
    assert draft.payload.draft_version is not None
    assert [c.id for c in draft.payload.draft_version.config.classifications] == ["receipt"]
    (published,) = receiver.of_type(ClassifierVersionEvent)
    assert published.payload == version
    assert published.payload.version == "1.0"
    assert published.payload == await client.classifier_versions.get(created.id, "1.0")


async def test_a_receiver_with_the_wrong_secret_refuses_every_attempt(
    make_receiver: MakeReceiver,
    make_emulator: MakeEmulator,
) -> None:
    receiver = await make_receiver(secret="wss_not_the_one_the_emulator_signs_with")
    hook = WebhookConfig(url=receiver.url, secret=SECRET, max_attempts=2, retry_delay=0)
    emu = await make_emulator(webhooks=hook)
    (run_id,) = emu.seed_runs(1)
    emu.advance(run_id, "PROCESSED")

    await emu.webhooks_idle()

    assert receiver.events == []
    assert len(receiver.refusals) == 2
    assert all("signature does not match" in reason for reason in receiver.refusals)
    (delivery,) = emu.webhook_deliveries
    assert (delivery.outcome, delivery.status, delivery.attempts) == ("failed", 400, 2)
    # With the right secret the very same bytes verify: only the key was wrong.
    body, headers = receiver.deliveries[-1]
    event = webhooks.verify_and_parse(body, headers, SECRET)
    assert isinstance(event, ClassifyRunEvent)
    assert event.payload.id == run_id


async def test_a_failing_receiver_gets_the_same_event_again_until_it_acknowledges(
    receiver: Receiver,
    make_emulator: MakeEmulator,
) -> None:
    receiver.answers = [500, 503]
    emu = await make_emulator(webhooks=endpoint(receiver, retry_delay=0.001))
    (run_id,) = emu.seed_runs(1)
    emu.advance(run_id, "FAILED")

    await emu.webhooks_idle()

    assert len(receiver.deliveries) == 3
    bodies = {body for body, _ in receiver.deliveries}
    assert len(bodies) == 1  # same event id, same payload: receivers can dedupe
    for body, headers in receiver.deliveries:  # every attempt is validly signed
        webhooks.verify(body, headers, SECRET)
    (event,) = receiver.events
    assert isinstance(event, ClassifyRunEvent)
    assert event.payload.id == run_id
    (delivery,) = emu.webhook_deliveries
    assert (delivery.outcome, delivery.status, delivery.attempts) == ("delivered", 204, 3)
    assert delivery.event_id == event.event_id


async def test_a_signed_url_payload_is_fetched_through_the_client(
    receiver: Receiver,
    make_emulator: MakeEmulator,
    client_for: Callable[[ExtendEmulator], AsyncExtend],
) -> None:
    by_url = endpoint(receiver, payload_format="url")
    emu = await make_emulator(webhooks=by_url)
    client = client_for(emu)
    run = await client.classify_runs.create(file=PDF, config=CONFIG, metadata={"tenant": "t1"})
    emu.advance(run.id, "PROCESSED")

    await emu.webhooks_idle()

    (event,) = receiver.events
    assert isinstance(event, SignedUrlEvent)
    assert event.event_type is WebhookEventType.CLASSIFY_RUN_PROCESSED
    assert event.payload.id == run.id
    assert event.payload.metadata == {"tenant": "t1"}  # readable without fetching
    assert event.payload.url.startswith(emu.base_url + "/_webhook_payloads/")
    full = await client.webhooks.fetch_payload(event)
    assert isinstance(full, ClassifyRunEvent)
    assert full.event_id == event.event_id
    assert full.payload == await client.classify_runs.get(run.id)


async def test_payloads_under_the_threshold_stay_inline(
    receiver: Receiver,
    make_emulator: MakeEmulator,
) -> None:
    emu = await make_emulator(
        webhooks=endpoint(receiver, payload_format="url", url_threshold_bytes=1_000_000)
    )
    (run_id,) = emu.seed_runs(1)
    emu.advance(run_id, "PROCESSED")

    await emu.webhooks_idle()

    (event,) = receiver.events
    assert isinstance(event, ClassifyRunEvent)
    assert event.payload.id == run_id
    assert emu.webhook_deliveries[0].payload_format == "json"


async def test_an_endpoint_gets_only_the_event_types_it_subscribed_to(
    receiver: Receiver,
    make_emulator: MakeEmulator,
    client_for: Callable[[ExtendEmulator], AsyncExtend],
) -> None:
    emu = await make_emulator(webhooks=endpoint(receiver, events={"classify_run.failed"}))
    client = client_for(emu)
    await client.classifiers.create(name="Not announced", config=CONFIG)
    ok, bad = emu.seed_runs(2)
    emu.advance(ok, "PROCESSED")
    emu.advance(bad, "FAILED")

    await emu.webhooks_idle()

    assert len(receiver.events) == 1
    assert [event.payload.id for event in receiver.of_type(ClassifyRunEvent)] == [bad]
    assert [d.event_type for d in emu.webhook_deliveries] == ["classify_run.failed"]


async def test_an_emulator_served_from_a_thread_delivers_to_a_receiver_on_this_loop(
    receiver: Receiver,
) -> None:
    # The pytest plugin's way: the emulator has its own thread and loop, the receiver
    # lives on the test's loop, and webhooks_idle() waits without blocking this loop.
    with ExtendEmulator(webhooks=endpoint(receiver)).run_in_thread() as emu:
        async with AsyncExtend(emu.api_key, base_url=emu.base_url) as client:
            classifier = await client.classifiers.create(name="Threaded", config=CONFIG)
            run = await client.classify_runs.create(file=PDF, classifier=classifier.id)
            emu.advance(run.id, "PROCESSED")
            await emu.webhooks_idle()
        assert emu.unexpected_errors == []

    counts = Counter(event.event_type for event in receiver.events)
    assert counts == {"classifier.created": 1, "classify_run.processed": 1}
    (run_event,) = receiver.of_type(ClassifyRunEvent)
    assert run_event.payload.id == run.id
    assert run_event.payload.classifier is not None
    assert run_event.payload.classifier.id == classifier.id

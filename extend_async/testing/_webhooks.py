"""Webhook deliveries: the emulator announces what happened to configured endpoints,
signed the way Extend signs them.

The store reports each change while it holds its lock (``EventSink``). The sender renders
the payload at that moment (the body a GET would answer then), gives the event an id and
records one delivery per subscribed endpoint. Deliveries run as tasks on the emulator's
loop through one ``aiohttp.ClientSession`` that lives from ``start`` to ``stop``; request
handling never waits for them. Each delivery is signed afresh per attempt (a new
timestamp, the same body) and retried with exponential backoff on a non-2xx answer, a
timeout or a connection error, up to the endpoint's ``max_attempts``.

Everything here may be called from any thread: the store lock orders emissions, and the
sender's own lock guards its counters and records (it is always taken after the store
lock, never before).
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import aiohttp
import orjson
from aiohttp import web
from attrs import field, frozen
from yarl import URL

from ..types.webhooks import WebhookEventType
from ..webhooks import sign
from ._ids import IdFactory
from ._records import BatchRecord, ClassifierRecord, RunRecord, VersionRecord
from ._render import render_batch, render_classifier, render_run, render_version
from ._settings import SUPPORTED_API_VERSIONS

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "EVENT_TYPES",
    "OUTCOMES",
    "PAYLOAD_PATH",
    "EventSink",
    "WebhookConfig",
    "WebhookDelivery",
    "WebhookSender",
    "as_endpoints",
]

EVENT_TYPES = frozenset(t.value for t in WebhookEventType)
OUTCOMES = ("pending", "delivered", "failed", "dropped", "cancelled")
# Where the emulator serves payloads delivered as a signed URL.
PAYLOAD_PATH = "/_webhook_payloads"
# Deliveries waiting or in flight, all endpoints together; beyond this, events are dropped.
DEFAULT_QUEUE_SIZE = 10_000
# Deliveries talking to receivers at once; the others wait their turn.
DELIVERY_CONCURRENCY = 16
MAX_RECORDED_DELIVERIES = 10_000
# Payloads kept for their signed URLs; the oldest go first.
MAX_STORED_PAYLOADS = 2_000
USER_AGENT = "extend-emulator-webhooks"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _event_set(value: Iterable[str] | str | None) -> frozenset[str] | None:
    if value is None:
        return None
    items = frozenset([value]) if isinstance(value, str) else frozenset(value)
    if not items:
        raise ValueError("events must name at least one event type (None subscribes to all)")
    unknown = sorted(str(item) for item in items - EVENT_TYPES)
    if unknown:
        raise ValueError(f"unknown webhook event types {unknown}; known: {sorted(EVENT_TYPES)}")
    return items


def _secret(_: object, attribute: object, value: str) -> None:
    # The value itself never goes into a message: it is a credential.
    if not isinstance(value, str) or not value:
        raise ValueError("secret must be a non-empty string (the endpoint's wss_... secret)")


def _payload_format(_: object, attribute: object, value: str) -> None:
    if value not in ("json", "url"):
        raise ValueError(f"payload_format must be 'json' or 'url', got {value!r}")


def _non_negative(_: object, attribute: Any, value: float) -> None:
    if isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


def _positive(_: object, attribute: Any, value: float) -> None:
    if isinstance(value, bool) or not value > 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


def _attempts(_: object, attribute: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_attempts must be an int >= 1, got {value!r}")


def _header_map(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


@frozen(kw_only=True)
class WebhookConfig:
    """One webhook endpoint of the emulator.

    ``url``: where events are POSTed; a loopback address unless ``allow_remote``.
    ``secret``: the signing secret (``wss_...``), never shown in ``repr``.
    ``events``: the event types to send, or ``None`` for all of them.
    ``payload_format``: ``"json"`` sends payloads inline; ``"url"`` sends a payload whose
    inline body would exceed ``url_threshold_bytes`` as a ``signed_data_url`` the
    emulator serves for ``payload_url_ttl`` seconds (0: every payload goes by URL).
    ``api_version``: the ``x-extend-api-version`` header of deliveries.
    ``max_attempts``, ``timeout``, ``retry_delay``, ``max_retry_delay``: each attempt
    may take ``timeout`` seconds; attempt n+1 follows attempt n after
    ``min(retry_delay * 2 ** (n - 1), max_retry_delay)`` seconds.
    ``headers``: extra headers sent with every delivery (the endpoint's custom headers).
    """

    url: str
    secret: str = field(repr=False, validator=_secret)
    events: frozenset[str] | None = field(default=None, converter=_event_set)
    payload_format: str = field(default="json", validator=_payload_format)
    url_threshold_bytes: int = field(default=0, validator=_non_negative)
    payload_url_ttl: float = field(default=3600.0, validator=_positive)
    api_version: str = SUPPORTED_API_VERSIONS[0]
    max_attempts: int = field(default=5, validator=_attempts)
    timeout: float = field(default=30.0, validator=_positive)
    retry_delay: float = field(default=0.05, validator=_non_negative)
    max_retry_delay: float = field(default=1.0, validator=_non_negative)
    headers: Mapping[str, str] = field(factory=dict, converter=_header_map, hash=False)
    allow_remote: bool = False

    def __attrs_post_init__(self) -> None:
        try:
            url = URL(self.url)
        except (TypeError, ValueError):
            raise ValueError(f"webhook url is not a valid URL: {self.url!r}") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"webhook url must be an absolute http(s) URL, got {self.url!r}")
        if not self.allow_remote and not _loopback(url.host):
            raise ValueError(
                f"the emulator delivers webhooks to loopback addresses only, not {url.host!r} "
                "(pass allow_remote=True to send elsewhere)"
            )

    def wants(self, event_type: str) -> bool:
        return self.events is None or event_type in self.events

    def retry_delay_after(self, attempt: int) -> float:
        """Seconds between attempt ``attempt`` (1-based) and the next one."""
        return float(min(self.retry_delay * 2 ** (attempt - 1), self.max_retry_delay))


def as_endpoints(
    webhooks: WebhookConfig | Sequence[WebhookConfig] | None,
) -> tuple[WebhookConfig, ...]:
    """The constructor's and setter's ``webhooks`` argument as a tuple of endpoints."""
    if webhooks is None:
        return ()
    items = (webhooks,) if isinstance(webhooks, WebhookConfig) else tuple(webhooks)
    for item in items:
        if not isinstance(item, WebhookConfig):
            raise TypeError(f"webhooks must be WebhookConfig objects, got {type(item).__name__}")
    return items


@frozen(kw_only=True)
class WebhookDelivery:
    """What the emulator sent (or tried to send) to one endpoint for one event.

    ``outcome`` is ``"pending"`` (waiting or retrying), ``"delivered"`` (a 2xx answer),
    ``"failed"`` (``max_attempts`` used up), ``"dropped"`` (the queue was full) or
    ``"cancelled"`` (the emulator stopped first). ``status`` is the last HTTP status
    (``None`` when no answer came; ``error`` then says why). ``body`` is the exact body
    sent, signed as it is.
    """

    event_id: str
    event_type: str
    url: str
    subject_id: str
    payload_format: str
    attempts: int
    status: int | None
    outcome: str
    error: str | None
    body: bytes = field(repr=False)

    @property
    def delivered(self) -> bool:
        return self.outcome == "delivered"


class EventSink(Protocol):
    """What the store tells about changes webhooks announce; called with its lock held."""

    @property
    def active(self) -> bool:
        """Whether any endpoint is configured (else the store skips the bookkeeping)."""

    def run_finished(self, run: RunRecord) -> None: ...

    def batch_finished(self, batch: BatchRecord, status: str) -> None: ...

    def classifier_changed(self, event_type: str, classifier: ClassifierRecord) -> None: ...

    def version_published(
        self, version: VersionRecord, workspace_id: str | None = None
    ) -> None: ...


class _Job:
    """One event on its way to one endpoint; snapshotted into ``WebhookDelivery``."""

    __slots__ = (
        "attempts",
        "body",
        "endpoint",
        "error",
        "event_id",
        "event_type",
        "metadata",
        "outcome",
        "payload",
        "payload_format",
        "status",
        "subject_id",
    )

    def __init__(
        self,
        *,
        event_id: str,
        event_type: str,
        payload: bytes,
        subject_id: str,
        metadata: dict[str, Any] | None,
        endpoint: WebhookConfig,
    ) -> None:
        self.event_id = event_id
        self.event_type = event_type
        self.payload = payload
        self.subject_id = subject_id
        self.metadata = metadata
        self.endpoint = endpoint
        self.attempts = 0
        self.status: int | None = None
        self.error: str | None = None
        self.outcome = "pending"
        self.payload_format = "json"
        self.body = b""

    def snapshot(self) -> WebhookDelivery:
        return WebhookDelivery(
            event_id=self.event_id,
            event_type=self.event_type,
            url=self.endpoint.url,
            subject_id=self.subject_id,
            payload_format=self.payload_format,
            attempts=self.attempts,
            status=self.status,
            outcome=self.outcome,
            error=self.error,
            body=self.body,
        )


class WebhookSender:
    """Turns store changes into signed deliveries; owns their session, tasks and records."""

    def __init__(
        self,
        *,
        endpoints: tuple[WebhookConfig, ...],
        ids: IdFactory,
        dashboard: Callable[[], str],
        base_url: Callable[[], str],
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        if isinstance(queue_size, bool) or not isinstance(queue_size, int) or queue_size < 1:
            raise ValueError(f"webhook_queue_size must be an int >= 1, got {queue_size!r}")
        self._endpoints = endpoints
        self._ids = ids
        self._dashboard = dashboard
        self._base_url = base_url
        self._queue_size = queue_size
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._outstanding = 0  # deliveries held, waiting or in flight
        self._dropped = 0
        self._records: deque[_Job] = deque(maxlen=MAX_RECORDED_DELIVERIES)
        self._held: list[_Job] = []  # raised while not serving: sent on the next start
        self._waiters: list[asyncio.Future[None]] = []
        self._payloads: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._closing = False
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Endpoints registered through the API (``/webhook_endpoints``): given an event type,
        # its workspace and the resource it is about, the ones that want it.
        self.targets_for: Callable[[str, str | None, str | None], list[WebhookConfig]] | None = None

    # --- configuration -------------------------------------------------------------------

    @property
    def endpoints(self) -> tuple[WebhookConfig, ...]:
        return self._endpoints

    @endpoints.setter
    def endpoints(self, endpoints: tuple[WebhookConfig, ...]) -> None:
        self._endpoints = endpoints  # one assignment: emissions see the old or the new set

    # --- EventSink -------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return bool(self._endpoints) or self.targets_for is not None

    def run_finished(self, run: RunRecord) -> None:
        event_type = f"classify_run.{run.status.lower()}"
        self._emit(
            event_type,
            lambda: render_run(run, self._dashboard()),
            run.id,
            run.metadata,
            scope=(run.workspace_id, run.classifier_id),
        )

    def batch_finished(self, batch: BatchRecord, status: str) -> None:
        event_type = f"batch_processor_run.{status.lower()}"
        self._emit(
            event_type,
            lambda: render_batch(batch, status),
            batch.id,
            None,
            scope=(batch.workspace_id, None),
        )

    def classifier_changed(self, event_type: str, classifier: ClassifierRecord) -> None:
        self._emit(
            event_type,
            lambda: render_classifier(classifier),
            classifier.id,
            None,
            scope=(classifier.workspace_id, classifier.id),
        )

    def emit(
        self,
        workspace_id: str,
        event_type: str,
        render: Callable[[], bytes],
        subject_id: str,
        metadata: dict[str, Any] | None,
        resource_id: str | None,
    ) -> None:
        """An event of any kind: to the configured endpoints that want it and to the
        workspace's registered ones (through their subscriptions too)."""
        self._emit(event_type, render, subject_id, metadata, scope=(workspace_id, resource_id))

    def version_published(self, version: VersionRecord, workspace_id: str | None = None) -> None:
        self._emit(
            "classifier.version.published",
            lambda: render_version(version),
            version.id,
            None,
            scope=None if workspace_id is None else (workspace_id, version.classifier_id),
        )

    def _emit(
        self,
        event_type: str,
        render: Callable[[], bytes],
        subject_id: str,
        metadata: dict[str, Any] | None,
        *,
        scope: tuple[str, str | None] | None = None,
    ) -> None:
        endpoints = [e for e in self._endpoints if e.wants(event_type)]
        if scope is not None and self.targets_for is not None:
            endpoints += self.targets_for(event_type, *scope)
        if not endpoints:
            return
        # Rendered now, under the store lock: the state at the moment of the change.
        payload = render()
        event_id = self._ids.new("event_")
        accepted: list[_Job] = []
        with self._lock:
            for endpoint in endpoints:
                job = _Job(
                    event_id=event_id,
                    event_type=event_type,
                    payload=payload,
                    subject_id=subject_id,
                    metadata=metadata,
                    endpoint=endpoint,
                )
                self._records.append(job)
                if self._outstanding >= self._queue_size:
                    job.outcome = "dropped"
                    job.error = f"the delivery queue was full ({self._queue_size})"
                    self._dropped += 1
                    continue
                self._outstanding += 1
                accepted.append(job)
        for job in accepted:
            self._submit(job)

    def _submit(self, job: _Job) -> None:
        with self._lock:
            loop = self._loop
            if loop is None or self._closing:
                self._held.append(job)
                return
            on_loop = threading.get_ident() == self._loop_thread
        if on_loop:
            self._start(job)
            return
        try:
            loop.call_soon_threadsafe(self._start, job)
        except RuntimeError:  # the loop closed meanwhile
            with self._lock:
                self._held.append(job)

    def _start(self, job: _Job) -> None:
        loop = self._loop
        if loop is None or self._closing:
            with self._lock:
                self._held.append(job)
            return
        task = loop.create_task(self._deliver(job))
        self._tasks.add(task)
        # Accounting in a callback, not a ``finally``: a task cancelled before its first
        # step never runs its coroutine at all.
        task.add_done_callback(lambda done: self._finish(job, done))

    # --- serving lifecycle -------------------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Open the session and send what was held (on the loop, when the emulator starts)."""
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=DELIVERY_CONCURRENCY),
            headers={"User-Agent": USER_AGENT},
        )
        self._slots = asyncio.Semaphore(DELIVERY_CONCURRENCY)
        with self._lock:
            self._loop, self._loop_thread, self._closing = loop, threading.get_ident(), False
            held, self._held = self._held, []
        for job in held:
            self._start(job)

    async def detach(self) -> None:
        """Cancel every delivery and close the session (on the loop, when it stops)."""
        with self._lock:
            self._closing = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        with self._lock:
            self._loop = self._loop_thread = None
            self._closing = False
            self._payloads.clear()  # their URLs named this run's port

    # --- one delivery ----------------------------------------------------------------------

    async def _deliver(self, job: _Job) -> None:
        try:
            assert self._slots is not None
            async with self._slots:
                await self._attempts(job)
        except Exception as exc:  # an emulator bug: recorded rather than lost in a task
            self._update(job, outcome="failed", error=f"emulator error: {exc!r}")

    async def _attempts(self, job: _Job) -> None:
        endpoint = job.endpoint
        session = self._session
        assert session is not None
        body = self._body(job)
        timeout = aiohttp.ClientTimeout(total=endpoint.timeout)
        for attempt in range(1, endpoint.max_attempts + 1):
            headers = {
                **endpoint.headers,
                "Content-Type": "application/json",
                "x-extend-api-version": endpoint.api_version,
                **sign(body, endpoint.secret),
            }
            status: int | None = None
            error: str | None = None
            try:
                async with session.post(
                    endpoint.url,
                    data=body,
                    headers=headers,
                    timeout=timeout,
                    allow_redirects=False,  # a redirect is not an acknowledgement
                ) as response:
                    status = response.status
            except asyncio.TimeoutError:
                error = f"no answer within {endpoint.timeout:g} s"
            except (aiohttp.ClientError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            delivered = status is not None and 200 <= status < 300
            self._update(
                job,
                attempts=attempt,
                status=status,
                error=error if error is not None or delivered else f"answered {status}",
                outcome="delivered" if delivered else None,
            )
            if delivered:
                return
            if attempt < endpoint.max_attempts:
                await asyncio.sleep(endpoint.retry_delay_after(attempt))
        self._update(job, outcome="failed")

    def _body(self, job: _Job) -> bytes:
        """The envelope, inline or (format "url", over the threshold) as a signed URL."""
        payload: Any = orjson.Fragment(job.payload)
        body = _envelope(job, payload)
        endpoint = job.endpoint
        if endpoint.payload_format == "url" and len(body) > endpoint.url_threshold_bytes:
            token = self._store_payload(job.payload, endpoint.payload_url_ttl)
            payload = {
                "object": "signed_data_url",
                "data": f"{self._base_url()}{PAYLOAD_PATH}/{token}",
                "id": job.subject_id,
                "metadata": job.metadata,
            }
            body = _envelope(job, payload)
            job.payload_format = "url"
        with self._lock:
            job.body = body
        return body

    def _update(
        self,
        job: _Job,
        *,
        outcome: str | None = None,
        attempts: int | None = None,
        status: int | None = None,
        error: str | None = None,
    ) -> None:
        with self._lock:
            if attempts is not None:
                job.attempts, job.status, job.error = attempts, status, error
            if outcome is not None:
                job.outcome = outcome
                if outcome == "delivered":
                    job.error = None

    def _finish(self, job: _Job, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        with self._lock:
            if job.outcome == "pending":  # cancelled, possibly before it ever ran
                job.outcome = "cancelled"
            self._outstanding -= 1
            waiters: list[asyncio.Future[None]] = []
            if self._outstanding == 0:
                self._idle.notify_all()
                waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # --- payloads behind signed URLs -----------------------------------------------------

    def _store_payload(self, payload: bytes, ttl: float) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._payloads[token] = (payload, time.monotonic() + ttl)
            while len(self._payloads) > MAX_STORED_PAYLOADS:
                self._payloads.popitem(last=False)
        return token

    async def serve_payload(self, request: web.Request) -> web.StreamResponse:
        """GET ``/_webhook_payloads/{token}``: no API key, the token is the credential."""
        with self._lock:
            entry = self._payloads.get(request.match_info["token"])
        if entry is None or entry[1] < time.monotonic():
            # Like a storage host: an unknown and an expired signature look the same.
            return web.Response(status=403, text="The signed URL is invalid or has expired.")
        return web.Response(body=entry[0], content_type="application/json")

    # --- what happened ---------------------------------------------------------------------

    def deliveries(self) -> list[WebhookDelivery]:
        with self._lock:
            return [job.snapshot() for job in self._records]

    @property
    def dropped(self) -> int:
        return self._dropped

    @property
    def outstanding(self) -> int:
        return self._outstanding

    def clear_records(self) -> None:
        """Forget finished deliveries and the drop count; pending ones stay recorded."""
        with self._lock:
            pending = [job for job in self._records if job.outcome == "pending"]
            self._records = deque(pending, maxlen=MAX_RECORDED_DELIVERIES)
            self._dropped = 0

    def wait_idle_blocking(self, timeout: float) -> None:
        """Block until no delivery is held, waiting or in flight (any thread but the loop's)."""
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError(
                "wait_for_webhooks would block the emulator's own loop; "
                "use 'await emu.webhooks_idle()' there"
            )
        with self._idle:
            if not self._idle.wait_for(lambda: self._outstanding == 0, timeout):
                raise TimeoutError(self._still_pending(timeout))

    async def wait_idle(self, timeout: float) -> None:
        """``wait_idle_blocking`` for coroutines, on the emulator's loop or any other."""
        running = asyncio.get_running_loop()
        with self._lock:
            if self._outstanding == 0:
                return
            if self._loop is not running:
                waiter = None
            else:
                waiter = running.create_future()
                self._waiters.append(waiter)
        if waiter is None:
            # The emulator serves from another thread (or not at all): wait off this loop.
            await asyncio.to_thread(self.wait_idle_blocking, timeout)
            return
        try:
            await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(self._still_pending(timeout)) from None
        finally:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _still_pending(self, timeout: float) -> str:
        return f"{self._outstanding} webhook deliveries still pending after {timeout:g} s"


def _envelope(job: _Job, payload: Any) -> bytes:
    return orjson.dumps({"eventId": job.event_id, "eventType": job.event_type, "payload": payload})

"""``ExtendEmulator``: the server, its settings and the control surface tests use."""

from __future__ import annotations

import asyncio
import ipaddress
import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Generic, TypeVar

import attrs
from aiohttp import web

from ._api import Api
from ._dispatch import Dispatcher, Stats
from ._faults import FaultConfig, FaultInjector
from ._files import DOWNLOAD_PATH, FileRecord, FilesApi
from ._ids import IdFactory
from ._kinds import RUN_KINDS
from ._lifecycle import Lifecycle, Scheduler
from ._ratelimit import BudgetLimiter, RateLimit, RateLimiter, as_category_limits
from ._records import ACTIVE_STATUSES, BatchRecord, ClassifierRecord, RunRecord
from ._resources import Resources
from ._routing import Route, Router
from ._settings import (
    DEFAULT_API_KEY,
    DEFAULT_WORKSPACE_ID,
    SUPPORTED_API_VERSIONS,
    Settings,
)
from ._store import FileSpec, Store
from ._thread import EmulatorThread
from ._webhooks import (
    DEFAULT_QUEUE_SIZE,
    PAYLOAD_PATH,
    WebhookConfig,
    WebhookDelivery,
    WebhookSender,
    as_endpoints,
)

__all__ = ["ExtendEmulator"]

T = TypeVar("T")

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
# How long stopping waits for requests in flight (a latency fault, say) to finish.
SHUTDOWN_GRACE_SECONDS = 0.5


class _LockedView(Mapping[str, T], Generic[T]):
    """A read-only live view of one of the store's dicts, safe from any thread."""

    def __init__(self, items: dict[str, T], store: Store) -> None:
        self._items = items
        self._store = store

    def __getitem__(self, key: str) -> T:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        with self._store.lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


def _check_host(host: str, allow_remote: bool) -> None:
    if allow_remote or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"the emulator listens on loopback addresses only, not {host!r} "
            "(pass allow_remote=True to bind elsewhere, e.g. inside a container)"
        )


class ExtendEmulator:
    """A local, in-memory stand-in for the Extend API's classify surface.

    Use it as an async context manager on the running loop::

        async with ExtendEmulator() as emu:
            ...  # emu.base_url, emu.api_key

    or in a background thread from sync code (and from any test)::

        with ExtendEmulator(seed=1).run_in_thread() as emu:
            ids = emu.seed_runs(100)

    Args:
        host: Interface to listen on; loopback only unless ``allow_remote``.
        port: TCP port; 0 (the default) picks a free one (see ``base_url``).
        api_key: The workspace-scoped key clients use (``"sk_test_emulator"``).
        workspace_id: The workspace ``api_key`` belongs to.
        api_keys: More keys: key -> workspace id, or ``ORG_SCOPE`` (``"org"``) for an
            organization key that must send ``x-extend-workspace-id``.
        api_versions: Accepted ``x-extend-api-version`` values.
        require_api_version: Answer a request without the header 400 (default) rather
            than serving it.
        lifecycle: How created runs move on their own (default: they stay PROCESSING
            until ``advance``).
        faults: Fault injection settings (default: none).
        rate_limit: Requests per second per key, or a ``RateLimit`` with a burst; off by
            default.
        org_rate_limits: The API's budgets: requests per second (or a ``RateLimit``) per
            category, ``{"GET": 10, "WRITE": 10, "RUN": 10}``, shared by every key and
            workspace of the emulator's one organization; a category left out (and the
            default, ``None``) is not limited. 429s count in ``throttled_counts``.
        workspace_rate_limits: The same per workspace, below the organization's budget.
        seed: Makes ids, sample data and fault draws repeatable.
        validation_status: Status of a malformed body or invalid parameter (400 or 422).
        state_conflict_status: Status of a cancel of a finished run or a delete of an
            unfinished one (400 or 422).
        missing_workspace_status: Status when an organization key names no workspace
            (400, 403 or 422).
        allow_delete_active: Let DELETE remove PENDING/PROCESSING runs.
        cancel_pending: Let a cancel stop a PENDING run. Off by default, following the
            reference page ("only classify runs with a status of PROCESSING can be
            cancelled"): a PENDING run's cancel answers ``state_conflict_status`` like a
            finished run's. Turn it on for the emulator's earlier behaviour, where a
            PENDING run could be cancelled too.
        dashboard_url: Base of each run's ``dashboardUrl``.
        max_body_bytes: Largest JSON request body accepted.
        max_upload_bytes: Largest file ``POST /files/upload`` accepts (413 beyond it).
        presigned_url_seconds: How long a file's ``presignedUrl`` works (15 minutes).
        allow_remote: Permit a non-loopback ``host``.
        webhooks: Endpoints to deliver signed webhook events to (a ``WebhookConfig`` or
            several); changeable while running through ``emu.webhooks``.
        webhook_queue_size: Deliveries that may wait or be in flight at once; events
            beyond it are dropped and counted in ``dropped_webhooks``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        workspace_id: str = DEFAULT_WORKSPACE_ID,
        api_keys: Mapping[str, str] | None = None,
        api_versions: Sequence[str] = SUPPORTED_API_VERSIONS,
        require_api_version: bool = True,
        lifecycle: Lifecycle | None = None,
        faults: FaultConfig | None = None,
        rate_limit: RateLimit | float | None = None,
        org_rate_limits: Mapping[str, RateLimit | float] | None = None,
        workspace_rate_limits: Mapping[str, RateLimit | float] | None = None,
        seed: int | str | None = None,
        validation_status: int = 400,
        state_conflict_status: int = 400,
        missing_workspace_status: int = 400,
        allow_delete_active: bool = False,
        cancel_pending: bool = False,
        dashboard_url: str = "https://dashboard.extend.ai",
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_upload_bytes: int = 100 * 1024 * 1024,
        presigned_url_seconds: float = 900.0,
        allow_remote: bool = False,
        webhooks: WebhookConfig | Sequence[WebhookConfig] | None = None,
        webhook_queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        _check_host(host, allow_remote)
        self._host = host
        self._requested_port = port
        self._max_body_bytes = max_body_bytes
        self._api_key = api_key
        self._workspace_id = workspace_id
        self._api_keys: dict[str, str] = {api_key: workspace_id, **(api_keys or {})}
        self._settings = Settings(
            api_versions=frozenset(api_versions),
            require_api_version=require_api_version,
            validation_status=validation_status,
            state_conflict_status=state_conflict_status,
            missing_workspace_status=missing_workspace_status,
            allow_delete_active=allow_delete_active,
            cancel_pending=cancel_pending,
            dashboard_url=dashboard_url.rstrip("/"),
            max_upload_bytes=max_upload_bytes,
            presigned_url_seconds=presigned_url_seconds,
        )
        self._lifecycle = lifecycle or Lifecycle()
        self.seed = seed

        def stream(name: str) -> random.Random:
            # Independent streams: one more request never shifts the ids of seeded runs.
            return random.Random(f"{seed}:{name}") if seed is not None else random.Random()

        self._store = Store(ids=IdFactory(stream("ids")), rng=stream("data"))
        self._webhooks = WebhookSender(
            endpoints=as_endpoints(webhooks),
            ids=IdFactory(stream("webhooks")),
            dashboard=lambda: self._settings.dashboard_url,
            base_url=lambda: self.base_url,
            queue_size=webhook_queue_size,
        )
        self._store.events = self._webhooks
        self._store.run_bound = lambda: self._settings.max_runs
        self._faults = FaultInjector(faults or FaultConfig(), stream("faults"))
        self._limiter = RateLimiter(_as_rate_limit(rate_limit))
        self._budgets = BudgetLimiter(
            as_category_limits(org_rate_limits, "org_rate_limits"),
            as_category_limits(workspace_rate_limits, "workspace_rate_limits"),
        )
        self._scheduler = Scheduler(self._store, lambda: self._lifecycle)
        self._stats = Stats()
        api = Api(self._store, self._scheduler, lambda: self._settings, lambda: self._lifecycle)
        self._files = FilesApi(self._store, lambda: self._settings, lambda: self.base_url)
        self._resources = Resources(
            self._store, lambda: self._settings, lambda: self._lifecycle, self._webhooks.emit
        )
        api.other_batch = self._resources.batch_answer
        self._webhooks.targets_for = self._registered_webhooks
        files = self._files
        resources = self._resources

        def routes() -> list[Route]:
            own = api.routes() + files.routes()
            return own + resources.routes((route.method, route.template) for route in own)

        self._dispatcher = Dispatcher(
            router=Router(routes),
            faults=self._faults,
            limiter=self._limiter,
            budgets=self._budgets,
            api_keys=self._api_keys,
            settings=lambda: self._settings,
            request_ids=IdFactory(stream("requests")),
            lock=self._store.lock,
            stats=self._stats,
        )
        self._app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._thread: EmulatorThread | None = None

    # --- serving -------------------------------------------------------------------------

    @property
    def app(self) -> web.Application:
        """The aiohttp application (one catch-all route into the emulator's pipeline)."""
        if self._app is None:
            app = web.Application(client_max_size=self._max_body_bytes)
            # Before the catch-all: payload URLs answer like a storage host, without the
            # API's key, version header, faults or rate limit.
            app.router.add_get(PAYLOAD_PATH + "/{token}", self._webhooks.serve_payload)
            app.router.add_get(DOWNLOAD_PATH + "/{token}", self._files.download)
            app.router.add_route("*", "/{path:.*}", self._dispatcher.handle)
            self._app = app
        return self._app

    async def start(self) -> None:
        """Listen on ``host``:``port``; returns once connections are accepted."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE_SECONDS
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._requested_port, backlog=1024)
            await site.start()
        except BaseException:
            await runner.cleanup()
            self._app = None
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        loop = asyncio.get_running_loop()
        self._webhooks.attach(loop)
        self._scheduler.attach(loop)
        if self._lifecycle.moves_runs:  # runs seeded before the start get their timers now
            with self._store.lock:
                active = [r.id for r in self._store.runs.values() if r.status in ACTIVE_STATUSES]
            self._scheduler.schedule(active)

    async def stop(self) -> None:
        """Close the listener and connections, cancel every pending timer and webhook
        delivery, and close the webhook session."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        try:
            await runner.cleanup()
        finally:
            self._scheduler.detach()
            self._resources.detach()
            try:
                await self._webhooks.detach()
            finally:
                self._app = None  # an aiohttp application serves one runner only
                self._port = None

    async def __aenter__(self) -> ExtendEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def start_in_thread(self, timeout: float = 10.0) -> ExtendEmulator:
        """Serve from a daemon thread with its own loop; returns once listening."""
        if self._thread is not None:
            raise RuntimeError("the emulator is already running in a thread")
        thread = EmulatorThread(self)
        thread.start(timeout)
        self._thread = thread
        return self

    def stop_thread(self, timeout: float = 10.0) -> None:
        """Stop what ``start_in_thread`` started and join its thread."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.stop(timeout)

    @contextmanager
    def run_in_thread(self, timeout: float = 10.0) -> Iterator[ExtendEmulator]:
        """``with ExtendEmulator().run_in_thread() as emu:`` serves for the block."""
        self.start_in_thread(timeout)
        try:
            yield self
        finally:
            self.stop_thread(timeout)

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not running; start it first")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, to pass as a client's ``base_url``."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def workspace_id(self) -> str:
        return self._workspace_id

    # --- configuration, changeable while running -----------------------------------------

    @property
    def faults(self) -> FaultInjector:
        """Fault settings, changeable while running: ``emu.faults.update(reset_rate=0.1)``,
        ``emu.faults.update(route="cancel", error_rate=1)``, ``emu.faults.clear()``, or
        ``emu.faults.config = FaultConfig(...)`` to replace them all."""
        return self._faults

    @property
    def rate_limit(self) -> RateLimit | None:
        """The per-key limit; assign a ``RateLimit`` (or requests/second) or ``None``."""
        return self._limiter.limit

    @rate_limit.setter
    def rate_limit(self, limit: RateLimit | None) -> None:
        # Also takes a bare number at run time, like the constructor.
        with self._store.lock:
            self._limiter.limit = _as_rate_limit(limit)

    @property
    def org_rate_limits(self) -> dict[str, RateLimit]:
        """The organization's budget per category; assign a mapping (or ``{}``: none)."""
        return self._budgets.org

    @org_rate_limits.setter
    def org_rate_limits(self, limits: Mapping[str, RateLimit | float] | None) -> None:
        with self._store.lock:
            self._budgets.org = as_category_limits(limits, "org_rate_limits")

    @property
    def workspace_rate_limits(self) -> dict[str, RateLimit]:
        """Each workspace's budget per category; assign a mapping (or ``{}``: none)."""
        return self._budgets.workspace

    @workspace_rate_limits.setter
    def workspace_rate_limits(self, limits: Mapping[str, RateLimit | float] | None) -> None:
        with self._store.lock:
            self._budgets.workspace = as_category_limits(limits, "workspace_rate_limits")

    @property
    def lifecycle(self) -> Lifecycle:
        return self._lifecycle

    @lifecycle.setter
    def lifecycle(self, lifecycle: Lifecycle) -> None:
        """Applies to runs created (or advanced) afterwards."""
        self._lifecycle = lifecycle

    @property
    def settings(self) -> Settings:
        return self._settings

    def configure(self, **changes: Any) -> Settings:
        """Change behaviour settings while running, e.g. ``configure(allow_delete_active=True)``
        or ``configure(state_conflict_status=422)``; ``configure(webhooks=...)`` sets
        ``emu.webhooks``."""
        if "webhooks" in changes:
            endpoints = as_endpoints(changes.pop("webhooks"))
            settings = attrs.evolve(self._settings, **changes)  # validate all, then apply
            self._webhooks.endpoints = endpoints
            self._settings = settings
        else:
            self._settings = attrs.evolve(self._settings, **changes)
        return self._settings

    @property
    def webhooks(self) -> Sequence[WebhookConfig]:
        """The webhook endpoints (a tuple); assign a list of ``WebhookConfig`` (``[]``:
        none). A change applies to events raised afterwards."""
        return self._webhooks.endpoints

    @webhooks.setter
    def webhooks(self, webhooks: Sequence[WebhookConfig]) -> None:
        # Also takes a single WebhookConfig or None at run time, like the constructor.
        self._webhooks.endpoints = as_endpoints(webhooks)

    def add_api_key(self, api_key: str, scope: str) -> None:
        """Accept ``api_key`` from now on: ``scope`` is a workspace id or ``ORG_SCOPE``."""
        with self._store.lock:
            self._api_keys[api_key] = scope

    # --- state: seeding, inspecting, moving runs ----------------------------------------

    @property
    def runs(self) -> Mapping[str, RunRecord]:
        """Every run by id, deleted ones included (``emu.runs[id].deleted``)."""
        return _LockedView(self._store.runs, self._store)

    def run_status(self, run_id: str) -> str | None:
        """The status of a run of any kind (``None``: no such run, or evicted)."""
        with self._store.lock:
            other = self._resources.runs.get(run_id)
            if other is not None:
                return other.status
            run = self._store.runs.get(run_id)
            return None if run is None or run.deleted else run.status

    @property
    def classifiers(self) -> Mapping[str, ClassifierRecord]:
        return _LockedView(self._store.classifiers, self._store)

    @property
    def batches(self) -> Mapping[str, BatchRecord]:
        return _LockedView(self._store.batches, self._store)

    @property
    def files(self) -> Mapping[str, FileRecord]:
        """Every uploaded file by id, deleted ones included (``emu.files[id].deleted``)."""
        return _LockedView(self._store.files, self._store)

    def seed_runs(
        self,
        n: int,
        *,
        status: str | Sequence[str] = "PROCESSING",
        classifier_id: str | None = None,
        batch_id: str | None = None,
        source: str | None = None,
        source_id: str | None = None,
        file_name: str | None = None,
        metadata: dict[str, Any] | None = None,
        workspace_id: str | None = None,
        kind: str = "classify",
    ) -> list[str]:
        """Create ``n`` runs directly and return their ids (oldest first).

        ``status`` may be a sequence to cycle through. An unknown ``classifier_id`` or
        ``batch_id`` is created on the fly. Runs land in ``workspace_id`` (default: the
        default key's workspace) and follow the lifecycle like created runs.

        ``kind`` seeds runs of another kind (``"extract"``, ``"split"``, ``"parse"``,
        ``"workflow"``, ``"verify"``, ``"processor"``, ``"edit"``, ``"form_detection"``,
        or the API's namespace, ``"extract_runs"``): those stay in their seeded status
        until a request (a cancel) or ``advance`` moves them; ``classifier_id``,
        ``source`` and ``source_id`` are for classify runs only.
        """
        statuses = [status] if isinstance(status, str) else list(status)
        namespace = _run_namespace(kind)
        if namespace != "classify_runs":
            if classifier_id is not None or source is not None or source_id is not None:
                raise ValueError("classifier_id, source and source_id are for classify runs")
            with self._store.lock:
                seeded = self._resources.seed_runs(
                    namespace,
                    n,
                    statuses=statuses,
                    workspace_id=workspace_id or self._workspace_id,
                    batch_id=batch_id,
                    file_name=file_name,
                    metadata=metadata,
                )
            return [run.id for run in seeded]
        with self._store.lock:
            runs = self._store.seed_runs(
                n,
                statuses=statuses,
                workspace_id=workspace_id or self._workspace_id,
                classifier_id=classifier_id,
                batch_id=batch_id,
                source=source,
                source_id=source_id,
                file_name=file_name,
                metadata=metadata,
            )
        ids = [run.id for run in runs]
        if self._lifecycle.moves_runs:
            self._scheduler.schedule(r.id for r in runs if r.status in ACTIVE_STATUSES)
        return ids

    def advance(
        self,
        run_id: str,
        status: str,
        *,
        from_status: str | None = None,
        failure_reason: str | None = None,
        failure_message: str | None = None,
    ) -> bool:
        """Move a run to ``status`` now, as the service would; returns whether it moved.

        PROCESSED fills ``output``, ``usage`` and ``parseRunId``; FAILED sets
        ``failureReason`` (default ``INTERNAL_ERROR``) and a message. With
        ``from_status``, the run moves only if it is in that status at that moment
        (check and move are atomic), e.g. "finishes unless a cancel got there first".
        """
        with self._store.lock:
            other = self._resources.runs.get(run_id)
            if other is not None and run_id not in self._store.runs:
                if from_status is not None and other.status != from_status:
                    return False
                self._resources.set_status(
                    other, status, failure_reason=failure_reason, failure_message=failure_message
                )
                return True
            run = self._store.runs[run_id]
            if run.deleted:
                raise ValueError(f"run {run_id} is deleted")
            if from_status is not None and run.status != from_status:
                return False
            self._store.set_status(
                run, status, failure_reason=failure_reason, failure_message=failure_message
            )
        if status in ACTIVE_STATUSES:
            self._scheduler.schedule([run_id])
        return True

    def create_classifier(
        self,
        name: str = "Document Type Classifier",
        *,
        config: dict[str, Any] | None = None,
        classifier_id: str | None = None,
        workspace_id: str | None = None,
    ) -> str:
        """Create a classifier (draft only) directly; returns its ``cl_`` id."""
        with self._store.lock:
            classifier = self._store.create_classifier(
                workspace_id=workspace_id or self._workspace_id,
                name=name,
                config=config,
                classifier_id=classifier_id,
            )
        return classifier.id

    def create_edit_template(
        self,
        name: str = "Form template",
        *,
        description: str | None = None,
        file_url: str = "https://files.example.com/templates/form.pdf",
        workspace_id: str | None = None,
    ) -> str:
        """Create an edit template directly (the API lists and reads them, templates are
        made in the dashboard); returns its ``edt_`` id."""
        spec = FileSpec("url", file_url, file_url.rsplit("/", 1)[-1] or None)
        return self._resources.add_edit_template(
            workspace_id or self._workspace_id, name, description, spec
        )

    def _registered_webhooks(
        self, event_type: str, workspace_id: str | None, resource_id: str | None
    ) -> list[WebhookConfig]:
        """The endpoints registered through ``/webhook_endpoints`` that get ``event_type``:
        enabled ones of the event's workspace that list it, or whose subscription to the
        resource does. Only loopback URLs are delivered to (as for configured endpoints)."""
        if workspace_id is None:
            return []
        resources = self._resources
        subscribed = {
            r.values.get("webhookEndpointId")
            for r in resources.resources.values()
            if r.namespace == "webhook_subscriptions"
            and r.workspace_id == workspace_id
            and resource_id is not None
            and r.values.get("resourceId") == resource_id
            and event_type in (r.values.get("enabledEvents") or ())
        }
        targets = []
        for record in resources.resources.values():
            if record.namespace != "webhook_endpoints" or record.workspace_id != workspace_id:
                continue
            if record.values.get("status") != "enabled":
                continue
            wanted = event_type in (record.values.get("enabledEvents") or ())
            if not wanted and record.id not in subscribed:
                continue
            try:
                targets.append(
                    WebhookConfig(
                        url=str(record.values.get("url")),
                        secret=record.secret or "",
                        api_version=str(
                            record.values.get("apiVersion") or SUPPORTED_API_VERSIONS[0]
                        ),
                    )
                )
            except ValueError:
                continue  # not a loopback URL: kept as a resource, never delivered to
        return targets

    # --- what happened -------------------------------------------------------------------

    @property
    def evicted_runs(self) -> int:
        """Finished (or deleted) runs dropped to keep ``max_runs``: classify runs (bounded on
        their own) and the runs of the other kinds (bounded together)."""
        with self._store.lock:
            return self._store.evicted + self._resources.evicted

    @property
    def routes(self) -> list[tuple[str, str, str]]:
        """Every route served: (HTTP method, path template with ``{}`` for each parameter,
        route name). Route names key ``request_counts`` and per-route faults: the classify
        and files routes keep their short names (``"cancel"``, ``"file_get"``); the others
        are the official SDK's ``namespace.method`` (``"extract_runs.cancel"``)."""
        return sorted((r.method, r.template, r.name) for r in self._dispatcher.router.routes)

    @property
    def request_counts(self) -> Counter[str]:
        """Requests per route name (``"cancel"``, ``"get"``, ...; ``"unknown"``), a copy."""
        with self._store.lock:
            return Counter(self._stats.requests)

    @property
    def status_counts(self) -> Counter[int]:
        """Answers sent per HTTP status, a copy (resets and lost responses not included)."""
        with self._store.lock:
            return Counter(self._stats.statuses)

    @property
    def fault_counts(self) -> Counter[str]:
        """Faults injected per kind (``"reset"``, ``"lost_response"``, ...), a copy."""
        with self._store.lock:
            return Counter(self._stats.faults)

    @property
    def throttled_counts(self) -> Counter[str]:
        """429s per limit that refused them (``"key"``, ``"org:GET"``,
        ``"workspace:RUN"``, ...), a copy."""
        with self._store.lock:
            return Counter(self._stats.throttled)

    @property
    def unexpected_errors(self) -> list[str]:
        """Tracebacks of exceptions that escaped a handler (answered 500). Should be empty."""
        with self._store.lock:
            return list(self._stats.unexpected_errors)

    def reset_stats(self) -> None:
        """Forget request, status and fault counts, unexpected errors and the records of
        finished webhook deliveries (deliveries still under way go on)."""
        with self._store.lock:
            self._stats.clear()
        self._webhooks.clear_records()

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook delivery so far (the newest 10,000), oldest first, as snapshots."""
        return self._webhooks.deliveries()

    @property
    def pending_webhooks(self) -> int:
        """Webhook deliveries held, waiting, retrying or in flight."""
        return self._webhooks.outstanding

    @property
    def dropped_webhooks(self) -> int:
        """Deliveries refused because ``webhook_queue_size`` were already under way."""
        return self._webhooks.dropped

    async def webhooks_idle(self, timeout: float = 10.0) -> None:
        """Return once no webhook delivery is waiting, retrying or in flight.

        Works on the emulator's loop and from any other loop (an emulator served from a
        thread). Raises ``TimeoutError`` after ``timeout`` seconds. Events raised while
        the emulator is stopped wait for its next start, so they keep it from idling.
        """
        await self._webhooks.wait_idle(timeout)

    def wait_for_webhooks(self, timeout: float = 10.0) -> None:
        """``webhooks_idle`` for sync code: blocks this thread (never the emulator's loop
        thread) until deliveries are done; ``TimeoutError`` after ``timeout`` seconds."""
        self._webhooks.wait_idle_blocking(timeout)

    @property
    def pending_timers(self) -> int:
        """Scheduled automatic transitions not yet fired."""
        return self._scheduler.pending

    def __repr__(self) -> str:
        where = self.base_url if self._port is not None else "not running"
        return f"<ExtendEmulator {where} runs={len(self._store.runs)}>"


# ``seed_runs(kind=...)``: a kind's short name, as ``client.runs`` spells it, or its
# namespace in the API.
_SHORT_KINDS = {"processor": "processor_run", "classify": "classify_runs"}


def _run_namespace(kind: str) -> str:
    namespace = _SHORT_KINDS.get(kind) or (kind if kind.endswith(("_runs", "_run")) else None)
    namespace = namespace or f"{kind}_runs"
    if namespace != "classify_runs" and namespace not in RUN_KINDS:
        known = ", ".join(["classify", *sorted(RUN_KINDS)])
        raise ValueError(f"kind must be one of {known}, got {kind!r}")
    return namespace


def _as_rate_limit(limit: RateLimit | float | None) -> RateLimit | None:
    if limit is None or isinstance(limit, RateLimit):
        return limit
    return RateLimit(float(limit))

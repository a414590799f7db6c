"""A local emulator of the Extend API (every endpoint of its schema), for tests and demos.

``ExtendEmulator`` is an aiohttp server that speaks the 2026-02-09 wire format
(camelCase JSON, every nullable key present, RFC 3339 UTC timestamps, documented id
prefixes, the flat ``{"code", "message", "retryable", "requestId"}`` error envelope and an
``x-extend-request-id`` header on every answer). It keeps runs, classifiers and batches
in memory, can inject faults and rate limits, and exposes a thread-safe control surface
for tests. ``python -m extend_async.testing`` serves one from the command line; the
``extend_emulator``, ``async_extend_client`` and ``extend_client`` pytest fixtures come
from ``extend_async.testing.pytest_plugin``.

Emulator choices where the documentation is silent, and the knob for each:

* Cancel accepts PROCESSING runs only, as the reference page says, and moves them
  straight to ``CANCELLED`` with ``failureReason: null`` (no transient ``CANCELLING``).
  Cancelling a PENDING or finished run answers ``400 INVALID_REQUEST`` ("Classify run
  cannot be cancelled in status PROCESSED"); ``cancel_pending=True`` lets a cancel stop a
  PENDING run too, and ``state_conflict_status=422`` changes the status.
* Deleting a PENDING/PROCESSING run is refused with the same status and code;
  ``allow_delete_active=True`` permits it. A deleted run answers 404 ``NOT_FOUND`` to
  GET, cancel and DELETE, and leaves every list.
* A request without ``x-extend-api-version``, or with a version not in
  ``api_versions`` (default: ``2026-02-09`` only), is ``400 INVALID_REQUEST``;
  ``require_api_version=False`` serves requests without the header.
* Keys map to a workspace, or to ``ORG_SCOPE`` (``"org"``) for organization keys. An
  organization key without ``x-extend-workspace-id`` gets ``400 INVALID_REQUEST``
  (``missing_workspace_status=403`` answers ``403 FORBIDDEN`` instead). A workspace key
  naming another workspace in the header gets ``403 FORBIDDEN``. Resources of another
  workspace are 404 ``NOT_FOUND``.
* Malformed JSON and invalid bodies or parameters (``maxPageSize`` outside 1-1000, an
  unknown ``status``, both or neither of ``classifier``/``config``, batch ``inputs``
  outside 1-1000, metadata over 10 KB, a foreign ``nextPageToken``) are
  ``400 INVALID_REQUEST``; ``validation_status=422`` changes the status. A body over
  ``max_body_bytes`` (32 MiB) is ``413 INVALID_REQUEST``. Unknown routes (and known paths
  with another method) are ``404 NOT_FOUND``. Anything unexpected is a
  ``500 INTERNAL_ERROR`` envelope, recorded in ``unexpected_errors``.
* Rate limiting (off by default; ``rate_limit=25`` or ``RateLimit(rate, burst)``) is a
  token bucket per key over all endpoints. A refused request gets ``429
  RATE_LIMIT_EXCEEDED`` with ``retryable: true``, ``Retry-After`` in whole seconds
  (rounded up) and ``retry-after-ms`` with the precise wait.
* Runs start ``PROCESSING`` (``Lifecycle(queue=True)``: ``PENDING``) and stay there
  until ``advance`` unless ``Lifecycle(pending_seconds=..., processing_seconds=...,
  failure_rate=...)`` moves them. Batch runs start ``PENDING``; a batch's status is
  aggregated from its runs (PENDING while all wait, PROCESSING while any is unfinished,
  then CANCELLED if all were cancelled, FAILED if none succeeded, else PROCESSED). The
  synchronous ``POST /classify`` answers once the run finished (after
  ``processing_seconds`` when set, else at once).
* Every POST creates something new; there is no idempotency key, as in the API.
* Files: ``POST /files/upload`` reads the multipart body as it streams in (spooled to a
  temporary file past 1 MiB) and answers ``413 FILE_TOO_LARGE`` past ``max_upload_bytes``
  (100 MiB); ``GET /files`` (``nameContains``, ``sortDir``, cursor pages), ``GET`` and
  ``DELETE /files/{id}`` are per workspace. A file's ``presignedUrl`` serves its bytes
  without the API key until ``presigned_url_seconds`` (15 minutes) pass, then answers 403;
  at most ``max_presigned_urls`` (10,000) are valid at once, the oldest going first, and
  expired ones are forgotten. A malformed multipart body is ``400 INVALID_REQUEST``
  (``retryable: false``), and so is a file name with a control character (CR, LF, NUL...):
  refused rather than cleaned up; a download's ``Content-Disposition`` carries the name
  as RFC 6266 ``filename*``. At most ``max_uploads`` (10,000) files are held at once:
  past it an upload is refused with ``400 UPLOAD_LIMIT_REACHED`` until files are deleted
  (change either with ``emu.configure(...)``). A run created with ``{"id": "file_..."}``
  of an uploaded file refers to it (its name, type and page count); ``emu.files`` holds
  the uploads (``FileRecord``, ``.read()``).
* ``nextPageToken`` is an opaque cursor past the last item of the page and is absent on
  the last page. ``fileNameContains`` matches case-insensitively.
* Timestamps carry microseconds (``2026-03-01T12:00:00.123456Z``) and never tie: each
  creation or change gets a later one, so sorting by time is the order of events. Ids
  are the documented prefix plus 21 url-safe characters; classifier versions use
  ``clv_``.
* Classifier versions number from ``0.0``: a minor release gives ``0.1``, a major one
  ``1.0``; ``latest`` falls back to the draft; lists put the draft first, then the newest.
* Faults (``FaultConfig``, per route via ``routes={"cancel": RouteFaults(...)}``, a route
  named as ``ROUTE_NAMES`` names it, any other name refused with ``ValueError``;
  changeable while running with ``emu.faults.update(...)`` or
  ``emu.faults.config = FaultConfig(...)``) draw from a stream seeded by ``seed``:
  ``500 INTERNAL_ERROR`` (retryable), ``502`` as an HTML page, a TCP reset before the
  operation, or a reset after it took effect (a lost response), plus added latency.
* Loopback addresses only, unless ``allow_remote=True``.

Beyond the classify surface (``_resources.py``, generic over the rows of ``_kinds.py``;
the README's "The whole API in the emulator" has the table of run kinds):

* Every endpoint of the schema is served, its answers rendered to exactly the keys of its
  schema type (``_shapes.json``, a compact copy of the schema, read on first use).
* Workflow runs: a cancel of a PENDING or PROCESSING run answers ``CANCELLING`` and the
  run is ``CANCELLED`` ``workflow_cancel_seconds`` later (0: on the next loop turn); an
  automatically finished run ends in ``workflow_outcome`` (``PROCESSED``). Verify runs:
  a cancel of a finished run answers the run unchanged. Parse runs (no ``CANCELLED``
  status): a cancel is refused (``parse_cancel="fail"``: FAILED with ``failureReason:
  "CANCELLED"``). Edit, form detection and evaluation set runs have no cancel.
* Outputs are deterministic: extract follows the JSON schema and the file's
  ``Label: value`` lines, classify the words of the file's text, split shares the pages.
* ``/webhook_endpoints`` and ``/webhook_subscriptions`` are resources whose enabled,
  loopback endpoints receive their workspace's signed events.
* At most ``max_runs`` (20,000) classify runs and as many runs of the other kinds are
  kept: the oldest finished or deleted go first (``emu.evicted_runs``), active runs stay.

Webhooks (``webhooks=WebhookConfig(url=..., secret="wss_...")``, or a list of endpoints;
changeable while running with ``emu.webhooks = ...`` or ``emu.configure(webhooks=...)``;
``--webhook-url``/``--webhook-secret`` on the command line):

* Events: ``classify_run.processed``/``.failed`` when a run reaches that status (lifecycle
  timers, ``emu.advance``, the synchronous ``POST /classify``), with the full
  ``ClassifyRun`` exactly as ``GET /classify_runs/{id}`` renders it at that moment; none
  for ``CANCELLED`` (the API has no such event) and none for seeded runs (seeding writes
  history, it does not make it happen). ``batch_processor_run.processed``/``.failed``
  when the last unfinished run of a batch finishes (a batch that ends ``CANCELLED`` sends
  nothing). ``classifier.created`` (API or ``emu.create_classifier``),
  ``classifier.updated`` on every successful ``POST /classifiers/{id}`` followed by
  ``classifier.draft.updated`` when its config differs from the draft's, and
  ``classifier.version.published`` with the ``ClassifierVersion``. ``WebhookConfig.events``
  narrows an endpoint to some types.
* Envelope ``{"eventId": "event_...", "eventType": ..., "payload": ...}``. Event ids are
  ``event_`` plus 21 url-safe characters from their own seeded stream; every endpoint,
  and every retry, of one event carries the same id (receivers dedupe on it).
* ``payload_format="url"``: when the inline body would be larger than
  ``url_threshold_bytes`` (default 0: always), the payload becomes ``{"object":
  "signed_data_url", "data": "<emulator>/_webhook_payloads/<token>", "id": <run, batch,
  classifier or version id>, "metadata": <the run's metadata, else null>}``. The URL needs
  no API key (the random token is the credential), answers the payload JSON for
  ``payload_url_ttl`` seconds (an hour, as documented) while the emulator keeps serving,
  then ``403``; the newest 2,000 payloads are kept.
* Signing: ``x-extend-request-timestamp`` (Unix seconds) and ``x-extend-request-signature``
  (lowercase hex HMAC-SHA256 of ``v0:{timestamp}:{body}`` keyed with the secret's UTF-8
  bytes), from ``extend_async.webhooks.sign``, plus ``x-extend-api-version``
  (``api_version``), ``Content-Type: application/json`` and the endpoint's ``headers``.
  Each attempt is signed with a fresh timestamp; the body never changes.
* Delivery: asynchronous tasks on the emulator's loop, through one aiohttp session opened
  on ``start`` and closed on ``stop``; a request never waits for a delivery, and a run's
  event may reach the receiver before the client has its answer. At most 16 deliveries
  talk to receivers at once. Anything but a 2xx answer within ``timeout`` (30 s, as
  documented), redirects included, is retried after ``retry_delay * 2 ** (n - 1)``
  seconds capped at ``max_retry_delay`` (0.05, 0.1, 0.2, 0.4 s by default: the API's
  schedule is unpublished, and tests should not wait for it), until ``max_attempts`` (5)
  attempts. No ordering between events is promised, as by the API.
* Bounds: at most ``webhook_queue_size`` (10,000) deliveries wait or run; beyond that
  they are dropped, recorded with outcome ``"dropped"`` and counted in
  ``emu.dropped_webhooks``. ``stop`` cancels every delivery (outcome ``"cancelled"``);
  events raised while the emulator is not serving are held and sent on the next start.
* Receivers must be loopback addresses (``localhost`` included) unless
  ``WebhookConfig(allow_remote=True)``.
* What was sent: ``emu.webhook_deliveries`` (event id and type, url, subject id, format,
  attempts, last status, outcome, error, exact body) and ``emu.pending_webhooks``.
  ``await emu.webhooks_idle()`` (any loop) or ``emu.wait_for_webhooks(timeout)`` (any
  thread but the emulator's) returns once nothing is waiting, retrying or in flight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._emulator import ExtendEmulator
from ._faults import FaultConfig, FaultInjector, FaultKind, RouteFaults
from ._files import FileRecord
from ._lifecycle import Lifecycle
from ._ratelimit import RateLimit
from ._records import (
    RUN_SOURCES,
    RUN_STATUSES,
    BatchRecord,
    ClassifierRecord,
    RunRecord,
    VersionRecord,
)
from ._settings import DEFAULT_API_KEY, DEFAULT_WORKSPACE_ID, ORG_SCOPE, Settings
from ._webhooks import WebhookConfig, WebhookDelivery

if TYPE_CHECKING:
    ROUTE_NAMES: tuple[str, ...]  # every route's name; served by __getattr__ below

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_WORKSPACE_ID",
    "ORG_SCOPE",
    "ROUTE_NAMES",
    "RUN_SOURCES",
    "RUN_STATUSES",
    "BatchRecord",
    "ClassifierRecord",
    "ExtendEmulator",
    "FaultConfig",
    "FaultInjector",
    "FaultKind",
    "FileRecord",
    "Lifecycle",
    "RateLimit",
    "RouteFaults",
    "RunRecord",
    "Settings",
    "VersionRecord",
    "WebhookConfig",
    "WebhookDelivery",
]


def __getattr__(name: str) -> tuple[str, ...]:
    # ROUTE_NAMES is read from the route declarations and the schema's endpoint list on
    # first use: importing the emulator reads no JSON.
    if name == "ROUTE_NAMES":
        from ._route_table import route_names

        return route_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

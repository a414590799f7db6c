"""A local emulator of the Extend API's classify surface, for tests and demos.

``ExtendEmulator`` is an aiohttp server that speaks the 2026-02-09 wire format
(camelCase JSON, every nullable key present, RFC 3339 UTC timestamps, documented id
prefixes, the flat ``{"code", "message", "retryable", "requestId"}`` error envelope and an
``x-extend-request-id`` header on every answer). It keeps runs, classifiers and batches
in memory, can inject faults and rate limits, and exposes a thread-safe control surface
for tests. ``python -m extend_async.testing`` serves one from the command line; the
``extend_emulator``, ``async_extend_client`` and ``extend_client`` pytest fixtures come
from ``extend_async.testing.pytest_plugin``.

Emulator choices where the documentation is silent, and the knob for each:

* Cancel accepts PENDING and PROCESSING runs and moves them straight to ``CANCELLED``
  with ``failureReason: null`` (no transient ``CANCELLING``). Cancelling a finished run
  answers ``400 INVALID_REQUEST`` ("Classify run cannot be cancelled in status
  PROCESSED"); ``state_conflict_status=422`` changes the status.
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
* ``nextPageToken`` is an opaque cursor past the last item of the page and is absent on
  the last page. ``fileNameContains`` matches case-insensitively.
* Timestamps carry microseconds (``2026-03-01T12:00:00.123456Z``) and never tie: each
  creation or change gets a later one, so sorting by time is the order of events. Ids
  are the documented prefix plus 21 url-safe characters; classifier versions use
  ``clv_``.
* Classifier versions number from ``0.0``: a minor release gives ``0.1``, a major one
  ``1.0``; ``latest`` falls back to the draft; lists put the draft first, then the newest.
* Faults (``FaultConfig``, per route via ``routes={"cancel": RouteFaults(...)}``;
  changeable while running with ``emu.faults.update(...)`` or
  ``emu.faults.config = FaultConfig(...)``) draw from a stream seeded by ``seed``:
  ``500 INTERNAL_ERROR`` (retryable), ``502`` as an HTML page, a TCP reset before the
  operation, or a reset after it took effect (a lost response), plus added latency.
* Loopback addresses only, unless ``allow_remote=True``.
"""

from __future__ import annotations

from ._emulator import ExtendEmulator
from ._faults import FaultConfig, FaultInjector, FaultKind, RouteFaults
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
from ._routing import ROUTE_NAMES
from ._settings import DEFAULT_API_KEY, DEFAULT_WORKSPACE_ID, ORG_SCOPE, Settings

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
    "Lifecycle",
    "RateLimit",
    "RouteFaults",
    "RunRecord",
    "Settings",
    "VersionRecord",
]

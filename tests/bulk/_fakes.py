"""A scripted stand-in for ``cancel``/``get``, to pin down the engine's decisions exactly.

Each id has a status and a script: one step per cancel request, consumed in order, then
the normal behaviour (PENDING/PROCESSING -> CANCELLED, a terminal run -> 400).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Any

import aiohttp
import anyio

from extend_async import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ClassifyRun,
    ConflictError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    RunStatus,
)
from extend_async._errors import APIStatusError
from extend_async._send import Gate, send_attempts
from extend_async.bulk.operations import BulkOptions, bulk_options
from extend_async.types import ClassifyConfig

FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)
_WHEN = datetime(2026, 3, 1, tzinfo=timezone.utc)


def options(**changes: Any) -> BulkOptions:
    settings: dict[str, Any] = {
        "concurrency": 4,
        "max_rate": None,
        "deadline": None,
        "max_retries": 3,
        "policy": FAST,
    }
    settings.update(changes)
    return bulk_options(**settings)


def status_error(cls: type[APIStatusError], status: int, **extra: Any) -> APIStatusError:
    error = cls(
        status_code=status,
        code=extra.pop("code", None),
        message="scripted",
        retryable=extra.pop("retryable", None),
        request_id=None,
        doc_url=None,
        body=None,
    )
    for name, value in extra.items():
        setattr(error, name, value)
    return error


class FakeRuns:
    def __init__(self, statuses: dict[str, str]) -> None:
        self.statuses = dict(statuses)
        self.scripts: dict[str, list[str]] = {}
        self.cancels: Counter[str] = Counter()
        self.gets: Counter[str] = Counter()
        self.latency = 0.0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.last_cancelled = ""
        self.max_retries = 3
        self.policy = FAST

    def run(self, id: str) -> ClassifyRun:
        status = RunStatus(self.statuses[id])  # as the converter decodes it
        return ClassifyRun(
            id=id,
            status=status,
            created_at=_WHEN,
            updated_at=_WHEN,
            config=ClassifyConfig(classifications=()),
            dashboard_url=f"https://dashboard.extend.ai/runs/{id}",
        )

    async def cancel(self, id: str, gate: Gate) -> ClassifyRun:
        """Like the bulk operations' ``cancel``: every attempt through the core's retry loop
        and the gate given; a refusal raised as it came (the settler recovers it)."""

        async def once(attempt: int, lost: bool) -> ClassifyRun:
            return await self._cancel_once(id, lost)

        return await send_attempts(
            once, method="POST", path=f"/classify_runs/{id}/cancel", idempotent=True,
            retries=self.max_retries, policy=self.policy, gate=gate,
        )  # fmt: skip

    async def _cancel_once(self, id: str, lost: bool) -> ClassifyRun:
        self.cancels[id] += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            await anyio.sleep(self.latency)
            script = self.scripts.get(id)
            step = script.pop(0) if script else "normal"
            try:
                return self._apply(id, step)
            except APIStatusError as error:
                error.after_lost_attempt = lost
                raise
        finally:
            self.in_flight -= 1

    def _apply(self, id: str, step: str) -> ClassifyRun:
        if step == "reset":  # refused before sending: surely not applied
            raise APIConnectionError("refused", method="POST", path="/x", sent=False) from (
                aiohttp.ConnectionTimeoutError()
            )
        if step == "lost":  # applied, then the answer was lost
            self._cancel(id)
            raise APIConnectionError("lost", method="POST", path="/x") from (
                aiohttp.ServerDisconnectedError()
            )
        if step == "500":
            raise status_error(InternalServerError, 500, retryable=True)
        if step == "502-applied":
            self._cancel(id)
            raise status_error(InternalServerError, 502)
        if step.startswith("429"):
            _, _, wait = step.partition(":")
            raise status_error(RateLimitError, 429, retry_after=float(wait) if wait else None)
        if step == "crash":  # a bug somewhere below: not an error the SDK knows
            raise RuntimeError("unexpected")
        if step == "409":
            raise status_error(ConflictError, 409)
        if step == "401":
            raise status_error(AuthenticationError, 401)
        if step == "400":
            raise status_error(BadRequestError, 400, code="INVALID_REQUEST")
        if step == "finish":  # the run ends on its own just before the cancel lands
            self.statuses[id] = "PROCESSED"
        return self._cancel(id)

    def _cancel(self, id: str) -> ClassifyRun:
        status = self.statuses.get(id)
        if status is None:
            raise status_error(NotFoundError, 404, code="NOT_FOUND")
        if status not in ("PENDING", "PROCESSING"):
            raise status_error(BadRequestError, 400, code="INVALID_REQUEST")
        self.statuses[id] = "CANCELLED"
        self.last_cancelled = id
        return self.run(id)

    async def get(self, id: str, gate: Gate) -> ClassifyRun:
        async def once(attempt: int, lost: bool) -> ClassifyRun:
            return await self._get_once(id)

        return await send_attempts(
            once, method="GET", path=f"/classify_runs/{id}", idempotent=True,
            retries=self.max_retries, policy=FAST, gate=gate,
        )  # fmt: skip

    async def _get_once(self, id: str) -> ClassifyRun:
        self.gets[id] += 1
        if id not in self.statuses:
            raise status_error(NotFoundError, 404, code="NOT_FOUND")
        return self.run(id)

"""How a request is sent is decided by what is passed, never by the context.

The bulk gate and the raw-response record are bound to a derived requester; no context
variable is read on the way. A refused cancel after a lost attempt is recovered by one
function, for ``cancel`` and bulk alike, and bulk fetches the run once per decision:
counted here on a small local server.
"""

from __future__ import annotations

import ast
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from extend_async import AsyncExtend, BadRequestError, OutcomeKind, RetryPolicy, RunStatus

PACKAGE = Path(__file__).resolve().parents[2] / "extend_async"
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "classify_run_seed.json"
RUN = "clr_Xj8mK2pL9nR4vT7qY5wZ"


class RefusingServer:
    """The first cancel of a run gets a 500 (it may have landed), every later one a 400
    (the run cannot be cancelled); a GET returns the run in ``status``."""

    def __init__(self, status: str) -> None:
        self.status = status
        self.counts: Counter[str] = Counter()

    async def cancel(self, request: web.Request) -> web.Response:
        self.counts["cancel"] += 1
        if self.counts["cancel"] == 1:
            return web.json_response({"code": "INTERNAL_ERROR", "message": "x"}, status=500)
        return web.json_response(
            {"code": "INVALID_REQUEST", "message": "cannot be cancelled"}, status=400
        )

    async def get(self, request: web.Request) -> web.Response:
        self.counts["get"] += 1
        run = json.loads(SEED.read_text(encoding="utf-8"))
        run["status"] = self.status
        return web.json_response(run)


@pytest.fixture
async def serve() -> AsyncIterator[Any]:
    runners: list[web.AppRunner] = []

    async def start(server: RefusingServer) -> str:
        app = web.Application()
        app.router.add_post("/classify_runs/{id}/cancel", server.cancel)
        app.router.add_get("/classify_runs/{id}", server.get)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def _client(base_url: str) -> AsyncExtend:
    fast = RetryPolicy(initial_delay=0.001, max_delay=0.002)
    return AsyncExtend("sk_test_gate", base_url=base_url, retry_policy=fast, trust_env=False)


async def test_bulk_fetches_a_refused_run_once_per_decision(serve: Any) -> None:
    server = RefusingServer("PENDING")  # not cancelled: the lost attempt did nothing
    async with _client(await serve(server)) as api:
        result = await api.classify_runs.cancel_many([RUN])
    (outcome,) = result
    assert outcome.kind is OutcomeKind.FAILED
    assert isinstance(outcome.error, BadRequestError)
    assert outcome.status == RunStatus.PENDING
    assert server.counts == {"cancel": 2, "get": 1}


async def test_bulk_counts_a_lost_attempt_that_cancelled_with_one_fetch(serve: Any) -> None:
    server = RefusingServer("CANCELLED")
    async with _client(await serve(server)) as api:
        (outcome,) = await api.classify_runs.cancel_many([RUN])
    assert outcome.kind is OutcomeKind.CANCELLED
    assert server.counts == {"cancel": 2, "get": 1}


async def test_a_single_cancel_recovers_the_same_way(serve: Any) -> None:
    server = RefusingServer("CANCELLED")
    async with _client(await serve(server)) as api:
        run = await api.classify_runs.cancel(RUN)
        assert run.status == RunStatus.CANCELLED
        server.status = "PENDING"
        server.counts.clear()
        with pytest.raises(BadRequestError):
            await api.classify_runs.cancel(RUN)
    assert server.counts == {"cancel": 2, "get": 1}


async def test_raw_responses_of_concurrent_calls_stay_apart(serve: Any) -> None:
    server = RefusingServer("PROCESSING")
    async with _client(await serve(server)) as api:
        raw = await api.classify_runs.with_raw_response.get(RUN)
        plain = await api.classify_runs.get(RUN)
    assert raw.parsed == plain
    assert raw.status_code == 200
    assert raw.attempts == 1


def test_no_context_variable_decides_how_a_request_is_sent() -> None:
    # The command line (its secret masking) and the emulator send no SDK request.
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if {"cli", "testing"} & set(path.relative_to(PACKAGE).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if name == "ContextVar":
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


def test_the_retry_module_knows_no_resource() -> None:
    tree = ast.parse((PACKAGE / "_send.py").read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(m and m.startswith("types") for m in modules)
    assert "types" not in modules

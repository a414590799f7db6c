"""Bulk cancel against a plain local server whose 2xx answers drift from the schema.

The answers are built the way the API's schema allows and our old models did not:
``chunkingStrategy`` without ``type``, ``output`` without ``confidence``, ``usage: {}``,
``file.metadata: {}``. Every run the server cancelled must come back ``cancelled``, with
one POST per run, and the GET that settles an ambiguous cancel must decode the same way.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from extend_async import AsyncExtend, OutcomeKind, RetryPolicy, RunStatus

SEED = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "classify_run_seed.json").read_text()
)
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)


def drifted_run(run_id: str, status: str) -> dict[str, Any]:
    run: dict[str, Any] = copy.deepcopy(SEED)
    run.update(id=run_id, status=status, usage={})
    del run["config"]["parseConfig"]["chunkingStrategy"]["type"]
    del run["output"]["confidence"]
    run["file"]["metadata"] = {}
    return run


class DriftingServer:
    """Cancels any PROCESSING run; ``lose_first`` drops the first answer for each id."""

    def __init__(self, ids: list[str], *, lose_first: bool = False) -> None:
        self.status = dict.fromkeys(ids, "PROCESSING")
        self.lose_first = lose_first
        self.requests: Counter[str] = Counter()
        self.answered: set[str] = set()

    async def cancel(self, request: web.Request) -> web.StreamResponse:
        run_id = request.match_info["id"]
        self.requests["POST"] += 1
        if self.status[run_id] != "PROCESSING":
            return web.json_response(
                {"code": "INVALID_STATE", "message": "already CANCELLED", "retryable": False},
                status=400,
            )
        self.status[run_id] = "CANCELLED"
        if self.lose_first and run_id not in self.answered:
            self.answered.add(run_id)
            assert request.transport is not None
            request.transport.close()  # the cancel happened; its answer never arrives
            return web.Response()
        return web.json_response(drifted_run(run_id, "CANCELLED"))

    async def get(self, request: web.Request) -> web.StreamResponse:
        run_id = request.match_info["id"]
        self.requests["GET"] += 1
        return web.json_response(drifted_run(run_id, self.status[run_id]))


@pytest.fixture
async def serve() -> AsyncIterator[Any]:
    runners: list[web.AppRunner] = []

    async def start(server: DriftingServer) -> AsyncExtend:
        app = web.Application()
        app.router.add_post("/classify_runs/{id}/cancel", server.cancel)
        app.router.add_get("/classify_runs/{id}", server.get)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return AsyncExtend("sk_test", base_url=f"http://127.0.0.1:{port}", retry_policy=FAST)

    yield start
    for runner in runners:
        await runner.cleanup()


IDS = [f"clr_drift{i:02d}" for i in range(20)]


async def test_a_drifted_2xx_cancel_counts_as_cancelled(serve: Any) -> None:
    server = DriftingServer(IDS)
    async with await serve(server) as client:
        result = await client.classify_runs.cancel_many(IDS, concurrency=4)
    assert [o.kind for o in result] == [OutcomeKind.CANCELLED] * len(IDS)
    assert all(o.status is RunStatus.CANCELLED for o in result)
    assert server.requests == {"POST": len(IDS)}
    run = result.outcomes[0].run
    assert run is not None
    assert run.output is not None
    assert run.output.confidence is None  # unreadable parts are None...
    assert run.config.parse_config is not None
    chunking = run.config.parse_config.chunking_strategy
    assert chunking is not None
    assert chunking.type is None  # ...and optional ones simply absent
    assert run.usage is not None
    assert run.usage.credits is None


async def test_the_get_that_settles_a_lost_cancel_decodes_leniently(serve: Any) -> None:
    server = DriftingServer(IDS, lose_first=True)
    async with await serve(server) as client:
        result = await client.classify_runs.cancel_many(IDS, concurrency=4)
    assert [o.kind for o in result] == [OutcomeKind.CANCELLED] * len(IDS)
    # One lost POST and one refused retry per run, then one GET that reads CANCELLED.
    assert server.requests == {"POST": 2 * len(IDS), "GET": len(IDS)}


async def test_a_single_cancel_after_a_lost_answer_returns_the_drifted_run(serve: Any) -> None:
    server = DriftingServer(IDS[:1], lose_first=True)
    async with await serve(server) as client:
        run = await client.classify_runs.cancel(IDS[0])
    assert run.status is RunStatus.CANCELLED
    assert server.requests == {"POST": 2, "GET": 1}

"""The connections a client makes read at most ``READ_SIZE`` at a time, and an answer
larger than that still arrives whole (``_connector``)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from extend_async import AsyncExtend, _connector
from extend_async._connector import READ_SIZE, ApiConnector

from ._raw_server import answer, raw_server, seed_run

RUN_ID = seed_run()["id"]


def _recording(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ``max_size`` of each connection's transport once sized."""
    sized: list[Any] = []
    real = _connector.size_reads

    def record(transport: object) -> None:
        real(transport)
        sized.append(getattr(transport, "max_size", None))

    monkeypatch.setattr(_connector, "size_reads", record)
    return sized


async def test_every_connection_is_sized_and_a_large_answer_arrives_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sized = _recording(monkeypatch)
    large = seed_run()
    large["metadata"] = {"note": "é" * 200_000}  # 400 KB: several reads of READ_SIZE
    async with raw_server() as server:
        # The server closes each connection after its answer: two connections.
        server.script("GET", f"/classify_runs/{RUN_ID}", answer(200, large))
        async with AsyncExtend("sk_x", base_url=server.base_url, max_retries=0) as api:
            first = await api.classify_runs.get(RUN_ID)
            second = await api.classify_runs.get(RUN_ID)
            connector = api._requester.sessions.get().connector
    assert type(connector) is ApiConnector
    assert first.metadata == second.metadata == large["metadata"]
    if isinstance(asyncio.get_running_loop(), asyncio.SelectorEventLoop):
        assert sized == [READ_SIZE, READ_SIZE]
    else:
        assert len(sized) == 2


async def test_a_connector_the_user_gives_is_used_as_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sized = _recording(monkeypatch)
    async with raw_server() as server:
        server.script("GET", f"/classify_runs/{RUN_ID}", answer(200, seed_run()))
        pool = aiohttp.TCPConnector()
        async with AsyncExtend(
            "sk_x", base_url=server.base_url, max_retries=0, connector=pool
        ) as api:
            run = await api.classify_runs.get(RUN_ID)
        await pool.close()
    assert run.id == RUN_ID
    assert sized == []

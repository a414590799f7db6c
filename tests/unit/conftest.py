"""Fixtures for the unit tests: a mocked HTTP layer, a client on it, recorded sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aioresponses import aioresponses

from extend_async import AsyncExtend

from ._helpers import API_KEY, BASE_URL, FAST_RETRY


@pytest.fixture
def mock_api() -> Iterator[aioresponses]:
    with aioresponses() as mocked:
        yield mocked


@pytest.fixture
async def client() -> AsyncIterator[AsyncExtend]:
    async with AsyncExtend(API_KEY, base_url=BASE_URL, retry_policy=FAST_RETRY) as extend:
        yield extend


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every ``asyncio.sleep`` delay, recorded instead of waited out."""
    recorded: list[float] = []
    real_sleep = asyncio.sleep

    async def record_sleep(delay: float, result: Any = None) -> Any:
        recorded.append(delay)
        return await real_sleep(0, result)

    monkeypatch.setattr(asyncio, "sleep", record_sleep)
    return recorded

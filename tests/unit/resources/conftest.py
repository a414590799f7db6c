"""Fixtures: a mocked HTTP layer, a client on it, and a fake clock for waits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aioresponses import aioresponses

from extend_async import AsyncExtend, RetryPolicy, _polling

from ._helpers import API_KEY, BASE_URL, FakeClock


@pytest.fixture
def mock_api() -> Iterator[aioresponses]:
    with aioresponses() as mocked:
        yield mocked


@pytest.fixture
async def client() -> AsyncIterator[AsyncExtend]:
    fast = RetryPolicy(initial_delay=0.001, max_delay=0.002)
    async with AsyncExtend(API_KEY, base_url=BASE_URL, retry_policy=fast) as extend:
        yield extend


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(_polling, "_clock", fake)
    monkeypatch.setattr(_polling, "_sleep", fake.sleep)
    return fake

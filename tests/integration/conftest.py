"""Fixtures for the integration tests: a real emulator on loopback and a client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from extend_async import AsyncExtend, RetryPolicy
from extend_async.testing import ExtendEmulator

# Real sockets, no real waiting between retries.
FAST_RETRY = RetryPolicy(initial_delay=0.001, max_delay=0.004)


@pytest.fixture
async def emu() -> AsyncIterator[ExtendEmulator]:
    async with ExtendEmulator(seed=7) as emulator:
        yield emulator
        assert emulator.unexpected_errors == []


@pytest.fixture
async def api(emu: ExtendEmulator) -> AsyncIterator[AsyncExtend]:
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, retry_policy=FAST_RETRY) as client:
        yield client

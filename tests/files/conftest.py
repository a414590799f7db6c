"""Fixtures for the files tests: an emulator with a small upload limit, and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from extend_async import AsyncExtend, RetryPolicy
from extend_async.testing import ExtendEmulator

FAST_RETRY = RetryPolicy(initial_delay=0.001, max_delay=0.004)
UPLOAD_LIMIT = 256 * 1024


@pytest.fixture
async def emu() -> AsyncIterator[ExtendEmulator]:
    async with ExtendEmulator(seed=3, max_upload_bytes=UPLOAD_LIMIT) as emulator:
        yield emulator
        assert emulator.unexpected_errors == []


@pytest.fixture
async def api(emu: ExtendEmulator) -> AsyncIterator[AsyncExtend]:
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, retry_policy=FAST_RETRY) as client:
        yield client

"""Fixtures for the bulk tests: an emulator on loopback and a client with quick retries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from extend_async import AsyncExtend
from extend_async.testing import ExtendEmulator

from ._fakes import FAST


@pytest.fixture
async def emu() -> AsyncIterator[ExtendEmulator]:
    async with ExtendEmulator(seed=5) as emulator:
        yield emulator
        assert emulator.unexpected_errors == []


@pytest.fixture
async def client(emu: ExtendEmulator) -> AsyncIterator[AsyncExtend]:
    async with AsyncExtend(
        emu.api_key, base_url=emu.base_url, retry_policy=FAST, timeout=10
    ) as extend:
        yield extend

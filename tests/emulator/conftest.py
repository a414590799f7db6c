"""Emulators on real loopback sockets, in the test's own event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from extend_async.testing import ExtendEmulator

from ._wire import Wire

MakeEmulator = Callable[..., Awaitable[ExtendEmulator]]


@pytest.fixture
async def make_emulator() -> AsyncIterator[MakeEmulator]:
    """Start emulators with any options; each is stopped, and checked for crashes, after."""
    started: list[ExtendEmulator] = []

    async def make(**options: Any) -> ExtendEmulator:
        emulator = ExtendEmulator(**options)
        await emulator.start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        await emulator.stop()
        assert emulator.unexpected_errors == []
        assert emulator.status_counts[500] == emulator.fault_counts["internal_error"]


@pytest.fixture
async def emulator(make_emulator: MakeEmulator) -> ExtendEmulator:
    return await make_emulator(seed=7)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def wire(emulator: ExtendEmulator, session: aiohttp.ClientSession) -> Wire:
    return Wire(session, emulator.base_url)

"""Fixtures for the sync facade: one emulator served from a thread, a client per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from extend_async import RetryPolicy
from extend_async.testing import ExtendEmulator
from extend_sync import Extend

# Real sockets, no real waiting between retries.
FAST_RETRY = RetryPolicy(initial_delay=0.001, max_delay=0.004)


@pytest.fixture(scope="session")
def emulator() -> Iterator[ExtendEmulator]:
    with ExtendEmulator(seed=11).run_in_thread() as emu:
        yield emu
        assert emu.unexpected_errors == []


@pytest.fixture
def client(emulator: ExtendEmulator) -> Iterator[Extend]:
    with Extend(emulator.api_key, base_url=emulator.base_url, retry_policy=FAST_RETRY) as sync:
        yield sync

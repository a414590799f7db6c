"""pytest fixtures for testing code against the emulator (registered as a pytest11 plugin).

* ``extend_emulator``: a fresh ``ExtendEmulator`` per test, served from a background
  thread, so it works in sync tests and in async tests under any plugin. Customise it by
  overriding ``extend_emulator_options`` (a dict of ``ExtendEmulator`` arguments) in a
  ``conftest.py``. The test fails if a request made the emulator itself crash.
* ``async_extend_client``: an ``extend_async.AsyncExtend`` pointed at it, closed after
  the test. It is a pytest-asyncio fixture when pytest-asyncio is installed, else a plain
  async generator fixture (which anyio's pytest plugin runs for ``anyio`` tests).
* ``extend_client``: the sync ``extend_sync.Extend`` pointed at it (skips the test if the
  sync client cannot be imported).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from extend_async import AsyncExtend
    from extend_async.testing import ExtendEmulator

__all__ = [
    "async_extend_client",
    "extend_client",
    "extend_emulator",
    "extend_emulator_options",
]

_async_fixture: Callable[..., Any]
try:
    import pytest_asyncio

    _async_fixture = pytest_asyncio.fixture
except ImportError:  # anyio's plugin (or another) drives plain async fixtures
    _async_fixture = pytest.fixture


@pytest.fixture
def extend_emulator_options() -> dict[str, Any]:
    """Keyword arguments for the ``extend_emulator`` fixture's ``ExtendEmulator``.

    Override in a conftest.py, e.g. ``return {"seed": 1, "rate_limit": 25}``.
    """
    return {}


@pytest.fixture
def extend_emulator(extend_emulator_options: dict[str, Any]) -> Iterator[ExtendEmulator]:
    """A running emulator (own thread and loop), fresh for each test."""
    from extend_async.testing import ExtendEmulator

    with ExtendEmulator(**extend_emulator_options).run_in_thread() as emulator:
        yield emulator
        crashes = emulator.unexpected_errors
    if crashes:
        pytest.fail(
            f"the Extend emulator hit {len(crashes)} unexpected error(s); first:\n{crashes[0]}"
        )


@_async_fixture
async def async_extend_client(extend_emulator: ExtendEmulator) -> AsyncIterator[AsyncExtend]:
    """``AsyncExtend(api_key, base_url=...)`` for the emulator, closed after the test."""
    from extend_async import AsyncExtend

    client = AsyncExtend(extend_emulator.api_key, base_url=extend_emulator.base_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def extend_client(extend_emulator: ExtendEmulator) -> Iterator[Any]:
    """The sync ``extend_sync.Extend`` for the emulator, closed after the test."""
    try:
        extend_cls = importlib.import_module("extend_sync").Extend
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"the sync client extend_sync.Extend is not available: {exc}")
    client = extend_cls(extend_emulator.api_key, base_url=extend_emulator.base_url)
    try:
        yield client
    finally:
        close = getattr(client, "close", None)
        if close is not None:
            close()

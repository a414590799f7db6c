"""Serving an emulator from a daemon thread with its own event loop, for sync code and
for tests whatever their async plugin."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._emulator import ExtendEmulator

__all__ = ["EmulatorThread"]


class EmulatorThread:
    """Starts ``emulator`` on a fresh loop in a daemon thread; ``start`` returns once it
    listens (or raises what stopped it), ``stop`` shuts it down and joins the thread."""

    def __init__(self, emulator: ExtendEmulator) -> None:
        self._emulator = emulator
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="extend-emulator", daemon=True)

    def start(self, timeout: float) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"the emulator did not start within {timeout} s")
        if self._error is not None:
            self._thread.join(timeout)
            raise self._error

    def stop(self, timeout: float) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the emulator did not stop within {timeout} s")

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to ``start``; a daemon thread has no caller
            if not self._ready.is_set():
                self._error = exc
                self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self._emulator.start()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self._emulator.stop()

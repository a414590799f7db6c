"""A tiny aiohttp server on loopback, in a thread, that sees what the emulator does not.

It answers ``GET /classify_runs/{id}`` with a minimal run, noting each connection and how
many requests were in flight at once; ``POST /classify_runs/{id}/cancel`` never answers
and records when the client goes away (aiohttp cancels the handler then).
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from aiohttp import web

RUN = {
    "id": "clr_x",
    "status": "PROCESSING",
    "createdAt": "2026-03-01T12:00:00Z",
    "updatedAt": "2026-03-01T12:00:00Z",
}


class LoopbackServer:
    def __init__(self, *, get_delay: float = 0.0) -> None:
        self._get_delay = get_delay
        self.peers: set[tuple[str, int]] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self.slow_request_arrived = threading.Event()
        self.slow_request_cancelled = threading.Event()
        self.slow_request_finished = threading.Event()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="loopback-server", daemon=True)
        self.base_url = ""

    async def _get(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        with self._lock:
            if peer is not None:
                self.peers.add(peer[:2])
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self._get_delay:
                await asyncio.sleep(self._get_delay)
            return web.json_response({**RUN, "id": request.match_info["id"]})
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _slow(self, request: web.Request) -> web.Response:
        self.slow_request_arrived.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.slow_request_cancelled.set()
            raise
        self.slow_request_finished.set()
        return web.json_response(RUN)

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_get("/classify_runs/{id}", self._get)
        app.router.add_post("/classify_runs/{id}/cancel", self._slow)
        # handler_cancellation: a handler is cancelled when its client disconnects.
        runner = web.AppRunner(app, handle_signals=False, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the loopback server did not start")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

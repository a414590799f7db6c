"""Small loopback servers that misbehave on purpose: canned (hostile) answers, and one
that accepts connections and never answers."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from aiohttp import web


@contextmanager
def canned_server(answers: Mapping[str, tuple[int, bytes]]) -> Iterator[str]:
    """Serve ``answers`` (path -> status, JSON body) on loopback; yields the base URL.
    Any other path is a 404 with a JSON error body."""

    async def handle(request: web.Request) -> web.Response:
        status, body = answers.get(request.path, (404, b'{"code":"NOT_FOUND","message":"no"}'))
        return web.Response(status=status, body=body, content_type="application/json")

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@contextmanager
def silent_server() -> Iterator[str]:
    """Accept connections on loopback, read what comes, never answer; yields the base
    URL. The accept loop is bounded in time: it stops when the block ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)  # kept open, never written to

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(timeout=10)
        for connection in held:
            connection.close()
        listener.close()

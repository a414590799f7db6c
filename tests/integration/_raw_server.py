"""A plain HTTP/1.1 server on raw asyncio sockets: it says exactly what a test scripts.

Each request is read (head and ``Content-Length`` body), recorded, and answered by the
next step of the script for its route; then the connection is closed. A step is the
answer's bytes, or an async function that writes to the socket itself (to drip, stall or
send something no well-behaved server would).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from ssl import SSLContext
from typing import Any

from attrs import define, field

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "classify_run_seed.json"


def seed_run() -> dict[str, Any]:
    """The documented run, as the API sends it (a fresh copy)."""
    data: dict[str, Any] = json.loads(SEED.read_text(encoding="utf-8"))
    return data


def seed_summary() -> dict[str, Any]:
    """The seed run as a list item: no outputs or config, usage without breakdown."""
    run = seed_run()
    for key in ("output", "initialOutput", "reviewedOutput", "config"):
        del run[key]
    del run["usage"]["breakdown"]
    return run


Writer = Callable[[asyncio.StreamWriter], Awaitable[None]]
Step = bytes | Writer


def answer(
    status: int,
    body: bytes | str | dict[str, Any] = b"",
    *,
    reason: str = "X",
    headers: dict[str, str] | None = None,
) -> bytes:
    """The bytes of one complete HTTP/1.1 answer."""
    if isinstance(body, dict):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(data)}", "Connection: close"]
    if isinstance(body, str) or data[:1] in (b"{", b"["):
        head.append("Content-Type: application/json")
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


@define
class Seen:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


@define
class RawServer:
    # (method, path prefix) -> steps, used in order; the last one repeats.
    routes: dict[tuple[str, str], list[Step]] = field(factory=dict)
    seen: list[Seen] = field(factory=list)
    port: int = 0
    handlers: set[asyncio.Task[None]] = field(factory=set)
    # Connections taken (over TLS: handshakes completed).
    accepted: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, method: str, path: str, *steps: Step) -> None:
        self.routes[(method, path)] = list(steps)

    def count(self, method: str, path: str) -> int:
        return sum(1 for s in self.seen if s.method == method and s.target.startswith(path))

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        self.accepted += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.seen.append(Seen(method, target, headers, body))
            step = self._next(method, target)
            if isinstance(step, bytes):
                writer.write(step)
                await writer.drain()
            else:
                await step(writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self.handlers.discard(task)

    def _next(self, method: str, target: str) -> Step:
        path = target.split("?", 1)[0]
        for (want_method, prefix), steps in self.routes.items():
            if want_method == method and path.startswith(prefix):
                return steps.pop(0) if len(steps) > 1 else steps[0]
        return answer(404, {"code": "NOT_FOUND", "message": "not scripted"})


@asynccontextmanager
async def raw_server(*, ssl: SSLContext | None = None) -> AsyncIterator[RawServer]:
    """Serves on 127.0.0.1 (over TLS with ``ssl``) for the block."""
    state = RawServer()
    server = await asyncio.start_server(state._handle, "127.0.0.1", 0, ssl=ssl)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        for task in list(state.handlers):  # a stalled answer must not outlive the test
            task.cancel()
        await asyncio.gather(*state.handlers, return_exceptions=True)
        await server.wait_closed()

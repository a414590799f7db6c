"""TLS over real sockets on 127.0.0.1: a certificate the client does not trust, a name that
does not match, or plain HTTP where TLS was expected fail once, clearly, and are never
retried (no retry can heal them); a trusted server works through a caller's connector."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import trustme

from extend_async import APIConnectionError, AsyncExtend, RetryPolicy

from ._raw_server import RawServer, answer, raw_server, seed_run

API_KEY = "sk_tls_Secret_4Rq8"
RUN_ID = "clr_tls1"
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


class Connections:
    """Connections aiohttp set out to make, counted by its own trace signal."""

    def __init__(self) -> None:
        self.started = 0
        self.config = aiohttp.TraceConfig()
        self.config.on_connection_create_start.append(self._start)

    async def _start(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        self.started += 1


@pytest.fixture
async def tls_server(ca: trustme.CA) -> AsyncIterator[RawServer]:
    async with raw_server(ssl=server_context(ca, "127.0.0.1")) as state:
        state.script("POST", f"/classify_runs/{RUN_ID}/cancel", answer(200, run(RUN_ID)))
        yield state


def run(id: str) -> dict[str, Any]:
    body = seed_run()
    body.update(id=id, status="CANCELLED")
    return body


def https(server: RawServer) -> str:
    return f"https://127.0.0.1:{server.port}"


async def test_a_trusted_server_answers_through_the_callers_connector(
    ca: trustme.CA, tls_server: RawServer
) -> None:
    connector = aiohttp.TCPConnector(ssl=trusting(ca))
    async with AsyncExtend(
        API_KEY, base_url=https(tls_server), connector=connector, trust_env=False
    ) as client:
        cancelled = await client.classify_runs.cancel(RUN_ID)
    assert cancelled.id == RUN_ID
    assert tls_server.accepted == 1
    assert tls_server.seen[0].headers["authorization"] == f"Bearer {API_KEY}"


async def failing_get(
    base_url: str, connector: aiohttp.BaseConnector | None = None
) -> tuple[APIConnectionError, int]:
    """``get`` with 4 retries allowed, expected to fail: its error, and how many
    connections aiohttp set out to make."""
    connections = Connections()
    async with AsyncExtend(
        API_KEY,
        base_url=base_url,
        connector=connector,
        retry_policy=FAST,
        trace_configs=[connections.config],
        trust_env=False,
    ) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.classify_runs.get(RUN_ID, max_retries=4)
    return caught.value, connections.started


async def test_an_untrusted_certificate_fails_once_and_is_not_retried(
    tls_server: RawServer,
) -> None:
    # The system's trust store: our test CA is not in it.
    error, started = await failing_get(https(tls_server))
    assert error.retryable is False
    assert "certificate" in str(error).lower()
    assert started == 1
    assert tls_server.accepted == 0  # no handshake completed, so nothing was sent
    assert error.sent is False
    for text in (str(error), repr(error), repr(error.__cause__), repr(error.__context__)):
        assert API_KEY not in text


async def test_a_certificate_for_another_name_fails_once(ca: trustme.CA) -> None:
    async with raw_server(ssl=server_context(ca, "api.elsewhere.test")) as server:
        error, started = await failing_get(https(server), aiohttp.TCPConnector(ssl=trusting(ca)))
        assert server.accepted == 0
    assert error.retryable is False
    assert started == 1


async def test_plain_http_where_tls_was_expected_fails_once(ca: trustme.CA) -> None:
    """A plain HTTP server (as nginx does) answers the TLS hello with a 400 and closes."""
    accepted = 0

    async def plain_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        await reader.read(1024)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain_http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        error, started = await failing_get(
            f"https://127.0.0.1:{port}", aiohttp.TCPConnector(ssl=trusting(ca))
        )
    finally:
        server.close()
        await server.wait_closed()
    assert error.retryable is False
    assert started == 1
    assert accepted == 1

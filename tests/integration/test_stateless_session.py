"""The session the client makes keeps no cookies; a session the user gives keeps its own.

The host is a name, resolved to the loopback server by a resolver of the test, not an IP
address: aiohttp's default cookie jar refuses cookies from IP hosts, which would hide a
jar that keeps them.
"""

from __future__ import annotations

import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from extend_async import AsyncExtend

from ._raw_server import answer, raw_server, seed_run

RUN_ID = seed_run()["id"]
HOST = "api.cookies.test"


class LoopbackResolver(AbstractResolver):
    """Every name is 127.0.0.1."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET,
                proto=0, flags=socket.AI_NUMERICHOST,
            )
        ]  # fmt: skip

    async def close(self) -> None:
        return None


def connector() -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(resolver=LoopbackResolver())


SETS_A_COOKIE = answer(200, seed_run(), headers={"Set-Cookie": "session=abc123; Path=/"})


async def test_a_cookie_the_server_sets_is_never_sent_back() -> None:
    async with raw_server() as server:
        server.script("GET", f"/classify_runs/{RUN_ID}", SETS_A_COOKIE)
        base_url = f"http://{HOST}:{server.port}"
        pool = connector()
        # The client makes its own session over this pool.
        async with AsyncExtend("sk_x", base_url=base_url, max_retries=0, connector=pool) as api:
            await api.classify_runs.get(RUN_ID)
            await api.classify_runs.get(RUN_ID)
        await pool.close()
    assert len(server.seen) == 2
    assert all("cookie" not in seen.headers for seen in server.seen)


async def test_a_users_session_keeps_its_own_cookie_jar() -> None:
    async with raw_server() as server:
        server.script("GET", f"/classify_runs/{RUN_ID}", SETS_A_COOKIE)
        base_url = f"http://{HOST}:{server.port}"
        async with (
            aiohttp.ClientSession(connector=connector()) as session,
            AsyncExtend("sk_x", base_url=base_url, max_retries=0, http_session=session) as api,
        ):
            await api.classify_runs.get(RUN_ID)
            await api.classify_runs.get(RUN_ID)
    assert server.seen[1].headers.get("cookie") == "session=abc123"

"""A real redis-server per test that needs one, on loopback; skipped with the reason when
the machine has none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from extend_async.testing._redis_server import RedisServer, find_redis_server

NO_SERVER = (
    "no redis-server binary: run scripts/ensure_redis_server.sh (Debian's redis-server), "
    "or name one with EXTEND_TEST_REDIS_SERVER"
)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    binary = find_redis_server()
    if binary is None:
        pytest.skip(NO_SERVER)
    pytest.importorskip("redis", reason="redis-py is missing: pip install -e '.[dev]'")
    server = RedisServer(binary)
    server.start()
    try:
        yield server
    finally:
        server.close()

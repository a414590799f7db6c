"""``_connector``: what asyncio's plain-socket transport does with ``max_size`` (the private
detail the client's connector relies on), and how ``size_reads`` treats any transport."""

from __future__ import annotations

import asyncio
import socket

import pytest

from extend_async._connector import READ_SIZE, size_reads


class _Collecting(asyncio.Protocol):
    def __init__(self, expected: int) -> None:
        self.chunks: list[int] = []
        self.expected = expected
        self.done = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.chunks.append(len(data))
        if sum(self.chunks) >= self.expected and not self.done.done():
            self.done.set_result(None)


async def test_asyncio_still_reads_a_plain_socket_with_its_transports_max_size() -> None:
    """If this fails, asyncio no longer reads with ``max_size``: ``size_reads`` then does
    nothing useful, and ``_connector`` (and ARCHITECTURE's private details) must change."""
    loop = asyncio.get_running_loop()
    if not isinstance(loop, asyncio.SelectorEventLoop):
        pytest.skip("asyncio's own selector loop only")
    ours, theirs = socket.socketpair()
    total = 100_000
    transport, protocol = await loop.create_connection(lambda: _Collecting(total), sock=ours)
    try:
        assert type(transport.max_size) is int  # type: ignore[attr-defined]
        transport.max_size = 1000  # type: ignore[attr-defined]
        theirs.sendall(b"x" * total)
        await asyncio.wait_for(protocol.done, 30)
        assert sum(protocol.chunks) == total
        assert max(protocol.chunks) <= 1000
    finally:
        transport.close()
        theirs.close()


class _Transport:
    def __init__(self, max_size: object) -> None:
        self.max_size = max_size


@pytest.mark.parametrize("size", [256 * 1024, READ_SIZE + 1, 2**40])
def test_a_larger_read_size_is_capped(size: int) -> None:
    transport = _Transport(size)
    size_reads(transport)
    assert transport.max_size == READ_SIZE


@pytest.mark.parametrize("size", [READ_SIZE, 4096, 1])
def test_a_read_size_already_within_the_cap_is_kept(size: int) -> None:
    transport = _Transport(size)
    size_reads(transport)
    assert transport.max_size == size


@pytest.mark.parametrize("size", [None, 256 * 1024.0, "262144", True])
def test_a_max_size_that_is_not_an_int_is_left_alone(size: object) -> None:
    transport = _Transport(size)
    size_reads(transport)
    assert transport.max_size is size


def test_a_transport_without_max_size_is_left_alone() -> None:
    """A TLS transport, uvloop's: nothing is added to them."""

    class Other:
        __slots__ = ()

    size_reads(Other())  # no AttributeError: nothing set
    size_reads(None)

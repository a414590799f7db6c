"""The connection pool a client makes for itself: aiohttp's ``TCPConnector``, with each
new connection's reads sized for API answers. Imported with aiohttp, on the first session.

asyncio's plain-socket transport reads with ``sock.recv(max_size)``, and ``max_size`` is
256 KiB: every read of an answer allocates 256 KiB, above glibc's mmap threshold (128 KiB),
so each read maps fresh pages, shrinks them to the few KiB that came, and unmaps them when
the answer is dropped: three system calls and a page fault per read. Unmapping memory in a
process with a second thread (the sync client's loop thread) also interrupts the CPUs that
thread ran on, to flush their TLBs. Reads of at most 64 KiB (aiohttp's own ``read_bufsize``)
come from the heap: ~40 µs less system time per sync cancel of a full run (measured against
the benchmarks' static server). Larger answers arrive in more reads, each with the heap's
cost.

Two private details, each checked where it is used and pinned by a test: asyncio's
``_SelectorSocketTransport`` reads with its ``max_size`` (every Python the project supports,
3.10-3.13: ``tests/unit/test_connector.py``), set only where the transport has it as an
``int`` (a TLS connection reads into a buffer asyncio keeps for it, and uvloop's transports
have no such attribute: both are left as they are); and aiohttp makes each new connection
in ``_create_connection``, which ``BaseConnector`` declares for its subclasses and which
returns the connection's protocol (``tests/integration/test_connector_reads.py``: should
aiohttp stop calling it, connections are simply not sized).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.client_proto import ResponseHandler

__all__ = ["READ_SIZE", "ApiConnector", "size_reads"]

# At most this much per read of a plain-socket connection.
READ_SIZE = 64 * 1024


def size_reads(transport: object) -> None:
    """Cap ``transport``'s reads at ``READ_SIZE`` where asyncio reads with ``max_size``."""
    size = getattr(transport, "max_size", None)
    if type(size) is int and size > READ_SIZE:
        transport.max_size = READ_SIZE  # type: ignore[attr-defined]


class ApiConnector(aiohttp.TCPConnector):
    """``TCPConnector`` whose connections read at most ``READ_SIZE`` at a time.

    ``_create_connection`` runs once per new connection, so a request on a pooled
    connection pays nothing for this.
    """

    async def _create_connection(self, *args: Any, **kwargs: Any) -> ResponseHandler:
        protocol = await super()._create_connection(*args, **kwargs)
        size_reads(getattr(protocol, "transport", None))
        return protocol

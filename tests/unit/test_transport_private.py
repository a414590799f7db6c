"""The private aiohttp details ``_transport`` relies on, and what it does without them.

``SessionHolder.forget_inherited`` sets a connector's ``_closed`` flag (see also
``test_client_hardening.py::test_forget_inherited_relies_on_aiohttps_private_closed_flag``),
and ``_check_same_loop`` reads ``_loop`` of a session or connector. Each is behind a
feature check: the tests below pin that aiohttp still has them (they fail loudly on an
upgrade that drops one) and that the fallback holds when one is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import aiohttp
import pytest

from extend_async import ExtendError, _transport
from extend_async._transport import SessionHolder, _check_same_loop


@pytest.fixture(autouse=True)
def _forget_kept_connectors() -> Iterator[None]:
    kept = list(_transport._inherited_connectors)
    yield
    _transport._inherited_connectors[:] = kept


async def test_aiohttp_sessions_and_connectors_still_keep_their_loop_in_loop() -> None:
    connector = aiohttp.TCPConnector()
    session = aiohttp.ClientSession(connector=connector)
    try:
        assert session._loop is asyncio.get_running_loop()
        assert connector._loop is asyncio.get_running_loop()
        _check_same_loop(session, "http_session")  # same loop: accepted
    finally:
        await session.close()


def test_a_session_of_another_loop_is_refused() -> None:
    other = asyncio.new_event_loop()

    class OfAnotherLoop:
        _loop = other

    async def main() -> None:
        with pytest.raises(ExtendError, match="another event loop"):
            _check_same_loop(OfAnotherLoop(), "http_session")

    try:
        asyncio.run(main())
    finally:
        other.close()


async def test_without_a_loop_attribute_the_check_is_skipped_not_failed() -> None:
    class NoPrivateLoop:
        """What a future aiohttp session without ``_loop`` would look like to the check."""

    _check_same_loop(NoPrivateLoop(), "http_session")  # no ExtendError for every session


class _StubSession:
    def __init__(self, connector: object) -> None:
        self.connector = connector
        self.detached = False

    def detach(self) -> None:
        self.detached = True


def test_forget_inherited_marks_an_aiohttp_connector_closed_and_keeps_it() -> None:
    async def main() -> aiohttp.BaseConnector:
        holder = SessionHolder(connection_limit=4)
        session = holder.get()
        connector = session.connector
        assert connector is not None
        holder.forget_inherited()
        assert connector.closed  # through the private flag: its transports left as they are
        assert session.connector is None  # detached
        connector._closed = False  # let this test's loop close it properly
        await connector.close()
        return connector

    connector = asyncio.run(main())
    assert any(kept is connector for kept in list[object](_transport._inherited_connectors))


def test_forget_inherited_without_the_private_flag_still_keeps_the_connector() -> None:
    class ConnectorWithoutClosedFlag:
        """A future connector with no ``_closed``: nothing is set on it."""

        __slots__ = ("__weakref__",)

    holder = SessionHolder(connection_limit=4)
    connector = ConnectorWithoutClosedFlag()
    stub = _StubSession(connector)
    holder._session = stub  # type: ignore[assignment]
    holder.forget_inherited()  # no AttributeError
    assert stub.detached
    assert not hasattr(connector, "_closed")
    # Never collected, so its finaliser never closes the parent's sockets.
    assert any(kept is connector for kept in list[object](_transport._inherited_connectors))

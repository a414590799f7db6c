"""The private aiohttp details ``_transport`` relies on, and what it does without them.

``SessionHolder.forget_inherited`` sets a connector's ``_closed`` flag (see also
``test_client_hardening.py::test_forget_inherited_relies_on_aiohttps_private_closed_flag``),
``_check_same_loop`` reads ``_loop`` of a session or connector, and an attempt awaits a
session's ``_request`` (``_session_call``). Each is behind a
feature check: the tests below pin that aiohttp still has them (they fail loudly on an
upgrade that drops one) and that the fallback holds when one is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from extend_async import ExtendError, _transport
from extend_async._session_call import SENT_KEYWORDS, awaits_private_request, direct_by_class
from extend_async._transport import SessionHolder, _check_same_loop

# aiohttp discourages subclassing ``ClientSession``; a user's code may still do it.
pytestmark = pytest.mark.filterwarnings("ignore:Inheritance class .* from ClientSession")


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


# --- ``_session_call``: an attempt awaits aiohttp's private ``_request`` where that is safe


async def test_aiohttp_request_still_hands_its_arguments_to_the_private_request() -> None:
    # What awaiting ``_request`` directly relies on: the public method adds nothing else.
    seen: list[tuple[tuple[object, ...], dict[str, object]]] = []

    class Recording(aiohttp.ClientSession):
        async def _request(self, *args: Any, **kwargs: Any) -> Any:
            seen.append((args, kwargs))
            return "the response"

    keywords = {name: object() for name in SENT_KEYWORDS}
    async with Recording() as session:
        response: object = await session.request("POST", "http://127.0.0.1:9/x", **keywords)
    assert response == "the response"
    assert seen == [(("POST", "http://127.0.0.1:9/x"), keywords)]


def test_aiohttp_sessions_are_sent_through_the_private_request() -> None:
    assert awaits_private_request(aiohttp.ClientSession)
    assert direct_by_class[aiohttp.ClientSession] is True


def test_a_session_class_that_overrides_request_is_called_through_it() -> None:
    class Signing(aiohttp.ClientSession):
        def request(self, method: str, url: Any, **kwargs: Any) -> Any:
            return super().request(method, url, **kwargs)

    assert not awaits_private_request(Signing)


def _not_a_coroutine(self: Any, method: str, url: Any, **kwargs: Any) -> None:
    return None


async def _without_the_keywords(self: Any, method: str, url: Any, *, headers: Any = None) -> None:
    return None


@pytest.mark.parametrize(
    "private",
    [{}, {"_request": _not_a_coroutine}, {"_request": _without_the_keywords}],
    ids=["missing", "not a coroutine function", "other keywords"],
)
def test_without_the_private_request_as_expected_the_public_one_is_called(
    private: dict[str, Any],
) -> None:
    namespace = {"request": aiohttp.ClientSession.request, **private}
    assert not awaits_private_request(type("FutureSession", (), namespace))


async def test_a_users_session_that_overrides_request_sees_every_attempt() -> None:
    from aioresponses import aioresponses

    from extend_async import AsyncExtend

    calls: list[str] = []

    class Logging(aiohttp.ClientSession):
        def request(self, method: str, url: Any, **kwargs: Any) -> Any:
            calls.append(f"{method} {url}")
            return super().request(method, url, **kwargs)

    with aioresponses() as mock:
        mock.post(
            "https://api.extend.test/classify_runs/clr_1/cancel",
            payload={"id": "clr_1", "status": "CANCELLED", "object": "classify_run"},
        )
        async with Logging() as session:
            client = AsyncExtend(
                api_key="sk_test", base_url="https://api.extend.test", http_session=session
            )
            run = await client.classify_runs.cancel("clr_1")
    assert run.status == "CANCELLED"
    assert calls == ["POST https://api.extend.test/classify_runs/clr_1/cancel"]

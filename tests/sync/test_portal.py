"""``Portal`` on its own: lazy start, context variables, closing."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextvars import ContextVar

import pytest

from extend_async import ExtendError
from extend_async._transport import SessionHolder
from extend_sync import _portal as portal_module
from extend_sync._portal import THREAD_NAME, Portal

request_tag: ContextVar[str] = ContextVar("request_tag", default="unset")


@pytest.fixture
def portal() -> Iterator[Portal]:
    portal = Portal(SessionHolder(connection_limit=1))
    yield portal
    portal.close()


async def current_tag() -> str:
    return request_tag.get()


async def loop_thread_name() -> str:
    return threading.current_thread().name


def test_starts_on_first_call_in_its_own_thread(portal: Portal) -> None:
    assert portal.thread is None
    assert portal.call(loop_thread_name) == THREAD_NAME
    thread = portal.thread
    assert thread is not None
    assert thread.daemon
    assert portal.call(loop_thread_name) == THREAD_NAME
    assert portal.thread is thread


def test_the_callers_context_variables_are_visible_to_the_call(portal: Portal) -> None:
    token = request_tag.set("from the caller")
    try:
        assert portal.call(current_tag) == "from the caller"
    finally:
        request_tag.reset(token)
    assert portal.call(current_tag) == "unset"


def test_a_closed_portal_refuses_calls_without_leaking_coroutines() -> None:
    sessions = SessionHolder(connection_limit=1)
    portal = Portal(sessions)
    portal.call(loop_thread_name)
    thread = portal.thread
    assert thread is not None
    portal.close()
    assert portal.closed
    assert sessions.closed
    assert not thread.is_alive()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "coroutine was never awaited" would fail here
        with pytest.raises(ExtendError, match="closed"):
            portal.call(current_tag)
    portal.close()  # idempotent


def test_closing_a_portal_never_used_closes_the_pool_without_a_thread() -> None:
    sessions = SessionHolder(connection_limit=1)
    portal = Portal(sessions)
    portal.close()
    assert sessions.closed
    assert portal.thread is None


def test_a_call_the_loop_never_runs_raises_instead_of_hanging(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal.call(loop_thread_name)
    running = portal._loop
    assert running is not None
    # What a loop that stops with the call still queued looks like from the caller.
    gone = threading.Thread(target=lambda: None)
    gone.start()
    gone.join()
    with monkeypatch.context() as patch:  # undone before the fixture closes the portal
        patch.setattr(running, "thread", gone)
        patch.setattr(running.loop, "call_soon_threadsafe", lambda *args, **kwargs: None)
        patch.setattr(portal_module, "LIVENESS_INTERVAL", 0.01)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the never-started coroutine is closed, not leaked
            with pytest.raises(ExtendError, match="closed while this call was running"):
                portal.call(current_tag)

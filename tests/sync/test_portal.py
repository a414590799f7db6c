"""``Portal`` on its own: lazy start, context variables, closing."""

from __future__ import annotations

import asyncio
import sys
import threading
import types
import warnings
from collections.abc import Iterator
from contextvars import ContextVar

import anyio
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


async def started_within_the_hand_off() -> bool:
    """Whether this first step runs inside ``_Call.begin`` (an eager task) rather than in
    a later turn of the loop."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is portal_module._Call.begin.__code__:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def test_a_calls_first_step_runs_in_the_hand_off(portal: Portal) -> None:
    # One loop turn fewer per sync call: ``eager_start`` from Python 3.12, the step taken
    # from the loop's ready queue (``_step_now``) on 3.11.
    assert portal.call(started_within_the_hand_off) is True


def test_step_now_runs_only_the_step_create_task_just_queued() -> None:
    """What ``_step_now`` relies on in asyncio's loop (its ready queue, the step's handle)
    and what it leaves alone: a step that is not last, a loop without that queue, a call
    from inside a task."""
    started: list[str] = []

    async def first_step(name: str) -> None:
        started.append(name)

    def in_a_callback(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task[None]]:
        now = loop.create_task(first_step("now"))
        portal_module._step_now(loop, now)
        assert started == ["now"]  # run in this turn, and not queued a second time
        later = loop.create_task(first_step("later"))
        loop.call_soon(started.append, "callback")  # the task's step is no longer last
        portal_module._step_now(loop, later)
        elsewhere = loop.create_task(first_step("elsewhere"))
        portal_module._step_now(types.SimpleNamespace(), elsewhere)  # type: ignore[arg-type]
        assert started == ["now"]
        return [now, later, elsewhere]

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handed: asyncio.Future[list[asyncio.Task[None]]] = loop.create_future()
        loop.call_soon(lambda: handed.set_result(in_a_callback(loop)))
        await asyncio.gather(*await handed)
        assert started == ["now", "later", "callback", "elsewhere"]

        inside = loop.create_task(first_step("inside"))
        portal_module._step_now(loop, inside)  # from this task: left to its own turn
        assert started[-1] == "elsewhere"
        await inside
        assert started[-1] == "inside"

    asyncio.run(main())


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
    running = portal._started
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


async def blocks_until_cancelled(entered: threading.Event) -> None:
    entered.set()
    await anyio.sleep_forever()


def test_anyio_behaviour_the_fast_crossing_relies_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``Portal.call`` needs from anyio while it bypasses ``BlockingPortal.call``
    (see the module docstring of ``extend_sync._portal``). A failure here after an anyio
    upgrade means the bypass must go, or be adapted: calls would otherwise misbehave."""
    portal = Portal(SessionHolder(connection_limit=1))
    try:
        portal.call(loop_thread_name)
        started = portal._started
        assert started is not None

        # 1. The loop anyio runs is the one call_soon_threadsafe hands calls to.
        async def running_loop() -> asyncio.AbstractEventLoop:
            return asyncio.get_running_loop()

        assert portal.call(running_loop) is started.loop
        assert started.anyio_portal.call(running_loop) is started.loop

        # 2. Cancel scopes and task groups work in a task anyio did not start.
        async def uses_anyio() -> list[str]:
            assert asyncio.current_task() is not None
            done: list[str] = []
            with anyio.CancelScope() as scope:
                scope.cancel()
                await anyio.sleep_forever()
            done.append("scope")
            with anyio.move_on_after(0):
                await anyio.sleep_forever()
            done.append("timeout")
            async with anyio.create_task_group() as group:
                group.start_soon(anyio.sleep, 0)
            done.append("group")
            return done

        assert portal.call(uses_anyio) == ["scope", "timeout", "group"]

        # 3. Stopping the portal cancels a call still running: its caller gets an error at
        # once (the liveness check, the backstop for a loop that dies, is put out of reach).
        monkeypatch.setattr(portal_module, "LIVENESS_INTERVAL", 3600.0)
        entered = threading.Event()
        outcome: list[BaseException] = []

        def caller() -> None:
            try:
                portal.call(blocks_until_cancelled, entered)
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=caller, daemon=True)
        thread.start()
        assert entered.wait(30)
    finally:
        portal.close()
    thread.join(30)
    assert not thread.is_alive()
    [error] = outcome
    assert isinstance(error, ExtendError)
    assert "closed while this call was running" in str(error)

"""A large answer is parsed and decoded in a worker thread, so the event loop keeps running.

The proof is deterministic: the decode (in whatever thread it runs) waits for an event
that only another task on the loop sets. Decoded on the loop, it would wait its full
bound and the test would fail; decoded in a thread, the other task runs at once.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import orjson
import pytest
from aioresponses import aioresponses

from extend_async import AsyncExtend, ClassifyRunSummary, Page, _transport
from extend_async._converter import decode_response

from ._helpers import seed_summary, url

LIST_URL = str(url("/classify_runs"))


def page_body(items: int) -> bytes:
    data = [{**seed_summary(), "id": f"clr_{i:06d}"} for i in range(items)]
    return orjson.dumps({"object": "list", "data": data, "nextPageToken": None})


BIG = page_body(1500)
SMALL = page_body(3)


def test_the_bodies_sit_on_either_side_of_the_threshold() -> None:
    assert len(BIG) > _transport.OFF_LOOP_DECODE_BYTES > len(SMALL)


class DecodeSpy:
    """Wraps the decode: records its thread, and waits for the loop to prove it is free."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loop_thread = threading.get_ident()  # made by the test, on the loop's thread
        self.threads: list[int] = []
        self.loop_ran = threading.Event()
        self.started = asyncio.Event()
        self.waited_out = False
        loop = asyncio.get_running_loop()
        original = decode_response

        def decode(*args: Any, **kwargs: Any) -> Any:
            self.threads.append(threading.get_ident())
            if threading.get_ident() != self.loop_thread:
                loop.call_soon_threadsafe(self.started.set)
                # Bounded: decoded on the loop, this would be a 5 s stall, then a failure.
                self.waited_out = not self.loop_ran.wait(5)
            return original(*args, **kwargs)

        monkeypatch.setattr(_transport, "decode_response", decode)


async def test_a_big_answer_decodes_off_the_loop_while_other_tasks_run(
    client: AsyncExtend, mock_api: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = DecodeSpy(monkeypatch)
    mock_api.get(LIST_URL, body=BIG, status=200, content_type="application/json")
    listing = asyncio.ensure_future(client.classify_runs.list())

    async def other_task() -> None:
        await spy.started.wait()  # the decode is under way in its thread
        spy.loop_ran.set()

    page, _ = await asyncio.wait_for(asyncio.gather(listing, other_task()), 10)
    assert spy.threads
    assert spy.threads[0] != spy.loop_thread
    assert not spy.waited_out
    expected = decode_response(
        BIG, Page[ClassifyRunSummary], status=200, request_id=None, method="GET", path="/"
    )
    assert page == expected
    assert len(page.data) == 1500


async def test_a_small_answer_decodes_in_place(
    client: AsyncExtend, mock_api: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = DecodeSpy(monkeypatch)
    mock_api.get(LIST_URL, body=SMALL, status=200, content_type="application/json")
    page = await client.classify_runs.list()
    assert spy.threads == [spy.loop_thread]
    assert [run.id for run in page.data] == ["clr_000000", "clr_000001", "clr_000002"]


async def test_a_big_answer_decoded_off_the_loop_leaves_no_field_waiting() -> None:
    # Its fields and nested models are decoded in the worker thread too, not at their first
    # read on the loop.
    page = await _transport.decode_off_loop_if_large(
        BIG, Page[ClassifyRunSummary], status=200, request_id=None, method="GET", path="/"
    )
    _, source, waiting = object.__getattribute__(page, "_wire")
    assert (source, waiting) == (None, {})
    assert type(object.__getattribute__(page, "data")) is tuple  # set, not waiting
    small = await _transport.decode_off_loop_if_large(
        SMALL, Page[ClassifyRunSummary], status=200, request_id=None, method="GET", path="/"
    )
    # Under the threshold it is decoded in place (no thread), and whole all the same.
    assert object.__getattribute__(small, "_wire")[1:] == (None, {})

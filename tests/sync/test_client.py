"""``extend_sync.Extend`` against the emulator: results, errors, pages, threads, callbacks."""

from __future__ import annotations

import asyncio
import threading
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

import extend_async
import extend_sync
from extend_async.testing import ExtendEmulator
from extend_sync import (
    BulkProgress,
    ClassifyRun,
    ClassifyRunSummary,
    Extend,
    ExtendError,
    InvalidInputError,
    NotFoundError,
    PortalThreadError,
    RawResponse,
    RunStatus,
    SyncPager,
)
from extend_sync._portal import THREAD_NAME


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def test_one_import_gives_the_client_helpers_models_and_errors() -> None:
    assert extend_sync.ClassifyRun is extend_async.ClassifyRun
    assert extend_sync.NotFoundError is extend_async.NotFoundError
    missing = {
        name
        for name in extend_async.__all__
        if not name.startswith("Async") and name not in extend_sync.__all__
    }
    assert missing == set()
    assert not [name for name in extend_sync.__all__ if name.startswith("Async")]


def test_get_and_cancel_return_models(client: Extend, emulator: ExtendEmulator) -> None:
    run_id = emulator.seed_runs(1)[0]
    assert client.classify_runs.get(run_id).status == RunStatus.PROCESSING
    cancelled = client.classify_runs.cancel(run_id)
    assert isinstance(cancelled, ClassifyRun)
    assert cancelled.id == run_id
    assert cancelled.status == RunStatus.CANCELLED
    assert emulator.runs[run_id].status == "CANCELLED"


def test_raw_response_carries_status_headers_and_model(
    client: Extend, emulator: ExtendEmulator
) -> None:
    run_id = emulator.seed_runs(1)[0]
    raw = client.classify_runs.with_raw_response.get(run_id)
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert raw.request_id is not None
    assert raw.request_id.startswith("req_")
    assert isinstance(raw.parsed, ClassifyRun)
    assert raw.parsed.id == run_id


def test_errors_keep_their_type_and_the_traceback_starts_at_the_callers_line(
    client: Extend,
) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.classify_runs.get("clr_doesnotexist")  # the caller's line
    frames = traceback.extract_tb(caught.tb)
    assert frames[0].filename == __file__
    assert frames[0].line is not None
    assert "the caller's line" in frames[0].line
    files = [frame.filename.replace("\\", "/") for frame in frames]
    # From the caller through the generated method into the coroutine that raised it.
    assert any(f.endswith("extend_sync/_generated/classify_runs.py") for f in files)
    assert files[-1].endswith("extend_async/_transport.py")
    assert caught.value.status_code == 404


def test_input_errors_raise_in_the_calling_thread_before_sending(client: Extend) -> None:
    with pytest.raises(InvalidInputError, match="max_page_size"):
        client.classify_runs.list(max_page_size=5000)


def test_pager_crosses_the_portal_once_per_page(
    client: Extend, emulator: ExtendEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = "batch_pager_test"
    ids = emulator.seed_runs(25, batch_id=batch)
    crossings: list[object] = []
    portal = client._portal
    real_call = portal.call

    def counting_call(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        crossings.append(fn)
        return real_call(fn, *args, **kwargs)

    monkeypatch.setattr(portal, "call", counting_call)
    pager = client.classify_runs.list(
        batch_id=batch, max_page_size=10, sort_by="createdAt", sort_dir="asc"
    )
    assert isinstance(pager, SyncPager)
    assert crossings == []  # lazy: nothing sent yet
    items = list(pager)
    assert [item.id for item in items] == ids
    assert all(isinstance(item, ClassifyRunSummary) for item in items)
    assert len(crossings) == 3  # pages of 10, 10 and 5
    assert len(pager.first_page().data) == 10
    assert [len(page.data) for page in pager.pages()] == [10, 10, 5]


def test_async_iterator_becomes_a_sync_iterator(client: Extend, emulator: ExtendEmulator) -> None:
    ids = emulator.seed_runs(4)
    outcomes = client.classify_runs.cancel_iter(ids)
    assert isinstance(outcomes, Iterator)
    assert sorted(o.index for o in outcomes) == [0, 1, 2, 3]
    assert {emulator.runs[i].status for i in ids} == {"CANCELLED"}


def test_bulk_cancels_take_a_plain_iterable_read_lazily(
    client: Extend, emulator: ExtendEmulator
) -> None:
    ids = emulator.seed_runs(5)
    read: list[str] = []

    def lazily() -> Iterator[str]:  # a generator: no len(), read once, as the signature says
        for run_id in ids:
            read.append(run_id)
            yield run_id

    result = client.classify_runs.cancel_many(lazily(), concurrency=2)
    assert [o.id for o in result] == ids
    assert read == ids
    assert result.counts.cancelled == 5
    outcomes = list(client.classify_runs.cancel_iter(iter(ids)))
    assert sorted(o.index for o in outcomes) == list(range(5))


def test_leaving_an_iterator_early_closes_the_async_one(
    client: Extend, emulator: ExtendEmulator
) -> None:
    ids = emulator.seed_runs(30)
    for outcome in client.classify_runs.cancel_iter(ids, concurrency=1):
        first = outcome
        break  # the iterator is closed here, and the async one with it
    assert first.index == 0
    statuses_now = [emulator.runs[i].status for i in ids]
    assert statuses_now.count("CANCELLED") < len(ids)  # the operation stopped
    assert [emulator.runs[i].status for i in ids] == statuses_now  # and stays stopped


def test_with_options_shares_the_portal_and_close_closes_the_family(
    emulator: ExtendEmulator,
) -> None:
    client = Extend(emulator.api_key, base_url=emulator.base_url)
    assert client._portal.thread is None  # started lazily
    derived = client.with_options(max_retries=0)
    assert isinstance(derived, Extend)
    assert derived.max_retries == 0
    run_id = emulator.seed_runs(1)[0]
    derived.classify_runs.get(run_id)
    client.classify_runs.get(run_id)
    thread = client._portal.thread
    assert thread is not None
    assert derived._portal is client._portal
    derived.close()
    assert client.is_closed
    assert not thread.is_alive()
    with pytest.raises(ExtendError, match="closed"):
        client.classify_runs.get(run_id)
    client.close()  # idempotent


def test_closing_an_unused_client_starts_nothing(emulator: ExtendEmulator) -> None:
    before = len(loop_threads())
    with Extend(emulator.api_key, base_url=emulator.base_url) as client:
        assert repr(client).startswith("Extend(base_url='http://127.0.0.1:")
    assert client.is_closed
    assert len(loop_threads()) == before


def test_callbacks_run_in_the_loop_thread_and_cannot_call_the_sync_client(
    client: Extend, emulator: ExtendEmulator
) -> None:
    ids = emulator.seed_runs(2)
    seen: list[str] = []
    errors: list[BaseException] = []

    def on_progress(progress: BulkProgress) -> None:
        seen.append(threading.current_thread().name)
        try:
            client.classify_runs.get(ids[0])
        except PortalThreadError as exc:
            errors.append(exc)

    result = client.classify_runs.cancel_many(ids, on_progress=on_progress)
    assert result.counts.cancelled == 2
    assert seen == [THREAD_NAME, THREAD_NAME]
    assert len(errors) == 2
    assert isinstance(errors[0], ExtendError)
    assert "AsyncExtend" in str(errors[0])
    assert "deadlock" in str(errors[0])


def test_calling_from_a_thread_that_runs_an_event_loop_works(
    client: Extend, emulator: ExtendEmulator
) -> None:
    run_id = emulator.seed_runs(1)[0]

    async def notebook_cell() -> ClassifyRun:
        # Jupyter runs a loop in the main thread; a blocking call there must still work.
        return client.classify_runs.get(run_id)

    assert asyncio.run(notebook_cell()).id == run_id


def test_concurrent_threads_share_one_loop_thread_and_the_emulator_sees_every_call(
    client: Extend, emulator: ExtendEmulator
) -> None:
    ids = emulator.seed_runs(32)
    results: dict[int, str] = {}
    barrier = threading.Barrier(32)

    def work(index: int) -> None:
        barrier.wait()
        for _ in range(3):
            results[index] = client.classify_runs.get(ids[index]).id

    threads = [threading.Thread(target=work, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == dict(enumerate(ids))
    assert client._portal.thread in loop_threads()


def test_the_pytest_plugins_extend_client_fixture_is_this_client(
    extend_client: Extend, extend_emulator: ExtendEmulator
) -> None:
    assert isinstance(extend_client, Extend)
    run_id = extend_emulator.seed_runs(1)[0]
    assert extend_client.classify_runs.cancel(run_id).status == RunStatus.CANCELLED

"""Per-call escape hatches: ``extra_headers``, ``extra_query`` and ``extra_body``."""

from __future__ import annotations

import inspect

import orjson
import pytest
from aioresponses import aioresponses

from extend_async import AsyncExtend, FileFromUrl, InvalidInputError
from extend_async.resources.batch_runs import AsyncBatchRuns
from extend_async.resources.classifier_versions import AsyncClassifierVersions
from extend_async.resources.classifiers import AsyncClassifiers
from extend_async.resources.classify_runs import AsyncClassifyRuns
from extend_sync import Extend

from ._helpers import RUN_ID, calls, seed_run, seed_summary, url


async def test_extra_headers_and_query_reach_the_wire(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}", beta="1")), payload=seed_run())
    await client.classify_runs.get(
        RUN_ID, extra_headers={"X-Beta": "yes"}, extra_query={"beta": "1"}
    )
    ((_, sent_url, call),) = calls(mock_api)
    assert call.kwargs["headers"]["X-Beta"] == "yes"
    assert sent_url.query["beta"] == "1"


async def test_extra_body_is_merged_over_the_sdk_body(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(str(url("/classify_runs")), payload=seed_run())
    await client.classify_runs.create(
        file=FileFromUrl(url="https://files.test/a.pdf"),
        classifier="cl_1",
        extra_body={"newField": [1, 2], "priority": 3},
    )
    ((_, _, call),) = calls(mock_api)
    body = orjson.loads(call.kwargs["data"])
    assert body["newField"] == [1, 2]
    assert body["priority"] == 3
    assert body["classifier"] == {"id": "cl_1"}


async def test_extras_on_a_list_apply_to_every_page(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    first = {"object": "list", "data": [seed_summary()], "nextPageToken": "t2"}
    last = {"object": "list", "data": [seed_summary()], "nextPageToken": None}
    mock_api.get(str(url("/classify_runs", beta="1")), payload=first)
    mock_api.get(str(url("/classify_runs", beta="1", nextPageToken="t2")), payload=last)
    runs = [run async for run in client.classify_runs.list(extra_query={"beta": "1"})]
    assert len(runs) == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"extra_headers": {"Bad Name": "x"}},
        {"extra_headers": {"X-Ok": "line\nbreak"}},
        {"extra_query": {1: "x"}},
        {"extra_body": ["not", "a", "mapping"]},
    ],
)
async def test_bad_extras_are_refused_before_sending(
    client: AsyncExtend, mock_api: aioresponses, kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidInputError):
        await client.classify_runs.get(RUN_ID, **kwargs)  # type: ignore[arg-type]
    assert mock_api.requests == {}


@pytest.mark.parametrize(
    "resource",
    [AsyncClassifyRuns, AsyncClassifiers, AsyncClassifierVersions, AsyncBatchRuns],
)
def test_every_public_resource_method_takes_the_extras(resource: type) -> None:
    for name, method in inspect.getmembers(resource, inspect.isfunction):
        if name.startswith("_"):
            continue
        parameters = inspect.signature(method).parameters
        assert parameters["options"].annotation == "Unpack[RequestOptions]", name


def test_the_sync_facade_takes_the_extras_too() -> None:
    client = Extend("sk_test", base_url="https://api.extend.test")
    try:
        signature = inspect.signature(client.classify_runs.cancel)
        assert signature.parameters["options"].annotation == "Unpack[RequestOptions]"
    finally:
        client.close()


async def test_the_debug_log_times_each_attempt_from_its_own_start(
    client: AsyncExtend,
    mock_api: aioresponses,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio
    import logging
    import time

    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    async def long_backoff(delay: float, result: object = None) -> object:
        clock[0] += 100.0  # a backoff of 100 s passes between the attempts
        return result

    monkeypatch.setattr(asyncio, "sleep", long_backoff)
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}")), status=503)
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}")), payload=seed_run())
    with caplog.at_level(logging.DEBUG, logger="extend_async"):
        await client.classify_runs.get(RUN_ID)
    timings = [r.getMessage() for r in caplog.records if "-> " in r.getMessage()]
    assert len(timings) == 2
    assert timings[1].endswith("0.0 ms)")  # not 100000 ms: the backoff is not the attempt


@pytest.mark.parametrize(
    "kwargs",
    [{"extra_query": {"k\udcff": "v"}}, {"extra_query": {"k": "v\udcff"}}],
)
async def test_query_that_cannot_be_sent_is_invalid_input(
    client: AsyncExtend, mock_api: aioresponses, kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidInputError, match="cannot be sent"):
        await client.classify_runs.get(RUN_ID, **kwargs)  # type: ignore[arg-type]
    assert mock_api.requests == {}

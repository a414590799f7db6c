"""``client.classify_runs``: what each method sends, what it returns, how it pages."""

from __future__ import annotations

import inspect
import re
from typing import Any

import aiohttp
import orjson
import pytest
from aioresponses import aioresponses

from extend_async import (
    AsyncExtend,
    AsyncPager,
    ClassifierRef,
    ClassifyConfig,
    ClassifyRunSummary,
    ExtendError,
    FileFromId,
    FileFromText,
    FileFromUrl,
    InvalidInputError,
    RunStatus,
    Timeout,
)
from extend_async.types import (
    BaseProcessor,
    Classification,
    ClassifyAdvancedOptions,
    ClassifyOverrideConfig,
    DeletedClassifyRun,
    FileSettings,
    PageRange,
    RunSource,
)

from ._helpers import RUN_ID, attempts, calls, seed_run, seed_summary, url

LIST_URL = re.compile(re.escape(str(url("/classify_runs"))) + r"(\?.*)?$")

CONFIG = ClassifyConfig(
    classifications=(
        Classification(id="invoice", type="invoice", description="An invoice"),
        Classification(id="other", type="other", description="Anything else"),
    ),
    base_processor=BaseProcessor.CLASSIFICATION_LIGHT,
    advanced_options=ClassifyAdvancedOptions(
        page_ranges=(PageRange(start=1, end=3),), memory_enabled=False
    ),
)
CONFIG_JSON = {
    "classifications": [
        {"id": "invoice", "type": "invoice", "description": "An invoice"},
        {"id": "other", "type": "other", "description": "Anything else"},
    ],
    "baseProcessor": "classification_light",
    "advancedOptions": {"pageRanges": [{"start": 1, "end": 3}], "memoryEnabled": False},
}


def sent_json(mock_api: aioresponses) -> Any:
    ((_, _, call),) = calls(mock_api)
    return orjson.loads(call.kwargs["data"])


def sent_timeout(mock_api: aioresponses) -> aiohttp.ClientTimeout:
    timeout: aiohttp.ClientTimeout = calls(mock_api)[-1][2].kwargs["timeout"]
    return timeout


# --- single-run methods ---------------------------------------------------------------------


async def test_cancel_posts_to_the_cancel_path(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.post(
        str(url(f"/classify_runs/{RUN_ID}/cancel")), payload={**seed_run(), "status": "CANCELLED"}
    )
    run = await client.classify_runs.cancel(RUN_ID)
    assert run.status is RunStatus.CANCELLED
    assert run.is_terminal
    ((method, sent, _),) = calls(mock_api)
    assert (method, sent.raw_path) == ("POST", f"/classify_runs/{RUN_ID}/cancel")


async def test_get_and_delete(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}")), payload=seed_run())
    mock_api.delete(str(url(f"/classify_runs/{RUN_ID}")), payload={"id": RUN_ID})
    assert (await client.classify_runs.get(RUN_ID)).id == RUN_ID
    assert await client.classify_runs.delete(RUN_ID) == DeletedClassifyRun(id=RUN_ID)
    assert [m for m, _, _ in calls(mock_api)] == ["GET", "DELETE"]


@pytest.mark.parametrize(
    ("file", "file_json"),
    [
        (FileFromUrl(url="https://files.test/a.pdf"), {"url": "https://files.test/a.pdf"}),
        (
            FileFromUrl(
                url="https://f.test/b.pdf", name="b.pdf", settings=FileSettings(password="pw")
            ),
            {"url": "https://f.test/b.pdf", "name": "b.pdf", "settings": {"password": "pw"}},
        ),
        (FileFromId(id="file_123"), {"id": "file_123"}),
        (FileFromText(text="hello", name="n.txt"), {"text": "hello", "name": "n.txt"}),
        ({"url": "https://files.test/c.pdf"}, {"url": "https://files.test/c.pdf"}),
    ],
)
async def test_create_with_inline_config(
    client: AsyncExtend, mock_api: aioresponses, file: Any, file_json: dict[str, Any]
) -> None:
    mock_api.post(str(url("/classify_runs")), payload=seed_run())
    run = await client.classify_runs.create(file=file, config=CONFIG)
    assert run.id == RUN_ID
    assert sent_json(mock_api) == {"file": file_json, "config": CONFIG_JSON}


@pytest.mark.parametrize(
    ("classifier", "classifier_json"),
    [
        ("cl_abc", {"id": "cl_abc"}),
        (ClassifierRef(id="cl_abc", version="1.0"), {"id": "cl_abc", "version": "1.0"}),
        (
            ClassifierRef(
                id="cl_abc",
                version="draft",
                override_config=ClassifyOverrideConfig(classification_rules="be strict"),
            ),
            {
                "id": "cl_abc",
                "version": "draft",
                "overrideConfig": {"classificationRules": "be strict"},
            },
        ),
        ({"id": "cl_abc", "version": "latest"}, {"id": "cl_abc", "version": "latest"}),
    ],
)
async def test_create_with_classifier_ref(
    client: AsyncExtend, mock_api: aioresponses, classifier: Any, classifier_json: dict[str, Any]
) -> None:
    mock_api.post(str(url("/classify_runs")), payload=seed_run())
    await client.classify_runs.create(
        file=FileFromId(id="file_1"), classifier=classifier, priority=10, metadata={"k": [1]}
    )
    assert sent_json(mock_api) == {
        "file": {"id": "file_1"},
        "classifier": classifier_json,
        "priority": 10,
        "metadata": {"k": [1]},
    }


async def test_classify_posts_to_the_sync_endpoint_with_a_long_timeout(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(str(url("/classify")), payload={**seed_run(), "status": "PROCESSED"})
    run = await client.classify_runs.classify(file=FileFromText(text="hi"), config=CONFIG)
    assert run.status is RunStatus.PROCESSED
    assert sent_json(mock_api) == {"file": {"text": "hi"}, "config": CONFIG_JSON}
    # The server may take 5 minutes; the SDK's default 60 s would cut it off.
    assert sent_timeout(mock_api).total == 330.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one"),
        ({"classifier": "cl_1", "config": CONFIG}, "exactly one"),
        ({"classifier": 42}, "classifier"),
        ({"config": "nope"}, "config"),
        ({"classifier": "cl_1", "metadata": "x"}, "metadata"),
        ({"classifier": "cl_1", "metadata": {"blob": "x" * 11_000}}, "10 KB"),
        ({"classifier": "cl_1", "metadata": {"when": object()}}, "JSON"),
        ({"classifier": "cl_1", "priority": "high"}, "priority"),
        ({"classifier": "cl_1", "priority": True}, "priority"),
    ],
)
async def test_create_rejects_bad_input_before_sending(
    client: AsyncExtend, mock_api: aioresponses, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(InvalidInputError, match=match):
        await client.classify_runs.create(file=FileFromId(id="file_1"), **kwargs)
    assert mock_api.requests == {}


async def test_create_rejects_a_bad_file(client: AsyncExtend, mock_api: aioresponses) -> None:
    with pytest.raises(InvalidInputError, match="file"):
        await client.classify_runs.create(file="https://files.test/a.pdf", classifier="cl_1")
    assert mock_api.requests == {}


# --- per-call options -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timeout", "total", "connect", "read"),
    [
        (None, 60.0, 10.0, None),
        (5, 5.0, 5.0, None),
        (2.5, 2.5, 2.5, None),
        (Timeout(total=20.0, connect=1.0, read=3.0), 20.0, 1.0, 3.0),
        (Timeout(total=None, connect=2.0, read=None), None, 2.0, None),
    ],
)
async def test_per_call_timeout_reaches_aiohttp(
    client: AsyncExtend,
    mock_api: aioresponses,
    timeout: Any,
    total: float | None,
    connect: float | None,
    read: float | None,
) -> None:
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}")), payload=seed_run())
    await client.classify_runs.get(RUN_ID, timeout=timeout)
    sent = sent_timeout(mock_api)
    assert (sent.total, sent.sock_connect, sent.sock_read) == (total, connect, read)


async def test_with_options_timeout_applies_to_every_method(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(str(url("/classify")), payload=seed_run())
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}")), payload=seed_run())
    quick = client.with_options(timeout=7)
    await quick.classify_runs.get(RUN_ID)
    assert sent_timeout(mock_api).total == 7.0
    await quick.classify_runs.classify(file=FileFromId(id="f"), classifier="cl_1", timeout=400)
    assert sent_timeout(mock_api).total == 400.0


@pytest.mark.parametrize("method", ["get", "cancel", "delete"])
@pytest.mark.parametrize("bad", [0, -1, float("nan"), "10"])
async def test_bad_per_call_timeout_is_rejected_before_sending(
    client: AsyncExtend, mock_api: aioresponses, method: str, bad: Any
) -> None:
    with pytest.raises(InvalidInputError, match="timeout"):
        await getattr(client.classify_runs, method)(RUN_ID, timeout=bad)
    assert mock_api.requests == {}


# --- list -----------------------------------------------------------------------------------


def page_body(ids: list[str], token: str | None) -> dict[str, Any]:
    data = [{**seed_summary(), "id": run_id} for run_id in ids]
    return {"object": "list", "data": data, "nextPageToken": token}


async def test_list_sends_every_filter_camel_cased(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(LIST_URL, payload=page_body([], None))
    await client.classify_runs.list(
        status=RunStatus.PROCESSED,
        classifier_id="cl_1",
        batch_id="bpr_1",
        source_id="workflow_run_1",
        source=RunSource.WORKFLOW_RUN,
        file_name_contains="inv oice&x=1",
        sort_by="createdAt",
        sort_dir="asc",
        max_page_size=7,
        next_page_token="start==:tok/+",
    )
    ((_, sent, _),) = calls(mock_api)
    assert dict(sent.query) == {
        "status": "PROCESSED",
        "classifierId": "cl_1",
        "batchId": "bpr_1",
        "sourceId": "workflow_run_1",
        "source": "WORKFLOW_RUN",
        "fileNameContains": "inv oice&x=1",
        "sortBy": "createdAt",
        "sortDir": "asc",
        "maxPageSize": "7",
        "nextPageToken": "start==:tok/+",
    }


async def test_list_without_filters_sends_no_query(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(LIST_URL, payload=page_body([], None))
    await client.classify_runs.list()
    ((_, sent, _),) = calls(mock_api)
    assert sent.raw_query_string == ""


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"status": "DONE"}, "status"),
        ({"source": "EMAIL"}, "source"),
        ({"sort_by": "name"}, "sort_by"),
        ({"sort_dir": "up"}, "sort_dir"),
        ({"max_page_size": 0}, "max_page_size"),
        ({"max_page_size": 1001}, "max_page_size"),
        ({"max_page_size": "10"}, "max_page_size"),
        ({"max_page_size": True}, "max_page_size"),
    ],
)
def test_list_rejects_bad_filters_at_call_time(
    client: AsyncExtend, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(InvalidInputError, match=match):
        client.classify_runs.list(**kwargs)


async def test_list_sends_nothing_until_awaited_or_iterated(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(LIST_URL, payload=page_body(["clr_1"], None))
    pager = client.classify_runs.list(max_page_size=5)
    assert isinstance(pager, AsyncPager)
    assert mock_api.requests == {}
    page = await pager
    assert [run.id for run in page.data] == ["clr_1"]


async def test_await_gives_the_first_page_only(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(LIST_URL, payload=page_body(["clr_1", "clr_2"], "tok_2"))
    page = await client.classify_runs.list(max_page_size=2)
    assert [run.id for run in page.data] == ["clr_1", "clr_2"]
    assert page.next_page_token == "tok_2"
    assert len(calls(mock_api)) == 1


async def test_async_for_yields_every_item_across_pages(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(LIST_URL, payload=page_body(["clr_1", "clr_2"], "tok_2"))
    mock_api.get(LIST_URL, payload=page_body(["clr_3", "clr_4"], "tok_3"))
    mock_api.get(LIST_URL, payload=page_body(["clr_5"], None))
    seen = [run async for run in client.classify_runs.list(status="PROCESSED", max_page_size=2)]
    assert [run.id for run in seen] == ["clr_1", "clr_2", "clr_3", "clr_4", "clr_5"]
    assert all(type(run) is ClassifyRunSummary for run in seen)
    sent = [dict(u.query) for _, u, _ in calls(mock_api)]
    # Filters repeat on every page; the cursor follows the previous page.
    assert sent == [
        {"status": "PROCESSED", "maxPageSize": "2"},
        {"status": "PROCESSED", "maxPageSize": "2", "nextPageToken": "tok_2"},
        {"status": "PROCESSED", "maxPageSize": "2", "nextPageToken": "tok_3"},
    ]


async def test_pages_yields_whole_pages(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(LIST_URL, payload=page_body(["clr_1"], "tok_2"))
    mock_api.get(LIST_URL, payload=page_body([], "tok_3"))  # an empty page mid-way
    mock_api.get(LIST_URL, payload=page_body(["clr_3"], ""))  # "" ends the list too
    pages = [page async for page in client.classify_runs.list().pages()]
    assert [[run.id for run in page.data] for page in pages] == [["clr_1"], [], ["clr_3"]]


async def test_first_page_is_fetched_afresh_each_time(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(LIST_URL, payload=page_body(["clr_1"], "tok_2"), repeat=True)
    pager = client.classify_runs.list()
    first = await pager.fetch_page(None)
    again = await pager.first_page()
    assert first == again
    assert len(calls(mock_api)) == 2


@pytest.mark.parametrize(
    "tokens",
    [["tok_same", "tok_same"], ["tok_a", "tok_b", "tok_a"]],
    ids=["self-loop", "cycle"],
)
async def test_a_cursor_cycle_stops_with_an_error(
    client: AsyncExtend, mock_api: aioresponses, tokens: list[str]
) -> None:
    for index, token in enumerate(tokens):
        mock_api.get(LIST_URL, payload=page_body([f"clr_{index}"], token))
    seen: list[str] = []

    async def drain() -> None:
        async for run in client.classify_runs.list():
            seen.append(run.id)

    with pytest.raises(ExtendError, match="nextPageToken"):
        await drain()
    assert seen == [f"clr_{index}" for index in range(len(tokens))]
    assert len(calls(mock_api)) == len(tokens)


async def test_paging_retries_each_page_on_its_own(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(LIST_URL, payload=page_body(["clr_1"], "tok_2"))
    mock_api.get(LIST_URL, status=503)
    mock_api.get(LIST_URL, payload=page_body(["clr_2"], None))
    ids = [run.id async for run in client.classify_runs.list()]
    assert ids == ["clr_1", "clr_2"]
    assert attempts(mock_api, "GET", "/classify_runs", nextPageToken="tok_2") == 2


async def test_raw_response_exposes_status_headers_and_request_id(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    cancel_url = str(url(f"/classify_runs/{RUN_ID}/cancel"))
    mock_api.post(cancel_url, status=502)
    mock_api.post(
        cancel_url,
        payload={**seed_run(), "status": "CANCELLED"},
        headers={"x-extend-request-id": "req_raw_1", "X-Other": "yes"},
    )
    raw = await client.classify_runs.with_raw_response.cancel(RUN_ID)
    assert raw.status_code == 200
    assert raw.request_id == "req_raw_1"
    assert raw.headers["x-other"] == "yes"
    assert raw.attempts == 2
    assert raw.elapsed >= 0
    assert raw.parsed.status is RunStatus.CANCELLED
    assert raw.parsed.id == RUN_ID


@pytest.mark.parametrize("method", ["get", "delete"])
async def test_raw_response_for_other_methods(
    client: AsyncExtend, mock_api: aioresponses, method: str
) -> None:
    mock_api.add(
        str(url(f"/classify_runs/{RUN_ID}")),
        method.upper(),
        payload=seed_run(),
        headers={"x-extend-request-id": f"req_{method}"},
    )
    raw = await getattr(client.classify_runs.with_raw_response, method)(RUN_ID, max_retries=0)
    assert raw.request_id == f"req_{method}"
    assert raw.parsed.id == RUN_ID


async def test_raw_response_without_a_request_id(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(str(url("/classify_runs")), payload=seed_run())
    raw = await client.classify_runs.with_raw_response.create(
        file=FileFromId(id="f"), classifier="cl_1"
    )
    assert raw.request_id is None
    assert raw.attempts == 1


async def test_raw_response_errors_raise_as_usual(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(
        str(url(f"/classify_runs/{RUN_ID}/cancel")),
        status=404,
        payload={"code": "NOT_FOUND", "message": "no"},
    )
    with pytest.raises(ExtendError, match="NOT_FOUND"):
        await client.classify_runs.with_raw_response.cancel(RUN_ID)


@pytest.mark.parametrize("name", ["create", "classify", "get", "cancel", "delete", "list"])
def test_every_method_takes_timeout_and_max_retries(client: AsyncExtend, name: str) -> None:
    # They are keys of RequestOptions, taken as ``**options: Unpack[RequestOptions]``.
    parameters = inspect.signature(getattr(client.classify_runs, name)).parameters
    options = parameters["options"]
    assert options.kind is inspect.Parameter.VAR_KEYWORD
    assert options.annotation == "Unpack[RequestOptions]"
    if name != "list":
        raw = inspect.signature(getattr(client.classify_runs.with_raw_response, name))
        assert raw.parameters.keys() == parameters.keys()

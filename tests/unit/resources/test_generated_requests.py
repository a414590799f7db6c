"""Each generated endpoint's request, checked against the schema's endpoint table: method,
path (an id that needs escaping), query keys, body keys; the answer decoded to its model.
Plus what every generated method shares: retries, raw responses, pagination, bad input."""

from __future__ import annotations

import asyncio
import contextlib
import re
import warnings
from typing import Any

import aiohttp
import orjson
import pytest
from aioresponses import aioresponses
from aioresponses.core import RequestCall
from hypothesis import HealthCheck, given, settings
from schema._schema import endpoint as schema_endpoint
from schema._strategies import answer
from yarl import URL

from extend_async import (
    AsyncExtend,
    FileFromUrl,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    RetryPolicy,
)

from ._schema_calls import GENERATED, ID, call_of, expected_path

BASE_URL = "https://api.extend.test"
ANY_URL = re.compile(re.escape(BASE_URL) + r"/.*")
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)


def requests_of(mock: aioresponses) -> dict[tuple[str, URL], list[RequestCall]]:
    assert mock.requests is not None
    return mock.requests


def endpoint_id(endpoint: dict[str, Any]) -> str:
    return f"{endpoint['namespace']}.{endpoint['method']}"


async def one_call(endpoint: dict[str, Any], body: Any) -> tuple[Any, str, Any, Any]:
    """The call's result, and the one request it made: method, URL, JSON body."""
    async with AsyncExtend("sk_test", base_url=BASE_URL, max_retries=0) as client:
        with aioresponses() as mock, warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the legacy ones warn
            mock.add(
                ANY_URL, endpoint["http"], body=orjson.dumps(body), content_type="application/json"
            )
            result = call_of(client, endpoint)
            if endpoint["method"] == "list":
                result = await result.first_page()
            else:
                result = await result
            ((method, url), (call,)) = next(iter(requests_of(mock).items()))
            data = call.kwargs.get("data")
            return result, method, url, None if data is None else orjson.loads(data)


@pytest.mark.parametrize("endpoint", GENERATED, ids=endpoint_id)
def test_each_endpoints_request_is_what_the_schema_says(endpoint: dict[str, Any]) -> None:
    response = endpoint["response"].removeprefix("Extend.")

    @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=answer(response))
    def check(body: dict[str, Any]) -> None:
        result, method, url, sent = asyncio.run(one_call(endpoint, body))
        assert method == endpoint["http"]
        assert url.raw_path == expected_path(endpoint)
        assert set(url.query) == {q["name"] for q in endpoint["query"]}
        if endpoint["body"]:
            assert set(sent) == {b["name"] for b in endpoint["body"]}
        else:
            assert sent is None
        assert result is not None

    check()


def test_the_escaped_id_is_one_path_segment() -> None:
    assert "/" not in expected_path(schema_endpoint("extract_runs", "retrieve"))[14:]
    assert " " not in expected_path(schema_endpoint("extract_runs", "retrieve"))
    assert ID not in expected_path(schema_endpoint("extract_runs", "retrieve"))


# -- what the generated methods share ---------------------------------------------------------


# Answers here are not the point: the lenient decoder reads what fits (and logs the rest).
SOME_RUN = {"object": "extract_run", "id": "exr_1", "status": "PROCESSING"}


def attempts(mock: aioresponses) -> int:
    return sum(len(seen) for seen in requests_of(mock).values())


async def test_a_create_is_sent_once_and_an_update_a_get_a_cancel_are_retried(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(ANY_URL, status=500, repeat=True)
    with pytest.raises(InternalServerError):
        await client.extractors.create(name="Invoices")
    assert attempts(mock_api) == 1
    with pytest.raises(InternalServerError):
        await client.extractors.update("ex_1", name="Invoices")
    assert attempts(mock_api) == 1 + 3
    with pytest.raises(InternalServerError):
        await client.extract_runs.cancel("exr_1")
    assert attempts(mock_api) == 1 + 3 + 3
    with pytest.raises(InternalServerError):
        await client.extract(file={"url": "https://example.com/a.pdf"})  # a root call
    assert attempts(mock_api) == 1 + 3 + 3 + 1
    mock_api.get(ANY_URL, status=500, repeat=True)
    with pytest.raises(InternalServerError):
        await client.extract_runs.get("exr_1")
    assert attempts(mock_api) == 1 + 3 + 3 + 1 + 3


async def test_root_calls_wait_330_seconds_unless_told_otherwise(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(ANY_URL, payload=SOME_RUN, repeat=True)
    await client.extract(file={"url": "https://example.com/a.pdf"})
    await client.extract(file={"url": "https://example.com/a.pdf"}, timeout=12)
    timeouts: list[aiohttp.ClientTimeout] = [
        call.kwargs["timeout"] for seen in requests_of(mock_api).values() for call in seen
    ]
    assert [t.total for t in timeouts] == [330.0, 12.0]


async def test_a_model_from_an_answer_can_be_sent_back(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(ANY_URL, payload=SOME_RUN)
    await client.extract_runs.create(file=FileFromUrl(url="https://example.com/a.pdf"), priority=3)
    ((_, (call,)),) = requests_of(mock_api).items()
    assert orjson.loads(call.kwargs["data"]) == {
        "file": {"url": "https://example.com/a.pdf"},
        "priority": 3,
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.extract_runs.get("a/b"),
        lambda c: c.extract_runs.get(""),
        lambda c: c.extract_runs.create(file=object()),
        lambda c: c.extractors.create(name=None),
        lambda c: c.extract_runs.list(status=["PROCESSED"]).first_page(),
        lambda c: c.extract_runs.list(max_page_size=0).first_page(),
        lambda c: c.workflow_runs.update("workflow_run_1", metadata={1: "x"}),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(
    client: AsyncExtend, mock_api: aioresponses, call: Any
) -> None:
    with pytest.raises(InvalidInputError):
        await call(client)
    assert attempts(mock_api) == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.processor_runs.get("dpr_1"), "processor_runs.get"),
        (lambda c: c.processors.list().first_page(), "processors.list"),
        (lambda c: c.batch_processor_runs.get("bpr_1"), "batch_processor_runs.get"),
        (
            lambda c: c.edit_schemas.generate(file={"url": "https://example.com/a.pdf"}),
            "edit_schemas.generate is deprecated",
        ),
    ],
)
async def test_legacy_and_deprecated_endpoints_warn_when_called(
    client: AsyncExtend, mock_api: aioresponses, call: Any, message: str
) -> None:
    mock_api.add(ANY_URL, "GET", status=404, repeat=True)
    mock_api.add(ANY_URL, "POST", status=404, repeat=True)
    with (
        pytest.warns(DeprecationWarning, match=re.escape(message)),
        contextlib.suppress(NotFoundError),
    ):
        await call(client)


async def test_current_endpoints_do_not_warn(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(ANY_URL, payload=SOME_RUN)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        await client.extract_runs.get("exr_1")


def test_deprecated_methods_say_so() -> None:
    from extend_async.resources._generated.edit_schemas import AsyncEditSchemas
    from extend_async.resources._generated.processors import AsyncProcessors

    assert "Deprecated" in (AsyncProcessors.create.__doc__ or "")
    assert "Deprecated" in (AsyncEditSchemas.generate.__doc__ or "")
    assert getattr(AsyncProcessors.create, "__deprecated__", None)


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda c: c.extract_runs.create(config={"advanced_options": {}}), "'advancedOptions'"),
        (
            lambda c: c.workflow_runs.create(
                workflow={"id": "workflow_1"},
                outputs=[{"processorId": "dp_1", "output": {}}, {"processor_id": "dp_2"}],
            ),
            "outputs[1]: 'processor_id'",
        ),
        (
            lambda c: c.extract(
                file={"url": "u"}, config={"advancedOptions": {"citations_enabled": True}}
            ),
            "config.advancedOptions: 'citations_enabled'",
        ),
    ],
)
async def test_a_mapping_with_a_snake_case_key_the_api_spells_otherwise_is_refused(
    client: AsyncExtend, mock_api: aioresponses, call: Any, named: str
) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(named)):
        await call(client)
    assert attempts(mock_api) == 0


async def test_a_mapping_that_holds_itself_is_refused(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    looped: Any = {"schema": {}}
    looped["schema"]["self"] = looped
    with pytest.raises(InvalidInputError, match="nests too deeply"):
        await client.extractors.create(name="Loop", config=looped)
    assert attempts(mock_api) == 0

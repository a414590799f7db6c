"""What every request carries: auth, API version, workspace, User-Agent, JSON body."""

from __future__ import annotations

import platform
import re

import aiohttp
import orjson
import pytest
from aioresponses import aioresponses

from extend_async import AsyncExtend, FileFromUrl, __version__

from ._helpers import API_KEY, BASE_URL, RUN_ID, calls, seed_run, url


def _only_request_headers(mock_api: aioresponses) -> dict[str, str]:
    ((_, _, call),) = calls(mock_api)
    headers: dict[str, str] = call.kwargs["headers"]
    return headers


async def test_every_request_carries_auth_version_and_user_agent(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}")), payload=seed_run())
    await client.classify_runs.get(RUN_ID)
    headers = _only_request_headers(mock_api)
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["x-extend-api-version"] == "2026-02-09"
    assert headers["Accept"] == "application/json"
    assert "x-extend-workspace-id" not in {name.lower() for name in headers}
    assert "Content-Type" not in headers  # a GET has no body


def test_user_agent_names_the_sdk_python_and_aiohttp() -> None:
    from extend_async._transport import user_agent

    assert re.fullmatch(
        rf"extend-client/{re.escape(__version__)} "
        rf"\(Python {re.escape(platform.python_version())}; "
        rf"aiohttp {re.escape(aiohttp.__version__)}\)",
        user_agent(),
    )


async def test_user_agent_is_sent(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.delete(str(url(f"/classify_runs/{RUN_ID}")), payload={"id": RUN_ID})
    await client.classify_runs.delete(RUN_ID)
    agent = _only_request_headers(mock_api)["User-Agent"]
    assert agent.startswith(f"extend-client/{__version__} ")
    assert f"aiohttp {aiohttp.__version__}" in agent
    assert f"Python {platform.python_version()}" in agent


async def test_workspace_and_version_headers_follow_the_client_settings(
    mock_api: aioresponses,
) -> None:
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}")), payload=seed_run(), repeat=True)
    async with AsyncExtend(
        API_KEY, base_url=BASE_URL, workspace_id="ws_abc", api_version="2025-04-21"
    ) as client:
        await client.classify_runs.get(RUN_ID)
        await client.with_options(workspace_id="ws_other").classify_runs.get(RUN_ID)
    first, second = (call.kwargs["headers"] for _, _, call in calls(mock_api))
    assert first["x-extend-workspace-id"] == "ws_abc"
    assert first["x-extend-api-version"] == "2025-04-21"
    assert second["x-extend-workspace-id"] == "ws_other"
    assert second["Authorization"] == f"Bearer {API_KEY}"


async def test_default_headers_are_added(mock_api: aioresponses) -> None:
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}")), payload=seed_run())
    async with AsyncExtend(
        API_KEY, base_url=BASE_URL, default_headers={"X-Trace-Id": "trace-1"}
    ) as client:
        await client.classify_runs.get(RUN_ID)
    headers = _only_request_headers(mock_api)
    assert headers["X-Trace-Id"] == "trace-1"
    assert headers["Authorization"] == f"Bearer {API_KEY}"


async def test_json_bodies_are_sent_as_json(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.post(str(url("/classify_runs")), payload=seed_run())
    await client.classify_runs.create(
        file=FileFromUrl(url="https://files.test/a.pdf", name="a.pdf"),
        classifier="cl_123",
        priority=5,
        metadata={"customerId": "abc"},
    )
    ((_, _, call),) = calls(mock_api)
    assert call.kwargs["headers"]["Content-Type"] == "application/json"
    assert orjson.loads(call.kwargs["data"]) == {
        "file": {"url": "https://files.test/a.pdf", "name": "a.pdf"},
        "classifier": {"id": "cl_123"},
        "priority": 5,
        "metadata": {"customerId": "abc"},
    }


@pytest.mark.parametrize("method", ["cancel", "get", "delete"])
async def test_requests_without_a_body_send_none(
    client: AsyncExtend, mock_api: aioresponses, method: str
) -> None:
    payload = {"id": RUN_ID} if method == "delete" else seed_run()
    verb = {"cancel": "POST", "get": "GET", "delete": "DELETE"}[method]
    path = f"/classify_runs/{RUN_ID}" + ("/cancel" if method == "cancel" else "")
    mock_api.add(str(url(path)), verb, payload=payload)
    await getattr(client.classify_runs, method)(RUN_ID)
    ((sent_method, sent_url, call),) = calls(mock_api)
    assert (sent_method, sent_url) == (verb, url(path))
    assert call.kwargs["data"] is None

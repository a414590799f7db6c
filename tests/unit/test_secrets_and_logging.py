"""The API key never shows: not in a repr, a log record, or an exception's text."""

from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from extend_async import (
    AsyncExtend,
    ExtendError,
    FileFromId,
    InvalidInputError,
    ResponseDecodeError,
)

from ._helpers import API_KEY, BASE_URL, FAST_RETRY, RUN_ID, seed_run, url

GET_URL = str(url(f"/classify_runs/{RUN_ID}"))
BODY_MARKER = "Document Type Classifier"  # a value from the response body


def everything_about(error: BaseException) -> str:
    """All the text an error can show: message, repr, traceback with causes, attributes."""
    return "\n".join(
        [
            str(error),
            repr(error),
            "".join(traceback.format_exception(type(error), error, error.__traceback__)),
            repr(vars(error)),
        ]
    )


def assert_no_key(text: str) -> None:
    assert API_KEY not in text
    assert API_KEY[3:] not in text  # not even without its prefix


async def test_reprs_do_not_show_the_key(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.post(
        str(url(f"/classify_runs/{RUN_ID}/cancel")),
        payload=seed_run(),
        headers={"x-extend-request-id": "req_1"},
    )
    raw = await client.classify_runs.with_raw_response.cancel(RUN_ID)
    derived = client.with_options(workspace_id="ws_1", timeout=3)
    shown = [
        repr(client),
        str(client),
        repr(derived),
        repr(client._requester.options),
        repr(derived._requester.options),
        repr(raw),
        repr(client.classify_runs.list()),
        repr(client.classify_runs),
    ]
    for text in shown:
        assert_no_key(text)
    assert "api.extend.test" in repr(client)  # the repr is still useful


async def test_a_full_retry_sequence_logs_metadata_only(
    mock_api: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # A body that echoes the key must not leak it through the log either.
    mock_api.get(GET_URL, status=500, payload={"code": "INTERNAL_ERROR", "message": API_KEY})
    mock_api.get(GET_URL, status=429, headers={"Retry-After": "0", "x-extend-request-id": "req_b"})
    mock_api.get(GET_URL, exception=aiohttp.ServerDisconnectedError())
    mock_api.get(GET_URL, exception=asyncio.TimeoutError())
    mock_api.get(GET_URL, payload=seed_run(), headers={"x-extend-request-id": "req_ok"})
    async with AsyncExtend(API_KEY, base_url=BASE_URL, retry_policy=FAST_RETRY) as client:
        run = await client.classify_runs.get(RUN_ID, max_retries=4)
    assert run.id == RUN_ID

    ours = [r for r in caplog.records if r.name.startswith("extend_async")]
    assert ours, "the request layer logs to the 'extend_async' logger"
    retries = [r for r in ours if r.levelno == logging.INFO]
    assert len(retries) == 4
    assert all(f"/classify_runs/{RUN_ID}" in r.getMessage() for r in retries)
    answers = [r.getMessage() for r in ours if r.levelno == logging.DEBUG]
    assert any("-> 200" in m and "req_ok" in m for m in answers)
    assert any("-> 429" in m and "req_b" in m for m in answers)

    for record in caplog.records:
        assert_no_key(record.getMessage())
        assert_no_key(repr(record.args))
        assert_no_key(record.exc_text or "")
    assert_no_key(caplog.text)
    assert BODY_MARKER not in caplog.text  # bodies are not logged


async def _errors_of_every_kind(mock_api: aioresponses) -> list[BaseException]:
    caught: list[BaseException] = []
    client = AsyncExtend(API_KEY, base_url=BASE_URL, retry_policy=FAST_RETRY, max_retries=0)
    for status in (400, 401, 402, 403, 404, 408, 409, 418, 422, 429, 500, 502):
        mock_api.get(
            GET_URL,
            status=status,
            payload={"code": "X", "message": "m", "requestId": "req_1"},
            headers={"Retry-After": "1"},
        )
    mock_api.get(GET_URL, status=502, body="<html>bad gateway</html>")
    mock_api.get(GET_URL, exception=aiohttp.ServerDisconnectedError())
    mock_api.get(GET_URL, exception=aiohttp.ClientOSError(104, "reset"))
    mock_api.get(GET_URL, exception=asyncio.TimeoutError())
    mock_api.get(GET_URL, body=b"not json")
    for _ in range(17):
        try:
            await client.classify_runs.get(RUN_ID)
        except ExtendError as exc:
            caught.append(exc)
    attempts: list[Any] = [
        lambda: client.classify_runs.get(""),
        lambda: client.classify_runs.cancel("a/b"),
        lambda: client.classify_runs.get(RUN_ID, timeout=-1),
        lambda: client.classify_runs.create(file=FileFromId(id="f")),
    ]
    for attempt in attempts:
        try:
            await attempt()
        except ExtendError as exc:
            caught.append(exc)
    await client.aclose()
    try:
        await client.classify_runs.get(RUN_ID)
    except ExtendError as exc:
        caught.append(exc)
    return caught


async def test_error_text_of_every_class_does_not_show_the_key(mock_api: aioresponses) -> None:
    errors = await _errors_of_every_kind(mock_api)
    assert len(errors) == 22
    assert len({type(e) for e in errors}) >= 14
    assert any(isinstance(e, ResponseDecodeError) for e in errors)
    for error in errors:
        assert_no_key(everything_about(error))


@pytest.mark.parametrize("bad_key", ["sk live", "sk\x00live", "sk_live\n"])
def test_rejecting_a_malformed_key_does_not_echo_it(bad_key: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncExtend(bad_key)
    assert bad_key.strip() not in everything_about(caught.value)


def test_options_validation_errors_do_not_show_the_key() -> None:
    client = AsyncExtend(API_KEY, base_url=BASE_URL)
    for bad in ({"timeout": 0}, {"max_retries": -1}, {"workspace_id": "ws\n"}):
        with pytest.raises(InvalidInputError) as caught:
            client.with_options(**bad)
        assert_no_key(everything_about(caught.value))

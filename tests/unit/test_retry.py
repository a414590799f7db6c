"""When a request is retried, how long the client waits, and when it gives up."""

from __future__ import annotations

import asyncio
import random
import types
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from extend_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncExtend,
    BadRequestError,
    FileFromUrl,
    InternalServerError,
    InvalidInputError,
    RateLimitError,
    RetryPolicy,
    RunStatus,
)
from extend_async._retry import retry_after_seconds

from ._helpers import API_KEY, BASE_URL, RUN_ID, attempts, seed_run, url

GET_PATH = f"/classify_runs/{RUN_ID}"
GET_URL = str(url(GET_PATH))
CREATE_URL = str(url("/classify_runs"))
NOW = 1_800_000_000.0  # a fixed "now" for HTTP-date hints


def error_body(retryable: bool | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": "SOME_CODE", "message": "nope"}
    if retryable is not None:
        body["retryable"] = retryable
    return body


def connector_error() -> aiohttp.ClientConnectorError:
    """Connection refused: the request surely never left the machine."""
    key = types.SimpleNamespace(host="api.extend.test", port=443, ssl=True)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))  # type: ignore[arg-type]


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> float:
    """Pins the clock ``_retry`` reads, so an HTTP-date hint is an exact number of seconds."""
    import extend_async._retry as retry_module

    monkeypatch.setattr(retry_module, "time", types.SimpleNamespace(time=lambda: NOW))
    return NOW


@pytest.fixture
async def hinted_client() -> Any:
    """A client whose backoff is recognisable (0.5 s ceiling) while hints are honoured."""
    policy = RetryPolicy(initial_delay=1.0, max_delay=8.0, max_retry_after=60.0)
    async with AsyncExtend(API_KEY, base_url=BASE_URL, retry_policy=policy) as extend:
        yield extend


# --- which statuses are retried -------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
async def test_transient_statuses_are_retried(
    client: AsyncExtend, mock_api: aioresponses, sleeps: list[float], status: int
) -> None:
    mock_api.get(GET_URL, status=status, payload=error_body())
    mock_api.get(GET_URL, payload=seed_run())
    run = await client.classify_runs.get(RUN_ID)
    assert run.id == RUN_ID
    assert attempts(mock_api, "GET", GET_PATH) == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
async def test_client_errors_are_not_retried(
    client: AsyncExtend, mock_api: aioresponses, sleeps: list[float], status: int
) -> None:
    mock_api.get(GET_URL, status=status, payload=error_body(), repeat=True)
    with pytest.raises(APIStatusError) as caught:
        await client.classify_runs.get(RUN_ID)
    assert caught.value.status_code == status
    assert attempts(mock_api, "GET", GET_PATH) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_retryable_false_in_the_body_is_never_retried(
    client: AsyncExtend, mock_api: aioresponses, sleeps: list[float], status: int
) -> None:
    mock_api.get(
        GET_URL, status=status, payload=error_body(retryable=False), headers={"Retry-After": "1"}
    )
    with pytest.raises(APIStatusError) as caught:
        await client.classify_runs.get(RUN_ID)
    assert caught.value.retryable is False
    assert attempts(mock_api, "GET", GET_PATH) == 1
    assert sleeps == []


async def test_retryable_true_in_the_body_is_retried_even_for_a_400(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    # The docs say to trust `retryable`: domain-specific codes may be transient.
    mock_api.get(GET_URL, status=400, payload=error_body(retryable=True))
    mock_api.get(GET_URL, payload=seed_run())
    await client.classify_runs.get(RUN_ID)
    assert attempts(mock_api, "GET", GET_PATH) == 2


async def test_default_is_two_retries_then_the_last_error(
    client: AsyncExtend, mock_api: aioresponses, sleeps: list[float]
) -> None:
    for code in ("FIRST", "SECOND", "THIRD", "NEVER_SENT"):
        mock_api.get(GET_URL, status=500, payload={"code": code, "message": "boom"})
    with pytest.raises(InternalServerError) as caught:
        await client.classify_runs.get(RUN_ID)
    assert caught.value.code == "THIRD"
    assert attempts(mock_api, "GET", GET_PATH) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("max_retries", [0, 1, 4])
async def test_per_call_max_retries(
    client: AsyncExtend, mock_api: aioresponses, max_retries: int
) -> None:
    mock_api.get(GET_URL, status=503, repeat=True)
    with pytest.raises(InternalServerError):
        await client.classify_runs.get(RUN_ID, max_retries=max_retries)
    assert attempts(mock_api, "GET", GET_PATH) == max_retries + 1


async def test_client_and_with_options_max_retries(mock_api: aioresponses) -> None:
    mock_api.get(GET_URL, status=503, repeat=True)
    policy = RetryPolicy(initial_delay=0.001, max_delay=0.001)
    async with AsyncExtend(API_KEY, base_url=BASE_URL, max_retries=0, retry_policy=policy) as c:
        with pytest.raises(InternalServerError):
            await c.classify_runs.get(RUN_ID)
        assert attempts(mock_api, "GET", GET_PATH) == 1
        with pytest.raises(InternalServerError):
            await c.with_options(max_retries=3).classify_runs.get(RUN_ID)
        assert attempts(mock_api, "GET", GET_PATH) == 1 + 4


@pytest.mark.parametrize("bad", [-1, True, 1.5, "2"])
async def test_bad_per_call_max_retries_is_rejected_before_sending(
    client: AsyncExtend, mock_api: aioresponses, bad: Any
) -> None:
    with pytest.raises(InvalidInputError, match="max_retries"):
        await client.classify_runs.get(RUN_ID, max_retries=bad)
    assert mock_api.requests == {}


# --- how long it waits ----------------------------------------------------------------------


async def test_retry_after_seconds_and_ms_are_honoured(
    hinted_client: AsyncExtend, mock_api: aioresponses, sleeps: list[float]
) -> None:
    mock_api.get(GET_URL, status=429, payload=error_body(True), headers={"Retry-After": "3"})
    mock_api.get(GET_URL, status=503, headers={"retry-after-ms": "250"})
    mock_api.get(GET_URL, payload=seed_run())
    await hinted_client.classify_runs.get(RUN_ID)
    assert sleeps == [3.0, 0.25]


async def test_retry_after_ms_wins_over_retry_after(
    hinted_client: AsyncExtend, mock_api: aioresponses, sleeps: list[float]
) -> None:
    mock_api.get(GET_URL, status=429, headers={"Retry-After": "5", "retry-after-ms": "1500"})
    mock_api.get(GET_URL, payload=seed_run())
    await hinted_client.classify_runs.get(RUN_ID)
    assert sleeps == [1.5]


async def test_retry_after_http_date_is_honoured(
    hinted_client: AsyncExtend, mock_api: aioresponses, sleeps: list[float], frozen_now: float
) -> None:
    when = datetime.fromtimestamp(frozen_now + 12, tz=timezone.utc)
    mock_api.get(GET_URL, status=429, headers={"Retry-After": format_datetime(when, usegmt=True)})
    mock_api.get(GET_URL, payload=seed_run())
    await hinted_client.classify_runs.get(RUN_ID)
    assert sleeps == [12.0]


@pytest.mark.parametrize("hint", ["120", "60.5"])
async def test_a_hint_beyond_the_cap_is_not_waited_out(
    hinted_client: AsyncExtend, mock_api: aioresponses, sleeps: list[float], hint: str
) -> None:
    mock_api.get(GET_URL, status=429, headers={"Retry-After": hint}, repeat=True)
    with pytest.raises(RateLimitError) as caught:
        await hinted_client.classify_runs.get(RUN_ID)
    assert caught.value.retry_after == float(hint)
    assert attempts(mock_api, "GET", GET_PATH) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "soon"},
        {"Retry-After": "nan"},
        {"retry-after-ms": "NaN"},
        {"Retry-After": "inf"},
        {"X-RateLimit-Reset": "nan"},
    ],
)
async def test_unusable_hints_fall_back_to_backoff(
    hinted_client: AsyncExtend, mock_api: aioresponses, sleeps: list[float], headers: dict[str, str]
) -> None:
    mock_api.get(GET_URL, status=503, headers=headers)
    mock_api.get(GET_URL, payload=seed_run())
    await hinted_client.classify_runs.get(RUN_ID)
    (delay,) = sleeps
    assert 0.5 <= delay <= 1.0  # first backoff step of a 1 s policy


async def test_past_and_negative_hints_mean_retry_now(
    hinted_client: AsyncExtend, mock_api: aioresponses, sleeps: list[float], frozen_now: float
) -> None:
    past = datetime.fromtimestamp(frozen_now - 30, tz=timezone.utc)
    mock_api.get(GET_URL, status=503, headers={"Retry-After": format_datetime(past, usegmt=True)})
    mock_api.get(GET_URL, status=503, headers={"Retry-After": "-4"})
    mock_api.get(GET_URL, payload=seed_run())
    await hinted_client.with_options(max_retries=2).classify_runs.get(RUN_ID)
    assert sleeps == [0.0, 0.0]


def test_retry_after_header_forms(frozen_now: float) -> None:
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after": "0.75"}) == 0.75
    assert retry_after_seconds({"retry-after-ms": "20"}) == 0.02
    assert retry_after_seconds({"retry-after": "Fri, 15 Jan 2027 08:00:05 GMT"}) == (
        datetime(2027, 1, 15, 8, 0, 5, tzinfo=timezone.utc).timestamp() - frozen_now
    )
    # A "-0000" zone parses to a naive datetime; it still means UTC, not local time.
    assert retry_after_seconds({"retry-after": "Fri, 15 Jan 2027 08:00:05 -0000"}) == (
        datetime(2027, 1, 15, 8, 0, 5, tzinfo=timezone.utc).timestamp() - frozen_now
    )
    assert retry_after_seconds({"x-ratelimit-reset": str(frozen_now + 9)}) == 9.0
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"retry-after": ""}) is None


def test_backoff_is_exponential_with_equal_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    ceilings = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    monkeypatch.setattr(random, "random", lambda: 0.0)
    assert [policy.backoff(i) for i in range(7)] == [c / 2 for c in ceilings]
    monkeypatch.setattr(random, "random", lambda: 1.0)
    assert [policy.backoff(i) for i in range(7)] == ceilings


def test_backoff_jitter_spreads_within_bounds() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=4.0)
    delays = {policy.backoff(1) for _ in range(200)}
    assert all(1.0 <= d <= 2.0 for d in delays)
    assert len(delays) > 100  # jittered, not one fixed value


async def test_backoff_schedule_without_hints(
    hinted_client: AsyncExtend, mock_api: aioresponses, sleeps: list[float]
) -> None:
    mock_api.get(GET_URL, status=500, repeat=True)
    with pytest.raises(InternalServerError):
        await hinted_client.classify_runs.get(RUN_ID, max_retries=4)
    assert len(sleeps) == 4
    for delay, ceiling in zip(sleeps, [1.0, 2.0, 4.0, 8.0], strict=True):
        assert ceiling / 2 <= delay <= ceiling


# --- transport failures ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientOSError(104, "Connection reset by peer"),
        aiohttp.ClientPayloadError("truncated"),
        ConnectionResetError(104, "reset"),
    ],
    ids=["disconnected", "reset", "payload", "oserror"],
)
async def test_connection_errors_on_idempotent_requests_are_retried(
    client: AsyncExtend, mock_api: aioresponses, exc: Exception
) -> None:
    mock_api.get(GET_URL, exception=exc)
    mock_api.get(GET_URL, payload=seed_run())
    run = await client.classify_runs.get(RUN_ID)
    assert run.id == RUN_ID
    assert attempts(mock_api, "GET", GET_PATH) == 2


async def test_exhausted_connection_retries_raise_api_connection_error(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(GET_URL, exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(APIConnectionError) as caught:
        await client.classify_runs.get(RUN_ID)
    error = caught.value
    assert type(error) is APIConnectionError
    assert isinstance(error.__cause__, aiohttp.ServerDisconnectedError)
    assert (error.method, error.path) == ("GET", GET_PATH)
    assert GET_PATH in str(error)
    assert attempts(mock_api, "GET", GET_PATH) == 3


@pytest.mark.parametrize(
    "exc",
    [asyncio.TimeoutError(), aiohttp.ServerTimeoutError("read timeout")],
    ids=["asyncio", "aiohttp-read"],
)
async def test_timeouts_raise_api_timeout_error_after_retries(
    client: AsyncExtend, mock_api: aioresponses, exc: Exception
) -> None:
    mock_api.get(GET_URL, exception=exc, repeat=True)
    with pytest.raises(APITimeoutError) as caught:
        await client.classify_runs.get(RUN_ID)
    assert isinstance(caught.value, APIConnectionError)
    assert "timed out" in str(caught.value)
    assert attempts(mock_api, "GET", GET_PATH) == 3


async def test_a_timeout_then_success(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(GET_URL, exception=asyncio.TimeoutError())
    mock_api.get(GET_URL, payload=seed_run())
    assert (await client.classify_runs.get(RUN_ID)).id == RUN_ID


# --- requests that are not idempotent -------------------------------------------------------


async def _create(client: AsyncExtend) -> Any:
    return await client.classify_runs.create(
        file=FileFromUrl(url="https://files.test/a.pdf"), classifier="cl_1"
    )


@pytest.mark.parametrize(
    "exc",
    [
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientOSError(104, "Connection reset by peer"),
        asyncio.TimeoutError(),
        aiohttp.ServerTimeoutError("read timeout"),
    ],
    ids=["disconnected", "reset", "timeout", "read-timeout"],
)
async def test_create_is_not_retried_when_the_request_may_have_been_sent(
    client: AsyncExtend, mock_api: aioresponses, exc: Exception
) -> None:
    mock_api.post(CREATE_URL, exception=exc)
    mock_api.post(CREATE_URL, payload=seed_run())
    with pytest.raises(APIConnectionError):
        await _create(client)
    assert attempts(mock_api, "POST", "/classify_runs") == 1


@pytest.mark.parametrize(
    "exc",
    [connector_error(), aiohttp.ConnectionTimeoutError("connect timeout")],
    ids=["refused", "connect-timeout"],
)
async def test_create_is_retried_when_the_request_surely_was_not_sent(
    client: AsyncExtend, mock_api: aioresponses, exc: Exception
) -> None:
    mock_api.post(CREATE_URL, exception=exc)
    mock_api.post(CREATE_URL, payload=seed_run())
    run = await _create(client)
    assert run.id == RUN_ID
    assert attempts(mock_api, "POST", "/classify_runs") == 2


async def test_create_is_retried_on_429(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.post(CREATE_URL, status=429, payload=error_body(True))
    mock_api.post(CREATE_URL, status=429, payload=error_body(True))
    mock_api.post(CREATE_URL, payload=seed_run())
    await _create(client)
    assert attempts(mock_api, "POST", "/classify_runs") == 3


async def test_create_is_not_resent_after_a_5xx(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    # The run may exist already: a second POST could create a duplicate.
    mock_api.post(CREATE_URL, status=500, payload=error_body(True))
    mock_api.post(CREATE_URL, payload=seed_run())
    with pytest.raises(InternalServerError):
        await _create(client)
    assert attempts(mock_api, "POST", "/classify_runs") == 1


async def test_sync_classify_is_not_retried_after_a_disconnect(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(str(url("/classify")), exception=aiohttp.ServerDisconnectedError(), repeat=True)
    with pytest.raises(APIConnectionError):
        await client.classify_runs.classify(
            file=FileFromUrl(url="https://files.test/a.pdf"), classifier="cl_1"
        )
    assert attempts(mock_api, "POST", "/classify") == 1


async def test_cancel_is_retried_after_a_disconnect(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    # Cancelling twice has the same effect as once, so a lost answer is safe to ask again.
    cancel_url = str(url(f"/classify_runs/{RUN_ID}/cancel"))
    mock_api.post(cancel_url, exception=aiohttp.ServerDisconnectedError())
    mock_api.post(cancel_url, payload=seed_run())
    await client.classify_runs.cancel(RUN_ID)
    assert attempts(mock_api, "POST", f"/classify_runs/{RUN_ID}/cancel") == 2


async def test_cancel_whose_lost_answer_did_the_work_returns_the_run(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    cancel_url = str(url(f"/classify_runs/{RUN_ID}/cancel"))
    mock_api.post(cancel_url, exception=aiohttp.ServerDisconnectedError())
    mock_api.post(cancel_url, status=400, payload={"code": "INVALID_REQUEST", "message": "no"})
    mock_api.get(GET_URL, payload={**seed_run(), "status": "CANCELLED"})
    run = await client.classify_runs.cancel(RUN_ID)
    assert run.status == RunStatus.CANCELLED
    assert attempts(mock_api, "GET", GET_PATH) == 1


async def test_cancel_refused_after_a_lost_answer_on_a_finished_run_still_raises(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    cancel_url = str(url(f"/classify_runs/{RUN_ID}/cancel"))
    mock_api.post(cancel_url, exception=aiohttp.ServerDisconnectedError())
    mock_api.post(cancel_url, status=400, payload={"code": "INVALID_REQUEST", "message": "no"})
    mock_api.get(GET_URL, payload={**seed_run(), "status": "PROCESSED"})
    with pytest.raises(BadRequestError) as caught:
        await client.classify_runs.cancel(RUN_ID)
    assert caught.value.after_lost_attempt
    assert caught.value.attempts == 2


async def test_cancel_refused_at_first_attempt_is_not_second_guessed(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    cancel_url = str(url(f"/classify_runs/{RUN_ID}/cancel"))
    mock_api.post(cancel_url, status=400, payload={"code": "INVALID_REQUEST", "message": "no"})
    with pytest.raises(BadRequestError) as caught:
        await client.classify_runs.cancel(RUN_ID)
    assert not caught.value.after_lost_attempt
    assert attempts(mock_api, "GET", GET_PATH) == 0


async def test_delete_whose_lost_answer_did_the_work_succeeds(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.delete(GET_URL, exception=aiohttp.ServerDisconnectedError())
    mock_api.delete(GET_URL, status=404, payload={"code": "NOT_FOUND", "message": "gone"})
    deleted = await client.classify_runs.delete(RUN_ID)
    assert deleted.id == RUN_ID


async def test_cancellation_is_not_swallowed(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(GET_URL, exception=asyncio.CancelledError())
    mock_api.get(GET_URL, payload=seed_run())
    with pytest.raises(asyncio.CancelledError):
        await client.classify_runs.get(RUN_ID)
    assert attempts(mock_api, "GET", GET_PATH) == 1


@pytest.mark.parametrize("field", ["initial_delay", "max_delay", "max_retry_after"])
@pytest.mark.parametrize("bad", [-1, float("nan"), "1", True])
def test_retry_policy_rejects_unusable_delays(field: str, bad: Any) -> None:
    with pytest.raises(InvalidInputError, match=f"RetryPolicy.{field}"):
        RetryPolicy(**{field: bad})


def test_only_the_hint_cap_may_be_infinite() -> None:
    assert RetryPolicy(max_retry_after=float("inf")).max_retry_after == float("inf")
    with pytest.raises(InvalidInputError):
        RetryPolicy(max_delay=float("inf"))


def test_backoff_stays_capped_for_any_number_of_retries() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    assert 4.0 <= policy.backoff(5000) <= 8.0
    assert RetryPolicy(initial_delay=0.0).backoff(3) == 0.0

"""Client construction: settings from arguments and environment, regions, the pool's life."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from extend_async import (
    DEFAULT_API_VERSION,
    REGION_BASE_URLS,
    AsyncExtend,
    ExtendError,
    InvalidInputError,
    MissingAPIKeyError,
    RetryPolicy,
    Timeout,
)

from ._helpers import API_KEY, BASE_URL, RUN_ID, attempts, calls, seed_run, url

# --- settings --------------------------------------------------------------------------------


def test_missing_key_raises_a_clear_typed_error() -> None:
    with pytest.raises(MissingAPIKeyError) as caught:
        AsyncExtend()
    message = str(caught.value)
    assert "EXTEND_API_KEY" in message
    assert "api_key" in message
    assert isinstance(caught.value, InvalidInputError)
    assert isinstance(caught.value, ExtendError)


@pytest.mark.parametrize("key", ["", None])
def test_empty_key_and_empty_env_count_as_missing(
    monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    monkeypatch.setenv("EXTEND_API_KEY", "")
    with pytest.raises(MissingAPIKeyError):
        AsyncExtend(key)


def test_settings_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTEND_API_KEY", "sk_from_env")
    monkeypatch.setenv("EXTEND_BASE_URL", "https://env.extend.test/")
    monkeypatch.setenv("EXTEND_WORKSPACE_ID", "ws_from_env")
    client = AsyncExtend()
    assert client.base_url == "https://env.extend.test"
    assert client.workspace_id == "ws_from_env"
    assert client._requester.options.api_key == "sk_from_env"


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTEND_API_KEY", "sk_from_env")
    monkeypatch.setenv("EXTEND_BASE_URL", "https://env.extend.test")
    monkeypatch.setenv("EXTEND_WORKSPACE_ID", "ws_from_env")
    client = AsyncExtend("sk_arg", base_url="https://arg.extend.test", workspace_id="ws_arg")
    assert client.base_url == "https://arg.extend.test"
    assert client.workspace_id == "ws_arg"
    assert client._requester.options.api_key == "sk_arg"


async def test_environment_settings_reach_the_wire(
    monkeypatch: pytest.MonkeyPatch, mock_api: aioresponses
) -> None:
    monkeypatch.setenv("EXTEND_API_KEY", "sk_from_env")
    monkeypatch.setenv("EXTEND_BASE_URL", "https://env.extend.test")
    monkeypatch.setenv("EXTEND_WORKSPACE_ID", "ws_from_env")
    mock_api.get(f"https://env.extend.test/classify_runs/{RUN_ID}", payload=seed_run())
    async with AsyncExtend() as client:
        await client.classify_runs.get(RUN_ID)
    ((_, _, call),) = calls(mock_api)
    headers = call.kwargs["headers"]
    assert headers["Authorization"] == "Bearer sk_from_env"
    assert headers["x-extend-workspace-id"] == "ws_from_env"


def test_default_base_url_is_the_us_deployment() -> None:
    assert AsyncExtend(API_KEY).base_url == "https://api.extend.ai"


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us", "https://api.extend.ai"),
        ("us2", "https://api.us2.extend.app"),
        ("eu1", "https://api.eu1.extend.ai"),
    ],
)
def test_regions_map_to_the_documented_hosts(
    monkeypatch: pytest.MonkeyPatch, region: Any, expected: str
) -> None:
    monkeypatch.setenv("EXTEND_BASE_URL", "https://env.extend.test")
    assert AsyncExtend(API_KEY, region=region).base_url == expected
    assert REGION_BASE_URLS[region] == expected


def test_unknown_region_names_the_known_ones() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown region 'mars'.*eu1, us, us2"):
        AsyncExtend(API_KEY, region="mars")  # type: ignore[arg-type]


def test_base_url_and_region_are_exclusive() -> None:
    with pytest.raises(InvalidInputError, match="not both"):
        AsyncExtend(API_KEY, base_url=BASE_URL, region="eu1")


@pytest.mark.parametrize("bad", ["api.extend.ai", "ftp://api.extend.ai", "//api.extend.ai"])
def test_base_url_needs_an_http_scheme(bad: str) -> None:
    with pytest.raises(InvalidInputError, match="http"):
        AsyncExtend(API_KEY, base_url=bad)


def test_defaults_are_documented_and_finite() -> None:
    client = AsyncExtend(API_KEY)
    assert client.api_version == DEFAULT_API_VERSION == "2026-02-09"
    assert client.max_retries == 2
    assert client.workspace_id is None
    assert client.timeout.total is not None
    assert math.isfinite(client.timeout.total)
    assert client.timeout.connect is not None
    assert math.isfinite(client.timeout.connect)


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True, None])
def test_bad_max_retries_is_rejected(bad: Any) -> None:
    with pytest.raises(InvalidInputError, match="max_retries"):
        AsyncExtend(API_KEY, max_retries=bad)


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, "5", True, None])
def test_bad_timeout_is_rejected(bad: Any) -> None:
    with pytest.raises(InvalidInputError, match="timeout"):
        AsyncExtend(API_KEY, timeout=bad)


@pytest.mark.parametrize("field", ["total", "connect", "read"])
@pytest.mark.parametrize("bad", [0, -2.0, math.nan, math.inf, "1"])
def test_timeout_limits_must_be_positive_and_finite(field: str, bad: Any) -> None:
    with pytest.raises(InvalidInputError, match=f"Timeout.{field}"):
        Timeout(**{field: bad})


def test_number_timeout_limits_the_whole_attempt_and_the_connect() -> None:
    assert AsyncExtend(API_KEY, timeout=5).timeout == Timeout(total=5.0, connect=5.0)
    assert AsyncExtend(API_KEY, timeout=30).timeout == Timeout(total=30.0, connect=10.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"workspace_id": "ws_1\r\nX-Injected: 1"},
        {"workspace_id": "ws\x00"},
        {"workspace_id": 42},
        {"api_version": "2026-02-09\n"},
        {"api_version": ""},
        {"default_headers": {"X-Trace": "a\nb"}},
        {"default_headers": {"X-Bad\r\nName": "v"}},
    ],
)
def test_header_values_that_could_inject_headers_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        AsyncExtend(API_KEY, **kwargs)


@pytest.mark.parametrize("bad", ["sk live", "sk_\nx", "sk_\x00x", "\tsk", 123])
def test_malformed_key_is_rejected_without_echoing_it(bad: Any) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AsyncExtend(bad)
    assert str(bad) not in str(caught.value)


def test_retry_policy_must_be_a_retry_policy() -> None:
    with pytest.raises(InvalidInputError, match="RetryPolicy"):
        AsyncExtend(API_KEY, retry_policy={"initial_delay": 1})  # type: ignore[arg-type]


def test_with_options_changes_only_the_derived_client() -> None:
    client = AsyncExtend(API_KEY, base_url=BASE_URL, workspace_id="ws_a")
    derived = client.with_options(
        workspace_id="ws_b", api_version="2025-04-21", timeout=3, max_retries=0
    )
    assert (derived.workspace_id, derived.api_version, derived.max_retries) == (
        "ws_b",
        "2025-04-21",
        0,
    )
    assert derived.timeout.total == 3.0
    assert derived.base_url == client.base_url
    assert (client.workspace_id, client.api_version, client.max_retries) == (
        "ws_a",
        DEFAULT_API_VERSION,
        2,
    )
    assert type(derived) is AsyncExtend


def test_with_options_keeps_what_it_is_not_given() -> None:
    policy = RetryPolicy(initial_delay=0.25)
    client = AsyncExtend(
        API_KEY, base_url=BASE_URL, workspace_id="ws_a", retry_policy=policy, max_retries=4
    )
    derived = client.with_options(timeout=9)
    assert derived.workspace_id == "ws_a"
    assert derived.max_retries == 4
    assert derived._requester.options.retry == policy
    assert derived._requester.options.api_key == API_KEY


def test_with_options_validates_like_the_constructor() -> None:
    client = AsyncExtend(API_KEY)
    with pytest.raises(InvalidInputError):
        client.with_options(max_retries=-1)
    with pytest.raises(InvalidInputError):
        client.with_options(timeout=0)
    with pytest.raises(InvalidInputError):
        client.with_options(workspace_id="ws\n")


# --- the connection pool --------------------------------------------------------------------


class SessionRecorder:
    """Stands in for ``aiohttp.ClientSession`` and notes which loop each one was made in.

    Noted: the sessions that own a pool. The one a DELETE goes through (watching aiohttp's
    own resends) shares its client's pool and is not counted."""

    def __init__(self) -> None:
        self.sessions: list[aiohttp.ClientSession] = []
        self.loops: list[asyncio.AbstractEventLoop] = []
        self._real = aiohttp.ClientSession

    def __call__(self, *args: Any, **kwargs: Any) -> aiohttp.ClientSession:
        session = self._real(*args, **kwargs)
        if kwargs.get("connector_owner", True):
            self.loops.append(asyncio.get_running_loop())
            self.sessions.append(session)
        return session


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> SessionRecorder:
    recording = SessionRecorder()
    monkeypatch.setattr(aiohttp, "ClientSession", recording)
    return recording


def _serve_runs(mock_api: aioresponses) -> None:
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}")), payload=seed_run(), repeat=True)


def test_a_client_can_be_made_outside_any_event_loop(recorder: SessionRecorder) -> None:
    client = AsyncExtend(API_KEY, base_url=BASE_URL)
    assert recorder.sessions == []
    assert not client.is_closed


async def test_the_session_is_created_lazily_in_the_running_loop(
    recorder: SessionRecorder, mock_api: aioresponses
) -> None:
    _serve_runs(mock_api)
    client = AsyncExtend(API_KEY, base_url=BASE_URL)
    assert recorder.sessions == []
    await client.classify_runs.get(RUN_ID)
    await client.classify_runs.get(RUN_ID)
    assert recorder.loops == [asyncio.get_running_loop()]
    await client.aclose()
    assert recorder.sessions[0].closed


async def test_two_clients_have_two_pools(
    recorder: SessionRecorder, mock_api: aioresponses
) -> None:
    _serve_runs(mock_api)
    async with (
        AsyncExtend(API_KEY, base_url=BASE_URL) as first,
        AsyncExtend(API_KEY, base_url=BASE_URL, connection_limit=7) as second,
    ):
        await first.classify_runs.get(RUN_ID)
        await second.classify_runs.get(RUN_ID)
        one, two = recorder.sessions
        assert one is not two
        assert one.connector is not two.connector
        assert one.connector is not None
        assert one.connector.limit == 100
        assert two.connector is not None
        assert two.connector.limit == 7


async def test_with_options_shares_the_pool(
    recorder: SessionRecorder, mock_api: aioresponses
) -> None:
    _serve_runs(mock_api)
    async with AsyncExtend(API_KEY, base_url=BASE_URL) as client:
        await client.classify_runs.get(RUN_ID)
        derived = client.with_options(workspace_id="ws_other", max_retries=0)
        await derived.classify_runs.get(RUN_ID)
        assert len(recorder.sessions) == 1
        assert attempts(mock_api, "GET", f"/classify_runs/{RUN_ID}") == 2
    assert derived.is_closed


async def test_aclose_is_idempotent_and_closes_the_session(
    recorder: SessionRecorder, mock_api: aioresponses
) -> None:
    _serve_runs(mock_api)
    client = AsyncExtend(API_KEY, base_url=BASE_URL)
    await client.classify_runs.get(RUN_ID)
    await client.aclose()
    await client.aclose()
    assert client.is_closed
    assert recorder.sessions[0].closed


async def test_aclose_before_first_use_creates_nothing(recorder: SessionRecorder) -> None:
    client = AsyncExtend(API_KEY, base_url=BASE_URL)
    await client.aclose()
    assert client.is_closed
    assert recorder.sessions == []


async def test_use_after_close_is_a_clear_error_and_sends_nothing(
    recorder: SessionRecorder, mock_api: aioresponses
) -> None:
    _serve_runs(mock_api)
    async with AsyncExtend(API_KEY, base_url=BASE_URL) as client:
        derived = client.with_options(max_retries=0)
    for target in (client, derived):
        with pytest.raises(ExtendError, match="closed"):
            await target.classify_runs.get(RUN_ID)
    assert mock_api.requests == {}
    assert recorder.sessions == []


async def test_closing_a_derived_client_closes_the_family(mock_api: aioresponses) -> None:
    _serve_runs(mock_api)
    client = AsyncExtend(API_KEY, base_url=BASE_URL)
    await client.with_options(max_retries=1).aclose()
    assert client.is_closed
    with pytest.raises(ExtendError, match="closed"):
        await client.classify_runs.get(RUN_ID)


async def test_context_manager_returns_the_client_and_closes_it() -> None:
    client = AsyncExtend(API_KEY, base_url=BASE_URL)
    async with client as entered:
        assert entered is client
        assert not client.is_closed
    assert client.is_closed


async def test_a_client_in_use_refuses_a_second_running_loop(mock_api: aioresponses) -> None:
    _serve_runs(mock_api)
    async with AsyncExtend(API_KEY, base_url=BASE_URL) as client:
        await client.classify_runs.get(RUN_ID)

        def use_from_another_loop() -> None:
            asyncio.run(client.classify_runs.get(RUN_ID))

        with pytest.raises(ExtendError, match="another event loop"):
            await asyncio.to_thread(use_from_another_loop)
        assert attempts(mock_api, "GET", f"/classify_runs/{RUN_ID}") == 1


async def test_closing_while_a_retry_waits_fails_the_call_as_closed(
    monkeypatch: pytest.MonkeyPatch, mock_api: aioresponses
) -> None:
    mock_api.get(str(url(f"/classify_runs/{RUN_ID}")), status=503, repeat=True)
    client = AsyncExtend(API_KEY, base_url=BASE_URL)

    async def close_instead_of_sleeping(delay: float, result: Any = None) -> Any:
        await client.aclose()  # another task closes the client during the backoff
        return result

    monkeypatch.setattr(asyncio, "sleep", close_instead_of_sleeping)
    with pytest.raises(ExtendError, match="closed"):
        await client.classify_runs.get(RUN_ID)
    assert attempts(mock_api, "GET", f"/classify_runs/{RUN_ID}") == 1

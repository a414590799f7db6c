"""Rate limiting: a token bucket per key answering 429 with Retry-After."""

from __future__ import annotations

import asyncio
import math

import aiohttp
import pytest

from extend_async.testing import RateLimit

from ._wire import Wire, create_body
from .conftest import MakeEmulator


async def test_over_the_limit_is_429_with_retry_after(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(rate_limit=RateLimit(2, burst=3))
    wire = Wire(session, emulator.base_url)
    statuses = [(await wire.get("/classify_runs")).status for _ in range(3)]
    assert statuses == [200, 200, 200]
    reply = await wire.get("/classify_runs")
    envelope = reply.assert_error(429, "RATE_LIMIT_EXCEEDED")
    assert envelope["retryable"] is True
    retry_after = int(reply.headers["Retry-After"])
    precise_ms = int(reply.headers["retry-after-ms"])
    assert 1 <= retry_after == math.ceil(precise_ms / 1000)
    assert 0 < precise_ms <= 500  # one token at 2/s takes at most half a second
    await asyncio.sleep(precise_ms / 1000 + 0.02)
    assert (await wire.get("/classify_runs")).status == 200


async def test_each_key_has_its_own_bucket(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(rate_limit=1, api_keys={"sk_test_second": "ws_emulator"})
    first = Wire(session, emulator.base_url)
    second = Wire(session, emulator.base_url, api_key="sk_test_second")
    assert (await first.get("/classify_runs")).status == 200
    assert (await first.get("/classify_runs")).status == 429
    assert (await second.get("/classify_runs")).status == 200
    assert emulator.status_counts == {200: 2, 429: 1}


async def test_rate_limit_is_off_by_default_and_changeable(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator()
    wire = Wire(session, emulator.base_url)
    assert emulator.rate_limit is None
    statuses = await asyncio.gather(*(wire.get("/classify_runs") for _ in range(50)))
    assert {r.status for r in statuses} == {200}
    emulator.rate_limit = RateLimit(5)
    replies = await asyncio.gather(*(wire.get("/classify_runs") for _ in range(20)))
    assert sum(r.status == 429 for r in replies) >= 14  # a burst of 5, then refusals
    emulator.rate_limit = None
    assert (await wire.get("/classify_runs")).status == 200


async def test_unauthenticated_requests_do_not_spend_tokens(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(rate_limit=1)
    wire = Wire(session, emulator.base_url)
    assert (await wire.get("/classify_runs", headers={})).status == 401
    assert (await wire.get("/classify_runs")).status == 200


def test_rate_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        RateLimit(0)
    with pytest.raises(ValueError, match="must be > 0"):
        RateLimit(5, burst=-1)


# --- the API's budgets: per organization and category, and per workspace below ---------------

# So slow that a refused request stays refused for the whole test, however long it takes.
NEVER_AGAIN = 0.001


async def test_org_budget_is_shared_by_every_key_of_the_organization(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(
        api_keys={"sk_test_second": "ws_other"},
        org_rate_limits={"GET": RateLimit(NEVER_AGAIN, burst=2)},
    )
    first = Wire(session, emulator.base_url)
    second = Wire(session, emulator.base_url, api_key="sk_test_second")
    assert (await first.get("/classify_runs")).status == 200
    assert (await second.get("/classify_runs")).status == 200
    reply = await first.get("/classify_runs")
    reply.assert_error(429, "RATE_LIMIT_EXCEEDED")
    assert int(reply.headers["Retry-After"]) >= 1
    assert (await second.get("/classify_runs")).status == 429
    assert emulator.throttled_counts == {"org:GET": 2}


async def test_categories_have_separate_budgets(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(
        org_rate_limits={"GET": RateLimit(NEVER_AGAIN), "WRITE": RateLimit(NEVER_AGAIN)}
    )
    [run_id] = emulator.seed_runs(1)
    wire = Wire(session, emulator.base_url)
    assert (await wire.get("/classify_runs")).status == 200
    assert (await wire.cancel(run_id)).status == 200  # WRITE: its own budget
    assert (await wire.post("/classify_runs", json=create_body())).status == 200  # RUN: none
    assert (await wire.get(f"/classify_runs/{run_id}")).status == 429
    assert (await wire.post(f"/classify_runs/{run_id}/cancel")).status == 429
    assert emulator.throttled_counts == {"org:GET": 1, "org:WRITE": 1}


async def test_workspace_budget_below_the_org_budget(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(
        api_keys={"sk_test_second": "ws_other"},
        org_rate_limits={"GET": RateLimit(NEVER_AGAIN, burst=3)},
        workspace_rate_limits={"GET": RateLimit(NEVER_AGAIN, burst=2)},
    )
    first = Wire(session, emulator.base_url)
    second = Wire(session, emulator.base_url, api_key="sk_test_second")
    assert [(await first.get("/classify_runs")).status for _ in range(3)] == [200, 200, 429]
    # The workspace refusal spent nothing of the organization's budget: one token is left.
    assert [(await second.get("/classify_runs")).status for _ in range(2)] == [200, 429]
    assert emulator.throttled_counts == {"workspace:GET": 1, "org:GET": 1}


async def test_budgets_are_off_by_default_and_changeable(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator()
    wire = Wire(session, emulator.base_url)
    assert emulator.org_rate_limits == {}
    assert emulator.workspace_rate_limits == {}
    assert {(await wire.get("/classify_runs")).status for _ in range(20)} == {200}
    emulator.org_rate_limits = {"GET": RateLimit(NEVER_AGAIN)}
    assert emulator.org_rate_limits == {"GET": RateLimit(NEVER_AGAIN)}
    assert [(await wire.get("/classify_runs")).status for _ in range(2)] == [200, 429]
    emulator.org_rate_limits = {}
    assert (await wire.get("/classify_runs")).status == 200
    with pytest.raises(ValueError, match="unknown categories"):
        emulator.workspace_rate_limits = {"POST": RateLimit(1)}


def test_budget_buckets_refill_at_their_rate() -> None:
    from extend_async.testing._ratelimit import BudgetLimiter

    now = [0.0]
    limiter = BudgetLimiter({"RUN": RateLimit(2, burst=2)}, clock=lambda: now[0])
    assert [limiter.acquire("RUN", "ws")[0] for _ in range(2)] == [0.0, 0.0]
    wait, scope = limiter.acquire("RUN", "ws")
    assert (wait, scope) == (0.5, "org")
    now[0] += 0.5
    assert limiter.acquire("RUN", "ws") == (0.0, None)
    assert limiter.acquire("GET", "ws") == (0.0, None)

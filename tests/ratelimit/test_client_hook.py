"""``AsyncExtend(rate_limiter=...)``: the limiter around every attempt, over real sockets."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

from extend_async import AsyncExtend, FileFromId, InvalidInputError, RateLimitError, RetryPolicy
from extend_async.ratelimit import Category, LocalRateLimiter
from extend_async.ratelimit._attempts import MAX_PENALTY_SECONDS
from extend_async.testing import ExtendEmulator, RateLimit
from extend_async.types import ClassifyConfigDict
from extend_sync import Extend

FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)
CONFIG: ClassifyConfigDict = {
    "classifications": [{"id": "invoice", "type": "invoice", "description": "An invoice"}]
}


class Recorder:
    """A limiter that lets everything through and remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Category, float | None]] = []

    async def acquire(self, category: Category) -> None:
        self.calls.append(("acquire", category, None))

    async def penalize(self, category: Category, retry_after: float) -> None:
        self.calls.append(("penalize", category, retry_after))


@pytest.fixture
async def emu() -> AsyncIterator[ExtendEmulator]:
    async with ExtendEmulator(seed="limiter") as emulator:
        yield emulator


async def test_each_call_acquires_its_category(emu: ExtendEmulator) -> None:
    recorder = Recorder()
    [run_id] = emu.seed_runs(1)
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, rate_limiter=recorder) as client:
        await client.classify_runs.get(run_id)
        await client.classify_runs.list()
        await client.classify_runs.cancel(run_id)
        created = await client.classify_runs.create(file=FileFromId(id="file_a"), config=CONFIG)
        await client.classifiers.create(name="Paced", config=CONFIG)
        await client.classify_runs.cancel(created.id)
    assert [c[1] for c in recorder.calls] == ["GET", "GET", "WRITE", "RUN", "WRITE", "WRITE"]
    assert all(c[0] == "acquire" for c in recorder.calls)


async def test_every_attempt_acquires_and_a_hinted_429_penalizes(emu: ExtendEmulator) -> None:
    recorder = Recorder()
    [run_id] = emu.seed_runs(1)
    emu.rate_limit = RateLimit(0.5, burst=1)  # one request, then 429 with a 2 s hint
    async with AsyncExtend(
        emu.api_key, base_url=emu.base_url, rate_limiter=recorder, retry_policy=FAST, max_retries=0
    ) as client:
        await client.classify_runs.get(run_id)
        with pytest.raises(RateLimitError) as refused:
            await client.classify_runs.get(run_id)
    assert refused.value.retry_after is not None
    assert recorder.calls == [
        ("acquire", "GET", None),
        ("acquire", "GET", None),
        ("penalize", "GET", refused.value.retry_after),
    ]


async def test_a_penalty_is_capped_so_one_hint_cannot_freeze_every_process(
    emu: ExtendEmulator,
) -> None:
    recorder = Recorder()
    emu.rate_limit = RateLimit(0.001, burst=1)  # the second request: a 1000 s hint
    async with AsyncExtend(
        emu.api_key, base_url=emu.base_url, rate_limiter=recorder, max_retries=0
    ) as client:
        await client.classify_runs.list()
        with pytest.raises(RateLimitError) as refused:
            await client.classify_runs.list()
    assert refused.value.retry_after is not None
    assert refused.value.retry_after > 900
    assert recorder.calls[-1] == ("penalize", "GET", MAX_PENALTY_SECONDS)


async def test_retries_acquire_again(emu: ExtendEmulator) -> None:
    recorder = Recorder()
    [run_id] = emu.seed_runs(1)
    emu.faults.update(route="get", error_rate=1)
    async with AsyncExtend(
        emu.api_key, base_url=emu.base_url, rate_limiter=recorder, retry_policy=FAST, max_retries=2
    ) as client:
        with pytest.raises(Exception):  # noqa: B017, PT011: the 500 after three attempts
            await client.classify_runs.get(run_id)
    assert recorder.calls == [("acquire", "GET", None)] * 3


async def test_with_options_shares_the_limiter(emu: ExtendEmulator) -> None:
    recorder = Recorder()
    [run_id] = emu.seed_runs(1)
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, rate_limiter=recorder) as client:
        await client.with_options(timeout=5).classify_runs.get(run_id)
    assert recorder.calls == [("acquire", "GET", None)]


async def test_a_limiter_error_leaves_the_call_and_nothing_is_sent(emu: ExtendEmulator) -> None:
    class Refusing(Recorder):
        async def acquire(self, category: Category) -> None:
            raise InvalidInputError("no budget today")

    async with AsyncExtend(emu.api_key, base_url=emu.base_url, rate_limiter=Refusing()) as c:
        with pytest.raises(InvalidInputError, match="no budget today"):
            await c.classify_runs.list()
    assert emu.request_counts == {}


def test_an_object_without_the_protocol_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="rate_limiter must have"):
        AsyncExtend("sk_test", base_url="http://127.0.0.1:9", rate_limiter=object())  # type: ignore[arg-type]


async def test_a_local_limiter_paces_a_burst_without_429(emu: ExtendEmulator) -> None:
    [run_id] = emu.seed_runs(1)
    emu.org_rate_limits = {"GET": RateLimit(1000, burst=3)}
    sleeps: list[float] = []

    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    # The limiter books 1 slot per ms; its waits are recorded, not slept (no timing here).
    limiter = LocalRateLimiter({"GET": 1000}, burst=3, sleep=no_wait)
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, rate_limiter=limiter) as client:
        for _ in range(3):
            await client.classify_runs.get(run_id)
    assert sleeps == []  # within the burst
    assert emu.status_counts == {200: 3}


def test_the_sync_client_takes_a_limiter() -> None:
    recorder = Recorder()
    with ExtendEmulator(seed="sync").run_in_thread() as emu:
        [run_id] = emu.seed_runs(1)
        with Extend(emu.api_key, base_url=emu.base_url, rate_limiter=recorder) as client:
            client.classify_runs.get(run_id)
            client.classify_runs.cancel(run_id)
    assert [c[1] for c in recorder.calls] == ["GET", "WRITE"]


def test_nothing_of_the_limiters_is_imported_without_one() -> None:
    code = (
        "import sys, extend_async, extend_sync\n"
        "from extend_async import AsyncExtend\n"
        "AsyncExtend('sk_test', base_url='http://127.0.0.1:9')\n"
        "loaded = [m for m in sys.modules if m.startswith('redis') or m in (\n"
        "  'extend_async.ratelimit._local', 'extend_async.ratelimit._redis',\n"
        "  'extend_async.ratelimit._attempts', 'extend_async.ratelimit._categories')]\n"
        "print(loaded)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"

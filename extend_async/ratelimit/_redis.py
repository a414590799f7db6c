"""``RedisRateLimiter``: one budget per category shared by every process, through Redis.

Each request books its slot with one round trip: an atomic Lua script (sent by EVALSHA,
loaded again after NOSCRIPT, as after a restart or ``SCRIPT FLUSH``) runs the GCRA of
``_gcra.py`` on one stored number per budget, the TAT in microseconds of the *server's*
clock (``TIME``), so the clocks of the processes never matter. The key expires once the
budget has been idle long enough to be full again.

When Redis cannot answer within ``timeout``, the limiter warns once
(``RateLimiterFallbackWarning`` and a log line), paces this process alone with a
``LocalRateLimiter`` and tries Redis again after a backoff (1 s, doubling up to 30 s); with
``fallback="raise"`` it raises ``RateLimiterUnavailableError`` instead.
"""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import anyio
from redis import exceptions as redis_errors

from .._errors import InvalidInputError
from ._errors import RateLimiterFallbackWarning, RateLimiterUnavailableError
from ._gcra import Pace, paces_for
from ._local import LocalRateLimiter
from ._protocol import Category

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["GCRA_SCRIPT", "RedisRateLimiter"]

log = logging.getLogger("extend_async")

# KEYS[1]: the budget's TAT, in µs of the server's clock.
# ARGV: emission interval (µs), burst tolerance (µs), penalty (µs; -1: book a slot).
# Returns the µs to wait before sending (0 for a penalty).
GCRA_SCRIPT = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local penalty = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local wait = 0
if penalty < 0 then
  wait = tat - tolerance - now
  if wait < 0 then wait = 0 end
  tat = tat + interval
else
  local blocked = now + penalty + tolerance
  if tat < blocked then tat = blocked end
end
redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
return wait
"""
GCRA_SHA = hashlib.sha1(GCRA_SCRIPT.encode()).hexdigest()

_BOOK = -1
_FIRST_BACKOFF = 1.0
_MAX_BACKOFF = 30.0
# What "Redis cannot answer" looks like: its own errors, the socket's and our deadline, but
# also anything else redis-py raises (a client made in another event loop raises
# RuntimeError): none may leave a call as anything but an ExtendError.
_UNAVAILABLE = (Exception,)


class RedisRateLimiter:
    """Paces every process that shares ``namespace`` on one Redis, per category.

    ``redis`` is a URL (``"redis://localhost:6379/0"``; the limiter makes the client on
    first use with ``timeout`` as its socket timeouts, and ``aclose`` closes it) or a
    ``redis.asyncio.Redis`` of your own. ``namespace`` names the organization's budget:
    every process of one organization uses the same one, and the same ``rate`` and
    ``burst`` (requests per second for every category, or per category as a mapping).

    A slot is booked when ``acquire`` is called: a caller cancelled while it waits leaves
    that slot unused (the local limiter gives it back; a shared one cannot know whether a
    later slot was booked by another process). A client made from a URL belongs to the
    event loop of its first use, like any ``redis.asyncio`` client.

    ``fallback="local"`` (default) paces this process alone while Redis is unreachable
    (``LocalRateLimiter`` at the same rates, or the one given), warning once per outage;
    ``fallback="raise"`` raises ``RateLimiterUnavailableError``.
    """

    def __init__(
        self,
        redis: Redis | str,
        *,
        namespace: str,
        rate: float | Mapping[Category, float] = 10.0,
        burst: int = 1,
        timeout: float = 0.25,
        fallback: Literal["local", "raise"] | LocalRateLimiter = "local",
        key_prefix: str = "extend",
    ) -> None:
        if not isinstance(namespace, str) or not namespace or any(c.isspace() for c in namespace):
            raise InvalidInputError("namespace must be a non-empty string without whitespace")
        if not (isinstance(timeout, int | float) and timeout > 0):
            raise InvalidInputError(f"timeout must be a positive number of seconds: {timeout!r}")
        if fallback not in ("local", "raise") and not isinstance(fallback, LocalRateLimiter):
            raise InvalidInputError('fallback must be "local", "raise" or a LocalRateLimiter')
        self._paces: dict[Category, Pace] = paces_for(rate, burst)
        self._burst = burst
        self.namespace = namespace
        # The braces are a Redis Cluster hash tag: one namespace's keys share a slot.
        self._keys = {c: f"{key_prefix}:{{{namespace}}}:{c}" for c in self._paces}
        self._args = {
            c: (round(p.interval * 1e6), round(p.tolerance * 1e6)) for c, p in self._paces.items()
        }
        self._url = redis if isinstance(redis, str) else None
        self._client: Redis | None = None if isinstance(redis, str) else redis
        self._timeout = float(timeout)
        self._raise = fallback == "raise"
        self._local = (
            fallback
            if isinstance(fallback, LocalRateLimiter)
            else LocalRateLimiter(rate, burst=burst)
        )
        self._degraded = False
        self._retry_at = 0.0
        self._backoff = _FIRST_BACKOFF

    @property
    def paces(self) -> Mapping[Category, Pace]:
        return dict(self._paces)

    def key(self, category: Category) -> str:
        """The Redis key holding ``category``'s budget."""
        return self._keys[category]

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and this process paces itself."""
        return self._degraded

    async def reserve(self, category: Category) -> float:
        """Book the next ``category`` slot in Redis; seconds until it is due.

        Raises ``RateLimiterUnavailableError`` when Redis cannot answer (whatever
        ``fallback`` says: this is the shared budget or nothing).
        """
        if category not in self._paces:
            return 0.0
        try:
            return await self._run(category, _BOOK) / 1e6
        except _UNAVAILABLE as exc:
            raise _unavailable(exc) from None

    async def acquire(self, category: Category) -> None:
        if category not in self._paces:
            return
        if self._degraded and time.monotonic() < self._retry_at:
            await self._local.acquire(category)
            return
        try:
            wait_us = await self._run(category, _BOOK)
        except _UNAVAILABLE as exc:
            self._went_down(exc)
            await self._local.acquire(category)
            return
        self._came_back()
        if wait_us > 0:
            await anyio.sleep(wait_us / 1e6)

    async def penalize(self, category: Category, retry_after: float) -> None:
        if category not in self._paces:
            return
        await self._local.penalize(category, retry_after)
        if self._degraded and time.monotonic() < self._retry_at:
            return
        try:
            await self._run(category, max(0, round(retry_after * 1e6)))
        except _UNAVAILABLE as exc:
            self._went_down(exc)
            return
        self._came_back()

    async def aclose(self) -> None:
        """Close the Redis client the limiter made from a URL (not one it was given)."""
        client, self._client = self._client, None
        if client is not None and self._url is not None:
            await client.aclose()

    async def _run(self, category: Category, penalty_us: int) -> int:
        client = self._client or self._connect()
        key = self._keys[category]
        interval, tolerance = self._args[category]
        call = (GCRA_SHA, 1, key, interval, tolerance, penalty_us)
        with anyio.fail_after(self._timeout):
            try:
                result: Any = await client.evalsha(
                    GCRA_SHA, 1, key, interval, tolerance, penalty_us
                )
            except redis_errors.NoScriptError:
                # A restarted server, SCRIPT FLUSH, or a failover: load it again, once.
                await client.script_load(GCRA_SCRIPT)
                result = await client.evalsha(*call)
        return int(result)

    def _connect(self) -> Redis:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        assert self._url is not None
        # One immediate retry on a new connection (a restarted server leaves the pooled one
        # dead), no more: a Redis that is down falls back at once, and is tried again after
        # this limiter's own backoff.
        self._client = Redis.from_url(
            self._url,
            socket_timeout=self._timeout,
            socket_connect_timeout=self._timeout,
            retry=Retry(NoBackoff(), 1),
        )
        return self._client

    def _went_down(self, exc: BaseException) -> None:
        if self._raise:
            raise _unavailable(exc) from None
        now = time.monotonic()
        if self._degraded:
            # Another task already counted this failure unless Redis was due again.
            if now >= self._retry_at:
                self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
                self._retry_at = now + self._backoff
            return
        self._degraded = True
        self._retry_at = now + self._backoff
        message = (
            f"the shared rate limiter cannot reach Redis ({type(exc).__name__}): this process "
            f"paces itself until Redis answers again (namespace {self.namespace!r})"
        )
        log.warning("%s", message)
        warnings.warn(RateLimiterFallbackWarning(message), stacklevel=4)

    def _came_back(self) -> None:
        if self._degraded:
            self._degraded = False
            self._backoff = _FIRST_BACKOFF
            log.warning(
                "the shared rate limiter reaches Redis again (namespace %r)", self.namespace
            )

    def __repr__(self) -> str:
        rates = ", ".join(f"{c}={p.rate:g}/s" for c, p in self._paces.items())
        return f"RedisRateLimiter(namespace={self.namespace!r}, {rates}, burst={self._burst})"


def _unavailable(exc: BaseException) -> RateLimiterUnavailableError:
    return RateLimiterUnavailableError(
        f"the shared rate limiter cannot reach Redis ({type(exc).__name__})"
    )

"""``AsyncExtend``: settings, the shared connection pool, and the resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._hooks import AttemptHooks, RequestHook, ResponseHook
from ._options import (
    DEFAULT_API_VERSION,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    Region,
    Timeout,
    resolve_options,
)
from ._request_options import resolve_options as resolve_call_options
from ._retry import RetryPolicy
from ._transport import Requester, SessionHolder
from .resources._generated._surface import AsyncSurface

if TYPE_CHECKING:
    from aiohttp import BaseConnector, ClientSession, TraceConfig

    from .ratelimit import RateLimiter

__all__ = ["AsyncExtend"]


class AsyncExtend(AsyncSurface):
    """The asynchronous Extend client.

    Resources:

    - runs of every kind, each with the API's methods for it (create, get, list, ...),
      ``wait`` and ``create_and_wait``: ``extract_runs``, ``classify_runs``, ``split_runs``,
      ``parse_runs``, ``workflow_runs``, ``verify_runs``, ``edit_runs``,
      ``form_detection_runs``, ``evaluation_set_runs``; ``batch_runs``.
    - what runs use: ``extractors``, ``classifiers``, ``splitters``, ``workflows`` and their
      versions (``extractor_versions``, ``classifier_versions``, ``splitter_versions``,
      ``workflow_versions``), ``edit_templates``, ``edit_schemas``, ``evaluation_sets``,
      ``evaluation_set_items``.
    - ``runs``: runs of every kind by id (get, cancel, list), and cancel_many, cancel_iter
      and cancel_all across kinds.
    - ``files`` (upload, download, ...), ``webhook_endpoints``, ``webhook_subscriptions``,
      ``webhooks`` (fetch the payload of a delivery sent by URL).
    - deprecated, the legacy processors API: ``processors``, ``processor_versions``,
      ``processor_runs``, ``batch_processor_runs``.
    - the root calls, which wait for the result on the server: ``extract``, ``classify``,
      ``split``, ``parse``, ``edit``, ``detect_form``, ``verify`` (330 s default timeout).
    - each made, and its module imported, when first used.

    ``api_key``, ``base_url`` and ``workspace_id`` fall back to ``EXTEND_API_KEY``,
    ``EXTEND_BASE_URL`` and ``EXTEND_WORKSPACE_ID``. ``region`` picks a documented
    deployment (``"us"``, ``"us2"``, ``"eu1"``) instead of a base URL.

    Use it as an async context manager, or call ``aclose()`` when done. The connection pool
    is created in the running event loop on first use and shared by every client derived
    with ``with_options``.

    Bring your own: ``http_session`` (an ``aiohttp.ClientSession`` made in the loop the
    client is used in; the client never closes it, and it should keep ``raise_for_status``
    off and set no ``base_url``), or ``connector`` (a shared pool; never closed by the
    client either) and ``trace_configs`` (aiohttp tracing, OpenTelemetry's for instance)
    for the session the client makes. ``on_request`` / ``on_response`` are called on the
    loop for every attempt with a ``RequestEvent`` / ``ResponseEvent`` (method, path,
    attempt, status, elapsed, request id; never a header or the key).

    ``max_response_bytes`` (default 64 MiB, counted after decompression) caps the size of
    an answer: a larger one fails with ``ResponseTooLargeError``. ``trust_env`` (default
    True) honours ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` (read
    when the client is made), as curl and requests do; ``trust_env=False`` ignores them.

    ``rate_limiter`` (an ``extend_async.ratelimit.RateLimiter``: ``LocalRateLimiter`` for
    one process, ``RedisRateLimiter`` for several) is awaited before every attempt with
    the request's budget (``"GET"``, ``"WRITE"`` or ``"RUN"``) and told of every 429's wait
    hint; clients from ``with_options`` share it.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        region: Region | None = None,
        api_version: str = DEFAULT_API_VERSION,
        workspace_id: str | None = None,
        timeout: float | Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        connection_limit: int = 100,
        http_session: ClientSession | None = None,
        connector: BaseConnector | None = None,
        trace_configs: Sequence[TraceConfig] | None = None,
        on_request: RequestHook | None = None,
        on_response: ResponseHook | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        trust_env: bool = True,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        options = resolve_options(
            api_key=api_key,
            base_url=base_url,
            region=region,
            api_version=api_version,
            workspace_id=workspace_id,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry_policy,
            default_headers=default_headers,
            max_response_bytes=max_response_bytes,
            trust_env=trust_env,
        )
        sessions = SessionHolder(
            connection_limit=connection_limit,
            session=http_session,
            connector=connector,
            trace_configs=trace_configs or (),
        )
        hooks = AttemptHooks(on_request, on_response) if on_request or on_response else None
        pacer = None
        if rate_limiter is not None:
            from .ratelimit._attempts import Pacer  # loaded only for a client that paces

            pacer = Pacer(rate_limiter)
        self._bind(Requester(options, sessions, hooks, pacer))

    def _bind(self, requester: Requester) -> None:
        # The resources are made on first use (``AsyncSurface``'s ``LazyResource``s).
        self._requester = requester

    def _resource(self, cls: type[Any], attribute: str) -> Any:
        """A resource sending through this client's requester (``LazyResource`` asks)."""
        return cls(self._requester)

    @property
    def base_url(self) -> str:
        return self._requester.options.base_url

    @property
    def workspace_id(self) -> str | None:
        return self._requester.options.workspace_id

    @property
    def api_version(self) -> str:
        return self._requester.options.api_version

    @property
    def timeout(self) -> Timeout:
        return self._requester.options.timeout

    @property
    def max_retries(self) -> int:
        return self._requester.options.max_retries

    def with_options(
        self,
        *,
        workspace_id: str | None = None,
        api_version: str | None = None,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        max_response_bytes: int | None = None,
    ) -> AsyncExtend:
        """A client with some settings changed, sharing this one's connection pool.

        Cheap enough for one call: ``client.with_options(timeout=5).classify_runs.get(id)``.
        """
        old = self._requester.options
        # The same resolution (and checks) as a call's own timeout and max_retries.
        call = resolve_call_options({"timeout": timeout, "max_retries": max_retries})
        options = resolve_options(
            api_key=old.api_key,
            base_url=old.base_url,
            region=None,
            api_version=api_version if api_version is not None else old.api_version,
            workspace_id=workspace_id if workspace_id is not None else old.workspace_id,
            timeout=call.timeout or old.timeout,
            max_retries=call.max_retries if call.max_retries is not None else old.max_retries,
            retry=retry_policy or old.retry,
            default_headers=old.default_headers,
            max_response_bytes=(
                max_response_bytes if max_response_bytes is not None else old.max_response_bytes
            ),
            trust_env=old.trust_env,
        )
        derived = object.__new__(type(self))
        derived._bind(self._requester.with_options(options))
        return derived

    @property
    def is_closed(self) -> bool:
        return self._requester.sessions.closed

    async def aclose(self) -> None:
        """Close the connection pool. Idempotent; clients from ``with_options`` close too."""
        await self._requester.sessions.aclose()

    async def __aenter__(self) -> AsyncExtend:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        options = self._requester.options
        return (
            f"{type(self).__name__}(base_url={options.base_url!r}, "
            f"workspace_id={options.workspace_id!r}, api_version={options.api_version!r})"
        )

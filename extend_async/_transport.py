"""The choke point: every HTTP request of the SDK is built here and sent by ``Requester.send``.

``build_request`` turns a method, a path and parameters into a ``Request`` (base URL,
auth and version headers, query, JSON body, timeout, retries, size limit).
``send`` hands it to the one retry loop (``_send.send_attempts``); each attempt
(``_exchange``) sends, reads the answer within ``max_response_bytes`` and maps a failure
to its exception. ``request`` is build, send, decode: what a resource method calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import platform
import ssl
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import orjson
from attrs import define, frozen

from . import _http_libs
from ._converter import decode_response
from ._download import Sink, raw_body, stream_body
from ._errors import (
    ERROR_BODY_CHARS,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ExtendError,
    FileChangedError,
    InvalidInputError,
    ResponseTooLargeError,
    error_chain,
    error_class_for_status,
    excerpt,
    redact_secrets,
    sdk_error_in,
)
from ._first_read import decode_now
from ._hooks import NO_HOOKS, AttemptHooks, SeenAttempt
from ._json import loads
from ._options import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ClientOptions,
    Timeout,
)
from ._request_options import NO_OPTIONS, CallOptions, resolve_options
from ._retry import retry_after_seconds
from ._send import Gate, never_sent, send_attempts
from ._session_call import awaits_private_request, direct_by_class
from ._version import __version__

if TYPE_CHECKING:
    import aiohttp
    from multidict import CIMultiDictProxy
    from yarl import URL

    from ._upload import RequestBody
    from .ratelimit._attempts import Pacer

__all__ = [
    "Answer",
    "Request",
    "Requester",
    "ResponseInfo",
    "SessionHolder",
    "client_timeout",
    "connection_error",
    "transport_cause",
]

T = TypeVar("T")

log = logging.getLogger("extend_async")


@lru_cache(maxsize=1)
def user_agent() -> str:
    """Made on first use: it names aiohttp's version, and aiohttp is imported late."""
    return (
        f"extend-client/{__version__} "
        f"(Python {platform.python_version()}; aiohttp {_http_libs.aiohttp.__version__})"
    )


REQUEST_ID_HEADER = "x-extend-request-id"


@frozen
class ResponseInfo:
    """What a raw-response caller sees besides the parsed model."""

    status_code: int
    headers: CIMultiDictProxy[str]
    request_id: str | None
    attempts: int
    elapsed: float


class SessionHolder:
    """One aiohttp session (one connection pool) per client family.

    Created lazily in the running loop on first use, because an aiohttp session is bound
    to the loop it was made in. Clients derived with ``with_options`` share the holder.
    A session is closed when its loop shuts down (the end of ``asyncio.run``), so one
    client used by successive ``asyncio.run`` calls leaves nothing open behind.
    """

    def __init__(
        self,
        *,
        connection_limit: int,
        session: aiohttp.ClientSession | None = None,
        connector: aiohttp.BaseConnector | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        if session is not None and (connector is not None or trace_configs):
            raise InvalidInputError(
                "give http_session, or connector/trace_configs for a session the client makes"
            )
        self._connection_limit = connection_limit
        self._connector = connector
        self._trace_configs = list(trace_configs)
        # A session the user gave is theirs: used as it is, never closed by us.
        self._user_session = session
        self._session: aiohttp.ClientSession | None = None
        # The same pool under a session that watches sends: used for DELETE alone (below).
        self._watched: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_end: AsyncGenerator[None, None] | None = None
        # Two loops (threads) asking at once must not both make a session.
        self._lock = threading.Lock()
        self.closed = False
        _live_holders.add(self)

    def forget_inherited(self) -> None:
        """In a forked child: let go of the parent's session without closing it.

        Closing it needs the loop that made it, which lives in a parent thread, and would
        unregister the parent's sockets from the epoll instance both processes share,
        stalling the parent. So the session is detached and its connector marked closed:
        nothing in the child touches those connections; the next ``get`` makes new ones.

        aiohttp has no public way to mark a connector closed without closing its
        transports (``close()`` closes them), so its private ``_closed`` flag is set when
        it exists (``tests/unit/test_transport_private.py`` fails loudly if aiohttp
        changes it). Either way the connector is kept referenced for the life of
        the child, so it is never collected: its finaliser would close those transports.
        """
        # A fresh lock: a parent thread may have held the old one at the fork, and nothing
        # in the child would ever release it.
        self._lock = threading.Lock()
        session, self._session = self._session, None
        watched, self._watched = self._watched, None
        self._loop = None
        _keep_unfinalised(self._loop_end)  # its finaliser would reach the parent's loop
        self._loop_end = None
        if watched is not None:
            watched.detach()  # its connector is the session's, handled just below
        if session is not None:
            connector = session.connector
            session.detach()
            if connector is not None:
                _inherited_connectors.append(connector)
                if isinstance(getattr(connector, "_closed", None), bool):
                    connector._closed = True

    def get(self, *, watch_sends: bool = False) -> aiohttp.ClientSession:
        """The session for this loop; ``watch_sends``: the one that tells aiohttp's own
        resends apart (``Sends``), sharing the same connections."""
        if self._user_session is not None:
            return self._users_session()
        session = self._session
        loop = asyncio.get_running_loop()
        if session is not None and self._loop is loop and not session.closed:
            return (self._watched or session) if watch_sends else session
        with self._lock:
            session = self._session
            if session is not None and self._loop is loop and not session.closed:
                return (self._watched or session) if watch_sends else session
            if self.closed:
                raise ExtendError("this client is closed; create a new one")
            if session is not None and self._loop is not loop and not self._loop_is_dead():
                raise ExtendError(
                    "this client is already in use by another event loop; "
                    "create one client per event loop"
                )
            _keep_unfinalised(self._loop_end)
            session = self._make_session()
            watched = _watching_sends(session, self._trace_configs)
            self._session, self._watched, self._loop = session, watched, loop
            self._loop_end = _close_when_loop_ends(session, watched)
            return watched if watch_sends else session

    def _make_session(self) -> aiohttp.ClientSession:
        connector = self._connector
        if connector is not None:
            _check_same_loop(connector, "connector")
        else:
            from ._connector import ApiConnector  # with aiohttp, on the first session

            connector = ApiConnector(limit=self._connection_limit, ttl_dns_cache=300)
        # trust_env stays off: it would also read ~/.netrc in a thread for every request
        # (and clash with our Authorization header); proxies from the environment are
        # applied per request instead (proxy_for).
        return _http_libs.aiohttp.ClientSession(
            connector=connector,
            # An API client is stateless: a cookie a server (or a proxy in front of it)
            # sets is never sent back. A session the user gives keeps its own jar.
            cookie_jar=_http_libs.aiohttp.DummyCookieJar(),
            # A connector the user gave outlives our session: they close it.
            connector_owner=self._connector is None,
            trace_configs=list(self._trace_configs),
            auto_decompress=True,
        )

    def _users_session(self) -> aiohttp.ClientSession:
        session = self._user_session
        assert session is not None
        if self.closed:
            raise ExtendError("this client is closed; create a new one")
        if session.closed:
            raise ExtendError("the http_session given to this client is closed")
        _check_same_loop(session, "http_session")
        return session

    def _loop_is_dead(self) -> bool:
        return self._loop is None or self._loop.is_closed() or not self._loop.is_running()

    async def aclose(self) -> None:
        """Close the session this holder made (never one the user gave)."""
        self.closed = True
        with self._lock:
            session, self._session = self._session, None
            watched, self._watched = self._watched, None
            loop_end, self._loop_end = self._loop_end, None
        if watched is not None and not watched.closed:
            await watched.close()  # not the connector's owner: closes no connection
        if session is not None and not session.closed:
            await session.close()
        if loop_end is not None and self._loop is asyncio.get_running_loop():
            await loop_end.aclose()
        else:
            _keep_unfinalised(loop_end)


def _watching_sends(
    session: aiohttp.ClientSession, trace_configs: Sequence[aiohttp.TraceConfig]
) -> aiohttp.ClientSession:
    """``session``'s connections under a session that counts each send (``Sends``).

    Only a DELETE is sent through it: of the methods aiohttp resends on its own (GET and
    DELETE here), only a DELETE changes anything when its first send lands. Tracing costs
    every request a few awaits and objects, so the session everything else uses has none.
    """
    return _http_libs.aiohttp.ClientSession(
        connector=session.connector,
        connector_owner=False,
        cookie_jar=_http_libs.aiohttp.DummyCookieJar(),
        trace_configs=[*trace_configs, _send_counter()],
        auto_decompress=True,
    )


async def _closing_at_shutdown(
    session: aiohttp.ClientSession, watched: aiohttp.ClientSession
) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        if not watched.closed:
            await watched.close()
        if not session.closed:
            await session.close()


def _close_when_loop_ends(
    session: aiohttp.ClientSession, watched: aiohttp.ClientSession
) -> AsyncGenerator[None, None]:
    """Start an async generator in the running loop that closes ``session`` when closed.

    asyncio registers every started async generator with its loop, and the loop's
    ``shutdown_asyncgens()`` (run by ``asyncio.run`` and ``asyncio.Runner`` before the
    loop closes) closes each one while the loop still runs: that is the only moment a
    session can still be closed properly once its loop is finishing.
    """
    generator = _closing_at_shutdown(session, watched)
    step = generator.asend(None)
    with contextlib.suppress(StopIteration):
        step.send(None)  # runs up to the ``yield``: nothing there waits
    return generator


# Watchers of loops that ended without shutting their generators down: kept so that
# collecting one never asks a closed (or, after fork, another process's) loop to close it.
_unfinalised: list[AsyncGenerator[None, None]] = []


def _keep_unfinalised(generator: AsyncGenerator[None, None] | None) -> None:
    if generator is not None and generator.ag_frame is not None:
        _unfinalised.append(generator)


_live_holders: weakref.WeakSet[SessionHolder] = weakref.WeakSet()
# Connectors a forked child inherited (see ``forget_inherited``): never collected.
_inherited_connectors: list[aiohttp.BaseConnector] = []
_UNKNOWN_LOOP = object()


def _check_same_loop(given: object, name: str) -> None:
    """Refuse a session or connector made in another loop.

    aiohttp keeps the loop in the private ``_loop`` attribute (no public accessor that is
    not deprecated). Should a version drop it, the check is skipped rather than refusing
    every session: ``tests/unit/test_transport_private.py`` pins both behaviours.
    """
    loop = getattr(given, "_loop", _UNKNOWN_LOOP)
    if loop is _UNKNOWN_LOOP:
        return
    if loop is not asyncio.get_running_loop():
        raise ExtendError(
            f"the {name} given to this client belongs to another event loop; aiohttp "
            "sessions and connectors work only in the loop they were made in (the sync "
            "Extend runs its own loop: give it trace_configs or hooks, not these)"
        )


def _forget_inherited_sessions() -> None:
    for holder in list(_live_holders):
        holder.forget_inherited()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_sessions)


@lru_cache(maxsize=64)
def client_timeout(limits: Timeout) -> aiohttp.ClientTimeout:
    return _http_libs.aiohttp.ClientTimeout(
        total=limits.total, sock_connect=limits.connect, sock_read=limits.read
    )


class _Credential(str):
    """A header value that never shows in a repr: a traceback printed with its locals
    (``capture_locals``, error trackers) reaches the headers dict, and shows it so."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


def _build_headers(options: ClientOptions) -> CIMultiDictProxy[str]:
    """The client's headers in aiohttp's own type, built once per client: a plain dict is
    converted to it again on every request (~0.6 µs, more than raw aiohttp's two headers
    cost)."""
    headers = {
        "Authorization": _Credential(f"Bearer {options.api_key}"),
        "x-extend-api-version": options.api_version,
        "User-Agent": user_agent(),
        "Accept": "application/json",
    }
    if options.workspace_id:
        headers["x-extend-workspace-id"] = options.workspace_id
    headers.update(options.default_headers)
    multidict = _http_libs.multidict
    return multidict.CIMultiDictProxy(multidict.CIMultiDict(headers))


def _query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def status_error(
    status: int,
    reason: str | None,
    body: bytes,
    headers: Mapping[str, str],
    *,
    method: str,
    path: str,
    attempts: int = 1,
    after_lost_attempt: bool = False,
    resendable: bool = True,
) -> APIStatusError:
    """Turn a non-2xx answer into its exception, whatever the body looks like.

    ``resendable=False`` (a one-shot upload body already read) marks it not retryable.
    """
    envelope: Any = None
    try:
        envelope = loads(body) if body else None
    except ValueError:
        envelope = None
    if isinstance(envelope, dict) and isinstance(envelope.get("error"), dict):
        envelope = envelope["error"]  # some endpoints wrap the envelope
    request_id = headers.get(REQUEST_ID_HEADER)
    if isinstance(envelope, dict):
        code = envelope.get("code")
        message = envelope.get("message")
        retryable = envelope.get("retryable")
        request_id = request_id or envelope.get("requestId")
        doc_url = envelope.get("docUrl")
        payload: Mapping[str, Any] | str | None = envelope
    else:
        code = message = retryable = doc_url = None
        payload = body[:ERROR_BODY_CHARS].decode("utf-8", errors="replace") if body else None
    if not isinstance(message, str) or not message:
        message = reason or "error"
        if body and not isinstance(envelope, dict):
            message = f"{message}: {excerpt(body)}"
    cls = error_class_for_status(status)
    return cls(
        status_code=status,
        code=code if isinstance(code, str) else None,
        message=message[:ERROR_BODY_CHARS],
        retryable=(retryable if isinstance(retryable, bool) else None) if resendable else False,
        request_id=request_id if isinstance(request_id, str) else None,
        doc_url=doc_url if isinstance(doc_url, str) else None,
        body=payload,
        headers=headers,
        method=method,
        path=path,
        attempts=attempts,
        after_lost_attempt=after_lost_attempt,
        retry_after=retry_after_seconds(headers) if status == 429 else None,
    )


_NO_OPTIONS: Mapping[str, Any] = {}

# An error answer is read this far at most: enough for any JSON error envelope.
ERROR_READ_BYTES = 64 * 1024
_READ_CHUNK = 64 * 1024


class Request(NamedTuple):
    """Everything one request needs, built once and sent as many times as retries allow.

    ``path`` is what messages and logs name: the API path, or for a URL that is itself a
    credential (a signed payload URL) a description of where it points.

    A named tuple: immutable, and built once per call for about a quarter of what a frozen
    attrs class costs (which stores each field through ``object.__setattr__``).
    """

    method: str
    url: URL
    path: str
    headers: Mapping[str, str]
    params: Mapping[str, str] | None
    data: bytes | None
    timeout: aiohttp.ClientTimeout
    max_retries: int = 0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    follow_redirects: bool = False
    proxy: str | None = None
    # Instead of ``data``: a body built again for each attempt (a multipart upload).
    form: RequestBody | None = None
    # The body exactly as the host stores it: never decompressed (a download).
    raw_body: bool = False
    # Built by ``build_request``: a request to the API, whose budget a rate limiter paces.
    api: bool = False

    def can_resend(self) -> bool:
        """Whether another attempt may send this body again (a one-shot stream cannot)."""
        return self.form is None or self.form.can_resend()

    def __repr__(self) -> str:
        # Never the headers (the API key), the body, the proxy (its password) or the form.
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._fields if name not in _UNSHOWN
        )
        return f"Request({shown})"


_UNSHOWN = frozenset({"headers", "data", "proxy", "form"})


def proxy_for(url: URL) -> str | None:
    """The proxy ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` name for ``url``, unless
    ``NO_PROXY`` exempts its host (the rules curl and requests follow)."""
    import urllib.request  # here, not at the top: it is 5% of importing the SDK

    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if proxy is None or _exempt(url.host or "", proxies.get("no", "")):
        return None
    return proxy


def _exempt(host: str, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` (comma-separated hosts or domain suffixes, ``*``: all) names
    ``host``."""
    host = host.lower()
    for entry in no_proxy.split(","):
        entry = entry.strip().lower().lstrip(".")
        if entry.count(":") == 1:  # "host:port": the port does not matter here
            entry = entry.partition(":")[0]
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


class Answer(NamedTuple):
    """A 2xx answer: read in full into ``body``, or streamed to a sink (``body`` empty).

    A named tuple, as ``Request``: one is made per call."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    request_id: str | None
    attempts: int
    size: int  # bytes of the body: read, or written to the sink


_new_request = Request._make
_new_answer = Answer._make


def _merge_headers(base: Mapping[str, str], extra: Mapping[str, str] | None) -> Mapping[str, str]:
    if not extra:
        return base
    merged = dict(base)
    merged.update(extra)  # checked when the options were resolved
    return merged


class Requester:
    """Sends requests for one ``ClientOptions``; cheap to copy with other options."""

    def __init__(
        self,
        options: ClientOptions,
        sessions: SessionHolder,
        hooks: AttemptHooks | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.options = options
        self.sessions = sessions
        self.hooks = hooks or NO_HOOKS
        self.pacer = pacer
        self._headers = _build_headers(options)
        # The base URL parsed once; each request's URL is it with the path replaced
        # (``with_path``), 40% less than parsing the whole URL again.
        self._base = _http_libs.yarl.URL(options.base_url, encoded=True)
        self._base_path = self._base.raw_path.rstrip("/")
        self._timeout = client_timeout(options.timeout)
        # Read once per client: every API request goes to the same host.
        self.proxy = proxy_for(_http_libs.yarl.URL(options.base_url)) if options.trust_env else None
        # Bound explicitly by a derived requester, never found in the context:
        # the gate every attempt goes through (a bulk operation's throttle) ...
        self.gate: Gate | None = None
        # ... and where the final response's info goes (``with_raw_response``).
        self.record: list[ResponseInfo] | None = None

    def with_options(self, options: ClientOptions) -> Requester:
        return Requester(options, self.sessions, self.hooks, self.pacer)

    def through(self, gate: Gate) -> Requester:
        """This requester, every attempt of whose requests goes through ``gate``."""
        derived = copy.copy(self)
        derived.gate = gate
        return derived

    def recording(self, into: list[ResponseInfo]) -> Requester:
        """This requester, appending each final response's info to ``into``."""
        derived = copy.copy(self)
        derived.record = into
        return derived

    def build_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        form: RequestBody | None = None,
        default_timeout: Timeout | None = None,
        options: CallOptions = NO_OPTIONS,
    ) -> Request:
        """An API request: base URL, auth and version headers, query, JSON body, limits.

        ``options`` (resolved once per call) may override the timeout and the retries;
        its ``extra_headers``, ``extra_query`` and ``extra_body`` are merged over what the
        SDK sends, so a field the SDK does not know yet can be used without waiting for it.
        """
        client = self.options
        extra_headers = options.extra_headers
        headers = (
            self._headers if not extra_headers else _merge_headers(self._headers, extra_headers)
        )
        if options.extra_query:
            params = {**(params or {}), **options.extra_query}
        extra = options.extra_body
        if extra:
            if form is not None:
                raise InvalidInputError("extra_body needs a request whose body is JSON")
            if json is None:
                json = extra
            elif isinstance(json, Mapping):
                json = {**json, **extra}
            else:
                raise InvalidInputError("extra_body needs a request whose body is a JSON object")
        data: bytes | None = None
        if json is not None:
            try:
                data = orjson.dumps(json)
            except TypeError as exc:
                raise InvalidInputError(f"the body is not JSON-serialisable: {exc}") from None
            headers = {**headers, "Content-Type": "application/json"}
        try:
            query = _query(params) if params else None
            url = self._base.with_path(self._base_path + path, encoded=True)
            # Refused here rather than by the socket: a lone surrogate cannot be sent.
            if query or not path.isascii():
                (path + "".join(f"{k}={v}" for k, v in (query or {}).items())).encode("utf-8")
        except (UnicodeEncodeError, ValueError, TypeError) as exc:
            raise InvalidInputError(f"{method} {path!r} cannot be sent: {exc}") from None
        timeout = (
            self._timeout
            if options.timeout is None and default_timeout is None
            else client_timeout(options.timeout or default_timeout or client.timeout)
        )
        retries = client.max_retries if options.max_retries is None else options.max_retries
        # Every field, in order, through ``_make`` (``tuple.__new__``): no Python frame, as
        # the named tuple's own ``__new__`` has, on every call.
        return _new_request((
            method, url, path, headers, query, data, timeout, retries,
            client.max_response_bytes, False, self.proxy, form, False, True,
        ))  # fmt: skip

    def build_external(
        self,
        url: URL,
        *,
        path: str,
        headers: Mapping[str, str],
        options: CallOptions = NO_OPTIONS,
        default_timeout: Timeout | None = None,
        one_attempt: bool = False,
        max_response_bytes: int | None = None,
        follow_redirects: bool = False,
        raw_body: bool = False,
    ) -> Request:
        """A ``GET`` of an absolute URL on another host (a presigned download, a signed
        webhook payload): none of the client's headers (the URL's signature is its
        authorization; the API key must never reach another host), only ``headers``.

        ``path`` is what messages, logs and hooks name instead of the URL, which is a
        credential until it expires. ``options`` give the timeout and retries (their
        extras are the caller's to apply); ``one_attempt``: never sent again (a download
        half written). ``max_response_bytes`` is the caller's, checked (a download's
        ``max_bytes`` may be 0); None: the client's.
        """
        client = self.options
        return Request(
            method="GET",
            url=url,
            path=path,
            headers=headers,
            params=None,
            data=None,
            timeout=client_timeout(options.timeout or default_timeout or client.timeout),
            max_retries=0
            if one_attempt
            else client.max_retries
            if options.max_retries is None
            else options.max_retries,
            max_response_bytes=(
                client.max_response_bytes if max_response_bytes is None else max_response_bytes
            ),
            follow_redirects=follow_redirects,
            proxy=proxy_for(url) if client.trust_env else None,
            raw_body=raw_body,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        idempotent: bool = True,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        form: RequestBody | None = None,
        default_timeout: Timeout | None = None,
        options: CallOptions | Mapping[str, Any] = NO_OPTIONS,
    ) -> T:
        """Build, send (retrying as allowed), and decode the answer into ``cast_to``.

        ``options``: the caller's ``RequestOptions`` (resolved here, once) or already
        resolved. ``form`` (instead of ``json``) builds each attempt's payload, a multipart
        upload say; once it says it cannot be sent again, no attempt is retried.
        """
        if type(options) is not CallOptions:
            options = resolve_options(options)
        request = self.build_request(
            method, path, params=params, json=json, form=form, default_timeout=default_timeout,
            options=options,
        )  # fmt: skip
        answer = await self.send(request, idempotent=idempotent)
        if len(answer.body) <= OFF_LOOP_DECODE_BYTES:  # nearly always: no hop, no await
            return decode_response(
                answer.body, cast_to, status=answer.status, request_id=answer.request_id,
                method=method, path=path,
            )  # fmt: skip
        return await decode_off_loop_if_large(
            answer.body, cast_to, status=answer.status, request_id=answer.request_id,
            method=method, path=path,
        )  # fmt: skip

    async def send(
        self,
        request: Request,
        *,
        idempotent: bool,
        gate: Gate | None = None,
        sink: Sink | None = None,
    ) -> Answer:
        """Send ``request`` until it gets a 2xx answer or no retry is allowed.

        The one entry point of every request: JSON calls and uploads (``request.form``),
        absolute URLs without our headers (``build_external``), and downloads: with
        ``sink``, a 2xx body is streamed there as it arrives (never more than
        ``request.max_response_bytes``, exactly its ``Content-Length``) instead of being
        read into memory.

        ``gate`` (default: the one this requester is bound to, ``through``) is passed
        every attempt before it is sent. Non-2xx answers and transport failures raise their
        exception, carrying the method, the path, the attempts made and whether an
        earlier attempt may have landed.
        """
        started = time.monotonic() if self.record is not None else 0.0
        once = partial(self._exchange, request, sink)
        # The one check a client without a rate limiter pays.
        paced = (
            once
            if self.pacer is None or not request.api
            else self.pacer.wrap(once, request.method, request.path)
        )
        answer = await send_attempts(
            paced,
            method=request.method,
            path=request.path,
            idempotent=idempotent,
            retries=request.max_retries,
            policy=self.options.retry,
            gate=gate if gate is not None else self.gate,
        )
        if self.record is not None:
            elapsed = time.monotonic() - started
            info = ResponseInfo(
                answer.status, answer.headers, answer.request_id, answer.attempts, elapsed
            )
            self.record.append(info)
        return answer

    async def _exchange(
        self, request: Request, sink: Sink | None, attempt: int, lost: bool
    ) -> Answer:
        """One attempt: send, read the answer within its size limit, map a failure.

        The single attempt path; a rate limiter (``pacer``) wraps it in ``send``, so its
        acquire (by the request's category) comes before every attempt.
        """
        # Taken afresh for every attempt: aclose() may have run during a backoff.
        # Only a DELETE's sends are watched (``_watching_sends``): nothing to count otherwise.
        sends = Sends() if request.method == "DELETE" else None
        session = self.sessions.get(watch_sends=sends is not None)
        # The clock is read only for the debug line that shows the attempt's duration.
        debug = log.isEnabledFor(logging.DEBUG)
        started = time.monotonic() if debug else 0.0
        failure: BaseException | None = None
        try:
            if self.hooks.active:
                # The one place the hooks see an attempt: sent, then answered or failed.
                with self.hooks.attempt(request.method, request.path, attempt) as seen:
                    status, headers, reason, body, size = await _attempt(
                        session, request, sink, sends, seen
                    )
            else:  # no one listens: no event objects, no clock reads
                status, headers, reason, body, size = await _attempt(session, request, sink, sends)
        except (asyncio.TimeoutError, _http_libs.aiohttp.ClientError, OSError) as exc:
            failure = exc
        # aiohttp resent it on its own (a GET or DELETE whose connection reset after
        # sending): the first send may have landed.
        lost = lost or (sends is not None and sends.resent)
        if failure is not None:
            # Raised outside the except block, so the transport error is not kept as the
            # context: only the cause chosen by transport_cause stays reachable.
            own = sdk_error_in(failure)
            if own is not None:
                raise _as_request_error(own, request) from None
            raise connection_error(failure, request, attempt, lost) from transport_cause(failure)
        request_id = headers.get(REQUEST_ID_HEADER)
        if debug:
            log.debug(
                "%s %s -> %d (attempt %d, request id %s, %.1f ms)",
                request.method,
                request.path,
                status,
                attempt,
                request_id,
                (time.monotonic() - started) * 1000,
            )
        if 200 <= status < 300:
            return _new_answer((status, headers, body, request_id, attempt, size))
        raise status_error(
            status, reason, body, headers, method=request.method, path=request.path,
            attempts=attempt, after_lost_attempt=lost, resendable=request.can_resend(),
        )  # fmt: skip


async def _attempt(
    session: aiohttp.ClientSession,
    request: Request,
    sink: Sink | None,
    sends: Sends | None,
    seen: SeenAttempt | None = None,
) -> tuple[int, CIMultiDictProxy[str], str | None, bytes, int]:
    """Send ``request`` once and read its answer: status, headers, reason, body (empty when
    streamed to ``sink``) and the body's size. ``sends`` counts aiohttp's sends of it;
    ``seen``: the hooks' view of the attempt."""
    form = request.form
    # Awaited rather than entered with ``async with``: the same release and wait as its
    # exit (below), without its context-manager frames (counted with callgrind: ~6,000
    # instructions per request, over 1% of what raw aiohttp spends on one).
    direct = direct_by_class.get(type(session))
    if direct is None:
        direct = awaits_private_request(type(session))
    # ``_request``, the coroutine ``request`` wraps, where that is safe (``_session_call``).
    response = await (session._request if direct else session.request)(
        request.method,
        request.url,
        params=request.params,
        data=request.data if form is None else form.payload(),
        headers=request.headers if form is None else {**request.headers, **form.headers},
        timeout=request.timeout,
        # A 3xx from the API is it misbehaving: never resend a body or trust another host.
        allow_redirects=request.follow_redirects,
        proxy=request.proxy,
        trace_request_ctx=sends,
        **(raw_body() if request.raw_body else _NO_OPTIONS),
    )
    try:
        status = response.status
        headers = response.headers
        if seen is not None:
            seen.status = status
            seen.request_id = headers.get(REQUEST_ID_HEADER)
        reason = response.reason
        size = 0
        if 200 <= status < 300:
            if sink is None:
                declared = response.content_length
                if (
                    declared is not None
                    and declared <= request.max_response_bytes
                    and "Content-Encoding" not in headers
                ):
                    # The usual answer: its size declared and within the limit, its body
                    # read as sent (aiohttp reads exactly Content-Length bytes): one read.
                    body = await response.read()
                else:
                    body = await _read_within(response, request)
                size = len(body)
            else:
                body = b""
                size = await stream_body(response, sink, request, request.max_response_bytes)
        elif status >= 200:
            body = await _read_head(response)
        else:  # a 1xx (a protocol switch) has no body to wait for
            body = b""
    finally:
        # What leaving ``async with`` does: the connection back to the pool (or closed,
        # when the body was not read to its end), then the request's writer awaited.
        response.release()
        await response.wait_for_close()
    return status, headers, reason, body, size


async def _read_within(response: aiohttp.ClientResponse, request: Request) -> bytes:
    """The whole body, counted as decoded (so a compression bomb is caught too), failing
    as soon as it passes ``request.max_response_bytes``."""
    limit = request.max_response_bytes
    declared = response.content_length
    if declared is not None and declared > limit and "Content-Encoding" not in response.headers:
        raise _too_large(request)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(request)
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_head(response: aiohttp.ClientResponse) -> bytes:
    """At most ``ERROR_READ_BYTES`` of an error answer; the rest is never read."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_READ_CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size >= ERROR_READ_BYTES:
            break
    return b"".join(chunks)[:ERROR_READ_BYTES]


def _too_large(request: Request) -> ResponseTooLargeError:
    limit = request.max_response_bytes
    return ResponseTooLargeError(
        f"{request.method} {request.path}: the answer is larger than "
        f"max_response_bytes ({limit} bytes)",
        method=request.method,
        path=request.path,
        limit=limit,
    )


@define
class Sends:
    """Whether aiohttp sent one attempt's request twice (its ``trace_request_ctx``).

    aiohttp resends a GET or DELETE once, on its own, when the connection resets after
    the request left; the retry loop would not learn that the first send may have landed
    (a DELETE that did its work would end in a bare 404, not success). The client's own
    sessions watch sends with ``_send_counter`` (a public ``TraceConfig`` signal): the same
    URL sent again is such a resend (a followed redirect goes to another URL). Only a DELETE
    is watched (``_watching_sends``: a GET resent changes nothing); a session the user gives
    is not watched, and its resends stay unseen.
    """

    last_url: object = None
    resent: bool = False


async def _count_send(session: object, context: Any, params: Any) -> None:
    sends = getattr(context, "trace_request_ctx", None)
    if isinstance(sends, Sends):
        url = getattr(params, "url", None)
        sends.resent = sends.resent or (sends.last_url is not None and url == sends.last_url)
        sends.last_url = url


def _send_counter() -> aiohttp.TraceConfig:
    config = _http_libs.aiohttp.TraceConfig()
    config.on_request_headers_sent.append(_count_send)
    return config


def connection_error(
    exc: BaseException, request: Request, attempt: int, lost: bool
) -> APIConnectionError:
    method, path = request.method, request.path
    sent = not never_sent(exc)
    if isinstance(exc, asyncio.TimeoutError):
        return APITimeoutError(
            f"{method} {path} timed out", method=method, path=path, attempts=attempt,
            sent=sent, after_lost_attempt=lost, retryable=request.can_resend(),
        )  # fmt: skip
    if isinstance(exc, _http_libs.aiohttp.ClientResponseError | _http_libs.aiohttp.InvalidURL):
        # Their str() names the URL, which for a signed URL is a credential.
        detail = f"{type(exc).__name__}: {getattr(exc, 'message', '')}".rstrip(": ")
    else:
        detail = str(exc) or type(exc).__name__
    # aiohttp's texts may name the connection, whose key holds the proxy URL with its
    # password: every message made from them is redacted here, once.
    detail = redact_secrets(detail)
    return APIConnectionError(
        f"{method} {path} failed: {detail}", method=method, path=path, attempts=attempt,
        sent=sent, after_lost_attempt=lost,
        # An untrusted certificate or a failed handshake does not heal on retry.
        retryable=request.can_resend()
        and not isinstance(exc, _http_libs.aiohttp.ClientSSLError | ssl.SSLError),
    )  # fmt: skip


def transport_cause(exc: BaseException) -> BaseException | None:
    """What of the transport error the SDK's error may keep as its ``__cause__``.

    aiohttp's response errors hold ``request_info``, whose headers include the
    ``Authorization`` header, and some of its messages name the connection, whose key
    holds the proxy URL with its password. Such an error is replaced by what caused it
    (the parser's error, which holds only what the server sent; the body's own failure),
    and nothing is chained when every error down the chain carries a secret.
    """
    candidate: BaseException | None = exc
    while candidate is not None and not _chain_is_clean(candidate):
        candidate = candidate.__cause__
    return candidate


def _chain_is_clean(exc: BaseException) -> bool:
    """Whether nothing a traceback shows of ``exc`` and its chain carries a secret."""
    for error in error_chain(exc):
        if isinstance(error, _http_libs.aiohttp.ClientResponseError):
            return False  # its request_info holds the request's headers
        texts = [str(error), repr(error), *map(str, getattr(error, "__notes__", ()))]
        if any(redact_secrets(text) != text for text in texts):
            return False
    return True


def _as_request_error(error: ExtendError, request: Request) -> ExtendError:
    if isinstance(error, FileChangedError):
        return FileChangedError(
            f"{request.method} {request.path} failed: {error}",
            expected=error.expected,
            method=request.method,
            path=request.path,
        )
    error.__cause__ = None
    error.__context__ = None
    return error


# A body larger than this is parsed and decoded in a worker thread: decoding costs about
# 65 us per run, so a 60 MB page would hold the event loop for seconds. Smaller ones (nearly
# all) are decoded in place, where a thread hop would cost more than the work.
OFF_LOOP_DECODE_BYTES = 1024 * 1024


async def decode_off_loop_if_large(
    body: bytes, cast_to: type[T], *, status: int, request_id: str | None, method: str, path: str
) -> T:
    """``decode_response``, off the event loop for a body over ``OFF_LOOP_DECODE_BYTES``,
    with every field (``decode_now``): none left for a first read on the loop."""

    def decode() -> T:
        decoded = decode_response(
            body, cast_to, status=status, request_id=request_id, method=method, path=path
        )
        decode_now(decoded)
        return decoded

    return await off_loop_if_large(len(body), decode)


async def off_loop_if_large(size: int, work: Callable[[], T]) -> T:
    """``work()`` (parsing and decoding a body of ``size`` bytes): in a worker thread when
    the body is over ``OFF_LOOP_DECODE_BYTES``, so other tasks keep running; in place
    otherwise."""
    if size > OFF_LOOP_DECODE_BYTES:
        return await asyncio.to_thread(work)
    return work()

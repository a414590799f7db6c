"""The request pipeline every call goes through, whatever its route.

fault draw -> added latency -> reset? -> 500/502 fault? -> authentication, API version,
workspace -> rate limit -> route handler -> request id header -> lost response?

Nothing escapes as a bare 500 or a traceback: problems become the API's error envelope,
and an unexpected exception becomes a ``500 INTERNAL_ERROR`` envelope that is also
recorded in ``unexpected_errors`` so tests can insist there were none.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import traceback
from collections import Counter
from collections.abc import Callable

from aiohttp import web

from ..ratelimit._categories import category_of
from ._errors import (
    FORBIDDEN,
    INTERNAL_ERROR,
    INVALID_REQUEST,
    NOT_FOUND,
    RATE_LIMIT_EXCEEDED,
    UNAUTHORIZED,
    ApiProblem,
    ConflictProblem,
    ValidationProblem,
    render_envelope,
)
from ._faults import FaultInjector, FaultKind
from ._ids import IdFactory
from ._ratelimit import BudgetLimiter, RateLimiter, retry_after_headers
from ._routing import UNKNOWN_ROUTE, Call, Router
from ._settings import ORG_SCOPE, Settings

__all__ = ["REQUEST_ID_HEADER", "Dispatcher", "Stats"]

REQUEST_ID_HEADER = "x-extend-request-id"
MAX_RECORDED_ERRORS = 100

BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)

_CODES_BY_STATUS = {401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND}


class Stats:
    """Counters of what the emulator saw; written on its loop, read from any thread."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()  # by route name
        self.statuses: Counter[int] = Counter()  # answers actually sent
        self.faults: Counter[str] = Counter()  # by FaultKind value
        # 429s by what refused them: "key", "org:GET", "workspace:RUN", ...
        self.throttled: Counter[str] = Counter()
        self.unexpected_errors: list[str] = []

    def clear(self) -> None:
        self.requests.clear()
        self.statuses.clear()
        self.faults.clear()
        self.throttled.clear()
        self.unexpected_errors.clear()


def reset_connection(request: web.BaseRequest) -> None:
    """Drop the connection with a TCP reset, answering nothing."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Linger 0 turns close() into a RST, the "connection reset by peer" clients see
        # when a server or proxy dies mid-request.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class Dispatcher:
    def __init__(
        self,
        *,
        router: Router,
        faults: FaultInjector,
        limiter: RateLimiter,
        budgets: BudgetLimiter,
        api_keys: dict[str, str],
        settings: Callable[[], Settings],
        request_ids: IdFactory,
        lock: threading.RLock,
        stats: Stats,
    ) -> None:
        self._router = router
        self._faults = faults
        self._limiter = limiter
        self._budgets = budgets
        self._api_keys = api_keys
        self._settings = settings
        self._request_ids = request_ids
        self._lock = lock
        self._stats = stats

    @property
    def router(self) -> Router:
        return self._router

    async def handle(self, request: web.Request) -> web.StreamResponse:
        request_id = self._request_ids.new("req_")
        match = self._router.match(request.method, request.path)
        route = match.route.name if match is not None else UNKNOWN_ROUTE
        decision = self._faults.decide(route)
        fault = decision.kind
        with self._lock:
            self._stats.requests[route] += 1
            if fault is not FaultKind.NONE:
                self._stats.faults[fault.value] += 1
        if decision.latency:
            await asyncio.sleep(decision.latency)
        if fault is FaultKind.RESET:
            reset_connection(request)
            return web.Response(status=500)  # never written: the transport is gone
        response: web.StreamResponse
        try:
            if fault is FaultKind.INTERNAL_ERROR:
                raise ApiProblem(
                    500,
                    INTERNAL_ERROR,
                    "An unexpected error occurred. Retry the request.",
                    retryable=True,
                )
            if fault is FaultKind.BAD_GATEWAY:
                response = web.Response(status=502, text=BAD_GATEWAY_PAGE, content_type="text/html")
            else:
                api_key, workspace_id = self._authenticate(request)
                wait = self._throttle(request, api_key, workspace_id)
                if wait:
                    raise ApiProblem(
                        429,
                        RATE_LIMIT_EXCEEDED,
                        "Too many requests. Back off and retry.",
                        retryable=True,
                        headers=retry_after_headers(wait),
                    )
                if match is None:
                    raise ApiProblem(
                        404, NOT_FOUND, f"No endpoint matches {request.method} {request.path}"
                    )
                response = await match.route.handler(
                    Call(request, match.params, workspace_id, api_key)
                )
        except ApiProblem as problem:
            response = self._problem_response(problem, request_id)
        except web.HTTPException as exc:  # from aiohttp itself, e.g. 413 on a huge body
            response = self._problem_response(
                ApiProblem(exc.status, INVALID_REQUEST, exc.reason), request_id
            )
        except Exception as exc:
            with self._lock:
                if len(self._stats.unexpected_errors) < MAX_RECORDED_ERRORS:
                    self._stats.unexpected_errors.append(traceback.format_exc())
            response = self._problem_response(
                ApiProblem(
                    500,
                    INTERNAL_ERROR,
                    f"Unexpected emulator error ({type(exc).__name__})",
                    retryable=True,
                ),
                request_id,
            )
        response.headers[REQUEST_ID_HEADER] = request_id
        if fault is FaultKind.LOST_RESPONSE:
            reset_connection(request)
            return response
        with self._lock:
            self._stats.statuses[response.status] += 1
        return response

    def _throttle(self, request: web.Request, api_key: str, workspace_id: str) -> float:
        """0 if the request is within its key's limit and its budgets (whose tokens it
        then spends), else the seconds to wait."""
        budgets = self._budgets
        category = category_of(request.method, request.path) if budgets.active else ""
        with self._lock:
            wait = self._limiter.acquire(api_key)
            if wait:
                self._stats.throttled["key"] += 1
                return wait
            if not category:
                return 0.0
            wait, scope = budgets.acquire(category, workspace_id)
            if scope is not None:
                self._stats.throttled[f"{scope}:{category}"] += 1
            return wait

    def _authenticate(self, request: web.Request) -> tuple[str, str]:
        """(API key, workspace id) of the request, or the problem that stops it."""
        headers = request.headers
        authorization = headers.get("Authorization")
        if not authorization:
            raise ApiProblem(
                401, UNAUTHORIZED, "Missing API key: send 'Authorization: Bearer <API key>'"
            )
        scheme, _, api_key = authorization.partition(" ")
        api_key = api_key.strip()
        if scheme.lower() != "bearer" or not api_key:
            raise ApiProblem(
                401, UNAUTHORIZED, "Malformed Authorization header: expected 'Bearer <API key>'"
            )
        scope = self._api_keys.get(api_key)
        if scope is None:
            raise ApiProblem(401, UNAUTHORIZED, "Invalid API key")
        settings = self._settings()
        version = headers.get("x-extend-api-version")
        if version is None:
            if settings.require_api_version:
                raise ApiProblem(
                    400,
                    INVALID_REQUEST,
                    "Missing x-extend-api-version header; supported versions: "
                    + ", ".join(sorted(settings.api_versions)),
                )
        elif version not in settings.api_versions:
            raise ApiProblem(
                400,
                INVALID_REQUEST,
                f"Unsupported API version {version!r}; supported versions: "
                + ", ".join(sorted(settings.api_versions)),
            )
        requested = headers.get("x-extend-workspace-id") or None
        if scope == ORG_SCOPE:
            if requested is None:
                status = settings.missing_workspace_status
                raise ApiProblem(
                    status,
                    _CODES_BY_STATUS.get(status, INVALID_REQUEST),
                    "Organization-scoped API keys must name a workspace in the "
                    "x-extend-workspace-id header",
                )
            return api_key, requested
        if requested is not None and requested != scope:
            raise ApiProblem(
                403,
                FORBIDDEN,
                f"This API key belongs to workspace {scope} and cannot access {requested}",
            )
        return api_key, scope

    def _problem_response(self, problem: ApiProblem, request_id: str) -> web.Response:
        status = problem.status
        if status is None:
            settings = self._settings()
            if isinstance(problem, ConflictProblem):
                status = settings.state_conflict_status
            elif isinstance(problem, ValidationProblem):
                status = settings.validation_status
            else:
                status = 400
        body = render_envelope(
            problem.code, problem.message, retryable=problem.retryable, request_id=request_id
        )
        headers = {"Content-Type": "application/json", **problem.headers}
        return web.Response(status=status, body=body, headers=headers)

"""The route table: method + path pattern -> a named handler.

Route names are what fault overrides and ``request_counts`` are keyed by
(``_route_table.route_names`` lists them all). The emulator
routes by hand (one catch-all aiohttp route) so unknown paths still get the API's error
envelope and request id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from attrs import frozen

__all__ = ["UNKNOWN_ROUTE", "Call", "Match", "Route", "Router"]

UNKNOWN_ROUTE = "unknown"


class Call:
    """One authenticated request on its way to a handler."""

    __slots__ = ("api_key", "params", "request", "workspace_id")

    def __init__(
        self, request: web.Request, params: tuple[str, ...], workspace_id: str, api_key: str
    ) -> None:
        self.request = request
        self.params = params
        self.workspace_id = workspace_id
        self.api_key = api_key


Handler = Callable[[Call], Awaitable[web.StreamResponse]]


@frozen
class Route:
    name: str
    method: str
    template: str  # e.g. "/classify_runs/{}/cancel"; "{}" marks a path parameter
    handler: Handler

    @property
    def pattern(self) -> tuple[str | None, ...]:
        return tuple(None if s == "{}" else s for s in self.template[1:].split("/"))


@frozen
class Match:
    route: Route
    params: tuple[str, ...]


class Router:
    """Matches a request to its route. ``routes`` may be a callable: the table is then built
    on first use (the emulator's 117 routes cost a few milliseconds, which a test that never
    sends a request should not pay)."""

    def __init__(self, routes: Iterable[Route] | Callable[[], Iterable[Route]]) -> None:
        self._source = routes
        self._table: dict[tuple[str, int], list[tuple[tuple[str | None, ...], Route]]] | None = None
        if not callable(routes):
            self._table = self._build(routes)

    @staticmethod
    def _build(
        routes: Iterable[Route],
    ) -> dict[tuple[str, int], list[tuple[tuple[str | None, ...], Route]]]:
        table: dict[tuple[str, int], list[tuple[tuple[str | None, ...], Route]]] = {}
        for route in routes:
            pattern = route.pattern
            table.setdefault((route.method, len(pattern)), []).append((pattern, route))
        for candidates in table.values():
            # Literal segments win over parameters: /classify_runs/batch is not a run id.
            candidates.sort(key=lambda item: item[0].count(None))
        return table

    def _ready(self) -> dict[tuple[str, int], list[tuple[tuple[str | None, ...], Route]]]:
        table = self._table
        if table is None:
            source = self._source
            assert callable(source)
            # Two threads racing here build the same table; either assignment is fine.
            table = self._table = self._build(source())
        return table

    @property
    def routes(self) -> list[Route]:
        """Every route of the table."""
        return [route for candidates in self._ready().values() for _, route in candidates]

    def match(self, method: str, path: str) -> Match | None:
        if not path.startswith("/"):
            return None
        segments = path[1:].split("/")
        for pattern, route in self._ready().get((method, len(segments)), ()):
            params: list[str] = []
            for wanted, given in zip(pattern, segments, strict=True):
                if wanted is None:
                    if not given:
                        break
                    params.append(given)
                elif wanted != given:
                    break
            else:
                return Match(route, tuple(params))
        return None

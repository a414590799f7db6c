"""Every route's name, read from the route declarations themselves (the classify and files
tables, then one route per other endpoint of the schema), so the list of names a fault or a
request count may use cannot fall behind the routes served.

The names of the endpoints beyond classify come from ``_shapes.json``: they are read on the
first use of ``route_names`` (or of ``ROUTE_NAMES``), never at import.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache

from ._routing import UNKNOWN_ROUTE

__all__ = ["check_route_names", "route_names", "route_table"]


def route_table() -> list[tuple[str, str, str]]:
    """(route name, HTTP method, path template) of every route the emulator serves."""
    from ._api import ROUTES as CLASSIFY_ROUTES
    from ._files import ROUTES as FILE_ROUTES
    from ._resources import endpoint_routes, template_of

    own = [(name, method, path) for name, method, path, _ in (*CLASSIFY_ROUTES, *FILE_ROUTES)]
    served = [(method, path) for _, method, path in own]
    others = [
        (name, endpoint["http"], template_of(endpoint["path"]))
        for name, endpoint in endpoint_routes(served)
    ]
    return own + others


@cache
def route_names() -> tuple[str, ...]:
    """Every route's name, in the order the routes are declared."""
    return tuple(name for name, _, _ in route_table())


def check_route_names(names: Iterable[str]) -> None:
    """Raise ``ValueError`` for a name no route has (``"unknown"``, the name of a request
    that matches no route, is allowed), suggesting the nearest ones."""
    known = {*route_names(), UNKNOWN_ROUTE}
    for name in names:
        if name not in known:
            near = difflib.get_close_matches(name, sorted(known), n=3)
            hint = f"; did you mean {', '.join(map(repr, near))}?" if near else ""
            raise ValueError(
                f"no route is named {name!r}{hint} (ROUTE_NAMES lists every route's name)"
            )

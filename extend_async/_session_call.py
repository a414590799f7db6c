"""How an attempt calls aiohttp: its private ``_request`` coroutine, where that is safe.

``ClientSession.request`` (aiohttp 3.x) returns
``_RequestContextManager(self._request(method, url, **kwargs))``: its keywords go through a
dict and back into ``_request``'s ~30 parameters, and awaiting the wrapper adds frames of
its own. Awaiting ``_request`` itself gives the same response for ~13,000 fewer
instructions per request (callgrind, 64 concurrent cancels of a full run: ~2.5% of what
raw aiohttp spends on one).

A private detail, so it is checked once per session class: ``_request`` is awaited only
when the class keeps aiohttp's own public ``request`` (a subclass that overrides it, to
log or to sign, is called through it) and its ``_request`` is a coroutine function that
takes every keyword the SDK passes. Otherwise the public ``request`` is called, as before.
``tests/unit/test_transport_private.py`` checks that ``request`` still hands its arguments
to ``_request`` unchanged, and both sides of the check.
"""

from __future__ import annotations

import inspect

from . import _http_libs

__all__ = ["SENT_KEYWORDS", "awaits_private_request", "direct_by_class"]

# Every keyword ``_transport._attempt`` passes (``auto_decompress`` for a download).
SENT_KEYWORDS = frozenset(
    {
        "params",
        "data",
        "headers",
        "timeout",
        "allow_redirects",
        "proxy",
        "trace_request_ctx",
        "auto_decompress",
    }
)

# Whether ``_request`` may be awaited directly, by session class: filled by the first
# attempt of each class (two threads may both fill it, with the same answer).
direct_by_class: dict[type, bool] = {}


def awaits_private_request(cls: type) -> bool:
    """Whether sessions of ``cls`` are sent through ``_request`` (and remember it)."""
    direct = _check(cls)
    direct_by_class[cls] = direct
    return direct


def _check(cls: type) -> bool:
    if getattr(cls, "request", None) is not _http_libs.aiohttp.ClientSession.request:
        return False
    private = getattr(cls, "_request", None)
    if not inspect.iscoroutinefunction(private):
        return False
    try:
        parameters = inspect.signature(private).parameters
    except (TypeError, ValueError):
        return False
    return parameters.keys() >= SENT_KEYWORDS

"""The per-call options: declared once (``RequestOptions``), resolved once per call.

Every resource method, async and sync, takes them as ``**options: Unpack[RequestOptions]``.
Why keywords rather than one ``options=`` mapping: the five options were already keyword
arguments of every method (``timeout=5``), so declaring them as the keys of a TypedDict
keeps every existing call working with no deprecation, while type checkers and editors
still see each key with its type (PEP 692), and a misspelt option is an error for them.

Adding an option: a key here, its resolution in ``resolve_options`` (and its field in
``CallOptions``), its use where the request is built, its test. Nothing else: no method
signature names the options (``tests/unit/test_request_options.py`` checks that).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TypedDict

from attrs import frozen

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # PEP 692's Unpack for **kwargs; typing has it from 3.11
    from typing_extensions import Unpack

from ._errors import InvalidInputError
from ._options import Timeout, TimeoutArg, as_timeout, check_headers, check_retries
from ._types import Body, Headers, Query

__all__ = ["NO_OPTIONS", "CallOptions", "RequestOptions", "Unpack", "resolve_options"]


class RequestOptions(TypedDict, total=False):
    """Options every resource method accepts, per call.

    ``timeout``: seconds (or a ``Timeout``) per attempt, instead of the client's.
    ``max_retries``: retries after the first attempt, instead of the client's.
    ``extra_headers`` / ``extra_query`` / ``extra_body``: merged over what the SDK sends,
    so a header, parameter or body field the SDK does not know yet can be used at once.
    """

    timeout: TimeoutArg
    max_retries: int | None
    extra_headers: Headers | None
    extra_query: Query | None
    extra_body: Body | None


@frozen
class CallOptions:
    """``RequestOptions`` checked: what one call asked for (None: the client's setting)."""

    timeout: Timeout | None = None
    max_retries: int | None = None
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None


class UnexpectedOptionError(InvalidInputError, TypeError):
    """A keyword no method takes: a ``TypeError``, as Python raises for one, and an
    ``InvalidInputError``, as the SDK raises for any argument it refuses."""


NO_OPTIONS = CallOptions()
_KEYS = frozenset(RequestOptions.__annotations__)


def resolve_options(options: Mapping[str, Any] | CallOptions) -> CallOptions:
    """The options of one call, checked once (``InvalidInputError`` for a bad value,
    ``UnexpectedOptionError`` for an unknown name). A ``CallOptions`` is already
    resolved and comes back as it is."""
    if isinstance(options, CallOptions):
        return options
    if not options:
        return NO_OPTIONS
    unknown = options.keys() - _KEYS
    if unknown:
        names = ", ".join(sorted(map(repr, unknown)))
        raise UnexpectedOptionError(
            f"unexpected keyword argument {names}; the per-call options are {sorted(_KEYS)}"
        )
    timeout = options.get("timeout")
    retries = options.get("max_retries")
    return CallOptions(
        timeout=None if timeout is None else as_timeout(timeout),
        max_retries=None if retries is None else check_retries(retries),
        extra_headers=_headers(options.get("extra_headers")),
        extra_query=_mapping(options.get("extra_query"), "extra_query"),
        extra_body=_mapping(options.get("extra_body"), "extra_body"),
    )


def _headers(value: Headers | None) -> Mapping[str, str] | None:
    return check_headers(value, what="extra_headers") if value else None


def _mapping(value: Mapping[str, Any] | None, name: str) -> Mapping[str, Any] | None:
    if not value:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise InvalidInputError(f"{name} must be a mapping with str keys")
    return dict(value)


def options_of(**options: Unpack[RequestOptions]) -> CallOptions:
    """``resolve_options`` for options given as keywords (tests, ``with_options``)."""
    return resolve_options(options)

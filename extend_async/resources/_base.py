"""What every resource shares: the requester it sends through, and input coercion."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

import attrs
import orjson

from .._converter import unstructure_request
from .._errors import InvalidInputError
from .._input_keys import check_keys
from .._pagination import AsyncPager
from .._request_options import CallOptions, RequestOptions, resolve_options
from .._transport import Requester
from ..types import Page

__all__ = [
    "SORT_BY",
    "SORT_DIR",
    "AsyncAPIResource",
    "SortBy",
    "SortDir",
    "as_body",
    "check_choice",
    "check_metadata",
    "check_page_size",
    "check_sort_by",
]

MAX_METADATA_BYTES = 10 * 1024

# The list endpoints' sort parameters: as the API spells them, or in the snake_case the rest
# of the SDK uses (``"created_at"``), which is sent as the API's spelling.
SortBy = Literal["updatedAt", "createdAt", "updated_at", "created_at"]
SortDir = Literal["asc", "desc"]
SORT_BY = frozenset({"updatedAt", "createdAt"})
SORT_DIR = frozenset({"asc", "desc"})
_SORT_BY_SNAKE = {"updated_at": "updatedAt", "created_at": "createdAt"}

ItemT = TypeVar("ItemT")
AnswerT = TypeVar("AnswerT")


ResourceT = TypeVar("ResourceT", bound="AsyncAPIResource")


class AsyncAPIResource:
    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def _bound(self: ResourceT, requester: Requester) -> ResourceT:
        """The same resource sending through ``requester`` (a derived one: a bulk
        operation's gate bound, or a raw-response record)."""
        return type(self)(requester)

    def _pager(
        self,
        url: str,
        page: type[Page[ItemT]],
        params: Mapping[str, Any],
        *,
        start_token: str | None,
        options: RequestOptions | CallOptions,
    ) -> AsyncPager[ItemT]:
        """A lazy list: each page is ``GET url`` with ``params`` and the page's cursor."""
        requester = self._requester
        resolved = resolve_options(options)  # once, when the list is made

        async def fetch_page(token: str | None) -> Page[ItemT]:
            return await requester.request(
                "GET", url, params={**params, "nextPageToken": token}, cast_to=page,
                options=resolved,
            )  # fmt: skip

        return AsyncPager(fetch_page, start_token=start_token)

    def _envelope_pager(
        self,
        url: str,
        answer: type[AnswerT],
        to_page: Callable[[AnswerT], Page[ItemT]],
        params: Mapping[str, Any],
        *,
        start_token: str | None,
        options: RequestOptions | CallOptions,
    ) -> AsyncPager[ItemT]:
        """``_pager`` for a list whose answer is not the ``Page`` envelope (the legacy
        ones: ``{"processorRuns": [...], "nextPageToken": ...}``): ``to_page`` reads it."""
        requester = self._requester
        resolved = resolve_options(options)

        async def fetch_page(token: str | None) -> Page[ItemT]:
            got = await requester.request(
                "GET", url, params={**params, "nextPageToken": token}, cast_to=answer,
                options=resolved,
            )  # fmt: skip
            return to_page(got)

        return AsyncPager(fetch_page, start_token=start_token)


def as_body(value: object, *, name: str, expected: tuple[type, ...]) -> Any:
    """An attrs input or a plain mapping, as the JSON the API expects.

    A mapping's keys and JSON values are sent as written; a model, an enum member or a
    datetime inside it (a ``XDict`` value may be ``X``) is converted as the model would be."""
    if isinstance(value, expected) or (attrs.has(type(value)) and not expected):
        return unstructure_request(value)
    if isinstance(value, Mapping):
        check_keys(value, expected, name)
        try:
            return unstructure_request(dict(value))
        except RecursionError:  # a mapping that holds itself, or nests past any JSON limit
            raise InvalidInputError(f"{name} nests too deeply to be sent as JSON") from None
    names = " or ".join(t.__name__ for t in expected) or "an attrs instance"
    raise InvalidInputError(f"{name} must be {names} or a mapping, got {type(value).__name__}")


def check_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise InvalidInputError(f"metadata must be a mapping, got {type(metadata).__name__}")
    try:
        size = len(orjson.dumps(dict(metadata)))
    except TypeError as exc:
        raise InvalidInputError(f"metadata must be JSON-serialisable: {exc}") from None
    if size > MAX_METADATA_BYTES:
        raise InvalidInputError(f"metadata is {size} bytes as JSON; the API allows 10 KB")
    return dict(metadata)


def check_page_size(max_page_size: int | None) -> int | None:
    if max_page_size is None:
        return None
    if isinstance(max_page_size, bool) or not isinstance(max_page_size, int):
        raise InvalidInputError("max_page_size must be an int from 1 to 1000")
    if not 1 <= max_page_size <= 1000:
        raise InvalidInputError(f"max_page_size must be from 1 to 1000, got {max_page_size}")
    return max_page_size


def check_sort_by(value: str | None) -> str | None:
    """``sort_by`` as the API spells it; snake_case is accepted."""
    if isinstance(value, str):
        value = _SORT_BY_SNAKE.get(value, value)
    return check_choice(value, name="sort_by", allowed=SORT_BY)


def check_choice(value: str | None, *, name: str, allowed: frozenset[str]) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise InvalidInputError(f"{name} must be one of {sorted(allowed)}, got {value!r}")
    return str(value)

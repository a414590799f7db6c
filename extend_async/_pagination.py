"""Auto-paging: ``await`` a pager for its first page, ``async for`` it for every item."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

from ._errors import ExtendError
from .types.pagination import Page

__all__ = ["AsyncPager"]

ItemT = TypeVar("ItemT")

FetchPage = Callable[[str | None], Awaitable[Page[ItemT]]]


class AsyncPager(Generic[ItemT]):
    """A lazy view over a cursor-paginated list.

    Nothing is sent until it is awaited or iterated. Each iteration starts again from the
    first page; ``pages()`` yields whole pages, ``async for`` yields items.
    """

    def __init__(self, fetch_page: FetchPage[ItemT], *, start_token: str | None = None) -> None:
        self._fetch_page = fetch_page
        self._start_token = start_token

    def __await__(self) -> Generator[Any, None, Page[ItemT]]:
        return self.first_page().__await__()

    async def first_page(self) -> Page[ItemT]:
        return await self._fetch_page(self._start_token)

    async def fetch_page(self, token: str | None) -> Page[ItemT]:
        """One page by its cursor (``None`` for the first)."""
        return await self._fetch_page(token)

    async def pages(self) -> AsyncIterator[Page[ItemT]]:
        token = self._start_token
        seen: set[str | None] = {token}
        while True:
            page = await self._fetch_page(token)
            yield page
            if not page.next_page_token:
                return
            if page.next_page_token in seen:
                # A cursor that leads back to a page already read would page forever.
                raise ExtendError("the API repeated a nextPageToken; stopping to avoid a loop")
            token = page.next_page_token
            seen.add(token)

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        async for page in self.pages():
            for item in page.data:
                yield item

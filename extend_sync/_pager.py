"""``SyncPager``: auto-paging for blocking code, one portal crossing per page. Hand-written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

from extend_async import AsyncPager, Page

if TYPE_CHECKING:
    from ._portal import Portal

__all__ = ["SyncPager"]

ItemT = TypeVar("ItemT")


class SyncPager(Generic[ItemT]):
    """A lazy view over a cursor-paginated list.

    Nothing is sent until it is iterated or a page is asked for. ``for item in pager``
    yields every item across pages, ``pages()`` yields whole pages, ``first_page()`` and
    ``fetch_page(token)`` fetch one. Each iteration starts again from the first page.
    """

    __slots__ = ("_pager", "_portal")

    def __init__(self, portal: Portal, pager: AsyncPager[ItemT]) -> None:
        self._portal = portal
        self._pager = pager

    def first_page(self) -> Page[ItemT]:
        return self._portal.call(self._pager.first_page)

    def fetch_page(self, token: str | None) -> Page[ItemT]:
        """One page by its cursor (``None`` for the first)."""
        return self._portal.call(self._pager.fetch_page, token)

    def pages(self) -> Iterator[Page[ItemT]]:
        page = self.first_page()
        yield page
        while page.next_page_token:
            page = self.fetch_page(page.next_page_token)
            yield page

    def __iter__(self) -> Iterator[ItemT]:
        for page in self.pages():
            yield from page.data

    def __repr__(self) -> str:
        return f"<{type(self).__name__} over {self._pager!r}>"

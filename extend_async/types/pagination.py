"""One page of a list endpoint."""

from __future__ import annotations

from typing import Generic, TypeVar

from attrs import frozen

from ._base import Model

__all__ = ["Page"]

ItemT = TypeVar("ItemT")


@frozen(kw_only=True)
class Page(Model, Generic[ItemT]):
    """``data`` holds this page's items; ``next_page_token`` is ``None`` on the last page."""

    data: tuple[ItemT, ...]
    next_page_token: str | None = None
    object: str = "list"

    @property
    def has_more(self) -> bool:
        return self.next_page_token is not None

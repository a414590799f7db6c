"""``client.classifiers``: create, get, update and list saved classifiers."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from .._errors import InvalidInputError
from .._pagination import AsyncPager
from .._paths import path, validate_id
from .._raw import with_raw
from .._request_options import RequestOptions, Unpack
from ..types import Classifier, ClassifierSummary, ClassifyConfig, ClassifyConfigDict, Page
from ._base import (
    SORT_DIR,
    AsyncAPIResource,
    SortBy,
    SortDir,
    as_body,
    check_choice,
    check_page_size,
    check_sort_by,
)

__all__ = ["AsyncClassifiers", "AsyncClassifiersWithRawResponse"]


def check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"name must be a non-empty str, got {name!r:.80}")
    return name


class AsyncClassifiers(AsyncAPIResource):
    """Saved classifiers: a name, a draft config, and published versions."""

    async def create(
        self,
        *,
        name: str,
        config: ClassifyConfig | ClassifyConfigDict | None = None,
        clone_classifier_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Classifier:
        """Create a classifier, its draft version holding ``config``.

        Give ``config`` or ``clone_classifier_id`` (copy another classifier's config), not
        both; with neither the draft starts empty.
        """
        body: dict[str, Any] = {"name": check_name(name)}
        if config is not None and clone_classifier_id is not None:
            raise InvalidInputError("give config= or clone_classifier_id=, not both")
        if config is not None:
            body["config"] = as_body(config, name="config", expected=(ClassifyConfig,))
        if clone_classifier_id is not None:
            body["cloneClassifierId"] = validate_id(clone_classifier_id, name="clone_classifier_id")
        return await self._requester.request(
            "POST", "/classifiers", json=body, cast_to=Classifier,
            idempotent=False, options=options,
        )  # fmt: skip

    async def get(
        self,
        id: str,
        **options: Unpack[RequestOptions],
    ) -> Classifier:
        """Fetch a classifier (with its draft version) by id."""
        return await self._requester.request(
            "GET", path("/classifiers/{}", id), cast_to=Classifier,
            options=options,
        )  # fmt: skip

    async def update(
        self,
        id: str,
        *,
        name: str | None = None,
        config: ClassifyConfig | ClassifyConfigDict | None = None,
        **options: Unpack[RequestOptions],
    ) -> Classifier:
        """Rename a classifier and/or replace its **draft** config (published versions
        never change; ``client.classifier_versions.create`` publishes the draft)."""
        url = path("/classifiers/{}", id)
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = check_name(name)
        if config is not None:
            body["config"] = as_body(config, name="config", expected=(ClassifyConfig,))
        if not body:
            raise InvalidInputError("give name= and/or config= to update")
        # Setting fields to given values can be repeated safely, so retries are allowed.
        return await self._requester.request(
            "POST", url, json=body, cast_to=Classifier,
            options=options,
        )  # fmt: skip

    def list(
        self,
        *,
        sort_by: SortBy | None = None,
        sort_dir: SortDir | None = None,
        max_page_size: int | None = None,
        next_page_token: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[ClassifierSummary]:
        """List classifiers. ``await`` it for the first page, ``async for`` it for all."""
        params: dict[str, Any] = {
            "sortBy": check_sort_by(sort_by),
            "sortDir": check_choice(sort_dir, name="sort_dir", allowed=SORT_DIR),
            "maxPageSize": check_page_size(max_page_size),
        }
        return self._pager(
            "/classifiers", Page[ClassifierSummary], params,
            start_token=next_page_token, options=options,
        )  # fmt: skip

    @cached_property
    def with_raw_response(self) -> AsyncClassifiersWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return AsyncClassifiersWithRawResponse(self)


class AsyncClassifiersWithRawResponse:
    def __init__(self, classifiers: AsyncClassifiers) -> None:
        self.create = with_raw(classifiers.create)
        self.get = with_raw(classifiers.get)
        self.update = with_raw(classifiers.update)

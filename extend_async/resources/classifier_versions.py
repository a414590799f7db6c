"""``client.classifier_versions``: publish, get and list versions of a classifier."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from .._errors import InvalidInputError
from .._pagination import AsyncPager
from .._paths import path, validate_id
from .._raw import with_raw
from .._request_options import RequestOptions, Unpack
from ..types import (
    ClassifierVersion,
    ClassifierVersionSummary,
    ClassifyConfig,
    ClassifyConfigDict,
    Page,
    ReleaseType,
)
from ._base import SORT_DIR, AsyncAPIResource, SortDir, as_body, check_choice, check_page_size

__all__ = ["AsyncClassifierVersions", "AsyncClassifierVersionsWithRawResponse"]

_RELEASE_TYPES = frozenset({"major", "minor"})


class AsyncClassifierVersions(AsyncAPIResource):
    """Published snapshots of a classifier's config, plus its ``"draft"``."""

    async def create(
        self,
        classifier_id: str,
        *,
        release_type: ReleaseType,
        description: str | None = None,
        config: ClassifyConfig | ClassifyConfigDict | None = None,
        **options: Unpack[RequestOptions],
    ) -> ClassifierVersion:
        """Publish a version: the draft (or ``config``, when given) becomes version
        ``"0.2"`` after ``"0.1"`` with ``release_type="minor"``, ``"1.0"`` with ``"major"``.
        """
        url = path("/classifiers/{}/versions", validate_id(classifier_id, name="classifier_id"))
        if not isinstance(release_type, str) or release_type not in _RELEASE_TYPES:
            raise InvalidInputError(
                f"release_type must be 'major' or 'minor', got {release_type!r:.40}"
            )
        body: dict[str, Any] = {"releaseType": release_type}
        if description is not None:
            if not isinstance(description, str):
                raise InvalidInputError(
                    f"description must be a str, got {type(description).__name__}"
                )
            body["description"] = description
        if config is not None:
            body["config"] = as_body(config, name="config", expected=(ClassifyConfig,))
        # Not idempotent: a repeated publish would bump the version number twice.
        return await self._requester.request(
            "POST", url, json=body, cast_to=ClassifierVersion,
            idempotent=False, options=options,
        )  # fmt: skip

    async def get(
        self,
        classifier_id: str,
        version: str,
        **options: Unpack[RequestOptions],
    ) -> ClassifierVersion:
        """Fetch one version: ``"draft"``, ``"latest"`` (latest published, else the
        draft), a version number such as ``"1.0"``, or a version id."""
        if not isinstance(version, str):
            # A float would lose the difference between "1.1" and "1.10".
            raise InvalidInputError(
                "version must be a str: 'draft', 'latest', a number such as '1.0', or a "
                f"version id; got {type(version).__name__}"
            )
        validate_id(classifier_id, name="classifier_id")
        validate_id(version, name="version")
        return await self._requester.request(
            "GET", path("/classifiers/{}/versions/{}", classifier_id, version),
            cast_to=ClassifierVersion, options=options,
        )  # fmt: skip

    def list(
        self,
        classifier_id: str,
        *,
        sort_dir: SortDir | None = None,
        max_page_size: int | None = None,
        next_page_token: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[ClassifierVersionSummary]:
        """List a classifier's versions, the draft first, then newest first.

        ``await`` it for the first page, ``async for`` it for every version.
        """
        url = path("/classifiers/{}/versions", validate_id(classifier_id, name="classifier_id"))
        params: dict[str, Any] = {
            "sortDir": check_choice(sort_dir, name="sort_dir", allowed=SORT_DIR),
            "maxPageSize": check_page_size(max_page_size),
        }
        return self._pager(
            url, Page[ClassifierVersionSummary], params,
            start_token=next_page_token, options=options,
        )  # fmt: skip

    @cached_property
    def with_raw_response(self) -> AsyncClassifierVersionsWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return AsyncClassifierVersionsWithRawResponse(self)


class AsyncClassifierVersionsWithRawResponse:
    def __init__(self, versions: AsyncClassifierVersions) -> None:
        self.create = with_raw(versions.create)
        self.get = with_raw(versions.get)

"""``client.classifier_versions``: publish, get by every kind of reference, list."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses

from extend_async import AsyncExtend, ClassifierVersion, InvalidInputError
from extend_async.types import ClassifierVersionSummary, CreatedBy

from ._helpers import CLASSIFIER_ID, CONFIG, requests_made, sent_json, url, version, version_summary

VERSIONS = f"/classifiers/{CLASSIFIER_ID}/versions"


@pytest.mark.parametrize(("release_type", "number"), [("major", "1.0"), ("minor", "0.2")])
async def test_create_publishes_with_the_release_type(
    client: AsyncExtend, mock_api: aioresponses, release_type: str, number: str
) -> None:
    mock_api.post(url(VERSIONS), payload=version(number, "clv_pub"))
    published = await client.classifier_versions.create(
        CLASSIFIER_ID,
        release_type=release_type,  # type: ignore[arg-type]
    )
    assert sent_json(mock_api, "POST", VERSIONS) == {"releaseType": release_type}
    assert isinstance(published, ClassifierVersion)
    assert published.version == number
    assert published.classifier_id == CLASSIFIER_ID
    assert published.created_by == CreatedBy(type="api_key", name="ci")


async def test_create_sends_description_and_config_when_given(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(url(VERSIONS), payload=version("1.0", "clv_pub"))
    await client.classifier_versions.create(
        CLASSIFIER_ID, release_type="major", description="Q2 types", config=CONFIG
    )
    assert sent_json(mock_api, "POST", VERSIONS) == {
        "releaseType": "major",
        "description": "Q2 types",
        "config": CONFIG,
    }


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((CLASSIFIER_ID,), {"release_type": "patch"}, "release_type"),
        ((CLASSIFIER_ID,), {"release_type": ["major"]}, "release_type"),
        ((CLASSIFIER_ID,), {"release_type": "major", "description": 3}, "description"),
        (("",), {"release_type": "major"}, "classifier_id"),
        (("cl_a/../b",), {"release_type": "major"}, "classifier_id"),
    ],
)
async def test_create_rejects_bad_input_before_sending(
    client: AsyncExtend,
    mock_api: aioresponses,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    message: str,
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        await client.classifier_versions.create(*args, **kwargs)  # type: ignore[arg-type]
    assert requests_made(mock_api) == []


@pytest.mark.parametrize(
    ("reference", "wire"),
    [
        ("draft", "draft"),
        ("latest", "latest"),
        ("1.0", "1.0"),
        ("clv_xK9mLPqRtN3vS8wF5hB2cQ", "clv_xK9mLPqRtN3vS8wF5hB2cQ"),
        ("v 2", "v%202"),
    ],
)
async def test_get_accepts_draft_latest_number_or_id(
    client: AsyncExtend, mock_api: aioresponses, reference: str, wire: str
) -> None:
    mock_api.get(url(f"{VERSIONS}/{wire}"), payload=version("1.0", "clv_pub"))
    got = await client.classifier_versions.get(CLASSIFIER_ID, reference)
    assert got.id == "clv_pub"
    assert requests_made(mock_api) == [("GET", url(f"{VERSIONS}/{wire}"))]


@pytest.mark.parametrize("reference", [1, 1.0, None, "..", "1/2"])
async def test_get_rejects_references_that_are_not_safe_strings(
    client: AsyncExtend, mock_api: aioresponses, reference: object
) -> None:
    with pytest.raises(InvalidInputError, match="version|id"):
        await client.classifier_versions.get(CLASSIFIER_ID, reference)  # type: ignore[arg-type]
    assert requests_made(mock_api) == []


async def test_list_keeps_the_server_order_draft_first_across_pages(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    query = {"sortDir": "desc", "maxPageSize": "2"}
    mock_api.get(
        url(VERSIONS, **query),
        payload={
            "object": "list",
            "data": [version_summary("draft", "clv_d"), version_summary("2.0", "clv_2")],
            "nextPageToken": "p2",
        },
    )
    mock_api.get(
        url(VERSIONS, **query, nextPageToken="p2"),
        payload={
            "object": "list",
            "data": [version_summary("1.0", "clv_1")],
            "nextPageToken": None,
        },
    )
    pager = client.classifier_versions.list(CLASSIFIER_ID, sort_dir="desc", max_page_size=2)
    seen = [v async for v in pager]
    assert [v.version for v in seen] == ["draft", "2.0", "1.0"]
    assert all(isinstance(v, ClassifierVersionSummary) for v in seen)


async def test_list_resumes_from_a_given_token(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(
        url(VERSIONS, nextPageToken="p2"),
        payload={"object": "list", "data": [version_summary("1.0", "clv_1")]},
    )
    page = await client.classifier_versions.list(CLASSIFIER_ID, next_page_token="p2")
    assert [v.id for v in page.data] == ["clv_1"]
    assert not page.has_more


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("a/b",), {}),
        ((CLASSIFIER_ID,), {"sort_dir": "newest"}),
        ((CLASSIFIER_ID,), {"max_page_size": 0}),
    ],
)
def test_list_rejects_bad_arguments_at_call_time(
    client: AsyncExtend, args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidInputError):
        client.classifier_versions.list(*args, **kwargs)  # type: ignore[arg-type]

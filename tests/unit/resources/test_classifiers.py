"""``client.classifiers``: the documented requests, decoding, and early input errors."""

from __future__ import annotations

from datetime import datetime, timezone

import aiohttp
import pytest
from aioresponses import aioresponses

from extend_async import (
    APIConnectionError,
    AsyncExtend,
    Classifier,
    ClassifyConfig,
    InvalidInputError,
    RawResponse,
)
from extend_async.types import Classification, ClassifierSummary

from ._helpers import (
    CLASSIFIER_ID,
    CONFIG,
    classifier,
    classifier_summary,
    requests_made,
    sent_json,
    url,
)

TYPED_CONFIG = ClassifyConfig(
    base_processor="classification_standard",
    classifications=(
        Classification(id="invoice", type="invoice", description="An invoice"),
        Classification(id="other", type="other", description="Anything else"),
    ),
)


async def test_create_with_config_posts_name_and_camel_case_config(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(url("/classifiers"), payload=classifier())
    created = await client.classifiers.create(name="Doc types", config=TYPED_CONFIG)
    assert sent_json(mock_api, "POST", "/classifiers") == {"name": "Doc types", "config": CONFIG}
    assert isinstance(created, Classifier)
    assert created.id == CLASSIFIER_ID
    assert created.created_at == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    assert created.draft_version is not None
    assert created.draft_version.version == "draft"
    assert created.draft_version.config == TYPED_CONFIG


async def test_create_accepts_a_plain_mapping_config(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(url("/classifiers"), payload=classifier())
    await client.classifiers.create(name="Doc types", config=CONFIG)
    assert sent_json(mock_api, "POST", "/classifiers") == {"name": "Doc types", "config": CONFIG}


async def test_create_by_cloning_sends_clone_classifier_id(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(url("/classifiers"), payload=classifier("Copy"))
    created = await client.classifiers.create(name="Copy", clone_classifier_id="cl_source")
    assert sent_json(mock_api, "POST", "/classifiers") == {
        "name": "Copy",
        "cloneClassifierId": "cl_source",
    }
    assert created.name == "Copy"


async def test_create_with_name_only_sends_just_the_name(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(url("/classifiers"), payload=classifier())
    await client.classifiers.create(name="Doc types")
    assert sent_json(mock_api, "POST", "/classifiers") == {"name": "Doc types"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "x", "config": CONFIG, "clone_classifier_id": "cl_a"}, "not both"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": 42}, "name"),
        ({"name": "x", "config": "not a config"}, "config"),
        ({"name": "x", "clone_classifier_id": "../admin"}, "clone_classifier_id"),
    ],
)
async def test_create_rejects_bad_input_before_sending(
    client: AsyncExtend, mock_api: aioresponses, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        await client.classifiers.create(**kwargs)  # type: ignore[arg-type]
    assert requests_made(mock_api) == []


async def test_create_is_not_retried_after_a_disconnect(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    # The request may have been processed: a retry could make a second classifier.
    mock_api.post(url("/classifiers"), exception=aiohttp.ServerDisconnectedError())
    mock_api.post(url("/classifiers"), payload=classifier())
    with pytest.raises(APIConnectionError):
        await client.classifiers.create(name="Doc types")
    assert len(requests_made(mock_api)) == 1


async def test_get_fetches_by_id(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(url(f"/classifiers/{CLASSIFIER_ID}"), payload=classifier())
    got = await client.classifiers.get(CLASSIFIER_ID)
    assert got.name == "Doc types"
    assert requests_made(mock_api) == [("GET", url(f"/classifiers/{CLASSIFIER_ID}"))]


async def test_get_rejects_an_id_that_would_change_the_path(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    with pytest.raises(InvalidInputError):
        await client.classifiers.get("cl_a/versions")
    assert requests_made(mock_api) == []


async def test_update_is_a_post_with_only_the_given_fields(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    path = f"/classifiers/{CLASSIFIER_ID}"
    mock_api.post(url(path), payload=classifier("Renamed"))
    mock_api.post(url(path), payload=classifier("Renamed"))
    renamed = await client.classifiers.update(CLASSIFIER_ID, name="Renamed")
    await client.classifiers.update(CLASSIFIER_ID, config=TYPED_CONFIG)
    assert renamed.name == "Renamed"
    assert sent_json(mock_api, "POST", path, 0) == {"name": "Renamed"}
    assert sent_json(mock_api, "POST", path, 1) == {"config": CONFIG}


async def test_update_without_fields_is_refused(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    with pytest.raises(InvalidInputError, match="name= and/or config="):
        await client.classifiers.update(CLASSIFIER_ID)
    assert requests_made(mock_api) == []


async def test_update_is_retried_because_it_is_idempotent(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    path = f"/classifiers/{CLASSIFIER_ID}"
    mock_api.post(url(path), status=503)
    mock_api.post(url(path), payload=classifier("Renamed"))
    renamed = await client.classifiers.update(CLASSIFIER_ID, name="Renamed")
    assert renamed.name == "Renamed"
    assert len(requests_made(mock_api)) == 2


async def test_list_sends_the_documented_query_and_pages_through(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    first = {"sortBy": "createdAt", "sortDir": "asc", "maxPageSize": "2"}
    mock_api.get(
        url("/classifiers", **first),
        payload={
            "object": "list",
            "data": [classifier_summary("cl_1", "one"), classifier_summary("cl_2", "two")],
            "nextPageToken": "tok:2",
        },
    )
    mock_api.get(
        url("/classifiers", **first, nextPageToken="tok:2"),
        payload={"object": "list", "data": [classifier_summary("cl_3", "three")]},
    )
    pager = client.classifiers.list(sort_by="createdAt", sort_dir="asc", max_page_size=2)
    seen = [c async for c in pager]
    assert [c.id for c in seen] == ["cl_1", "cl_2", "cl_3"]
    assert all(isinstance(c, ClassifierSummary) for c in seen)
    assert len(requests_made(mock_api)) == 2


async def test_awaiting_the_list_gives_the_first_page(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(
        url("/classifiers"),
        payload={
            "object": "list",
            "data": [classifier_summary("cl_1", "one")],
            "nextPageToken": "t",
        },
    )
    page = await client.classifiers.list()
    assert [c.name for c in page.data] == ["one"]
    assert page.next_page_token == "t"


@pytest.mark.parametrize(
    "kwargs",
    [{"sort_by": "name"}, {"sort_dir": "up"}, {"max_page_size": 0}, {"max_page_size": 1001}],
)
def test_list_rejects_bad_options_at_call_time(
    client: AsyncExtend, kwargs: dict[str, object]
) -> None:
    with pytest.raises(InvalidInputError):
        client.classifiers.list(**kwargs)  # type: ignore[arg-type]


async def test_raw_response_carries_status_and_the_parsed_classifier(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(
        url(f"/classifiers/{CLASSIFIER_ID}"),
        payload=classifier(),
        headers={"x-extend-request-id": "req_1"},
    )
    raw = await client.classifiers.with_raw_response.get(CLASSIFIER_ID)
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert raw.request_id == "req_1"
    assert raw.parsed.id == CLASSIFIER_ID

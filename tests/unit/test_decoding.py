"""Responses decode into the typed models: the documented example and what may vary around it.

``tests/fixtures/classify_run_seed.json`` is the JSON example of the API reference page
"Cancel Classify Run" (the numbered listing under ``POST /classify_runs/:id/cancel``),
copied verbatim.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

import attrs
import orjson
import pytest
from aioresponses import aioresponses

from extend_async import AsyncExtend, ClassifyRun, ClassifyRunSummary, Page, ResponseDecodeError
from extend_async.types import (
    BaseProcessor,
    ClassifierSummary,
    ClassifierVersionSummary,
    ClassifyConfig,
    ClassifyOutput,
    DeletedClassifyRun,
    FailureReason,
    FileMetadata,
    FileSummary,
    FileType,
    Insight,
    RunStatus,
    RunUsage,
    RunUsageSummary,
)

from ._helpers import RUN_ID, seed_run, seed_summary, url

GET_URL = str(url(f"/classify_runs/{RUN_ID}"))
SEED_TIME = datetime(2024, 3, 21, 16, 45, tzinfo=timezone.utc)

# Every key the docs describe as "object or null" / "string or null" on a ClassifyRun.
NULLABLE_RUN_KEYS = [
    "output",
    "classifier",
    "classifierVersion",
    "initialOutput",
    "reviewedOutput",
    "failureReason",
    "failureMessage",
    "metadata",
    "parseRunId",
    "usage",
]


async def fetch_run(client: AsyncExtend, mock_api: aioresponses, payload: Any) -> ClassifyRun:
    mock_api.get(GET_URL, body=orjson.dumps(payload), content_type="application/json")
    return await client.classify_runs.get(RUN_ID)


def snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def assert_models(json_value: Any, model_value: Any, where: str = "run") -> None:
    """Walk the JSON and the model side by side: every key is modelled, every value kept."""
    if isinstance(json_value, dict) and attrs.has(type(model_value)):
        for key, value in json_value.items():
            name = snake(key)
            assert hasattr(model_value, name), f"{where}.{key} is not modelled"
            assert_models(value, getattr(model_value, name), f"{where}.{key}")
    elif isinstance(json_value, list):
        assert isinstance(model_value, tuple), where
        assert len(model_value) == len(json_value), where
        for index, (item, model_item) in enumerate(zip(json_value, model_value, strict=True)):
            assert_models(item, model_item, f"{where}[{index}]")
    elif isinstance(model_value, datetime):
        assert model_value.tzinfo is not None, where
        assert model_value == datetime.fromisoformat(json_value.replace("Z", "+00:00")), where
    elif isinstance(model_value, Enum):
        assert model_value.value == json_value, where
    elif isinstance(json_value, float):
        assert type(model_value) is float, where
        assert model_value == json_value, where
    else:
        assert model_value == json_value, where


def strip_extra(value: Any) -> Any:
    """``value`` with every model's ``extra_fields`` emptied, all the way down."""
    if attrs.has(type(value)):
        changes = {a.name: strip_extra(getattr(value, a.name)) for a in attrs.fields(type(value))}
        changes["extra_fields"] = {}
        return attrs.evolve(value, **changes)
    if isinstance(value, tuple):
        return tuple(strip_extra(v) for v in value)
    return value


def add_everywhere(value: Any, extra: dict[str, Any], *, skip: frozenset[str]) -> Any:
    """A copy of ``value`` with ``extra`` keys added to every object (except under ``skip``)."""
    if isinstance(value, dict):
        out = {k: v if k in skip else add_everywhere(v, extra, skip=skip) for k, v in value.items()}
        out.update(extra)
        return out
    if isinstance(value, list):
        return [add_everywhere(v, extra, skip=skip) for v in value]
    return value


# --- the documented example -----------------------------------------------------------------


async def test_seed_decodes_every_field_all_the_way_down(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    seed = seed_run()
    run = await fetch_run(client, mock_api, seed)
    assert type(run) is ClassifyRun
    assert_models(seed, run)


async def test_seed_decodes_into_the_documented_types(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    run = await fetch_run(client, mock_api, seed_run())
    assert run.id == RUN_ID
    assert run.object == "classify_run"
    assert run.status is RunStatus.PROCESSING
    assert not run.is_terminal
    assert run.created_at == run.updated_at == SEED_TIME
    assert run.created_at.tzinfo is not None
    assert isinstance(run.output, ClassifyOutput)
    assert run.output.insights == (Insight(type="reasoning", content="string"),)
    assert isinstance(run.classifier, ClassifierSummary)
    assert run.classifier.name == "Document Type Classifier"
    assert isinstance(run.classifier_version, ClassifierVersionSummary)
    assert run.classifier_version.version == "draft"
    assert run.classifier_version.created_by is None
    assert run.failure_reason is FailureReason.PARSING_ERROR
    assert run.metadata == {}
    assert (run.reviewed, run.edited) == (False, False)
    assert isinstance(run.config, ClassifyConfig)
    assert run.config.base_processor is BaseProcessor.CLASSIFICATION_PERFORMANCE
    assert run.config.classifications[0].id == "my_unique_id"
    assert run.config.advanced_options is not None
    assert [(r.start, r.end) for r in run.config.advanced_options.page_ranges or ()] == [
        (1, 10),
        (20, 30),
    ]
    parse = run.config.parse_config
    assert parse is not None
    assert parse.block_options is not None
    assert parse.block_options.tables is not None
    assert parse.block_options.tables.agentic is not None
    assert parse.block_options.tables.agentic.custom_instructions == "string"
    assert parse.advanced_options is not None
    assert parse.advanced_options.return_ocr is not None
    assert parse.advanced_options.return_ocr.words is False
    assert parse.advanced_options.vertical_grouping_threshold == 1.0
    assert isinstance(run.file, FileSummary)
    assert run.file.type is FileType.PDF
    assert run.file.metadata is not None
    assert run.file.metadata.parent_split is not None
    assert run.file.metadata.parent_split.end_page == 10
    assert isinstance(run.usage, RunUsage)
    assert run.usage.total_credits == 15
    assert run.usage.breakdown is not None
    assert run.usage.breakdown[0].id == "pr_3UZSj69pYZDKHFuuX57ic"


# --- open enums -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["CANCELLING", "ARCHIVED", ""])
async def test_unknown_status_stays_a_plain_string(
    client: AsyncExtend, mock_api: aioresponses, status: str
) -> None:
    run = await fetch_run(client, mock_api, {**seed_run(), "status": status})
    assert run.status == status
    assert type(run.status) is str
    assert not run.is_terminal


@pytest.mark.parametrize("status", list(RunStatus))
async def test_known_statuses_become_members(
    client: AsyncExtend, mock_api: aioresponses, status: RunStatus
) -> None:
    run = await fetch_run(client, mock_api, {**seed_run(), "status": status.value})
    assert run.status is status
    assert run.is_terminal == (status in {"PROCESSED", "FAILED", "CANCELLED"})


async def test_unknown_values_of_every_open_enum_stay_strings(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    seed = seed_run()
    seed["failureReason"] = "GPU_ON_FIRE"
    seed["file"]["type"] = "PPTX"
    seed["config"]["baseProcessor"] = "classification_quantum"
    run = await fetch_run(client, mock_api, seed)
    assert run.failure_reason == "GPU_ON_FIRE"
    assert type(run.failure_reason) is str
    assert run.file is not None
    assert run.file.type == "PPTX"
    assert type(run.file.type) is str
    assert run.config is not None
    assert run.config.base_processor == "classification_quantum"
    assert type(run.config.base_processor) is str


async def test_unknown_values_are_not_shared_between_runs(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    first = await fetch_run(client, mock_api, {**seed_run(), "failureReason": "NEW_ONE"})
    second = await fetch_run(client, mock_api, {**seed_run(), "failureReason": "NEW_TWO"})
    assert (first.failure_reason, second.failure_reason) == ("NEW_ONE", "NEW_TWO")


@pytest.mark.parametrize(
    ("key", "value"), [("status", 3), ("status", None), ("failureReason", ["x"])]
)
async def test_enum_fields_of_the_wrong_type_read_as_none(
    client: AsyncExtend, mock_api: aioresponses, key: str, value: Any
) -> None:
    run = await fetch_run(client, mock_api, {**seed_run(), key: value})
    assert getattr(run, snake(key)) is None
    assert run.id == RUN_ID


# --- tolerance ------------------------------------------------------------------------------


async def test_unknown_fields_at_every_level_are_kept_in_extra_fields(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    extra = {"zzFutureField": {"nested": [1, 2, {"deep": None}]}, "anotherOne": "x"}
    noisy = add_everywhere(seed_run(), extra, skip=frozenset({"metadata"}))
    assert noisy["config"]["parseConfig"]["blockOptions"]["tables"]["agentic"]["anotherOne"]
    run = await fetch_run(client, mock_api, noisy)
    plain = await fetch_run(client, mock_api, seed_run())
    assert run.extra_fields == extra
    assert run.config.parse_config is not None
    assert run.config.parse_config.block_options is not None
    tables = run.config.parse_config.block_options.tables
    assert tables is not None
    assert tables.agentic is not None
    assert tables.agentic.extra_fields == extra
    assert run.config.classifications[0].extra_fields == extra
    assert plain.extra_fields == {}
    assert run != plain
    # The named fields read the same with or without the unknown keys.
    assert strip_extra(run) == strip_extra(plain)


async def test_documented_nullable_fields_accept_null(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    seed = seed_run()
    seed.update(dict.fromkeys([*NULLABLE_RUN_KEYS, "file", "config", "dashboardUrl"]))
    run = await fetch_run(client, mock_api, seed)
    for key in [*NULLABLE_RUN_KEYS, "file", "config", "dashboardUrl"]:
        assert getattr(run, snake(key)) is None, key


async def test_nested_nullables_accept_null(client: AsyncExtend, mock_api: aioresponses) -> None:
    seed = seed_run()
    seed["classifierVersion"].update(description=None, createdBy=None)
    seed["file"].update(type=None, parentFileId=None)
    seed["usage"].update(totalCredits=None, breakdown=None)
    run = await fetch_run(client, mock_api, seed)
    assert run.classifier_version is not None
    assert run.classifier_version.description is None
    assert run.file is not None
    assert (run.file.type, run.file.parent_file_id) == (None, None)
    assert run.usage is not None
    assert run.usage.total_credits is None


async def test_missing_keys_take_their_defaults_or_none(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    required = {"id", "status", "createdAt", "updatedAt"}
    minimal = {k: v for k, v in seed_run().items() if k in required}
    run = await fetch_run(client, mock_api, minimal)
    assert (run.id, run.status, run.created_at) == (RUN_ID, RunStatus.PROCESSING, SEED_TIME)
    assert run.object == "classify_run"
    assert (run.reviewed, run.edited, run.output, run.file) == (False, False, None, None)
    # Keys the schema promises and the answer lacks read as None, not as an error.
    lacking: tuple[Any, ...] = (run.config, run.dashboard_url)
    assert lacking == (None, None)


async def test_missing_optional_nested_keys_take_their_defaults(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    seed = seed_run()
    del seed["output"]["insights"]
    seed["file"] = {
        "id": "file_1",
        "name": "a.pdf",
        "metadata": {},
        "createdAt": "2024-03-21T16:45:00Z",
        "updatedAt": "2024-03-21T16:45:00Z",
    }
    seed["config"] = {"classifications": []}
    seed["usage"] = {"credits": 1}
    run = await fetch_run(client, mock_api, seed)
    assert run.output is not None
    assert run.output.insights == ()
    assert run.file == FileSummary(
        id="file_1",
        name="a.pdf",
        metadata=FileMetadata(),
        created_at=SEED_TIME,
        updated_at=SEED_TIME,
    )
    assert run.config == ClassifyConfig(classifications=())
    assert run.usage == RunUsage(credits=1.0)


@pytest.mark.parametrize("key", ["status", "createdAt", "updatedAt", "config", "dashboardUrl"])
async def test_missing_required_keys_read_as_none_and_are_logged_once(
    client: AsyncExtend,
    mock_api: aioresponses,
    caplog: pytest.LogCaptureFixture,
    key: str,
) -> None:
    seed = seed_run()
    del seed[key]
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        first = await fetch_run(client, mock_api, seed)
        second = await fetch_run(client, mock_api, seed)
    assert getattr(first, snake(key)) is None
    assert first == second
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"ClassifyRun: {key} is missing, not what the API schema promises; it reads as None"
    ]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"status": "CANCELLED"}, "ClassifyRun.id is missing"),
        ({"id": None}, "ClassifyRun.id is null, not a string"),
        ({"id": 42}, "ClassifyRun.id is a number, not a string"),
        ([{"id": RUN_ID}], "expected a JSON object, got a list"),
        ("clr_1", "expected a JSON object, got a string"),
    ],
)
async def test_an_answer_without_an_id_is_a_decode_error_naming_the_path(
    client: AsyncExtend, mock_api: aioresponses, body: Any, why: str
) -> None:
    with pytest.raises(ResponseDecodeError) as caught:
        await fetch_run(client, mock_api, body)
    assert why in str(caught.value)
    assert "could not decode a ClassifyRun from the 200 response" in str(caught.value)
    assert caught.value.status_code == 200


# --- timestamps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2024-03-21T16:45:00Z", SEED_TIME),
        ("2024-03-21T16:45:00z", SEED_TIME),
        ("2024-03-21T16:45:00+00:00", SEED_TIME),
        ("2024-03-21T18:45:00+02:00", SEED_TIME),
        ("2024-03-21T11:15:00-05:30", SEED_TIME),
        ("2024-03-21T16:45:00.5Z", SEED_TIME + timedelta(microseconds=500_000)),
        ("2024-03-21T16:45:00.12Z", SEED_TIME + timedelta(microseconds=120_000)),
        ("2024-03-21T16:45:00.123Z", SEED_TIME + timedelta(microseconds=123_000)),
        ("2024-03-21T16:45:00.1234Z", SEED_TIME + timedelta(microseconds=123_400)),
        ("2024-03-21T16:45:00.123456+00:00", SEED_TIME + timedelta(microseconds=123_456)),
        ("2024-03-21T16:45:00.123456789Z", SEED_TIME + timedelta(microseconds=123_456)),
        ("2024-03-21T16:45:00", SEED_TIME),  # no offset: the API's times are UTC
    ],
)
async def test_timestamps_decode_to_aware_utc_datetimes(
    client: AsyncExtend, mock_api: aioresponses, wire: str, expected: datetime
) -> None:
    run = await fetch_run(client, mock_api, {**seed_run(), "createdAt": wire})
    assert run.created_at == expected
    assert run.created_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("wire", ["yesterday", "2024-13-01T00:00:00Z", 1711039500, None])
async def test_bad_timestamps_read_as_none(
    client: AsyncExtend, mock_api: aioresponses, wire: Any
) -> None:
    run = await fetch_run(client, mock_api, {**seed_run(), "updatedAt": wire})
    assert run.updated_at is None
    assert run.created_at == SEED_TIME


# --- other shapes ---------------------------------------------------------------------------


async def test_list_page_decodes_summaries(client: AsyncExtend, mock_api: aioresponses) -> None:
    summary = seed_summary()
    second = {**seed_summary(), "id": "clr_2", "status": "SOMETHING_NEW", "usage": None}
    mock_api.get(
        str(url("/classify_runs")),
        payload={"object": "list", "data": [summary, second], "nextPageToken": "tok==:abc/+"},
    )
    page = await client.classify_runs.list()
    assert type(page) is Page
    assert page.next_page_token == "tok==:abc/+"
    assert page.has_more
    first, other = page.data
    assert type(first) is ClassifyRunSummary
    assert_models(summary, first, "summary")
    assert isinstance(first.usage, RunUsageSummary)
    assert other.status == "SOMETHING_NEW"
    assert other.usage is None


async def test_a_summary_tolerates_full_run_fields(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(str(url("/classify_runs")), payload={"object": "list", "data": [seed_run()]})
    page = await client.classify_runs.list()
    assert page.data[0].id == RUN_ID
    assert page.next_page_token is None
    assert not page.has_more


@pytest.mark.parametrize("token", [None, "absent"])
async def test_last_page_token_may_be_null_or_absent(
    client: AsyncExtend, mock_api: aioresponses, token: str | None
) -> None:
    body: dict[str, Any] = {"object": "list", "data": []}
    if token is None:
        body["nextPageToken"] = None
    mock_api.get(str(url("/classify_runs")), payload=body)
    page = await client.classify_runs.list()
    assert page.data == ()
    assert page.next_page_token is None


async def test_delete_decodes_the_id(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.delete(GET_URL, payload={"id": RUN_ID, "deleted": True})
    deleted = await client.classify_runs.delete(RUN_ID)
    assert deleted == DeletedClassifyRun(id=RUN_ID, extra_fields={"deleted": True})


DECODERS: list[Callable[[AsyncExtend], Any]] = [
    lambda c: c.classify_runs.get(RUN_ID),
    lambda c: c.classify_runs.list(),
    lambda c: c.classify_runs.delete(RUN_ID),
]


@pytest.mark.parametrize("call", DECODERS, ids=["get", "list", "delete"])
async def test_html_with_a_200_is_a_decode_error(
    client: AsyncExtend, mock_api: aioresponses, call: Callable[[AsyncExtend], Any]
) -> None:
    page = b"<html><body>Maintenance</body></html>"
    for verb in ("GET", "DELETE"):
        mock_api.add(re.compile(r".*"), verb, body=page, content_type="text/html", repeat=True)
    with pytest.raises(ResponseDecodeError) as caught:
        await call(client)
    assert caught.value.status_code == 200
    assert "Maintenance" in caught.value.body


def _set(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    *parents, last = dotted.split(".")
    target = data
    for key in parents:
        target = target[key]
    target[last] = value
    return data


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("dashboardUrl", 5),
        ("reviewed", "false"),
        ("reviewed", None),
        ("edited", 0),
        ("output.confidence", "0.9"),
        ("output.confidence", True),
        ("file.metadata.pageCount", 2.5),
        ("file.metadata.pageCount", "30"),
        ("usage.credits", None),
        ("classifier.name", ["x"]),
        ("config.parseConfig.chunkingStrategy", "page"),
        ("config.classifications", {"id": "x"}),
    ],
)
async def test_values_of_the_wrong_type_read_as_none_and_the_rest_is_kept(
    client: AsyncExtend,
    mock_api: aioresponses,
    caplog: pytest.LogCaptureFixture,
    where: str,
    value: Any,
) -> None:
    # Never a silent "None" string or a truthy "false", and never an exception either.
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        run = await fetch_run(client, mock_api, _set(seed_run(), where, value))
    target: Any = run
    *parents, last = where.split(".")
    for key in parents:
        target = getattr(target, snake(key))
    assert getattr(target, snake(last)) is None
    assert run.id == RUN_ID
    assert run.status is RunStatus.PROCESSING
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith(f"ClassifyRun: {where} is ")
    if value is not None:  # the message names the kind of value, never the value
        assert repr(value) not in message.removeprefix(f"ClassifyRun: {where}")


async def test_list_items_that_are_not_objects_are_dropped(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    seed = seed_run()
    good = seed["config"]["classifications"][0]
    seed["config"]["classifications"] = [None, "x", good, 3]
    run = await fetch_run(client, mock_api, seed)
    assert [c.id for c in run.config.classifications] == [good["id"]]


async def test_json_numbers_fit_their_fields(client: AsyncExtend, mock_api: aioresponses) -> None:
    seed = _set(seed_run(), "file.metadata.pageCount", 30.0)
    _set(seed, "usage.credits", 9)
    run = await fetch_run(client, mock_api, seed)
    assert run.file is not None
    assert run.file.metadata is not None
    assert run.file.metadata.page_count == 30
    assert type(run.file.metadata.page_count) is int
    assert run.usage is not None
    assert run.usage.credits == 9.0
    assert type(run.usage.credits) is float


async def test_a_page_with_a_bad_cursor_ends_the_listing(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(str(url("/classify_runs")), payload={"data": [], "nextPageToken": 5})
    page = await client.classify_runs.list()
    assert page.next_page_token is None
    assert not page.has_more

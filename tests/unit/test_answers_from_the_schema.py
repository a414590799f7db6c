"""Answers generated from the API's schema, through the real HTTP path (aioresponses) for every
endpoint, and through webhook verification and parsing for every event: every call returns
its model, and every value in the answer is readable on it."""

from __future__ import annotations

import asyncio
import importlib
import re
import typing
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from aioresponses import aioresponses
from hypothesis import HealthCheck, given, settings
from schema._schema import endpoints, fields_of, strip, types
from schema._strategies import answer, assert_readable, every_key, required_only
from schema.test_models_match_schema import MODELS

from extend_async import AsyncExtend, webhooks
from extend_async.types import FileFromId
from extend_async.types._generated.webhook_event_types import EVENT_CLASSES

BASE_URL = "https://api.extend.test"
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Call = Callable[[AsyncExtend], Awaitable[Any]]

# name: (schema type, HTTP method, path pattern, the call)
ENDPOINTS: dict[str, tuple[str, str, str, Call]] = {
    "get": ("ClassifyRun", "GET", r"/classify_runs/clr_1$", lambda c: c.classify_runs.get("clr_1")),
    "cancel": (
        "ClassifyRun",
        "POST",
        r"/classify_runs/clr_1/cancel$",
        lambda c: c.classify_runs.cancel("clr_1"),
    ),
    "delete": (
        "ClassifyRunsDeleteResponse",
        "DELETE",
        r"/classify_runs/clr_1$",
        lambda c: c.classify_runs.delete("clr_1"),
    ),
    "list": (
        "ClassifyRunsListResponse",
        "GET",
        r"/classify_runs(\?.*)?$",
        lambda c: c.classify_runs.list(),
    ),
    "create": (
        "ClassifyRun",
        "POST",
        r"/classify_runs$",
        lambda c: c.classify_runs.create(file=FileFromId(id="file_1"), classifier="cl_1"),
    ),
    "classifier": ("Classifier", "GET", r"/classifiers/cl_1$", lambda c: c.classifiers.get("cl_1")),
    "classifiers": (
        "ClassifiersListResponse",
        "GET",
        r"/classifiers(\?.*)?$",
        lambda c: c.classifiers.list(),
    ),
    "version": (
        "ClassifierVersion",
        "GET",
        r"/classifiers/cl_1/versions/1\.0$",
        lambda c: c.classifier_versions.get("cl_1", "1.0"),
    ),
    "versions": (
        "ClassifierVersionsListResponse",
        "GET",
        r"/classifiers/cl_1/versions(\?.*)?$",
        lambda c: c.classifier_versions.list("cl_1"),
    ),
    "batch": ("BatchRun", "GET", r"/batch_runs/bpr_1$", lambda c: c.batch_runs.get("bpr_1")),
    "file": ("File", "GET", r"/files/file_1$", lambda c: c.files.get("file_1")),
    "files": ("FilesListResponse", "GET", r"/files(\?.*)?$", lambda c: c.files.list()),
    "file_delete": (
        "FilesDeleteResponse",
        "DELETE",
        r"/files/file_1$",
        lambda c: c.files.delete("file_1"),
    ),
    "upload": (
        "File",
        "POST",
        r"/files/upload(\?.*)?$",
        lambda c: c.files.upload(b"%PDF-1.4", name="a.pdf"),
    ),
}


async def _decode_through_http(method: str, pattern: str, call: Call, body: Any) -> Any:
    async with AsyncExtend("sk_test", base_url=BASE_URL, max_retries=0) as client:
        with aioresponses() as mock:
            mock.add(
                re.compile(re.escape(BASE_URL) + pattern),
                method,
                body=orjson.dumps(body),
                content_type="application/json",
            )
            return await call(client)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_every_answer_the_schema_allows_decodes_through_http(endpoint: str) -> None:
    type_name, method, pattern, call = ENDPOINTS[endpoint]

    @SETTINGS
    @given(body=answer(type_name))
    def check(body: dict[str, Any]) -> None:
        model = asyncio.run(_decode_through_http(method, pattern, call, body))
        assert_readable(body, model)

    check()


# Every event of the API: the members of the schema's WebhookEvent union, each signed and
# read by ``verify_and_parse`` (``verify``, then ``parse``) into the event class the
# generated table names for its type: only the payload's required keys, every key, and
# random payloads that drift from the schema.
EVENTS = [
    part.strip().removeprefix("Extend.") for part in types()["WebhookEvent"]["type"].split("|")
]
SECRET = "wss_schema_answers"


def test_every_event_type_of_the_schema_is_read_here() -> None:
    assert set(EVENTS) == {name for name in types() if name.startswith("WebhookEvent.")}
    assert len(EVENTS) == len(EVENT_CLASSES)


@pytest.mark.parametrize("event", EVENTS)
def test_every_event_the_schema_allows_parses_into_its_typed_event(event: str) -> None:
    payload_type = next(f["type"] for f in fields_of(event) if f["name"] == "payload")
    literal = next(f["type"] for f in fields_of(event) if f["name"] == "eventType").strip('"')
    module, class_name = EVENT_CLASSES[literal]
    event_class = getattr(importlib.import_module(module), class_name)

    def read(payload: dict[str, Any]) -> None:
        body = orjson.dumps({"eventId": "evt_1", "eventType": literal, "payload": payload})
        webhooks.verify(body, webhooks.sign(body, SECRET), SECRET)
        parsed = webhooks.verify_and_parse(body, webhooks.sign(body, SECRET), SECRET)
        assert type(parsed) is event_class
        assert parsed == webhooks.parse(body)
        assert parsed.event_type == literal
        assert_readable(payload, parsed.payload)

    read(required_only(payload_type))
    read(every_key(payload_type))

    @SETTINGS
    @given(payload=answer(payload_type))
    def check(payload: dict[str, Any]) -> None:
        read(payload)

    check()


# Every endpoint of the API (117), its answer read through the real HTTP path by the model of
# its response type (the model its resource method declares), from what the schema allows:
# only the required keys, every key, and random subsets that drift from the schema (nulls
# where it promises a value, enum values it does not list, keys it does not name). A few
# random examples each, to keep the run short.
ALL_ENDPOINTS = {
    f"{e['namespace']}.{e['method']}": e for e in endpoints() if e["response"] is not None
}
FEW = settings(SETTINGS, max_examples=3)


def _call_of(endpoint: dict[str, Any]) -> tuple[str, Call]:
    """The endpoint's path pattern, and a call of it that decodes its model."""
    path = re.sub(r"\{(\w+)\}", lambda found: f"{found.group(1)}_1", endpoint["path"])
    model = MODELS[strip(endpoint["response"])]

    def call(client: AsyncExtend) -> Awaitable[Any]:
        return client._requester.request(endpoint["http"], path, cast_to=model)

    return re.escape(path) + r"(\?.*)?$", call


def test_every_endpoint_of_the_schema_is_read_here() -> None:
    assert len(ALL_ENDPOINTS) == len(endpoints()) == 117


@pytest.mark.parametrize("name", list(ALL_ENDPOINTS))
def test_every_endpoint_reads_every_answer_the_schema_allows(name: str) -> None:
    endpoint = ALL_ENDPOINTS[name]
    pattern, call = _call_of(endpoint)
    response = endpoint["response"]
    model = MODELS[strip(response)]

    def read(body: dict[str, Any]) -> None:
        got = asyncio.run(_decode_through_http(endpoint["http"], pattern, call, body))
        assert isinstance(got, typing.get_origin(model) or model)
        assert_readable(body, got)

    read(required_only(response))
    read(every_key(response))

    @FEW
    @given(body=answer(response, limit=2))
    def check(body: dict[str, Any]) -> None:
        read(body)

    check()

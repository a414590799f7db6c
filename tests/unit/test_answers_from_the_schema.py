"""Answers generated from the API's schema, through the real HTTP path (aioresponses), through
webhook parsing, and (for the models no resource method answers with yet) through the
converter: every call returns its model, and every value in the answer is readable on it."""

from __future__ import annotations

import asyncio
import re
import typing
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from aioresponses import aioresponses
from hypothesis import HealthCheck, given, settings
from schema._schema import fields_of, schema, types
from schema._strategies import answer, assert_readable
from schema.test_models_match_schema import MODELS

from extend_async import AsyncExtend, webhooks
from extend_async._converter import structure_response
from extend_async.types import FileFromId

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


# Every event of the API: the members of the schema's WebhookEvent union.
EVENTS = [
    part.strip().removeprefix("Extend.") for part in types()["WebhookEvent"]["type"].split("|")
]


@pytest.mark.parametrize("event", EVENTS)
def test_every_event_the_schema_allows_parses_into_its_typed_event(event: str) -> None:
    payload_type = next(f["type"] for f in fields_of(event) if f["name"] == "payload")
    literal = next(f["type"] for f in fields_of(event) if f["name"] == "eventType").strip('"')

    @SETTINGS
    @given(payload=answer(payload_type))
    def check(payload: dict[str, Any]) -> None:
        body = {"eventId": "evt_1", "eventType": literal, "payload": payload}
        parsed = webhooks.parse(orjson.dumps(body))
        assert not isinstance(parsed, webhooks.GenericEvent)
        assert parsed.event_type == literal
        assert_readable(payload, parsed.payload)

    check()


# Every generated answer model (the schema's roots: what an endpoint answers), read from
# what the schema allows (and drifts from it) through the converter's entry point for
# answers, as a resource method will read it; the models they nest are read with them, and
# every model is held to its schema type field by field in tests/schema. A few examples
# each, to keep the run short.
GENERATED = sorted(
    name
    for name in schema()["roots"]
    if name in MODELS
    and (typing.get_origin(MODELS[name]) or MODELS[name]).__module__.startswith(
        "extend_async.types._generated"
    )
)
FEW = settings(SETTINGS, max_examples=3)


@pytest.mark.parametrize("name", GENERATED)
def test_every_generated_model_reads_every_answer_the_schema_allows(name: str) -> None:
    model = MODELS[name]

    @FEW
    @given(body=answer(name, limit=2))
    def check(body: dict[str, Any]) -> None:
        assert_readable(body, structure_response(body, model))

    check()

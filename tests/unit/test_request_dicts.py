"""The ``<Model>Dict`` of every request input: the schema's keys, sent exactly as written, and
the model built from the same dict sent as the same JSON.

Every object type an endpoint's body reaches (``_schema.body_types``) has its dict in
``extend_async.types``, generated (``_generated/params.py``) or hand-written
(``types/params.py``). The dicts come from ``_strategies.request``: what the schema allows
a caller to send.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from aioresponses import aioresponses
from hypothesis import HealthCheck, given, settings
from schema._schema import body_types, fields_of, types
from schema._strategies import every_key, request
from schema.test_models_match_schema import MODELS

from extend_async import AsyncExtend, InvalidInputError
from extend_async import types as m
from extend_async._converter import converter
from extend_async.resources._base import as_body
from extend_async.types import (
    ClassifierRefDict,
    EditRootJson,
    ExtractConfigJsonDict,
    ParseConfig,
    ParseEngine,
    WorkflowStepDefinitionDict,
)

from ._helpers import API_KEY, BASE_URL, recorded, seed_run, url

# Every object a request body reaches, by its schema name (a union member included).
INPUTS = sorted(name for name in body_types() if types()[name]["kind"] == "object")
FEW = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def dict_of(name: str) -> Any:
    model = MODELS[name]
    return getattr(m, f"{model.__name__}Dict")


def wire(value: Any) -> Any:
    """What goes on the wire for ``value`` (the transport encodes with orjson)."""
    return orjson.loads(orjson.dumps(value))


def test_the_inputs_are_every_object_of_every_request_body() -> None:
    # The workflow steps, the JSON schema of an edit, the files: far more than classify.
    assert len(INPUTS) > 100
    assert {"WorkflowStepDefinition.Extract", "EditRootJson", "ParseConfig"} <= set(INPUTS)


@pytest.mark.parametrize("name", INPUTS)
def test_each_input_has_its_dict_with_the_schema_s_keys(name: str) -> None:
    typed = dict_of(name)
    fields = fields_of(name)
    assert typed.__required_keys__ == {f["name"] for f in fields if f["required"]}
    assert typed.__optional_keys__ == {f["name"] for f in fields if not f["required"]}


@pytest.mark.parametrize("name", INPUTS)
def test_a_dict_is_sent_as_written_and_its_model_as_the_same_json(name: str) -> None:
    model = MODELS[name]

    @FEW
    @given(value=request(name))
    def check(value: dict[str, Any]) -> None:
        assert wire(as_body(value, name="input", expected=(model,))) == value
        built = converter.structure(value, model)  # the model a caller would write instead
        assert wire(as_body(built, name="input", expected=(model,))) == value

    check()


def test_a_dict_may_hold_models_enum_members_and_datetimes() -> None:
    # ``X | XDict`` at every level: a model inside a dict goes as the model's JSON.
    config: ExtractConfigJsonDict = {
        "baseProcessor": "extraction_performance",
        "parseConfig": ParseConfig(engine=ParseEngine.PARSE_LIGHT),
        "schema": {"type": "object"},
    }
    assert wire(as_body(config, name="config", expected=())) == {
        "baseProcessor": "extraction_performance",
        "parseConfig": {"engine": "parse_light"},
        "schema": {"type": "object"},
    }
    at = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert wire(as_body({"at": at, "naive": datetime(2025, 1, 2)}, name="x", expected=())) == {
        "at": "2025-01-02T01:04:05Z",
        "naive": "2025-01-02T00:00:00Z",
    }


def test_a_union_member_model_keeps_its_tag_on_the_wire() -> None:
    # A member of a discriminated union (a workflow step) has its tag as a default: the
    # API needs it, so the model's JSON has it even though the caller never wrote it.
    step: WorkflowStepDefinitionDict = {"type": "TRIGGER", "name": "start"}
    built = converter.structure(step, m.WorkflowStepDefinitionTrigger)
    assert wire(as_body(built, name="step", expected=())) == step
    assert wire(as_body(EditRootJson(properties={}), name="schema", expected=())) == {
        "type": "object",
        "properties": {},
    }


async def test_a_dict_holding_a_model_is_sent_through_http() -> None:
    classifier: ClassifierRefDict = {
        "id": "cl_1",
        "overrideConfig": {"parseConfig": ParseConfig(engine=ParseEngine.PARSE_LIGHT)},
    }
    with aioresponses() as mock:
        mock.post(url("/classify_runs"), payload=seed_run())
        async with AsyncExtend(API_KEY, base_url=BASE_URL) as client:
            await client.classify_runs.create(file={"id": "file_1"}, classifier=classifier)
        [call] = recorded(mock)[("POST", url("/classify_runs"))]
    assert orjson.loads(call.kwargs["data"]) == {
        "file": {"id": "file_1"},
        "classifier": {"id": "cl_1", "overrideConfig": {"parseConfig": {"engine": "parse_light"}}},
    }


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


@pytest.mark.parametrize("name", ["ExtractConfigJson", "ClassifyConfig", "ParseConfig"])
def test_a_snake_case_key_is_refused_at_any_depth_before_sending(name: str) -> None:
    model = MODELS[name]

    def refused(value: dict[str, Any]) -> int:
        # Every key that has a snake_case spelling of its own, at the top level.
        keys = [k for k in value if _snake(k) != k]
        for key in keys:
            renamed = {(_snake(k) if k == key else k): v for k, v in value.items()}
            with pytest.raises(InvalidInputError, match=f"'{_snake(key)}' is not a key"):
                as_body(renamed, name="input", expected=(model,))
        return len(keys)

    assert refused(every_key(name)) > 0

    @FEW
    @given(value=request(name))
    def check(value: dict[str, Any]) -> None:
        refused(value)

    check()


async def test_a_nested_snake_case_key_fails_the_call_and_sends_nothing() -> None:
    classifier: Any = {"id": "cl_1", "overrideConfig": {"parseConfig": {"block_options": {}}}}
    with aioresponses() as mock:
        async with AsyncExtend(API_KEY, base_url=BASE_URL) as client:
            with pytest.raises(InvalidInputError) as caught:
                await client.classify_runs.create(file={"id": "file_1"}, classifier=classifier)
        assert recorded(mock) == {}
    assert str(caught.value).startswith("classifier.overrideConfig.parseConfig: 'block_options'")
    assert "'blockOptions' is" in str(caught.value)


def test_other_unknown_keys_are_sent_as_written() -> None:
    # A key the SDK does not know yet, in any spelling that is not a known key's snake_case.
    config = {"classifications": [], "newOption": 1, "new_option": 2, "parseConfig": {"x_y": 3}}
    body = as_body(config, name="config", expected=(m.ClassifyConfig,))
    assert wire(body) == config


def test_a_mapping_that_holds_itself_is_invalid_input() -> None:
    clause: dict[str, Any] = {}
    clause["if"] = clause
    with pytest.raises(InvalidInputError, match="nests too deeply"):
        as_body(clause, name="clause", expected=(m.EditConditionalClause,))
    with pytest.raises(InvalidInputError, match="nests too deeply"):
        as_body(clause, name="clause", expected=())

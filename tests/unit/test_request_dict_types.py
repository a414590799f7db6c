"""Request dicts as a type checker sees them: ``make typecheck`` runs mypy --strict here.

The dicts in ``_valid`` must type-check: wire keys, nested dicts or models at any level,
open enums, a tag's literal, a datetime, keys that are not identifiers. Each line in
``_refused`` must be an error for mypy: its ``# type: ignore[code]`` names the error, and
mypy --strict (``warn_unused_ignores``) fails if the dict types ever accepted it, since the
ignore would then be unused. The valid dicts also go through ``as_body`` at run time.
"""

from __future__ import annotations

from datetime import datetime, timezone

import orjson

from extend_async.resources._base import as_body
from extend_async.types import (
    EditJsonDict,
    EditRootJsonDict,
    ExtractConfigJsonDict,
    ParseConfig,
    ParseConfigDict,
    WorkflowStepDefinitionDict,
    WorkflowStepDefinitionExtract,
)


def _valid() -> list[object]:
    parse: ParseConfigDict = {"engine": "parse_light", "blockOptions": {"text": {"agentic": {}}}}
    extract: ExtractConfigJsonDict = {
        "baseProcessor": "extraction_performance",
        "parseConfig": ParseConfig(engine="parse_light"),  # a model where its dict may be
        "advancedOptions": {"citationMode": "a mode the API adds later"},  # an open enum
    }
    step: WorkflowStepDefinitionDict = {"type": "EXTRACT", "name": "x", "next": None}
    model_step = WorkflowStepDefinitionExtract(name="x")
    field: EditJsonDict = {"extend_edit:page_index": 0, "properties": {"a": {"type": "string"}}}
    root: EditRootJsonDict = {"type": "object", "properties": {"name": field}, "if": {}}
    when: ExtractConfigJsonDict = {"schema": {"asOf": datetime(2025, 1, 1, tzinfo=timezone.utc)}}
    return [parse, extract, step, model_step, field, root, when]


def _refused() -> None:  # checked by mypy, never run
    a: ParseConfigDict = {"engin": "parse_light"}  # type: ignore[typeddict-unknown-key]
    b: ParseConfigDict = {"engine": 1}  # type: ignore[typeddict-item]
    c: ParseConfigDict = {"chunkingStrategy": {"type": 3}}  # type: ignore[typeddict-item]
    d: ParseConfigDict = {"parse_config": {}}  # type: ignore[typeddict-unknown-key]
    e: EditRootJsonDict = {"type": "object"}  # type: ignore[typeddict-item]
    f: EditRootJsonDict = {"type": "array", "properties": {}}  # type: ignore[typeddict-item]
    g: EditJsonDict = {"extend_edit:page_index": "0"}  # type: ignore[typeddict-item]
    h: ExtractConfigJsonDict = {"parseConfig": ParseConfigDict}  # type: ignore[typeddict-item]
    i: WorkflowStepDefinitionDict = {"type": "EXTRACT"}  # type: ignore[assignment]
    del a, b, c, d, e, f, g, h, i


def test_the_valid_dicts_are_sent_as_written() -> None:
    parse, extract, step, _, field, root, _ = _valid()
    for value in (parse, step, field, root):
        assert orjson.loads(orjson.dumps(as_body(value, name="v", expected=()))) == value
    assert as_body(extract, name="config", expected=())["parseConfig"] == {"engine": "parse_light"}
    assert callable(_refused)

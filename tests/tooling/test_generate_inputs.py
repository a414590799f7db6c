"""``scripts/generate_inputs.py``: the rules of the request dicts, on the real schema with a
few probe types added (a key that is not a Python name, required and optional keys, every
kind of value), and on the generated module."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import pytest

from extend_async.types import params as hand_written
from extend_async.types._generated import params as generated
from scripts.generate_models import OUT_DIR, ROOT, SCHEMA, Generator, Schema, hand_written_names
from scripts.generate_sync import GenerationError


def _field(name: str, text: str, *, required: bool) -> dict[str, Any]:
    nullable = not required or text.endswith("| null")
    return {"name": name, "nullable": nullable, "required": required, "type": text}


@cache
def _real() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / SCHEMA).read_text(encoding="utf-8"))
    return data


def _with_probe(**extra_types: Any) -> dict[str, Any]:
    data = copy.deepcopy(_real())
    data["types"]["ZzProbe"] = {
        "kind": "object",
        "extends": [],
        "fields": [
            _field("plainKey", "string", required=True),
            _field("extend_edit:bbox", "Extend.ZzPart | null", required=False),
            _field("if", "Extend.ZzProbe | null", required=False),
            _field("when", "datetime", required=True),
            _field("mode", "Extend.ZzMode | null", required=False),
            _field("tags", "Record<string, Extend.ZzPart> | null", required=False),
            _field("file", "Extend.FileFromUrl | Extend.FileFromId", required=True),
        ],
    }
    data["types"]["ZzPart"] = {
        "kind": "object",
        "extends": [],
        "fields": [
            _field("kind", '"part"', required=True),
            _field("n", "integer[]", required=False),
        ],
    }
    data["types"]["ZzMode"] = {"kind": "enum", "open": True, "values": ["a", "b"]}
    data["types"].update(extra_types)
    data["endpoints"].append(
        {
            "namespace": "files",
            "method": "probe",
            "http": "POST",
            "path": "/probe",
            "pathParams": [],
            "query": [],
            "headers": [],
            "multipart": [],
            "body": [{**_field("probe", "Extend.ZzProbe", required=True), "python": "probe"}],
            "response": None,
            "deprecated": False,
        }
    )
    return data


def _params_text(data: dict[str, Any]) -> str:
    files = Generator(Schema(data), hand_written_names(ROOT)).files()
    return files[OUT_DIR / "params.py"]


def test_the_probe_dicts_follow_the_rules() -> None:
    text = _params_text(_with_probe())
    namespace: dict[str, Any] = {}
    exec(compile(text, "params.py", "exec"), namespace)  # what the module defines at run time
    probe = namespace["ZzProbeDict"]
    assert probe.__required_keys__ == {"plainKey", "when", "file"}
    assert probe.__optional_keys__ == {"extend_edit:bbox", "if", "mode", "tags"}
    part = namespace["ZzPartDict"]
    assert part.__required_keys__ == {"kind"}  # a literal is required: a dict is sent as is
    # Keys that are not Python names: the functional syntax, value types as strings.
    assert '"extend_edit:bbox": "ZzPart | ZzPartDict | None"' in text.replace("'", '"')
    assert '"if": "ZzProbe | ZzProbeDict | None"' in text.replace("'", '"')
    assert "when: str | datetime" in text
    assert "Mapping[str, ZzPart | ZzPartDict] | None" in text
    assert "Sequence[int] | None" in text
    assert 'Literal["part"]' in text.replace("'", '"')
    assert "_ZzMode" in text  # an enum in the functional part: its Literal has a name
    # The file union: the hand-written models and dicts, none generated for them.
    assert "file: FileFromUrl | FileFromUrlDict | FileFromId | FileFromIdDict" in text
    assert "class FileFromUrlDict" not in text


def test_a_dict_name_a_model_already_has_fails_the_run() -> None:
    clash = {"kind": "object", "extends": [], "fields": []}
    with pytest.raises(GenerationError, match="ZzPartDict"):
        _params_text(_with_probe(ZzPartDict=clash))


def test_the_generated_dicts_never_repeat_a_hand_written_one() -> None:
    assert set(generated.__all__).isdisjoint(hand_written.__all__)
    assert {"ParseConfigDict", "ClassifyAdvancedOptionsDict"} <= set(generated.__all__)
    # Two schema types with one hand-written model: one dict.
    assert "AgenticOptionsDict" in generated.__all__

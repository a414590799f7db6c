"""The TypedDicts for mapping inputs have the wire keys of the attrs inputs they stand for."""

from __future__ import annotations

from typing import Any

import attrs
import orjson
import pytest
from aioresponses import aioresponses

from extend_async import AsyncExtend
from extend_async._converter import to_camel
from extend_async.types import (
    BatchInput,
    BatchInputDict,
    Classification,
    ClassificationDict,
    ClassifierRef,
    ClassifierRefDict,
    ClassifyConfig,
    ClassifyConfigDict,
    ClassifyOverrideConfig,
    ClassifyOverrideConfigDict,
    FileFromId,
    FileFromIdDict,
    FileFromText,
    FileFromTextDict,
    FileFromUrl,
    FileFromUrlDict,
    FileSettings,
    FileSettingsDict,
)
from extend_async.types._base import EXTRA_FIELDS

from ._helpers import API_KEY, BASE_URL, recorded, seed_run, url

PAIRS: list[tuple[Any, type]] = [
    (FileSettingsDict, FileSettings),
    (FileFromUrlDict, FileFromUrl),
    (FileFromIdDict, FileFromId),
    (FileFromTextDict, FileFromText),
    (ClassificationDict, Classification),
    (ClassifyConfigDict, ClassifyConfig),
    (ClassifyOverrideConfigDict, ClassifyOverrideConfig),
    (ClassifierRefDict, ClassifierRef),
    (BatchInputDict, BatchInput),
]


@pytest.mark.parametrize(("mapping", "model"), PAIRS, ids=lambda p: getattr(p, "__name__", ""))
def test_each_typed_dict_has_the_wire_keys_of_its_model(mapping: Any, model: type) -> None:
    # ``extra_fields`` holds an answer's unknown keys: never a key of its own on the wire.
    fields = [f for f in attrs.fields(model) if f.name != EXTRA_FIELDS]
    assert mapping.__required_keys__ == {
        to_camel(f.name) for f in fields if f.default is attrs.NOTHING
    }
    assert mapping.__optional_keys__ == {
        to_camel(f.name) for f in fields if f.default is not attrs.NOTHING
    }


async def test_a_typed_mapping_is_sent_as_written() -> None:
    # A type checker checks these literals' keys; at run time they are sent unchanged.
    file: FileFromUrlDict = {"url": "https://example.com/a.pdf", "settings": {"password": "pw"}}
    classifier: ClassifierRefDict = {"id": "cl_1", "overrideConfig": {"baseVersion": "1.0"}}
    with aioresponses() as mock:
        mock.post(url("/classify_runs"), payload=seed_run())
        async with AsyncExtend(API_KEY, base_url=BASE_URL) as client:
            await client.classify_runs.create(file=file, classifier=classifier)
        [call] = recorded(mock)[("POST", url("/classify_runs"))]
    assert orjson.loads(call.kwargs["data"]) == {"file": file, "classifier": classifier}


def test_a_misspelt_key_is_a_type_error() -> None:
    # mypy --strict (make test) reports an ignore that is not needed: if this literal ever
    # type-checked, the ignore would be unused and the check would fail.
    config: ClassifyConfigDict = {
        "classifications": [],
        "base_processor": "classification_standard",  # type: ignore[typeddict-unknown-key]
    }
    assert "base_processor" in config

"""The body of ``POST /classify_runs/batch``, checked in full before anything is sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._errors import InvalidInputError
from ..types import (
    BatchInput,
    BatchInputDict,
    ClassifierRef,
    ClassifyConfig,
    ClassifyOverrideConfig,
    FileFromId,
    FileFromText,
    FileFromUrl,
    FileInput,
)
from ._base import as_body, check_metadata

__all__ = ["MAX_BATCH_INPUTS", "BatchInputArg", "batch_body", "check_priority"]

MAX_BATCH_INPUTS = 1000

BatchInputArg = BatchInput | FileInput | BatchInputDict

_FILES = (FileFromUrl, FileFromId, FileFromText)


def check_priority(priority: object) -> int | None:
    if priority is None:
        return None
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise InvalidInputError(f"priority must be an int, got {priority!r:.40}")
    return priority


def _classifier(classifier: object) -> dict[str, Any]:
    if isinstance(classifier, ClassifyConfig | ClassifyOverrideConfig):
        raise InvalidInputError(
            "batches run a saved classifier; inline config is not supported. Save it with "
            "client.classifiers.create(name=..., config=...) and pass classifier=its id"
        )
    if isinstance(classifier, str):
        return {"id": classifier}
    body = as_body(classifier, name="classifier", expected=(ClassifierRef,))
    if not isinstance(body.get("id"), str):
        raise InvalidInputError("classifier needs an 'id' (a classifier id, cl_...)")
    return dict(body)


def _input(index: int, item: object) -> dict[str, Any]:
    name = f"inputs[{index}]"
    if isinstance(item, _FILES):
        return {"file": as_body(item, name=name, expected=_FILES)}
    if isinstance(item, BatchInput):
        file: object = item.file
        metadata: object = item.metadata
    elif isinstance(item, Mapping):
        unknown = set(item) - {"file", "metadata"}
        if unknown:
            raise InvalidInputError(f"{name} has unknown keys {sorted(map(str, unknown))}")
        if "file" not in item:
            raise InvalidInputError(f"{name} has no 'file'")
        file, metadata = item["file"], item.get("metadata")
    else:
        raise InvalidInputError(
            f"{name} must be a BatchInput, a FileFromUrl/FileFromId/FileFromText or a "
            f"mapping, got {type(item).__name__}"
        )
    body = {"file": as_body(file, name=f"{name}.file", expected=_FILES)}
    try:
        checked = check_metadata(metadata)  # type: ignore[arg-type]
    except InvalidInputError as exc:
        raise InvalidInputError(f"{name}.{exc}") from None
    if checked is not None:
        body["metadata"] = checked
    return body


def batch_body(*, classifier: object, inputs: Iterable[object], priority: object) -> dict[str, Any]:
    if isinstance(inputs, str | bytes | Mapping) or not isinstance(inputs, Iterable):
        raise InvalidInputError(
            f"inputs must be a list of batch inputs, got {type(inputs).__name__}"
        )
    # Read at most one more than the limit, so an endless iterator cannot hang us.
    items: list[object] = []
    for item in inputs:
        items.append(item)
        if len(items) > MAX_BATCH_INPUTS:
            raise InvalidInputError(f"a batch takes at most {MAX_BATCH_INPUTS} inputs")
    if not items:
        raise InvalidInputError("a batch needs at least one input")
    body: dict[str, Any] = {
        "classifier": _classifier(classifier),
        "inputs": [_input(i, item) for i, item in enumerate(items)],
    }
    checked = check_priority(priority)
    if checked is not None:
        body["priority"] = checked
    return body

"""The models against the API's schema: one failing test names every field that differs.

Every schema type maps to a model: the hand-written ones of the classify surface are listed
below, every other one is the generated class of the same name (``scripts/generate_models.py``
names them; ``extend_async.types`` holds them), and the webhook events map to their event
classes through the generated ``EVENT_CLASSES``. The ones not modelled are listed, with the
reason, in ``NOT_MODELLED``. A schema update that adds, drops or retypes a field, or changes
an enum's values, shows up here as one failure.
"""

from __future__ import annotations

import importlib
import types as types_module
import typing
from datetime import datetime
from enum import Enum
from typing import Any

import attrs

from extend_async import types as m
from extend_async._converter import wire_key
from extend_async.types import webhooks as events
from extend_async.types._generated import MODULE_OF
from extend_async.types._generated.webhook_event_types import EVENT_CLASSES
from scripts.generate_models import class_name

from ._schema import (
    LITERAL,
    endpoints,
    fields_of,
    item_type,
    reachable,
    resolve,
    strip,
    types,
    union_members,
)

# The part of the API this SDK covers: these namespaces of the official SDK, its root
# ``classify`` call, the error envelope and the webhook events it parses into typed events.
NAMESPACES = {"classify_runs", "classifiers", "classifier_versions", "batch_runs", "files"}
ROOT_CALLS = {"classify"}
EVENT_NAMES = [
    "WebhookEvent.ClassifyRunProcessed",
    "WebhookEvent.ClassifyRunFailed",
    "WebhookEvent.ClassifierCreated",
    "WebhookEvent.ClassifierUpdated",
    "WebhookEvent.ClassifierDeleted",
    "WebhookEvent.ClassifierDraftUpdated",
    "WebhookEvent.ClassifierVersionPublished",
    "WebhookEvent.BatchProcessorRunProcessed",
    "WebhookEvent.BatchProcessorRunFailed",
]


def covered_endpoints() -> list[dict[str, Any]]:
    return [
        e
        for e in endpoints()
        if e["namespace"] in NAMESPACES or (e["namespace"] == "root" and e["method"] in ROOT_CALLS)
    ]


def surface() -> set[str]:
    """Every schema type: the whole API has models (``covered_endpoints`` are the ones with
    resource methods)."""
    return set(types())


def classify_surface() -> set[str]:
    """Every schema type the classify endpoints and events answer, take or name."""
    texts = ["Extend.ApiError"] + [f"Extend.{name}" for name in EVENT_NAMES]
    for e in covered_endpoints():
        texts += [e["response"] or ""]
        texts += [p["type"] for part in ("query", "body", "multipart") for p in e[part]]
    return reachable(texts)


MODELS: dict[str, Any] = {
    "ClassifyRun": m.ClassifyRun,
    "ClassifyRunSummary": m.ClassifyRunSummary,
    "Classifier": m.Classifier,
    "ClassifierSummary": m.ClassifierSummary,
    "ClassifierVersion": m.ClassifierVersion,
    "ClassifierVersionSummary": m.ClassifierVersionSummary,
    "BatchRun": m.BatchRun,
    "ClassifyRunsListResponse": m.Page[m.ClassifyRunSummary],
    "ClassifiersListResponse": m.Page[m.ClassifierSummary],
    "ClassifierVersionsListResponse": m.Page[m.ClassifierVersionSummary],
    "ClassifyRunsDeleteResponse": m.DeletedClassifyRun,
    "ClassifyOutput": m.ClassifyOutput,
    "Insight": m.Insight,
    "ClassifyConfig": m.ClassifyConfig,
    "ClassifyOverrideConfig": m.ClassifyOverrideConfig,
    "FileSummary": m.FileSummary,
    "FileMetadata": m.FileMetadata,
    "ParentSplit": m.ParentSplit,
    "RunUsage": m.RunUsage,
    "RunUsageSummary": m.RunUsageSummary,
    "RunUsageBreakdownEntry": m.UsageBreakdownItem,
    "RunUsageBreakdownCharge": m.UsageCharge,
    "Classification": m.Classification,
    "PageRangesItem": m.PageRange,
    "ClassifyAdvancedOptions": m.ClassifyAdvancedOptions,
    "ParseConfig": m.ParseConfig,
    "ParseConfigChunkingStrategy": m.ChunkingStrategy,
    "ParseConfigChunkingStrategyOptions": m.ChunkingStrategyOptions,
    "ParseConfigBlockOptions": m.BlockOptions,
    "ParseConfigBlockOptionsFigures": m.FigureBlockOptions,
    "ParseConfigBlockOptionsTables": m.TableBlockOptions,
    "ParseConfigBlockOptionsText": m.TextBlockOptions,
    "ParseConfigBlockOptionsKeyValue": m.KeyValueBlockOptions,
    "ParseConfigBlockOptionsBarcodes": m.BarcodeBlockOptions,
    "ParseConfigBlockOptionsFormulas": m.FormulaBlockOptions,
    "ParseConfigBlockOptionsTablesAgentic": m.AgenticOptions,
    "ParseConfigBlockOptionsTextAgentic": m.AgenticOptions,
    "ParseConfigAdvancedOptions": m.ParseAdvancedOptions,
    "ParseConfigAdvancedOptionsReturnOcr": m.ReturnOcr,
    "ParseConfigAdvancedOptionsFormattingDetectionItem": m.FormattingDetection,
    # Request inputs: the same names and optionality, sent instead of read.
    "ClassifyRunsCreateRequestClassifier": m.ClassifierRef,
    "ClassifyRunsCreateBatchRequestClassifier": m.ClassifierRef,
    "ClassifyRequestClassifier": m.ClassifierRef,
    "ClassifyRunsCreateBatchRequestInputsItem": m.BatchInput,
    "FileFromUrl": m.FileFromUrl,
    "FileFromId": m.FileFromId,
    "FileFromText": m.FileFromText,
    "FileFromUrlSettings": m.FileSettings,
    # Files stored in Extend (``client.files``).
    "File": m.File,
    "FilesListResponse": m.Page[m.FileSummary],
    "FilesDeleteResponse": m.DeletedFile,
    "FileContents": m.FileContents,
    "FileContentsPagesItem": m.FileContentsPage,
    "FileContentsSectionsItem": m.FileContentsSection,
    "FileContentsSheetsItem": m.FileContentsSheet,
    # The webhook envelopes (``webhooks.parse`` builds them; the payload is a model above).
    "WebhookEvent.ClassifyRunProcessed": events.ClassifyRunEvent,
    "WebhookEvent.ClassifyRunFailed": events.ClassifyRunEvent,
    "WebhookEvent.ClassifierCreated": events.ClassifierEvent,
    "WebhookEvent.ClassifierUpdated": events.ClassifierEvent,
    "WebhookEvent.ClassifierDeleted": events.ClassifierEvent,
    "WebhookEvent.ClassifierDraftUpdated": events.ClassifierEvent,
    "WebhookEvent.ClassifierVersionPublished": events.ClassifierVersionEvent,
    "WebhookEvent.BatchProcessorRunProcessed": events.BatchRunEvent,
    "WebhookEvent.BatchProcessorRunFailed": events.BatchRunEvent,
}

# A discriminated union read into one class: ``type`` tells which members' fields are set.
MERGED_UNIONS: dict[str, Any] = {"CreatedBy": m.CreatedBy}

NOT_MODELLED = {
    # The error envelope becomes the attributes of ``APIStatusError`` (``_errors``).
    "ApiError": "read into APIStatusError",
    "CreatedBy.User": "checked through CreatedBy",
    "CreatedBy.ApiKey": "checked through CreatedBy",
}

ENUMS: dict[str, type[Enum]] = {
    "ProcessorRunStatus": m.RunStatus,
    "BatchRunStatus": m.RunStatus,
    "FileType": m.FileType,
    "RunSource": m.RunSource,
    "ClassifyBaseProcessor": m.BaseProcessor,
    "ClassifyAdvancedOptionsContext": m.ClassifyContext,
    "ParseConfigTarget": m.ParseTarget,
    "ParseConfigEngine": m.ParseEngine,
    "ParseConfigChunkingStrategyType": m.ChunkingType,
    "ParseConfigAdvancedOptionsExcelParsingMode": m.ExcelParsingMode,
    "ParseConfigAdvancedOptionsEnrichmentFormat": m.EnrichmentFormat,
    "ParseConfigAdvancedOptionsImageConversionQuality": m.ImageConversionQuality,
    "ParseConfigBlockOptionsTablesTargetFormat": m.TableTargetFormat,
    "RunUsageBreakdownEntryObject": m.UsageRunType,
    "RunUsageBreakdownChargeUnit": m.UsageUnit,
}
# Enums of request parameters that are ``Literal`` aliases (no wire enum to read).
LITERAL_ENUMS = {"ReleaseType"}
NONE = type(None)


def _add_generated() -> None:
    """The generated models and enums, and the event classes, into the tables above."""
    taken = set(MODELS) | set(MERGED_UNIONS) | set(NOT_MODELLED) | set(ENUMS) | LITERAL_ENUMS
    for name, entry in types().items():
        if name in taken or name.split(".")[0] in MERGED_UNIONS:
            continue
        if name.startswith("WebhookEvent."):
            literal = next(f["type"] for f in entry["fields"] if f["name"] == "eventType")
            module, cls = EVENT_CLASSES[literal.strip('"')]
            MODELS[name] = getattr(importlib.import_module(module), cls)
        elif entry["kind"] in ("object", "enum") and class_name(name) in MODULE_OF:
            table: dict[str, Any] = MODELS if entry["kind"] == "object" else ENUMS
            table[name] = getattr(m, class_name(name))


_add_generated()


def snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


def model_fields(tp: Any) -> dict[str, tuple[Any, attrs.Attribute[Any]]]:
    cls = typing.get_origin(tp) or tp
    hints = typing.get_type_hints(cls)
    bound = dict(zip(getattr(cls, "__parameters__", ()), typing.get_args(tp), strict=False))
    out = {}
    for a in attrs.fields(cls):
        if a.name == "extra_fields":
            continue
        hint = hints[a.name]
        if bound:
            hint = _bind(hint, bound)
        out[wire_key(a)] = (hint, a)  # by wire key: the schema names fields that way
    return out


def _bind(tp: Any, bound: dict[Any, Any]) -> Any:
    if tp in bound:
        return bound[tp]
    args = typing.get_args(tp)
    if typing.get_origin(tp) is tuple:
        return tuple[tuple(_bind(a, bound) for a in args)]  # type: ignore[misc]
    return tp


def members(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (typing.Union, types_module.UnionType):
        return list(typing.get_args(tp))
    return [tp]


PLAIN = {"string": str, "number": float, "integer": int, "boolean": bool}


def _split(text: str) -> list[str]:
    """The top-level members of a union type text (``(A | B)[]`` and ``Record<...>`` are
    one member each), without ``null``."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "(<"
        depth -= char in ")>"
        if char == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p != "null"]


def _flat(text: str) -> list[str]:
    """The members of a union, unions inside it (through aliases) flattened."""
    out = []
    for part in _split(text):
        part = resolve(part)
        out += _flat(part) if len(_split(part)) > 1 else [part]
    return out


def _union_member(text: str) -> Any:
    if text in PLAIN:
        return PLAIN[text]
    if text.startswith("Record<"):
        return dict[str, Any]
    return MODELS.get(strip(text))


def type_problem(text: str, hint: Any) -> str | None:
    """Why ``hint`` (None removed) cannot hold the schema's ``text``, or None when it can."""
    parts = union_members(text)
    if len(parts) == 1 and strip(parts[0]) in MERGED_UNIONS:
        merged = MERGED_UNIONS[strip(parts[0])]
        return (
            None
            if [a for a in members(hint) if a is not NONE] == [merged]
            else "expected a merged union"
        )
    wanted = _flat(text)
    have = [a for a in members(hint) if a is not NONE]
    if len(wanted) > 1:  # a union of object types (the file inputs), or of primitives
        models = {_union_member(w) for w in _flat(text)}
        return None if models == set(have) else f"expected the union {wanted}"
    (want,) = wanted
    name = strip(want)
    if want == "datetime":
        return None if have == [datetime] else "expected datetime"
    if want == "unknown":
        return None if have == [Any] else "expected Any"
    if want.endswith("[]"):
        if len(have) != 1 or typing.get_origin(have[0]) is not tuple:
            return "expected tuple[..., ...]"
        return type_problem(item_type(want), typing.get_args(have[0])[0])
    if LITERAL.match(want) or want == "string":
        ok = have == [str] or (
            len(have) == 2
            and str in have
            and any(isinstance(a, type) and issubclass(a, Enum) for a in have)
        )
        return None if ok else "expected str"
    if want == "number":
        return None if have in ([int], [float]) else "expected int or float"
    if want == "integer":
        return None if have == [int] else "expected int"
    if want in ("boolean", "true", "false"):
        return None if have == [bool] else "expected bool"
    if want.startswith("Record<"):
        return None if have == [dict[str, Any]] else "expected dict[str, Any]"
    if name in ENUMS:
        return None if set(have) == {ENUMS[name], str} else f"expected {ENUMS[name].__name__} | str"
    if name in LITERAL_ENUMS:
        return (
            None
            if have == [str] or typing.get_origin(have[0]) is typing.Literal
            else "expected str"
        )
    expected = MODELS.get(name) or MERGED_UNIONS.get(name)
    if expected is None:
        return f"no model for {name}"
    return None if have == [expected] else f"expected {expected!r}"


def schema_fields(name: str) -> list[dict[str, Any]]:
    if name in MERGED_UNIONS:
        out: dict[str, dict[str, Any]] = {}
        for member in union_members(types()[name]["type"]):
            for f in fields_of(member):
                # A field of one member only is absent from the other members' objects.
                out.setdefault(f["name"], {**f, "required": False})
                out[f["name"]]["required"] = False if f["name"] != "type" else f["required"]
        return list(out.values())
    return fields_of(name)


def problems_of(name: str, tp: Any) -> list[str]:
    found = []
    fields = model_fields(tp)
    named = set()
    for f in schema_fields(name):
        attr = f["name"]
        named.add(attr)
        if attr not in fields:
            found.append(f"{name}.{f['name']}: no field for it in {tp!r}")
            continue
        hint, attribute = fields[attr]
        admits_none = NONE in members(hint)
        if f["nullable"] and not admits_none:
            found.append(f"{name}.{f['name']}: nullable in the schema, {hint} in the model")
        if not f["nullable"] and f["required"] and admits_none:
            found.append(f"{name}.{f['name']}: always present and never null, {hint} allows None")
        if not f["required"] and attribute.default is attrs.NOTHING:
            found.append(f"{name}.{f['name']}: optional in the schema, required in the model")
        why = type_problem(f["type"], hint)
        if why is not None:
            found.append(f"{name}.{f['name']}: schema type {f['type']!r}, model {hint}: {why}")
    for attr in sorted(set(fields) - named):
        found.append(f"{name}: the model's field for {attr} is not in the schema")
    return found


def test_every_schema_type_is_modelled_or_written_down() -> None:
    covered = surface()
    undecided = sorted(
        name
        for name in covered
        if types()[name]["kind"] == "object"
        and name not in MODELS
        and name not in MERGED_UNIONS
        and name not in NOT_MODELLED
        # The event bodies: their fields are checked through the WebhookEvent.* extending them.
        and not (name.endswith("WebhookEvent") and "." not in name)
    )
    assert undecided == [], f"schema types with no model and no reason: {undecided}"
    # A name here that the schema lacks is a type the package renamed or dropped.
    unknown = sorted((set(MODELS) | set(MERGED_UNIONS) | set(NOT_MODELLED) | set(ENUMS)) - covered)
    assert unknown == [], f"mapped here, not in the covered part of the schema: {unknown}"


def test_the_covered_part_of_the_api_is_the_sdk_s() -> None:
    """The endpoints the SDK covers, as the official SDK names them (a renamed or new method
    in the package shows up here)."""
    names = sorted((e["namespace"], e["method"], e["http"], e["path"]) for e in covered_endpoints())
    assert names == [
        ("batch_runs", "get", "GET", "/batch_runs/{id}"),
        ("classifier_versions", "create", "POST", "/classifiers/{classifier_id}/versions"),
        ("classifier_versions", "list", "GET", "/classifiers/{classifier_id}/versions"),
        (
            "classifier_versions",
            "retrieve",
            "GET",
            "/classifiers/{classifier_id}/versions/{version_id}",
        ),
        ("classifiers", "create", "POST", "/classifiers"),
        ("classifiers", "list", "GET", "/classifiers"),
        ("classifiers", "retrieve", "GET", "/classifiers/{id}"),
        ("classifiers", "update", "POST", "/classifiers/{id}"),
        ("classify_runs", "cancel", "POST", "/classify_runs/{id}/cancel"),
        ("classify_runs", "create", "POST", "/classify_runs"),
        ("classify_runs", "create_batch", "POST", "/classify_runs/batch"),
        ("classify_runs", "delete", "DELETE", "/classify_runs/{id}"),
        ("classify_runs", "list", "GET", "/classify_runs"),
        ("classify_runs", "retrieve", "GET", "/classify_runs/{id}"),
        ("files", "delete", "DELETE", "/files/{id}"),
        ("files", "list", "GET", "/files"),
        ("files", "retrieve", "GET", "/files/{id}"),
        ("files", "upload", "POST", "/files/upload"),
        ("root", "classify", "POST", "/classify"),
    ]


def test_every_model_matches_its_schema_type_field_by_field() -> None:
    problems = [
        p for name, tp in {**MODELS, **MERGED_UNIONS}.items() for p in problems_of(name, tp)
    ]
    assert problems == [], "models differ from the schema:\n  " + "\n  ".join(problems)


def test_enum_members_are_the_schema_values() -> None:
    problems = []
    for name, enum in ENUMS.items():
        listed = types()[name]["values"]
        have = [member.value for member in enum]
        if sorted(have) != sorted(listed):
            problems.append(f"{name} -> {enum.__name__}: schema {listed}, model {have}")
    for name in LITERAL_ENUMS:
        assert types()[name]["kind"] == "enum", name
    unmapped = sorted(
        name
        for name in surface()
        if types()[name]["kind"] == "enum" and name not in ENUMS and name not in LITERAL_ENUMS
    )
    assert unmapped == [], f"schema enums with no model enum: {unmapped}"
    assert problems == [], "\n".join(problems)


def test_the_walk_covers_every_endpoint_s_answer_and_every_event() -> None:
    """The field-by-field walk above holds every answer of the API to its model: each
    endpoint's response type (all 117) and each webhook event is in ``MODELS``."""
    answers = {strip(e["response"]) for e in endpoints() if e["response"] is not None}
    events = {name for name in types() if name.startswith("WebhookEvent.")}
    assert len([e for e in endpoints() if e["response"] is not None]) == 117
    assert sorted((answers | events) - set(MODELS)) == []

"""Request parsing: bodies and query parameters in, plain values out, or a
``ValidationProblem`` (answered ``400 INVALID_REQUEST`` by default) naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson

from ._errors import ValidationProblem
from ._records import RUN_SOURCES, RUN_STATUSES
from ._store import FileSpec, RunFilter

__all__ = [
    "MAX_BATCH_INPUTS",
    "MAX_METADATA_BYTES",
    "MAX_PAGE_SIZE",
    "classifier_ref",
    "classify_config",
    "file_spec",
    "json_object",
    "legacy_file_spec",
    "metadata",
    "optional_string",
    "override_config",
    "page_size",
    "priority",
    "run_filter",
    "sort_order",
]

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10
MAX_BATCH_INPUTS = 1000
MAX_METADATA_BYTES = 10 * 1024  # "Maximum size is 10KB"
BASE_PROCESSORS = (
    "classification_standard",
    "classification_performance",
    "classification_light",
)


def json_object(body: bytes, *, allow_empty: bool = False) -> dict[str, Any]:
    """The body as a JSON object. ``allow_empty``: no body at all reads as ``{}``."""
    if not body.strip():
        if allow_empty:
            return {}
        raise ValidationProblem("Request body is required and must be a JSON object")
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValidationProblem(f"Request body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValidationProblem("Request body must be a JSON object")
    return value


def _string(value: Any, path: str, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationProblem(f"{path} must be a non-empty string")
    return value


def optional_string(body: Mapping[str, Any], key: str, path: str | None = None) -> str | None:
    return _string(body.get(key), path or key, required=False)


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationProblem(f"{path} must be an object")
    return value


def file_spec(value: Any, path: str = "file") -> FileSpec:
    """``{url, name?, settings?}`` | ``{id}`` | ``{text, name?}``."""
    if value is None:
        raise ValidationProblem(f"{path} is required")
    file = _object(value, path)
    kinds = [k for k in ("url", "id", "text") if k in file]
    if len(kinds) != 1:
        raise ValidationProblem(f"{path} must have exactly one of 'url', 'id' or 'text'")
    kind = kinds[0]
    name = _string(file.get("name"), f"{path}.name", required=False)
    if "settings" in file and file["settings"] is not None:
        _object(file["settings"], f"{path}.settings")
    if kind == "url":
        url = _string(file["url"], f"{path}.url")
        assert url is not None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationProblem(f"{path}.url must be an absolute http(s) URL")
        # A real download would learn the name from the response; the URL path is the
        # best stand-in.
        name = name or unquote(parts.path.rsplit("/", 1)[-1]) or None
        return FileSpec("url", url, name)
    if kind == "id":
        file_id = _string(file["id"], f"{path}.id")
        assert file_id is not None
        return FileSpec("id", file_id, name)
    text = file["text"]
    if not isinstance(text, str):
        raise ValidationProblem(f"{path}.text must be a string")
    return FileSpec("text", text, name)


# A legacy processor run's file, as the schema spells it (``LegacyProcessorRunFileInput``),
# -> the key ``file_spec`` reads.
_LEGACY_FILE_KEYS = {"fileUrl": "url", "fileId": "id", "fileName": "name"}


def legacy_file_spec(value: Any, path: str = "file") -> FileSpec:
    """A legacy processor run's ``file``: ``{fileUrl | fileId, fileName?}``, what the
    schema (and so the official SDKs) send; ``{url | id | text, name?}`` too, the newer
    runs' spelling this emulator took before (kept: clients written against it send it)."""
    if value is None:
        raise ValidationProblem(f"{path} is required")
    file = _object(value, path)
    legacy = [key for key in _LEGACY_FILE_KEYS if key in file]
    if not legacy:
        return file_spec(file, path)
    if any(key in file for key in ("url", "id", "text", "name")):
        raise ValidationProblem(
            f"{path} mixes fileUrl/fileId/fileName with url/id/text/name: use one spelling"
        )
    sources = [key for key in ("fileUrl", "fileId") if file.get(key) is not None]
    if len(sources) != 1:
        raise ValidationProblem(f"{path} must have exactly one of 'fileUrl' or 'fileId'")
    newer = {_LEGACY_FILE_KEYS[key]: file[key] for key in legacy if file[key] is not None}
    try:
        return file_spec(newer, path)
    except ValidationProblem as problem:  # name the key the client sent
        message = problem.message
        for old, new in _LEGACY_FILE_KEYS.items():
            message = message.replace(f"{path}.{new} ", f"{path}.{old} ")
        raise ValidationProblem(message) from None


def _classifications(value: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ValidationProblem(f"{path} must be a non-empty array")
    for index, item in enumerate(value):
        entry = _object(item, f"{path}[{index}]")
        for key in ("id", "type"):
            _string(entry.get(key), f"{path}[{index}].{key}")
        if entry.get("description") is not None and not isinstance(entry["description"], str):
            raise ValidationProblem(f"{path}[{index}].description must be a string")
    return value


def _config_fields(config: dict[str, Any], path: str) -> None:
    processor = config.get("baseProcessor")
    if processor is not None and processor not in BASE_PROCESSORS:
        raise ValidationProblem(f"{path}.baseProcessor must be one of {', '.join(BASE_PROCESSORS)}")
    for key in ("baseVersion", "classificationRules"):
        if config.get(key) is not None and not isinstance(config[key], str):
            raise ValidationProblem(f"{path}.{key} must be a string")
    for key in ("advancedOptions", "parseConfig"):
        if config.get(key) is not None:
            _object(config[key], f"{path}.{key}")


def classify_config(value: Any, path: str = "config") -> dict[str, Any]:
    """A full ``ClassifyConfig``: ``classifications`` required and non-empty."""
    config = _object(value, path)
    _classifications(config.get("classifications"), f"{path}.classifications")
    _config_fields(config, path)
    return config


def override_config(value: Any, path: str) -> dict[str, Any] | None:
    """A partial config: every field optional, each one given replaces the version's."""
    if value is None:
        return None
    config = _object(value, path)
    if "classifications" in config:
        _classifications(config["classifications"], f"{path}.classifications")
    _config_fields(config, path)
    return config


def classifier_ref(value: Any, path: str = "classifier") -> tuple[str, str | None, Any]:
    """``{id, version?, overrideConfig?}`` -> (id, version, override config)."""
    ref = _object(value, path)
    classifier_id = _string(ref.get("id"), f"{path}.id")
    assert classifier_id is not None
    version = _string(ref.get("version"), f"{path}.version", required=False)
    override = override_config(ref.get("overrideConfig"), f"{path}.overrideConfig")
    return classifier_id, version, override


def metadata(value: Any, path: str = "metadata") -> dict[str, Any] | None:
    if value is None:
        return None
    meta = _object(value, path)
    if len(orjson.dumps(meta)) > MAX_METADATA_BYTES:
        raise ValidationProblem(f"{path} exceeds the maximum size of 10KB")
    tags = meta.get("extend:usage_tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise ValidationProblem(f"{path}.extend:usage_tags must be an array of strings")
    return meta


def priority(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationProblem("priority must be an integer")
    return value


# --- query parameters ----------------------------------------------------------------------


def page_size(query: Mapping[str, str]) -> int:
    raw = query.get("maxPageSize")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    # isascii: str.isdigit also accepts digits such as '²' that int() rejects.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationProblem(
            f"maxPageSize must be an integer between 1 and {MAX_PAGE_SIZE}, got {raw!r}"
        )
    return int(raw)


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    raw = query.get(name)
    if raw is not None and raw not in allowed:
        raise ValidationProblem(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def sort_order(query: Mapping[str, str], *, with_sort_by: bool = True) -> tuple[str, bool]:
    """(sortBy, descending); defaults ``updatedAt`` and ``desc``."""
    sort_by = _choice(query, "sortBy", ("updatedAt", "createdAt")) if with_sort_by else None
    sort_dir = _choice(query, "sortDir", ("asc", "desc"))
    return sort_by or "updatedAt", sort_dir != "asc"


def run_filter(query: Mapping[str, str]) -> RunFilter:
    return RunFilter(
        status=_choice(query, "status", RUN_STATUSES),
        source=_choice(query, "source", RUN_SOURCES),
        classifier_id=query.get("classifierId") or None,
        batch_id=query.get("batchId") or None,
        source_id=query.get("sourceId") or None,
        file_name_contains=query.get("fileNameContains") or None,
    )

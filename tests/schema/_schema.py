"""The API's own schema (``../shared/official-schema/schema.json`` beside the clone), read
once, and the helpers that turn its type texts into something a test can walk."""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# CI has shared/ beside the clone; a worktree elsewhere names it with EXTEND_API_SCHEMA.
SCHEMA_PATH = Path(
    os.environ.get("EXTEND_API_SCHEMA")
    or REPO_ROOT.parent / "shared" / "official-schema" / "schema.json"
)


@cache
def schema() -> dict[str, Any]:
    if not SCHEMA_PATH.is_file():
        pytest.fail(
            f"the API schema is missing: expected {SCHEMA_PATH} (the shared/ folder beside "
            "the clone, or a path in EXTEND_API_SCHEMA). The schema tests check the SDK "
            "against it and cannot run without it.",
            pytrace=False,
        )
    data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return data


def types() -> dict[str, Any]:
    return schema()["types"]  # type: ignore[no-any-return]


def strip(name: str) -> str:
    return name.removeprefix("Extend.")


def fields_of(type_name: str) -> list[dict[str, Any]]:
    """An object type's fields, those of the types it ``extends`` included."""
    entry = types()[strip(type_name)]
    fields: list[dict[str, Any]] = []
    for parent in entry.get("extends", []):
        fields += fields_of(parent)
    return fields + list(entry["fields"])


def union_members(text: str) -> list[str]:
    """``"A | B | null"`` -> ``["A", "B"]`` (null is the field's ``nullable`` flag)."""
    return [part.strip() for part in text.split("|") if part.strip() != "null"]


def resolve(text: str) -> str:
    """Follow aliases: ``Extend.CreatedAt`` -> ``string``, ``Extend.PageRanges`` -> ``...[]``."""
    text = text.strip()
    while True:
        entry = types().get(strip(text))
        if entry is None or entry["kind"] != "alias":
            return text
        text = entry["type"].strip()


LITERAL = re.compile(r'^"(.*)"$')

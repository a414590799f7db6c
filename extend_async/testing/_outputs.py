"""Deterministic outputs: the same configuration and file text always give the same output.

- extract: a value for every property of the extractor's JSON schema (types, required keys,
  arrays, enums), taken from the file's text where a ``Label: value`` line plainly names it;
- classify: the classification whose type and description words best match the text, with
  a confidence from the share of its words found;
- split: contiguous page ranges, one per split classification, over the file's pages.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["classify_output", "extract_value", "split_output"]

_WORD = re.compile(r"[a-z0-9]+")
_MAX_DEPTH = 8


def _words(text: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return _WORD.findall(spaced.lower())


def _labelled(text: str, key: str) -> str | None:
    """The value after ``key:`` on a line of ``text`` (``invoice_number``, ``invoiceNumber``
    and ``Invoice Number`` are one label)."""
    wanted = _words(key)
    if not wanted:
        return None
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        if sep and _words(label) == wanted and value.strip():
            return value.strip()
    return None


def _number(raw: str | None, integer: bool) -> int | float:
    if raw is not None:
        found = re.search(r"-?\d[\d,]*(\.\d+)?", raw)
        if found:
            number = float(found.group(0).replace(",", ""))
            return int(number) if integer else number
    return 0


_ZERO: dict[str, Any] = {"string": "", "number": 0, "integer": 0, "boolean": False}


def extract_value(schema: Any, text: str, key: str = "", depth: int = 0) -> Any:
    """A value that ``schema`` (a JSON schema) accepts, from ``text`` where it is there.

    A key the text does not name is ``null`` when its schema allows null, else the type's
    zero value (``""``, ``0``, ``false``), the first enum value, ``[]``, or an object of
    its properties: the output always has every property and always fits the schema.
    """
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    kind = schema.get("type")
    allows_null = kind == "null" or (isinstance(kind, list) and "null" in kind)
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    raw = _labelled(text, key) if key else None
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        if raw is not None:
            for option in enum:
                if isinstance(option, str) and option.lower() == raw.lower():
                    return option
        return None if allows_null and None in enum else enum[0]
    if kind == "object" or (kind is None and "properties" in schema):
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            return {}
        return {name: extract_value(sub, text, name, depth + 1) for name, sub in properties.items()}
    if kind == "array":
        item = schema.get("items")
        if raw is None:
            return []
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if isinstance(item, dict) and item.get("type") in ("string", "number", "integer"):
            return [extract_value(item, f"{key}: {p}", key, depth + 1) for p in parts]
        return [extract_value(item, text, key, depth + 1)]
    if raw is None or kind not in _ZERO:
        return None if allows_null or kind not in _ZERO else _ZERO[kind]
    if kind == "string":
        return raw
    if kind in ("number", "integer"):
        return _number(raw, kind == "integer")
    return raw.lower() in ("yes", "true", "y", "1")


def classify_output(classifications: list[dict[str, Any]], text: str) -> dict[str, Any]:
    """``{id, type, confidence, insights}`` of the best-matching classification; ties go to
    the first listed."""
    found = set(_words(text))
    best, best_score, best_share = classifications[0], -1, 0.0
    for entry in classifications:
        words = set(_words(f"{entry.get('type', '')} {entry.get('description') or ''}"))
        score = len(words & found)
        if score > best_score:
            share = score / len(words) if words else 0.0
            best, best_score, best_share = entry, score, share
    confidence = round(0.5 + 0.49 * best_share, 2) if best_score > 0 else 0.5
    return {
        "id": best.get("id"),
        "type": best.get("type"),
        "confidence": confidence,
        "insights": [],
    }


def split_output(
    classifications: list[dict[str, Any]], pages: int, file_id: str
) -> list[dict[str, Any]]:
    """One split per classification (as many as there are pages), pages shared evenly."""
    used = classifications[: max(1, pages)] or [{"id": "document", "type": "document"}]
    share, extra = divmod(max(pages, 1), len(used))
    splits, start = [], 1
    for index, entry in enumerate(used):
        length = share + (1 if index < extra else 0)
        end = start + length - 1
        splits.append(
            {
                "type": str(entry.get("type", "")),
                "observation": f"pages {start}-{end} read as {entry.get('type', '')}",
                "identifier": f"{entry.get('type', '')}-{index + 1}",
                "startPage": start,
                "endPage": end,
                "name": entry.get("type"),
                "classificationId": str(entry.get("id", "")),
                "id": f"split_{index + 1}",
                "fileId": file_id,
            }
        )
        start = end + 1
    return splits

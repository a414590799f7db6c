"""The schema's endpoints as calls of this SDK: which method, with which arguments."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from schema._schema import endpoints, resolve, types, union_members

from extend_async import AsyncExtend
from scripts.generate_resources import HAND_WRITTEN, METHOD_RENAMES, ROOT_NAMESPACE, attribute_of

__all__ = ["GENERATED", "ID", "arguments", "call_of", "expected_path", "method_name", "owner"]

# An id that must be percent-encoded in the path.
ID = "id with spaces&=é"


def method_name(endpoint: dict[str, Any]) -> str:
    name: str = METHOD_RENAMES.get(endpoint["method"], endpoint["method"])
    return name


def owner(client: Any, endpoint: dict[str, Any]) -> Any:
    """The object whose method an endpoint is: the client (root calls) or a resource."""
    if endpoint["namespace"] == ROOT_NAMESPACE:
        return client
    return getattr(client, attribute_of(endpoint["namespace"]))


GENERATED = [
    e
    for e in endpoints()
    if e["namespace"] == ROOT_NAMESPACE or attribute_of(e["namespace"]) not in HAND_WRITTEN
]


def sample(text: str) -> Any:
    """A value of the schema type ``text`` that a method accepts."""
    members = [m for m in union_members(text) if m != "null"]
    text = resolve(members[0])
    if len(union_members(text)) > 1:
        return sample(text)
    if text.endswith("[]"):
        return [sample(text[:-2].strip("()"))]
    if text.startswith("Record<"):
        return {"key": "value"}
    simple = {"string": "text", "integer": 7, "number": 1.5, "boolean": True, "unknown": "u"}
    if text in simple:
        return simple[text]
    if text.startswith('"'):
        return text.strip('"')
    entry = types()[text.removeprefix("Extend.")]
    if entry["kind"] == "enum":
        return entry["values"][0]
    return {"someKey": "someValue"}  # an object, as a mapping with wire keys


def arguments(endpoint: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Every path parameter (an id needing escaping), every query and body field."""
    keywords: dict[str, Any] = {}
    for field in [*endpoint["query"], *endpoint["body"]]:
        name = field["python"]
        if field["name"] == "maxPageSize":
            keywords[name] = 10
        elif field["name"] == "sortBy":
            keywords[name] = "createdAt"
        else:
            keywords[name] = sample(field["type"])
    return [ID for _ in endpoint["pathParams"]], keywords


def expected_path(endpoint: dict[str, Any]) -> str:
    path: str = endpoint["path"]
    for param in endpoint["pathParams"]:
        path = path.replace("{" + param["name"] + "}", quote(ID, safe=""))
    return path


def call_of(client: AsyncExtend, endpoint: dict[str, Any]) -> Any:
    """The call with every argument: an awaitable (or a pager, for a list)."""
    args, keywords = arguments(endpoint)
    return getattr(owner(client, endpoint), method_name(endpoint))(*args, **keywords)

"""The emulator's deterministic outputs, for any schema and text: an extract output always
fits the extractor's JSON schema, a classify output is one of the classifications, and
split ranges cover the pages; the same input always gives the same output."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from extend_async.testing._outputs import classify_output, extract_value, split_output

NAMES = st.text(alphabet="abcdefgh_", min_size=1, max_size=8)
SCALARS = st.sampled_from(["string", "number", "integer", "boolean"])


def _scalar(kind: str, nullable: bool) -> dict[str, Any]:
    return {"type": [kind, "null"] if nullable else kind}


SCHEMAS = st.recursive(
    st.one_of(
        st.builds(_scalar, SCALARS, st.booleans()),
        st.lists(NAMES, min_size=1, max_size=4, unique=True).map(
            lambda values: {"type": "string", "enum": values}
        ),
    ),
    lambda inner: st.one_of(
        st.builds(lambda item: {"type": "array", "items": item}, inner),
        st.dictionaries(NAMES, inner, max_size=4).map(
            lambda props: {"type": "object", "properties": props, "required": sorted(props)}
        ),
    ),
    max_leaves=8,
)
TEXTS = st.lists(
    st.tuples(NAMES, st.text(alphabet="abc 0123456789.,-yes", max_size=12)), max_size=6
).map(lambda lines: "\n".join(f"{k}: {v}" for k, v in lines))


def fits(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` fits the subset of JSON schema the strategies above make."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if value is None:
        return "null" in kinds
    if "enum" in schema:
        return value in schema["enum"]
    if "object" in kinds:
        props = schema.get("properties", {})
        return (
            isinstance(value, dict)
            and set(value) == set(props)
            and all(fits(props[k], v) for k, v in value.items())
        )
    if "array" in kinds:
        return isinstance(value, list) and all(fits(schema["items"], v) for v in value)
    if "boolean" in kinds:
        return isinstance(value, bool)
    if "integer" in kinds:
        return isinstance(value, int) and not isinstance(value, bool)
    if "number" in kinds:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


@settings(max_examples=200, deadline=None)
@given(SCHEMAS, TEXTS)
def test_extract_output_always_fits_the_schema(schema: dict[str, Any], text: str) -> None:
    wrapped = {"type": "object", "properties": {"field": schema}}
    value = extract_value(wrapped, text)
    assert fits(wrapped, value), (wrapped, text, value)
    assert extract_value(wrapped, text) == value


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(NAMES, st.text(max_size=20)), min_size=1, max_size=5),
    st.text(max_size=60),
)
def test_classify_output_is_one_of_the_classifications(
    entries: list[tuple[str, str]], text: str
) -> None:
    classifications = [{"id": i, "type": t, "description": d} for i, (t, d) in enumerate(entries)]
    output = classify_output(classifications, text)
    assert output["id"] in range(len(entries))
    assert 0.5 <= output["confidence"] <= 0.99
    assert classify_output(classifications, text) == output


@given(st.integers(1, 40), st.integers(0, 6))
def test_split_ranges_cover_every_page_in_order(pages: int, count: int) -> None:
    classes = [{"id": str(i), "type": f"t{i}"} for i in range(count)]
    splits = split_output(classes, pages, "file_1")
    assert splits[0]["startPage"] == 1
    assert splits[-1]["endPage"] == pages
    for before, after in itertools.pairwise(splits):
        assert after["startPage"] == before["endPage"] + 1
        assert before["startPage"] <= before["endPage"]

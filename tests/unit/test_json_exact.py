"""``_json.loads``: orjson's speed, the standard library's exact integers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extend_async._errors import excerpt
from extend_async._json import loads

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)


@given(values)
def test_loads_returns_exactly_what_was_encoded(value: Any) -> None:
    decoded = loads(json.dumps(value).encode())
    assert decoded == value
    assert json.dumps(decoded) == json.dumps(value)  # ints stay ints, floats floats


@pytest.mark.parametrize("body", [b"NaN", b"[Infinity]", b"{", b"\xff"])
def test_loads_refuses_what_is_not_json(body: bytes) -> None:
    with pytest.raises(ValueError, match=r".+"):
        loads(body)
    with pytest.raises(ValueError, match=r".+"):
        loads(body + b" 12345678901234567890")  # the exact path refuses it too


@given(st.binary(max_size=3000))
def test_an_excerpt_depends_only_on_the_head_of_the_body(body: bytes) -> None:
    huge = body + b"<" * 100_000
    assert excerpt(huge).endswith("…")
    assert len(excerpt(huge)) <= 201
    assert excerpt(huge) == excerpt(huge[:1600] + b"<")


@given(
    pad=st.text(alphabet="ab", max_size=8),
    big=st.integers(min_value=2**64, max_value=10**40) | st.integers(-(10**40), -(2**63) - 1),
)
def test_a_long_integer_is_exact_wherever_it_falls_in_the_body(pad: str, big: int) -> None:
    # The quick look reads every 4th byte: the integer is put at every offset from it.
    body = json.dumps({"pad": pad, "createdAt": "2024-03-21T16:45:00.123Z", "n": big}).encode()
    assert loads(body)["n"] == big

"""The one terminal escape, and the small YAML emitter, over any text."""

from __future__ import annotations

import io
import json
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extend_async.cli._common import error_line, notice
from extend_async.cli._escape import printable
from extend_async.cli._yaml import _scalar, yaml_document

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)


def _unsafe(char: str) -> bool:
    category = unicodedata.category(char)
    return category in ("Cc", "Cs", "Zl", "Zp") or char in BIDI or char == "\ufeff"


@given(ANY_TEXT)
def test_printable_leaves_no_control_bidi_or_surrogate(text: str) -> None:
    shown = printable(text)
    assert not any(_unsafe(char) for char in shown)
    shown.encode("utf-8")  # never a lone surrogate: a terminal can always take it


@given(st.text(st.characters(exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp")), max_size=60))
def test_printable_keeps_ordinary_text(text: str) -> None:
    assert printable(text) == text


@given(ANY_TEXT)
def test_printable_escapes_are_readable_back(text: str) -> None:
    # Each unsafe character becomes exactly its \\xNN or \\uNNNN escape.
    shown = printable(text)
    expected = "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") if _unsafe(c) else c
        for c in text
    )
    assert shown == expected


def test_error_lines_and_notices_use_it() -> None:
    stream = io.StringIO()
    error_line("bad \x1b]52;c;aGk=\x07 answer\r\nnext", stream)
    notice("name \u202eexe.txt", stream)
    assert stream.getvalue() == (
        "extend-client: error: bad \\x1b]52;c;aGk=\\x07 answer next\nname \\u202eexe.txt\n"
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
)
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


@given(ANY_TEXT)
def test_a_yaml_string_is_plain_only_when_safe_else_json_quoted(text: str) -> None:
    scalar = _scalar(text)
    if scalar == text:
        assert _PLAIN.fullmatch(text)
        assert text.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "y", "n")
    else:
        assert scalar.startswith('"')
        assert json.loads(scalar) == text  # YAML's double-quoted style reads it the same
    assert not any(_unsafe(char) for char in scalar)


@given(JSON_VALUES)
def test_a_yaml_document_is_terminal_safe_and_line_shaped(value: object) -> None:
    document = yaml_document({"item": value})
    assert document.startswith("---\n")
    assert document.endswith("\n")
    assert not any(_unsafe(char) for char in document.replace("\n", ""))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"id": "clr_a", "n": 3, "ok": True, "x": None}, 'id: clr_a\n"n": 3\nok: true\nx: null\n'),
        ({"when": "2026-01-01", "word": "no"}, 'when: "2026-01-01"\nword: "no"\n'),
        ({"list": [1, {"a": "b"}], "empty": {}}, "list:\n- 1\n- a: b\nempty: {}\n"),
        ({"text": "a: b # c"}, 'text: "a: b # c"\n'),
    ],
)
def test_yaml_examples(value: object, expected: str) -> None:
    assert yaml_document(value) == "---\n" + expected

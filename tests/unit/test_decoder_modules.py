"""The decoder's shape: generated code shows its source, and no import cycle.

The strict decoder compiles one function per model; a traceback through one must show
the line that failed, as for any hand-written function. Strict and lenient decoding share
their type introspection through ``_introspect`` and ``_scalars``, and the lenient walk
imports nothing of ``_converter``.
"""

from __future__ import annotations

import ast
import linecache
import traceback
from pathlib import Path

import pytest
from attrs import frozen

from extend_async._converter import converter, structure_hook_for
from extend_async.types import ClassifyRun

PACKAGE = Path(__file__).resolve().parents[2] / "extend_async"


@frozen(kw_only=True)
class Box:
    name: str
    size: int = 0


def _failing_frame_lines(exc: BaseException) -> list[str]:
    return traceback.format_exception(type(exc), exc, exc.__traceback__)


def test_a_traceback_through_a_generated_structure_function_shows_its_source() -> None:
    hook = structure_hook_for(Box)
    with pytest.raises(TypeError) as caught:
        hook({"name": 42, "size": 1}, Box)
    text = "".join(_failing_frame_lines(caught.value))
    assert f"<extend_async generated structure {__name__}.Box>" in text
    assert "in structure_Box" in text
    # The source line of the generated function, as linecache serves it, is in the text.
    frame = traceback.extract_tb(caught.value.__traceback__)
    generated = [f for f in frame if f.name == "structure_Box"]
    assert generated
    assert generated[-1].line
    assert generated[-1].line in text
    assert "h0" in generated[-1].line  # the strict string check of ``name``


def test_the_generated_source_survives_linecache_checkcache() -> None:
    converter.get_structure_hook(ClassifyRun)  # the nested decoder
    structure_hook_for(ClassifyRun)  # a whole answer's, its fields left for first read
    model = "extend_async.types.classify_runs.ClassifyRun"
    linecache.checkcache()
    for suffix, first_line in (
        ("", "def structure_ClassifyRun(o, _=None):"),
        (
            " (an answer, fields on first read)",
            "def structure_on_first_read_ClassifyRun(o, _=None, body=None):",
        ),
        (" (fields at first read)", "def fill(self, o):"),
        (".config (first read)", "def decode_nested(x):"),
    ):
        lines = linecache.getlines(f"<extend_async generated structure {model}{suffix}>")
        assert lines
        assert lines[0].startswith(first_line)


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


@pytest.mark.parametrize("module", ["_lenient.py", "_introspect.py", "_scalars.py"])
def test_the_shared_decoder_modules_do_not_import_the_converter(module: str) -> None:
    assert "_converter" not in _imported_modules(PACKAGE / module)


def test_no_dead_timestamp_parsers_are_left() -> None:
    for module in ("_converter.py", "_scalars.py"):
        source = (PACKAGE / module).read_text(encoding="utf-8")
        assert "_parse_timestamp_direct" not in source
        assert "_parse_timestamp =" not in source

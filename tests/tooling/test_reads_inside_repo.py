"""Tests, benchmarks and scripts read only what the repository holds: a clone on its own
passes ``make test``. Two guards: a scan of their sources for paths that climb out of the
repository, and the session-wide audit hook of ``_outside_reads.py`` (checked here)."""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

import pytest

from ._outside_reads import RECORDER, REPO, OutsideReads

SCANNED = ["tests", "benchmarks", "scripts"]
# Written in two halves so that this file does not name them itself.
OUTSIDE_NAMES = re.compile("official" + "-schema|" + r"""['"/]shared['"/]""")
PARENTS_INDEX = re.compile(r"__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]")
PARENT_CHAIN = re.compile(r"__file__\)(?:\.resolve\(\))?((?:\.parent\b)+)")
ROOT_PARENT = re.compile(r"\b[A-Z_]*(?:ROOT|REPO)[A-Z_]*\.parent\b")
DOTS = re.compile(r"""['"]\.\.['"/]""")
PATH_CALLS = {"Path", "open", "join", "joinpath", "PurePath"}


def escapes(source: str, depth: int) -> list[str]:
    """What in ``source`` (a file ``depth`` folders below the repository root) reaches
    outside the repository: ``parents[N]`` or ``.parent`` chains past the root, a root's
    ``.parent``, a ``..`` path literal handed to a path call, a sibling folder's name."""
    found = []
    for match in PARENTS_INDEX.finditer(source):
        if int(match.group(1)) > depth:
            found.append(match.group(0))
    for match in PARENT_CHAIN.finditer(source):
        if match.group(1).count(".parent") > depth + 1:
            found.append(match.group(0))
    found += [m.group(0) for m in ROOT_PARENT.finditer(source)]
    found += [m.group(0) for m in OUTSIDE_NAMES.finditer(source)]
    if not DOTS.search(source):
        return found  # no ".." literal to look for: spare the parse
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        operands: list[ast.expr] = []
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in PATH_CALLS:
                operands = list(node.args)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            operands = [node.right]
        for operand in operands:
            if (
                isinstance(operand, ast.Constant)
                and isinstance(operand.value, str)
                and (operand.value == ".." or operand.value.startswith("../"))
            ):
                found.append(repr(operand.value))
    return found


def sources() -> list[Path]:
    files = [p for folder in SCANNED for p in sorted((REPO / folder).rglob("*.py"))]
    # This file holds the ways out as examples for the scan; they are never used as paths.
    files = [p for p in files if p != Path(__file__).resolve()]
    # The node scripts the tests run (tests/interop/ts), not the packages npm installs.
    scripts = sorted((REPO / "tests" / "interop" / "ts").glob("*.mjs"))
    return [*files, *scripts, REPO / "Makefile", REPO / "pyproject.toml"]


def test_no_source_reaches_outside_the_repository() -> None:
    problems = []
    for path in sources():
        relative = path.relative_to(REPO)
        depth = len(relative.parts) - 1
        source = path.read_text("utf-8")
        problems += [f"{relative}: {e}" for e in escapes(source, depth)]
        if path.suffix == ".mjs":  # no Python to parse: any ".." literal is suspect
            problems += [f"{relative}: {m.group(0)}" for m in DOTS.finditer(source)]
    assert [p for p in sources() if p.suffix == ".mjs"], "the node script is scanned"
    assert problems == []


@pytest.mark.parametrize(
    "source",
    [
        "ROOT = Path(__file__).resolve().parents[3]\n",
        "ROOT = Path(__file__).parent.parent.parent.parent\n",
        'SCHEMA = REPO_ROOT.parent / "data.json"\n',
        'open("../data.json")\n',
        'Path("x") / ".." / "y"\n',
        'os.path.join(HERE, "../notes.md")\n',
        'P = "../' + 'shared/x.json"\n',
    ],
)
def test_the_scan_sees_each_way_out(source: str) -> None:
    # A file two folders down (tests/tooling/x.py): parents[2] is the root, parents[3] is not.
    assert escapes(source, depth=2) != []


@pytest.mark.parametrize(
    "source",
    [
        "ROOT = Path(__file__).resolve().parents[2]\n",
        "ROOT = Path(__file__).parent.parent.parent\n",
        'ids = ["../admin", "clr_a/../b"]\n',  # ids a test expects to be refused, not paths
        'SCHEMA = ROOT / "api-schema" / "extend-api.json"\n',
    ],
)
def test_the_scan_lets_reads_inside_the_repository_pass(source: str) -> None:
    assert escapes(source, depth=2) == []


def test_the_session_records_a_read_beside_the_repository() -> None:
    sibling = str(REPO.parent / "elsewhere" / "schema.json")
    assert RECORDER.active
    if (sibling + os.sep).startswith(RECORDER.allowed):
        pytest.skip("a clone in the temporary folder: its siblings are temporary files")
    try:
        sys.audit("open", sibling, "r", 0)
        assert RECORDER.found.get(sibling) == (
            "tests/tooling/test_reads_inside_repo.py::"
            "test_the_session_records_a_read_beside_the_repository"
        )
    finally:
        RECORDER.found.pop(sibling, None)  # recorded on purpose: not a failure of the session


def test_the_recorder_keeps_only_paths_beside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    recorder = OutsideReads(repo, allowed=(str(tmp_path / "allowed") + os.sep,))
    recorder.active = True
    monkeypatch.chdir(repo / "tests")
    for inside in [repo / "a.json", "b.json", b"c.json", repo / "x" / ".." / "d.json", 3, None]:
        recorder.hook("open", (inside, "r", 0))
    recorder.hook("open", (tmp_path / "allowed" / "e.json", "r", 0))
    recorder.hook("open", (tmp_path, "r", 0))  # the parent itself: an unnamed temporary file
    recorder.hook("import", (str(tmp_path / "other"),))  # not a read
    assert recorder.found == {}

    recorder.where = "t::one"
    recorder.hook("open", (tmp_path / "shared" / "schema.json", "r", 0))
    recorder.hook("open", ("../../other/notes.md", "r", 0))
    recorder.hook("os.listdir", (os.fsencode(tmp_path / "third"),))
    recorder.hook("open", (repo / ".." / "fourth.txt", "rb", 0))
    assert recorder.found == {
        str(tmp_path / "shared" / "schema.json"): "t::one",
        str(tmp_path / "other" / "notes.md"): "t::one",
        str(tmp_path / "third"): "t::one",
        str(tmp_path / "fourth.txt"): "t::one",
    }
    assert recorder.report()[0].endswith("(read by t::one)")

    recorder.active = False
    recorder.hook("open", (tmp_path / "fifth", "r", 0))
    assert str(tmp_path / "fifth") not in recorder.found

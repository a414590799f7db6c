"""Every example in README.md runs exactly as printed, against a fresh emulator.

What runs:

* each ```python block, as a script in a fresh interpreter, with ``EXTEND_API_KEY`` and
  ``EXTEND_BASE_URL`` pointing at a fresh emulator (as the README tells users to set them);
* each ```sh block made of ``extend-client ...`` lines, with bash, the installed
  ``extend-client`` on ``PATH``, in an empty directory, against a fresh emulator;
* a block marked ``<!-- readme-test: pytest -->``: a pytest module, written to an empty
  directory and run by pytest in a subprocess with pytest-asyncio in strict mode, its
  default, so that it works as pasted into a project that never set ``asyncio_mode``.

The marker, an HTML comment on the line before the fence, says what else to do:

* ``<!-- readme-test: skip (reason) -->`` (or ``<!-- not-run: reason -->``): not run (it
  serves until stopped, builds the project, needs a real secret...); reported as a skip
  with its reason;
* ``<!-- readme-test: extra NAME -->``: it needs ``pip install 'extend-client[NAME]'``;
  run when that extra's requirements are installed, skipped otherwise. A python block that
  imports anything beyond the standard library and the runtime dependencies must have one.

A shell block that is not all ``extend-client`` lines must be marked: nothing else is run.
A failure names the block's line in README.md and its first line.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest
from packaging.requirements import Requirement

from extend_async.testing import ExtendEmulator

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

PYTHON_LANGS = frozenset({"python", "py"})
SHELL_LANGS = frozenset({"sh", "bash", "shell", "console"})
FENCE = re.compile(r"^```(?P<lang>[\w+-]*)\s*$")
MARKER = re.compile(
    r"^<!--\s*(?:readme-test:\s*(?P<kind>\w+)(?P<arg>[^>]*?)|not-run:(?P<reason>[^>]*?))\s*-->$"
)
# What `pip install extend-client` brings, plus the standard library: a block may import it.
RUNTIME_IMPORTS = frozenset({"extend_async", "extend_sync", "aiohttp", "attrs", "cattrs", "anyio",
                             "orjson"})  # fmt: skip
# Seconds a block may take (a CLI block starts a dozen interpreters on a busy machine).
BLOCK_TIMEOUT = 120
CLI = "extend-client"


@attrs.frozen
class Block:
    line: int  # of the opening fence, 1-based
    lang: str
    code: str
    kind: str | None = None  # skip, pytest, extra
    arg: str = ""

    @property
    def where(self) -> str:
        first = next((s.strip() for s in self.code.splitlines() if s.strip()), "")
        return f"README.md:{self.line} ({first[:60]})"


def parse(text: str) -> tuple[list[Block], list[str]]:
    """The fenced blocks, and the problems found (a stray or unknown marker)."""
    blocks: list[Block] = []
    problems: list[str] = []
    lines = text.splitlines()
    marker: tuple[int, str, str] | None = None
    at = 0
    while at < len(lines):
        line = lines[at]
        fence = FENCE.match(line)
        found = MARKER.match(line.strip())
        if found:
            if marker is not None:
                problems.append(f"README.md:{marker[0]}: marker not followed by a code block")
            kind = "skip" if found.group("reason") is not None else found.group("kind")
            arg = (found.group("reason") or found.group("arg") or "").strip().strip("()").strip()
            marker = (at + 1, kind, arg)
        elif fence and fence.group("lang"):
            end = at + 1
            while end < len(lines) and lines[end].rstrip() != "```":
                end += 1
            code = "\n".join(lines[at + 1 : end]) + "\n"
            kind, arg = (marker[1], marker[2]) if marker is not None else (None, "")
            blocks.append(Block(at + 1, fence.group("lang"), code, kind, arg))
            marker = None
            at = end
        elif line.strip() and marker is not None:
            problems.append(f"README.md:{marker[0]}: marker not followed by a code block")
            marker = None
        at += 1
    for block in blocks:
        if block.kind not in (None, "skip", "pytest", "extra"):
            problems.append(f"{block.where}: unknown marker readme-test: {block.kind}")
        elif block.kind == "skip" and not block.arg:
            problems.append(f"{block.where}: a skip marker must give its reason")
        elif block.kind == "pytest" and block.lang not in PYTHON_LANGS:
            problems.append(f"{block.where}: only a python block can be a pytest module")
    return blocks, problems


TEXT = README.read_text(encoding="utf-8")
BLOCKS, PROBLEMS = parse(TEXT)
RUNNABLE = [b for b in BLOCKS if b.lang in PYTHON_LANGS | SHELL_LANGS]


def extra_requirements(name: str) -> list[Requirement]:
    """What ``extend-client[name]`` adds, from the installed package's metadata."""
    found = []
    for spec in importlib.metadata.requires("extend-client") or []:
        requirement = Requirement(spec)
        marker = requirement.marker
        # Only with this extra: true for it, false without any.
        only_here = marker is not None and marker.evaluate({"extra": name})
        if only_here and marker is not None and not marker.evaluate({"extra": ""}):
            found.append(requirement)
    return found


def missing_from(extra: str) -> list[str]:
    missing = []
    for requirement in extra_requirements(extra):
        try:
            importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(requirement.name)
    return missing


def third_party_imports(code: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in RUNTIME_IMPORTS}


def is_cli_block(code: str) -> bool:
    commands = [s for s in code.splitlines() if s.strip() and not s.lstrip().startswith("#")]
    # A line ending in a backslash continues on the next one.
    starts = [c for i, c in enumerate(commands) if i == 0 or not commands[i - 1].endswith("\\")]
    return bool(starts) and all(c.startswith(f"{CLI} ") for c in starts)


def param(block: Block) -> Any:
    marks = []
    if block.kind == "skip":
        marks.append(pytest.mark.skip(reason=f"README.md:{block.line} marked: {block.arg}"))
    elif block.kind == "extra" and block.arg in optional_extras() and missing_from(block.arg):
        reason = f"README.md:{block.line} needs extend-client[{block.arg}], not installed"
        marks.append(pytest.mark.skip(reason=reason))
    return pytest.param(block, id=f"README.md:{block.line}", marks=marks)


def optional_extras() -> set[str]:
    return set(importlib.metadata.metadata("extend-client").get_all("Provides-Extra") or [])


@contextmanager
def emulator_env() -> Iterator[dict[str, str]]:
    """A fresh emulator with runs in it, and the environment the README tells users to set."""
    with ExtendEmulator(seed=7).run_in_thread() as emu:
        emu.seed_runs(30, status="PROCESSING")
        emu.seed_runs(10, status="PROCESSED")
        env = {**os.environ, "EXTEND_API_KEY": emu.api_key, "EXTEND_BASE_URL": emu.base_url}
        env.pop("EXTEND_WORKSPACE_ID", None)
        bin_dir = str(Path(sys.executable).parent)  # the venv's, with extend-client in it
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
        yield env
        crashes = emu.unexpected_errors
    assert crashes == [], f"the emulator crashed: {crashes[0]}"


def run(command: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT,
        check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def failure(block: Block, done: subprocess.CompletedProcess[str]) -> str:
    return (
        f"{block.where} failed (exit status {done.returncode}):\n"
        f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
    )


def test_the_readme_markers_are_well_formed() -> None:
    assert PROBLEMS == []


def test_the_readme_has_runnable_examples() -> None:
    ran = [b for b in RUNNABLE if b.kind != "skip"]
    assert len([b for b in ran if b.lang in PYTHON_LANGS]) >= 8
    assert [b for b in ran if b.lang in SHELL_LANGS]  # the CLI lines too
    assert [b for b in ran if b.kind == "pytest"]  # and the pytest module


def test_every_extra_a_block_needs_is_declared_and_named_where_users_look() -> None:
    for block in RUNNABLE:
        if block.kind == "extra":
            assert block.arg in optional_extras(), f"{block.where}: no extra {block.arg!r}"
            assert f"extend-client[{block.arg}]" in TEXT, "the README never says how to get it"


@pytest.mark.parametrize("block", [b for b in RUNNABLE if b.lang in PYTHON_LANGS],
                         ids=lambda b: f"README.md:{b.line}")  # fmt: skip
def test_a_python_block_imports_only_what_the_install_it_names_brings(block: Block) -> None:
    allowed = {"pytest"} if block.kind == "pytest" else set()
    extra = third_party_imports(block.code) - allowed
    if extra and block.kind != "extra":
        pytest.fail(
            f"{block.where} imports {sorted(extra)}, which `pip install extend-client` does "
            "not bring: add <!-- readme-test: extra NAME --> and the extra to pyproject.toml"
        )


def test_the_readme_says_how_to_reach_the_cli_before_using_it() -> None:
    first_bare = min(
        TEXT.index(b.code) for b in BLOCKS if b.lang in SHELL_LANGS and CLI in b.code
        and any(s.startswith(f"{CLI} ") for s in b.code.splitlines())
    )  # fmt: skip
    assert "source .venv/bin/activate" in TEXT[:first_bare]


@pytest.mark.parametrize("block", [param(b) for b in RUNNABLE])
def test_readme_example_runs(block: Block, tmp_path: Path) -> None:
    if block.kind == "pytest":
        run_pytest_module(block, tmp_path)
    elif block.lang in PYTHON_LANGS:
        run_python(block, tmp_path)
    else:
        run_shell(block, tmp_path)


def run_python(block: Block, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(block.code, encoding="utf-8")
    with emulator_env() as env:
        done = run([sys.executable, str(script)], cwd=tmp_path, env=env)
    assert done.returncode == 0, failure(block, done)
    assert "Traceback" not in done.stderr, failure(block, done)
    assert done.stdout.strip(), f"{block.where} printed nothing"


def run_shell(block: Block, tmp_path: Path) -> None:
    if not is_cli_block(block.code):
        pytest.fail(
            f"{block.where} is a shell block with commands other than `{CLI} ...`: mark it "
            "<!-- readme-test: skip (reason) --> or keep to the CLI"
        )
    script = tmp_path / "example.sh"
    script.write_text("set -euo pipefail\n" + block.code, encoding="utf-8")
    with emulator_env() as env:
        done = run(["bash", str(script)], cwd=tmp_path, env=env)
    assert done.returncode == 0, failure(block, done)
    assert "Traceback" not in done.stderr, failure(block, done)


def run_pytest_module(block: Block, tmp_path: Path) -> None:
    (tmp_path / "test_from_readme.py").write_text(block.code, encoding="utf-8")
    # A project of its own: none of this repository's pytest settings apply.
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("EXTEND_API_KEY", None)
    env.pop("EXTEND_BASE_URL", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-o", "asyncio_mode=strict", "test_from_readme.py"]  # fmt: skip
    done = run(command, cwd=tmp_path, env=env)
    assert done.returncode == 0, failure(block, done)
    assert "not natively supported" not in done.stdout + done.stderr, failure(block, done)
    assert re.search(r"\b\d+ passed\b", done.stdout), failure(block, done)
    assert not re.search(r"\b\d+ (skipped|failed|errors?)\b", done.stdout), failure(block, done)

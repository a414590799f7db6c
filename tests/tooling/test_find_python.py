"""``scripts/find_python.sh``: the matrix gets a working interpreter or a clear failure.

A pyenv shim for a version that is not selected exists on PATH but fails when run, so the
script runs every candidate before trusting it; a version it cannot find must fail the
matrix target instead of passing it silently.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "find_python.sh"


def fake_interpreter(root: Path, version: str, minor: str, *, works: bool) -> Path:
    """``root/versions/<version>/bin/python<minor>``, a script that succeeds or fails."""
    binary = root / "versions" / version / "bin" / f"python{minor}"
    binary.parent.mkdir(parents=True)
    binary.write_text(f"#!/bin/sh\nexit {0 if works else 1}\n")
    binary.chmod(0o755)
    return binary


def find(minor: str, pyenv_root: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYENV_ROOT": str(pyenv_root), "PATH": path}
    return subprocess.run(
        ["bash", str(SCRIPT), minor],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_newest_working_patch_release_is_chosen(tmp_path: Path) -> None:
    fake_interpreter(tmp_path, "3.98.2", "3.98", works=True)
    newest = fake_interpreter(tmp_path, "3.98.10", "3.98", works=True)
    fake_interpreter(tmp_path, "3.9.1", "3.9", works=True)  # a prefix, not a match

    found = find("3.98", tmp_path, os.environ["PATH"])

    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(newest)


def test_an_interpreter_that_fails_to_run_is_passed_over(tmp_path: Path) -> None:
    working = fake_interpreter(tmp_path, "3.98.2", "3.98", works=True)
    fake_interpreter(tmp_path, "3.98.10", "3.98", works=False)

    found = find("3.98", tmp_path, os.environ["PATH"])

    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(working)


def test_a_broken_shim_on_path_alone_is_a_clear_failure(tmp_path: Path) -> None:
    shim = fake_interpreter(tmp_path / "shims", "x", "3.98", works=False)

    found = find("3.98", tmp_path / "pyenv", f"{shim.parent}:{os.environ['PATH']}")

    assert found.returncode == 1
    assert found.stdout == ""
    assert "no working Python 3.98 interpreter" in found.stderr

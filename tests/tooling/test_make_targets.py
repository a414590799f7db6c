"""``make demo`` installs only the runtime package; ``make test`` adds the dev and CI extras
on top; both make the venv first, from a bare clone (checked with ``make -n``, which runs
nothing)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def planned(target: str, venv: Path) -> list[str]:
    """The commands ``make TARGET`` would run with no venv at ``venv`` yet."""
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "-C", str(ROOT), target, f"VENV={venv}"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return done.stdout.splitlines()


def test_make_demo_installs_the_runtime_package_only(tmp_path: Path) -> None:
    commands = planned("demo", tmp_path / "venv")
    assert any(" -m venv " in c for c in commands)
    installs = [c for c in commands if "pip install" in c and "--upgrade pip" not in c]
    assert installs == [f"{tmp_path / 'venv'}/bin/python -m pip install --quiet -e ."], commands
    assert commands[-1].endswith("extend-client demo")


def test_make_test_adds_the_dev_and_ci_extras(tmp_path: Path) -> None:
    commands = planned("test", tmp_path / "venv")
    assert any(" -m venv " in c for c in commands)
    installs = [c for c in commands if "pip install" in c and "--upgrade pip" not in c]
    assert installs[0].endswith("pip install --quiet -e .")
    assert installs[1].endswith("pip install --quiet -e '.[dev,ci]'")

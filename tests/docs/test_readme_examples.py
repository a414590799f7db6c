"""Every Python example in README.md runs as written against a fresh emulator.

A block preceded by ``<!-- readme-test: skip (reason) -->`` is a fragment that cannot run
on its own (a pytest module, a server that serves until stopped); every other block must
exit 0 with the SDK pointed at the emulator through the environment, as the README says.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from extend_async.testing import ExtendEmulator

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK = re.compile(
    r"(?P<marker><!-- readme-test: skip[^>]*-->\n)?```python\n(?P<code>.*?)```", re.S
)


def _examples() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    found = []
    for match in _BLOCK.finditer(text):
        if match.group("marker"):
            continue
        line = text.count("\n", 0, match.start()) + 1
        found.append((f"README.md:{line}", match.group("code")))
    return found


EXAMPLES = _examples()


def test_the_readme_has_runnable_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize(("where", "code"), EXAMPLES, ids=[where for where, _ in EXAMPLES])
def test_readme_example_runs(where: str, code: str, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    with ExtendEmulator(seed=7).run_in_thread() as emu:
        emu.seed_runs(30, status="PROCESSING")
        emu.seed_runs(10, status="PROCESSED")
        env = {
            **os.environ,
            "EXTEND_API_KEY": emu.api_key,
            "EXTEND_BASE_URL": emu.base_url,
        }
        env.pop("EXTEND_WORKSPACE_ID", None)
        done = subprocess.run(
            [sys.executable, str(script)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    assert done.stdout.strip(), f"{where} printed nothing"

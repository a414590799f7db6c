"""The CLI as users run it: a subprocess, against an emulator serving from a thread."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence

import pytest

from extend_async.testing import ExtendEmulator


@pytest.fixture
def emu() -> Iterator[ExtendEmulator]:
    with ExtendEmulator(seed=3).run_in_thread() as emulator:
        yield emulator
        assert emulator.unexpected_errors == []


def cli_env(emu: ExtendEmulator | None, *, with_key: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTEND_")}
    if emu is not None:
        env["EXTEND_BASE_URL"] = emu.base_url
        if with_key:
            env["EXTEND_API_KEY"] = emu.api_key
    return env


def run_cli(
    args: Sequence[str],
    emu: ExtendEmulator | None,
    *,
    stdin: str | None = None,
    with_key: bool = True,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "extend_async.cli", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=cli_env(emu, with_key=with_key),
        timeout=60,
        check=False,
    )

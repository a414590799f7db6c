"""aiohttp, not imported with the client (``tests/unit/test_lazy_imports.py``), is imported
by the first request, which works: a fresh interpreter against the emulator on loopback."""

from __future__ import annotations

import json
import subprocess
import sys

from extend_async.testing import ExtendEmulator


def _http_libs_after(code: str) -> set[str]:
    """The HTTP libraries a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(done.stdout.splitlines()[-1])
    return {name for name in loaded if name.split(".")[0] in ("aiohttp", "yarl", "multidict")}


def test_the_first_request_loads_aiohttp_and_works() -> None:
    with ExtendEmulator(seed=1).run_in_thread() as emu:
        code = (
            "import asyncio\n"
            "from extend_async import AsyncExtend\n"
            "async def main():\n"
            f"    async with AsyncExtend({emu.api_key!r}, base_url={emu.base_url!r}) as c:\n"
            "        page = await c.classify_runs.list()\n"
            "        assert isinstance(page.data, tuple | list)\n"
            "asyncio.run(main())"
        )
        loaded = _http_libs_after(code)
    assert {"aiohttp", "yarl", "multidict"} <= loaded


def test_the_sync_client_loads_aiohttp_on_its_first_request() -> None:
    with ExtendEmulator(seed=1).run_in_thread() as emu:
        code = (
            "from extend_sync import Extend\n"
            f"with Extend({emu.api_key!r}, base_url={emu.base_url!r}) as client:\n"
            "    client.classify_runs.list()\n"
        )
        loaded = _http_libs_after(code)
    assert "aiohttp" in loaded

"""Importing the client costs no aiohttp: it (with yarl and multidict) is imported on the
first request, not with the package (``extend_async/_http_libs.py``); nor the bulk engine."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from extend_async.testing import ExtendEmulator

HTTP_LIBS = ("aiohttp", "yarl", "multidict")


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def _http_libs_after(code: str) -> set[str]:
    """The HTTP libraries a fresh interpreter holds after running ``code``."""
    return {name for name in _modules_after(code) if name.split(".")[0] in HTTP_LIBS}


@pytest.mark.parametrize(
    "code",
    [
        "from extend_async import AsyncExtend",
        "import extend_async",
        "from extend_sync import Extend",
        "import extend_async, extend_async.webhooks, extend_async.types, extend_sync",
    ],
)
def test_importing_the_client_loads_no_http_library(code: str) -> None:
    assert _http_libs_after(code) == set()


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


def test_the_late_import_is_the_module_itself() -> None:
    import aiohttp
    import multidict
    import yarl

    from extend_async import _http_libs

    assert (_http_libs.aiohttp, _http_libs.yarl, _http_libs.multidict) == (aiohttp, yarl, multidict)
    with pytest.raises(AttributeError, match="requests"):
        _http_libs.requests  # noqa: B018


def test_the_bulk_engine_is_loaded_on_first_use_only() -> None:
    loaded = _modules_after("import extend_async, extend_sync")
    assert "extend_async.bulk.outcomes" in loaded  # the result types are re-exported
    assert "extend_async.bulk.operations" not in loaded
    code = "from extend_async.bulk import DEFAULT_BULK_RETRIES, DEFAULT_CONCURRENCY"
    assert "extend_async.bulk.operations" in _modules_after(code)


def test_the_bulk_defaults_are_the_engines() -> None:
    from extend_async import bulk
    from extend_async.bulk import operations

    assert bulk.DEFAULT_CONCURRENCY == operations.DEFAULT_CONCURRENCY
    assert bulk.DEFAULT_BULK_RETRIES == operations.DEFAULT_BULK_RETRIES
    with pytest.raises(AttributeError, match="no_such_name"):
        bulk.no_such_name  # noqa: B018

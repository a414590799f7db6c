"""Importing the client costs no aiohttp: it (with yarl and multidict) is imported on the
first request (``tests/integration/test_aiohttp_on_first_request.py``), not with the
package (``extend_async/_http_libs.py``); nor is the bulk engine."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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


def test_a_lazy_name_that_checks_an_optional_dependency_loads_in_a_fresh_interpreter() -> None:
    # ``importlib.util`` is imported by the module that uses it, not left to aiohttp.
    pytest.importorskip("redis")
    code = "from extend_async.ratelimit import RedisRateLimiter"
    assert "extend_async.ratelimit._redis" in _modules_after(code)

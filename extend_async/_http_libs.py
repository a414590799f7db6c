"""aiohttp (with yarl and multidict), imported on first use rather than with the SDK.

aiohttp is over half of what ``import extend_async`` would cost, and nothing needs it
before the first request makes a session (or the user's own code, which imports it
itself). Modules therefore refer to it as ``_http_libs.aiohttp.X`` (``yarl``,
``multidict`` likewise) at run time, and import its names for annotations only under
``TYPE_CHECKING``. The first attribute read imports the library and caches it in this
module, so later reads are a plain attribute lookup; type checkers see the real modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiohttp as aiohttp
    import multidict as multidict
    import yarl as yarl

_LATE = frozenset({"aiohttp", "multidict", "yarl"})


def __getattr__(name: str) -> Any:
    if name not in _LATE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(name)
    globals()[name] = module  # cached: the next read does not come here
    return module

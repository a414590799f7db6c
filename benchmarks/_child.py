"""``python -m benchmarks._child module:function '{"kwarg": ...}'``: one measurement.

Imports ``benchmarks.<module>``, calls the function (awaiting it when it is a coroutine
function) and prints its result as one JSON line, the last line of stdout.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import sys


def main(argv: list[str]) -> int:
    target, raw_kwargs = argv
    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(f"benchmarks.{module_name}"), function_name)
    kwargs = json.loads(raw_kwargs)
    if inspect.iscoroutinefunction(function):
        result = asyncio.run(function(**kwargs))
    else:
        result = function(**kwargs)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

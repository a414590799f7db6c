"""Asking a benchmark server for fresh runs to cancel."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import orjson

from ._servers import ServerInfo

__all__ = ["seed_ids"]

_DIR = Path(tempfile.mkdtemp(prefix="extend-bench-"))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)
_count = 0


def seed_ids(server: ServerInfo, n: int, kinds: Sequence[str] = ()) -> str:
    """Seed ``n`` cancellable runs (classify, or of ``kinds`` in turn); returns the file
    holding their ids, one a line."""
    global _count
    _count += 1
    path = _DIR / f"ids-{_count}.txt"
    fields: dict[str, object] = {"n": n, "path": str(path)}
    if kinds:
        fields["kinds"] = ",".join(kinds)
    query = urllib.parse.urlencode(fields)
    request = urllib.request.Request(f"{server.control_url}/seed?{query}", method="POST")
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = orjson.loads(response.read())
    if answer["n"] != n:
        raise RuntimeError(f"asked for {n} runs, got {answer['n']}")
    return str(path)

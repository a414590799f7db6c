"""The per-call options are declared once, ``RequestOptions``, and resolved once per call.

Adding an option touches its declaration, its resolution and this test: the first test
lists the options, and the second fails when a per-call option is declared anywhere
else (a parameter of a resource method, of the request layer, of bulk or polling).
"""

from __future__ import annotations

import ast
import typing
from pathlib import Path
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses

from extend_async import AsyncExtend, InvalidInputError, RequestOptions, Timeout
from extend_async._options import as_timeout
from extend_async._request_options import (
    NO_OPTIONS,
    CallOptions,
    UnexpectedOptionError,
    resolve_options,
)
from extend_sync import Extend

from ._helpers import RUN_ID, seed_run, url

PACKAGE = Path(__file__).resolve().parents[2] / "extend_async"
OPTIONS = ("timeout", "max_retries", "extra_headers", "extra_query", "extra_body")
# Client settings of the same names (a client's default timeout and retries), the built
# Request, and bulk's own default of retries (resolved from the call's options).
ALLOWED = {
    "_client.py": {"__init__", "with_options"},
    "_options.py": {"ClientOptions", "resolve_options"},
    "_transport.py": {"Request"},
    "bulk/operations.py": {"BulkOptions", "bulk_options"},
    "_request_options.py": {"RequestOptions", "CallOptions"},
    # The Redis limiter's own connection timeout: not an API call's.
    "ratelimit/_redis.py": {"__init__"},
}


def test_the_options_are_these_and_resolve_to_a_frozen_value() -> None:
    assert tuple(RequestOptions.__annotations__) == OPTIONS
    assert tuple(a.name for a in attrs.fields(CallOptions)) == OPTIONS
    assert RequestOptions.__total__ is False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        NO_OPTIONS.timeout = Timeout(total=1)  # type: ignore[misc]


def _declarations(path: Path) -> list[tuple[str, str]]:
    """(function or class, option) for each per-call option a definition declares."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
            found += [(node.name, option) for option in OPTIONS if option in names]
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if not isinstance(item, ast.AnnAssign):
                    continue
                target = item.target
                if isinstance(target, ast.Name) and target.id in OPTIONS:
                    found.append((node.name, target.id))
    return found


def test_no_other_place_declares_a_per_call_option() -> None:
    offenders: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        if where.startswith(("cli/", "testing/")):
            continue  # the command line's flags and the emulator: not the SDK's calls
        allowed = ALLOWED.get(where, set())
        found = [d for d in _declarations(path) if d[0] not in allowed]
        if found:
            offenders[where] = found
    assert offenders == {}


def test_the_check_sees_a_second_declaration() -> None:
    source = "async def get(self, id, *, timeout=None, **options): ...\n"
    tree_path = PACKAGE / "_request_options.py"
    assert _declarations(tree_path)  # the declaration itself is seen
    tmp = ast.parse(source)
    assert isinstance(tmp.body[0], ast.AsyncFunctionDef)
    assert {a.arg for a in tmp.body[0].args.kwonlyargs} & set(OPTIONS) == {"timeout"}


def test_resolution_checks_each_option_once() -> None:
    resolved = resolve_options({"timeout": 2, "max_retries": 1, "extra_query": {"a": 1}})
    assert resolved == CallOptions(timeout=as_timeout(2), max_retries=1, extra_query={"a": 1})
    assert resolve_options(resolved) is resolved
    assert resolve_options({}) is NO_OPTIONS
    with pytest.raises(InvalidInputError):
        resolve_options({"max_retries": -1})
    with pytest.raises(InvalidInputError):
        resolve_options({"extra_headers": {"Bad Name": "x"}})
    with pytest.raises(UnexpectedOptionError, match="tiemout"):
        resolve_options({"tiemout": 1})


async def test_an_unknown_keyword_is_still_a_type_error(client: AsyncExtend) -> None:
    with pytest.raises(TypeError, match="tiemout"):
        await client.classify_runs.get(RUN_ID, tiemout=1)  # type: ignore[call-arg]


async def test_the_options_reach_the_request(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(url(f"/classify_runs/{RUN_ID}", x="1"), payload=seed_run())
    options: RequestOptions = {"extra_headers": {"X-Trace": "t"}, "extra_query": {"x": 1}}
    run = await client.classify_runs.get(RUN_ID, **options)
    assert run.id == RUN_ID
    ((_, sent),) = list((mock_api.requests or {}).items())
    assert sent[0].kwargs["headers"]["X-Trace"] == "t"


def test_the_sync_facade_takes_the_same_options() -> None:
    client = Extend("sk_test", base_url="https://api.extend.test")
    try:
        hints: dict[str, Any] = typing.get_type_hints(
            type(client.classify_runs).cancel, include_extras=True
        )
        assert typing.get_args(hints["options"]) == (RequestOptions,)
    finally:
        client.close()

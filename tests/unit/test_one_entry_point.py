"""Every request of the SDK leaves through ``Requester.send`` (``_transport.py``).

Nothing else in ``extend_async`` calls aiohttp's request methods: no resource, no
download, no webhook fetch builds a session call of its own (each would need its own
exception mapping, retry loop and hooks). The emulator (``extend_async/testing``) is the
API's side, not the SDK's: its webhook deliveries are the server calling out.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "extend_async"
THE_ONE_MODULE = PACKAGE / "_transport.py"
HTTP_METHODS = {
    "request",
    "_request",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "ws_connect",
}


def _sdk_modules() -> list[Path]:
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if p != THE_ONE_MODULE and "testing" not in p.relative_to(PACKAGE).parts
    ]


def http_calls(source: str) -> list[str]:
    """The aiohttp request calls in ``source``: a verb called on something named like a
    session, ``aiohttp.request(...)``, or a session made outside the one module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        # ``(a if c else b)(...)`` calls either branch.
        called = (
            [node.func.body, node.func.orelse] if isinstance(node.func, ast.IfExp) else [node.func]
        )
        for func in called:
            if not isinstance(func, ast.Attribute):
                continue
            receiver = ast.unparse(func.value)
            name = func.attr
            on_a_session = "session" in receiver.lower() and not receiver.endswith("sessions")
            if (name in HTTP_METHODS and on_a_session) or (
                receiver == "aiohttp" and name in {"request", "ClientSession"}
            ):
                found.append(f"line {node.lineno}: {ast.unparse(func)}(...)")
    return found


def test_nothing_outside_the_transport_calls_aiohttp_request_methods() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): calls
        for path in _sdk_modules()
        if (calls := http_calls(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_check_finds_the_calls_it_looks_for() -> None:
    source = "\n".join(
        [
            "async def f(session, requester, http_session):",
            "    async with session.get(url) as r: ...",
            "    await requester.sessions.get().post(url)",
            "    await http_session.request('GET', url)",
            "    await aiohttp.request('GET', url)",
            "    aiohttp.ClientSession()",
            "    await client.files.get(id)",  # a resource call: not aiohttp's
            "    requester.sessions.get()",  # taking the session is not sending
            "    await (session._request if direct else session.request)('GET', url)",
        ]
    )
    assert len(http_calls(source)) == 7


def test_the_transport_module_is_where_the_one_call_is() -> None:
    calls = http_calls(THE_ONE_MODULE.read_text(encoding="utf-8"))
    assert [call.partition(": ")[2] for call in calls] == [
        "session._request(...)",
        "session.request(...)",
    ]

"""A proxy's password (the userinfo of ``HTTP_PROXY``) never shows in what a failure leaves.

aiohttp names the connection in some of its messages, and a connection's key holds the
proxy URL with its password. The proxy here is a real loopback server that takes the
request and never answers; the upload body then fails in each way a caller's body can.
"""

from __future__ import annotations

import asyncio
import io
import logging
import traceback
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extend_async import (
    APIConnectionError,
    AsyncExtend,
    ExtendError,
    InvalidInputError,
    ResponseEvent,
)
from extend_async._errors import error_chain, redact_secrets

SECRET = "pr0xyS3cret"
USER = "proxyuser"


class SilentProxy:
    """Accepts connections, reads what comes, never answers."""

    def __init__(self) -> None:
        self.port = 0
        self.connections = 0
        self.heads: list[bytes] = []
        self.tasks: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        self.connections += 1
        try:
            self.heads.append(await reader.readuntil(b"\r\n\r\n"))
            await reader.read()  # until the client gives up and closes
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self.tasks.discard(task)


@pytest.fixture
async def proxy(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SilentProxy]:
    state = SilentProxy()
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://{USER}:{SECRET}@127.0.0.1:{state.port}")
    try:
        yield state
    finally:
        server.close()
        for task in list(state.tasks):
            task.cancel()
        await asyncio.gather(*state.tasks, return_exceptions=True)
        await server.wait_closed()


def closed_file() -> Any:
    file = io.BytesIO(b"%PDF")
    file.close()
    return file


async def raising_stream() -> AsyncIterator[bytes]:
    yield b"%PDF"
    raise RuntimeError("the caller's stream broke")


async def wrong_chunks() -> AsyncIterator[Any]:
    yield b"%PDF"
    yield 42


def everything_shown(error: BaseException) -> str:
    """What a log, a traceback or an error tracker could show of ``error``."""
    texts = ["".join(traceback.format_exception(type(error), error, error.__traceback__))]
    for linked in error_chain(error):
        texts += [str(linked), repr(linked), repr(getattr(linked, "__dict__", {}))]
    return "\n".join(texts)


@pytest.mark.parametrize(
    ("make_body", "expected"),
    [
        (closed_file, APIConnectionError),
        (raising_stream, APIConnectionError),
        (wrong_chunks, InvalidInputError),
    ],
    ids=["closed-file", "raising-stream", "wrong-chunk-type"],
)
async def test_a_failing_upload_body_never_shows_the_proxy_password(
    proxy: SilentProxy,
    caplog: pytest.LogCaptureFixture,
    make_body: Any,
    expected: type[ExtendError],
) -> None:
    events: list[ResponseEvent] = []
    caplog.set_level(logging.DEBUG)
    # The API host is never reached: the proxy takes the request.
    async with AsyncExtend(
        "sk_x", base_url="http://127.0.0.1:9", on_response=events.append, max_retries=0
    ) as api:
        with pytest.raises(ExtendError) as caught:
            await asyncio.wait_for(api.files.upload(make_body()), 10)
    error = caught.value
    assert isinstance(error, expected)
    assert proxy.connections, "the request went to the proxy"
    # Whether the head left before the body failed depends on aiohttp's buffering (and the
    # Python version): where it did, it carried the credentials.
    assert all(b"proxy-authorization" in head.lower() for head in proxy.heads)
    assert SECRET not in everything_shown(error)
    assert events
    assert all(SECRET not in repr(event) for event in events)
    assert events[-1].error is not None
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        if record.exc_info:
            assert SECRET not in "".join(traceback.format_exception(*record.exc_info))


# Characters RFC 3986 allows in userinfo, plus "@" (a password written unescaped).
USERINFO = st.text(alphabet="abcXYZ019-._~!$&'()*+,;=%:@", min_size=1, max_size=20).filter(
    lambda s: not s.endswith("@")
)


@given(
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    scheme=st.sampled_from(["http", "https", "socks5", "HTTP", "git+ssh"]),
    user=USERINFO,
    password=USERINFO,
    host=st.sampled_from(["proxy", "127.0.0.1:3128", "[::1]:8080", "corp.example.com"]),
    tail=st.sampled_from(["", "/", "/path?q=1", "'", ")", " ", "#frag"]),
)
def test_redaction_removes_the_userinfo_of_any_url_in_any_text(
    before: str, after: str, scheme: str, user: str, password: str, host: str, tail: str
) -> None:
    secret = f"S3cr{password}"
    url = f"{scheme}://{user}:{secret}@{host}{tail}"
    redacted = redact_secrets(before + url + after)
    assert f"{user}:{secret}@" not in redacted
    if secret not in before + after:
        assert secret not in redacted
    assert redact_secrets(redacted) == redacted  # redacting twice changes nothing more

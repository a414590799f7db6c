"""``_transport.Sends``: an attempt aiohttp sent twice to the same URL was resent by aiohttp
itself (a reset GET or DELETE), so its first send may have landed; a followed redirect
(another URL) is not a resend."""

from __future__ import annotations

from types import SimpleNamespace

from yarl import URL

from extend_async._transport import Sends, _count_send, _send_counter


async def _sent(sends: Sends, *urls: str) -> Sends:
    context = SimpleNamespace(trace_request_ctx=sends)
    for url in urls:
        await _count_send(None, context, SimpleNamespace(url=URL(url)))
    return sends


async def test_the_same_url_sent_twice_is_a_resend() -> None:
    assert not (await _sent(Sends(), "https://api.test/x")).resent
    assert (await _sent(Sends(), "https://api.test/x", "https://api.test/x")).resent


async def test_a_followed_redirect_is_not_a_resend() -> None:
    assert not (await _sent(Sends(), "https://a.test/x", "https://b.test/y")).resent


async def test_a_request_of_someone_elses_context_is_left_alone() -> None:
    await _count_send(None, SimpleNamespace(trace_request_ctx={"theirs": 1}), SimpleNamespace())
    assert _send_counter().on_request_headers_sent  # the signal it listens to

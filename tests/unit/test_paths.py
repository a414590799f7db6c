"""A caller's id never sends a request to a different endpoint."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import pytest
from aioresponses import aioresponses
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from extend_async import AsyncExtend, InvalidInputError
from extend_async._paths import path, validate_id

from ._helpers import BASE_URL, calls, recorded, seed_run

METHODS = {
    "get": ("GET", ["classify_runs", None]),
    "cancel": ("POST", ["classify_runs", None, "cancel"]),
    "delete": ("DELETE", ["classify_runs", None]),
}
ANY_URL = re.compile(re.escape(BASE_URL) + r"/.*")
# What an encoded path segment may consist of: unreserved characters and %XX escapes.
ENCODED_SEGMENT = re.compile(r"(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})+")

BAD_IDS: list[Any] = [
    "",
    " ",
    "\t\n",
    "clr_a/b",
    "/",
    "clr_a?b=1",
    "clr_a#frag",
    "..",
    ".",
    "../admin",
    "clr_a/../b",
    "a..b",
    "clr\\a",
    "clr\x00a",
    "clr\na",
    "clr\x7f",
    "x" * 256,
    None,
    123,
    b"clr_bytes",
    ["clr_a"],
]


def _serve_everything(mocked: aioresponses) -> None:
    for verb in ("GET", "POST", "DELETE"):
        mocked.add(ANY_URL, verb, payload=seed_run(), repeat=True)


@pytest.fixture
def served_api(mock_api: aioresponses) -> aioresponses:
    _serve_everything(mock_api)
    return mock_api


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
async def test_bad_ids_are_rejected_before_any_request(
    client: AsyncExtend, mock_api: aioresponses, method: str, bad: Any
) -> None:
    _serve_everything(mock_api)
    with pytest.raises(InvalidInputError):
        await getattr(client.classify_runs, method)(bad)
    assert mock_api.requests == {}


@pytest.mark.parametrize(
    ("run_id", "segment"),
    [
        ("clr_Xj8mK2pL9nR4vT7qY5wZ", "clr_Xj8mK2pL9nR4vT7qY5wZ"),
        ("clr_a-b.c~d", "clr_a-b.c~d"),
        ("a b", "a%20b"),
        ("a%2Fb", "a%252Fb"),
        ("a%2e%2e", "a%252e%252e"),
        ("a+b;c=d", "a%2Bb%3Bc%3Dd"),
        ("ü", "%C3%BC"),
        ("a.", "a."),
    ],
)
async def test_unusual_but_harmless_ids_are_percent_encoded(
    client: AsyncExtend, mock_api: aioresponses, run_id: str, segment: str
) -> None:
    _serve_everything(mock_api)
    await client.classify_runs.cancel(run_id)
    ((method, sent, _),) = calls(mock_api)
    assert method == "POST"
    assert sent.raw_path == f"/classify_runs/{segment}/cancel"
    assert sent.host == "api.extend.test"
    assert sent.raw_query_string == ""


def test_path_helper_fills_every_placeholder() -> None:
    assert path("/a/{}/b/{}", "x y", "z") == "/a/x%20y/b/z"
    assert validate_id("clr_1", name="run_id") == "clr_1"
    with pytest.raises(InvalidInputError, match="run_id"):
        validate_id("", name="run_id")


ids = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="/?#.%\\ ~-_:@!$&'()*+,;=ü\u2028\x00\nab", max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=250, max_size=260),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(run_id=ids, method=st.sampled_from(sorted(METHODS)))
@example(run_id="..", method="get")
@example(run_id="a/b", method="cancel")
@example(run_id="%2F", method="delete")
async def test_any_id_is_rejected_or_lands_on_exactly_its_own_path(
    client: AsyncExtend, served_api: aioresponses, run_id: str, method: str
) -> None:
    verb, template = METHODS[method]
    mock_api = served_api
    recorded(mock_api).clear()  # the fixture lives across examples; each checks its own
    try:
        await getattr(client.classify_runs, method)(run_id)
    except InvalidInputError:
        assert mock_api.requests == {}
        return
    ((sent_verb, sent, _),) = calls(mock_api)
    assert sent_verb == verb
    assert sent.host == "api.extend.test"
    assert sent.raw_query_string == ""
    assert sent.raw_fragment == ""
    segments = sent.raw_path.split("/")
    assert segments[0] == ""
    rest = segments[1:]
    assert len(rest) == len(template)
    for got, expected in zip(rest, template, strict=True):
        if expected is not None:
            assert got == expected
            continue
        assert ENCODED_SEGMENT.fullmatch(got), got
        assert got not in {".", ".."}
        assert unquote(got, errors="strict") == run_id


@given(
    st.text(alphabet="aZ09_-.~/é\u00b2\u0661 ", max_size=300)
    | st.text(alphabet="aZ09_-", min_size=250, max_size=260)
)
def test_the_one_id_path_is_the_template_filled(value: str) -> None:
    # ``path`` with one id skips the checks and the quoting for an id matching PLAIN_ID and
    # joins the template's parts instead of formatting it: it must give what formatting
    # the checked, quoted id gives, odd digits ("²", "١") and lengths near the limit too.
    from urllib.parse import quote

    from extend_async._paths import PLAIN_ID

    try:
        expected = value if PLAIN_ID.fullmatch(value) else quote(validate_id(value), safe="-_.~")
    except InvalidInputError:
        with pytest.raises(InvalidInputError):
            path("/runs/{}/cancel", value)
        return
    assert path("/runs/{}/cancel", value) == f"/runs/{expected}/cancel"
    assert path("/runs/{}", value) == f"/runs/{expected}"

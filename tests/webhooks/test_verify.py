"""``webhooks.verify``: authentic deliveries pass; everything else is a WebhookVerificationError."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from extend_async import ExtendError, InvalidInputError, WebhookVerificationError, webhooks

from ._helpers import SECRET, body_of, classify_run, headers_for, reference_signature

BODY = body_of("classify_run.processed", classify_run())
TS_HEADER = "x-extend-request-timestamp"
SIG_HEADER = "x-extend-request-signature"
VALID = object()  # stands for "correctly signed headers" in parametrized cases


def test_an_authentic_delivery_passes_and_returns_none() -> None:
    assert webhooks.verify(BODY, headers_for(BODY), SECRET) is None  # type: ignore[func-returns-value]


@pytest.mark.parametrize("body", [BODY, BODY.decode(), bytearray(BODY), memoryview(BODY)], ids=type)
def test_the_body_may_be_bytes_text_bytearray_or_memoryview(body: Any) -> None:
    webhooks.verify(body, headers_for(BODY), SECRET)


def test_a_non_ascii_body_is_signed_over_its_utf8_bytes() -> None:
    text = '{"eventId":"event_1","eventType":"x","payload":{"name":"Faktura č. 7 — ü"}}'
    headers = headers_for(text)
    webhooks.verify(text, headers, SECRET)
    webhooks.verify(text.encode(), headers, SECRET)


@pytest.mark.parametrize(
    "make_headers",
    [
        lambda h: {k.title(): v for k, v in h.items()},
        lambda h: {k.upper(): v for k, v in h.items()},
        lambda h: CIMultiDict({k.title(): v for k, v in h.items()}),
        lambda h: {k: [v] for k, v in h.items()},
        lambda h: {k.encode(): v.encode() for k, v in h.items()},
        lambda h: {**h, "Content-Type": "application/json", "X-Other": "1"},
    ],
    ids=["title", "upper", "multidict", "lists", "bytes", "extra"],
)
def test_header_names_match_case_insensitively_in_any_mapping(make_headers: Any) -> None:
    webhooks.verify(BODY, make_headers(headers_for(BODY)), SECRET)


class _ReadOnlyHeaders(Mapping[str, str]):
    """A mapping that is not a dict, like a framework's header object."""

    def __init__(self, items: dict[str, str]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def test_any_mapping_works() -> None:
    headers = _ReadOnlyHeaders({k.title(): v for k, v in headers_for(BODY).items()})
    webhooks.verify(BODY, headers, SECRET)


def test_an_uppercase_signature_is_accepted() -> None:
    headers = headers_for(BODY)
    headers[SIG_HEADER] = headers[SIG_HEADER].upper()
    webhooks.verify(BODY, headers, SECRET)


@pytest.mark.parametrize(
    "secrets",
    [
        ["wss_old_secret", SECRET],
        [SECRET, "wss_new_secret"],
        ("wss_a", "wss_b", SECRET),
        [SECRET.encode()],
    ],
)
def test_any_of_several_secrets_may_match_during_rotation(secrets: Any) -> None:
    webhooks.verify(BODY, headers_for(BODY), secrets)


def test_a_delivery_signed_with_another_secret_fails() -> None:
    with pytest.raises(WebhookVerificationError, match="signature does not match"):
        webhooks.verify(BODY, headers_for(BODY, "wss_someone_else"), [SECRET, "wss_other"])


def test_a_tampered_body_fails() -> None:
    headers = headers_for(BODY)
    tampered = BODY.replace(b"PROCESSED", b"FAILED")
    with pytest.raises(WebhookVerificationError, match="signature does not match"):
        webhooks.verify(tampered, headers, SECRET)


def test_a_tampered_timestamp_fails() -> None:
    headers = headers_for(BODY)
    headers[TS_HEADER] = str(int(headers[TS_HEADER]) - 1)
    with pytest.raises(WebhookVerificationError, match="signature does not match"):
        webhooks.verify(BODY, headers, SECRET)


def test_an_old_delivery_is_refused() -> None:
    with pytest.raises(WebhookVerificationError, match="old"):
        webhooks.verify(BODY, headers_for(BODY, age=301), SECRET)


def test_a_custom_tolerance_applies() -> None:
    headers = headers_for(BODY, age=100)
    webhooks.verify(BODY, headers, SECRET, tolerance=120)
    with pytest.raises(WebhookVerificationError, match="old"):
        webhooks.verify(BODY, headers, SECRET, tolerance=60)


def test_tolerance_zero_disables_the_timestamp_check() -> None:
    ancient = headers_for(BODY, age=10 * 365 * 86400)
    webhooks.verify(BODY, ancient, SECRET, tolerance=0)
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(BODY, ancient, SECRET)


def test_a_delivery_from_the_future_is_refused_beyond_60_s() -> None:
    webhooks.verify(BODY, headers_for(BODY, age=-30), SECRET)
    with pytest.raises(WebhookVerificationError, match="future"):
        webhooks.verify(BODY, headers_for(BODY, age=-120), SECRET)


@pytest.mark.parametrize("missing", [TS_HEADER, SIG_HEADER])
def test_a_missing_header_is_named(missing: str) -> None:
    headers = headers_for(BODY)
    del headers[missing]
    with pytest.raises(WebhookVerificationError, match=missing):
        webhooks.verify(BODY, headers, SECRET)


@pytest.mark.parametrize(
    "timestamp", ["", "12a", " 1700000000", "+1700000000", "1_700_000_000", "١٧٠٠", "9" * 40]
)
def test_a_timestamp_that_is_not_plain_digits_is_refused(timestamp: str) -> None:
    headers = {TS_HEADER: timestamp, SIG_HEADER: reference_signature(SECRET, timestamp, "{}")}
    with pytest.raises(WebhookVerificationError, match="Unix time"):
        webhooks.verify("{}", headers, SECRET)


@pytest.mark.parametrize(
    "signature",
    ["é" * 64, "a" * 63, "", "v0=" + "a" * 64, "\x00" * 64, "g" * 64],
)
def test_a_malformed_signature_is_refused_without_type_errors(signature: str) -> None:
    headers = headers_for(BODY)
    headers[SIG_HEADER] = signature
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(BODY, headers, SECRET)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"\xff\xfe{}", VALID),
        ("\ud800", VALID),
        (42, VALID),
        (None, VALID),
        ({"eventId": "x"}, VALID),
        (BODY, [("x-extend-request-timestamp", "1")]),
        (BODY, "x-extend-request-signature: abc"),
        (BODY, None),
        (BODY, {TS_HEADER: 1700000000, SIG_HEADER: "a" * 64}),
        (BODY, {TS_HEADER: ["1", "2"], SIG_HEADER: "a" * 64}),
        (BODY, {1: "x", None: "y"}),
    ],
    ids=[
        "non-utf8",
        "surrogate",
        "int-body",
        "none-body",
        "dict-body",
        "list-headers",
        "str-headers",
        "none-headers",
        "int-header-value",
        "two-values",
        "odd-keys",
    ],
)
def test_malformed_input_is_a_verification_error(body: Any, headers: Any) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        webhooks.verify(body, headers_for(BODY) if headers is VALID else headers, SECRET)
    assert isinstance(caught.value, ExtendError)


def test_a_mapping_that_fails_to_read_is_a_verification_error() -> None:
    class Broken(_ReadOnlyHeaders):
        def __getitem__(self, key: str) -> str:
            raise RuntimeError("boom")

    with pytest.raises(WebhookVerificationError):
        webhooks.verify(BODY, Broken({"a": "b"}), SECRET)


@pytest.mark.parametrize("secrets", ["", [], [""], [1], 5, None, [SECRET, b""], "wss_\ud800"])
def test_unusable_secrets_are_a_receiver_bug_not_a_delivery_error(secrets: Any) -> None:
    with pytest.raises(InvalidInputError):
        webhooks.verify(BODY, headers_for(BODY), secrets)


@pytest.mark.parametrize("tolerance", [-1, "300", None, True, float("nan")])
def test_an_unusable_tolerance_is_refused(tolerance: Any) -> None:
    with pytest.raises(InvalidInputError):
        webhooks.verify(BODY, headers_for(BODY), SECRET, tolerance=tolerance)


def test_verification_error_text_never_contains_the_secret() -> None:
    for headers in (headers_for(BODY, "wss_x"), headers_for(BODY, age=1000), {}):
        with pytest.raises(WebhookVerificationError) as caught:
            webhooks.verify(BODY, headers, SECRET)
        assert SECRET not in str(caught.value)


# --- sign ------------------------------------------------------------------------------------


def test_sign_matches_the_documented_algorithm() -> None:
    headers = webhooks.sign(BODY, SECRET, timestamp=1_700_000_000)
    assert headers == {
        TS_HEADER: "1700000000",
        SIG_HEADER: reference_signature(SECRET, "1700000000", BODY.decode()),
    }


@pytest.mark.parametrize(
    ("body", "timestamp"), [(b"\xff", None), (3, None), (BODY, "123"), (BODY, -1), (BODY, 1.5)]
)
def test_sign_refuses_bad_arguments_as_invalid_input(body: Any, timestamp: Any) -> None:
    with pytest.raises(InvalidInputError):
        webhooks.sign(body, SECRET, timestamp=timestamp)


def test_sign_uses_the_current_time_by_default() -> None:
    before = int(time.time())
    headers = webhooks.sign(BODY, SECRET)
    assert before <= int(headers[TS_HEADER]) <= int(time.time())
    webhooks.verify(BODY, headers, SECRET)


def test_the_official_sdk_accepts_our_signatures_and_we_accept_its_algorithm() -> None:
    official = pytest.importorskip("extend_ai.wrapper.webhooks").Webhooks()
    headers = webhooks.sign(BODY, SECRET)
    assert official.verify(BODY.decode(), headers, SECRET) is True
    assert official.verify(BODY.decode(), headers, "wss_other") is False


# --- properties ------------------------------------------------------------------------------

_header_values = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=80),
    st.integers(),
    st.none(),
    st.lists(st.text(max_size=10), max_size=3),
)
_header_names = st.one_of(
    st.sampled_from([TS_HEADER, SIG_HEADER, TS_HEADER.upper(), SIG_HEADER.title()]),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.one_of(st.binary(max_size=300), st.text(max_size=300), st.integers(), st.none()),
    headers=st.one_of(
        st.dictionaries(_header_names, _header_values, max_size=5),
        st.lists(st.text(max_size=5), max_size=3),
        st.text(max_size=10),
    ),
)
def test_arbitrary_input_only_ever_raises_verification_errors(body: Any, headers: Any) -> None:
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(body, headers, [SECRET, "wss_second"])


@settings(max_examples=200, deadline=None)
@given(
    timestamp=st.one_of(st.integers(min_value=0, max_value=10**12).map(str), st.text(max_size=20)),
    signature=st.text(max_size=70),
)
def test_arbitrary_header_values_only_ever_raise_verification_errors(
    timestamp: str, signature: str
) -> None:
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(BODY, {TS_HEADER: timestamp, SIG_HEADER: signature}, SECRET)


@settings(max_examples=200, deadline=None)
@given(body=st.text(max_size=500), secret=st.text(min_size=1, max_size=40))
def test_whatever_is_signed_verifies(body: str, secret: str) -> None:
    webhooks.verify(body, headers_for(body, secret), secret)
    webhooks.verify(body.encode(), webhooks.sign(body, secret), [secret])

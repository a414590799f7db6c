"""Webhook signatures: HMAC-SHA256 of ``v0:{timestamp}:{body}``, lowercase hex.

Everything a delivery carries is untrusted, so every malformed piece of it (headers of the
wrong type, a body that is not UTF-8, a non-ASCII signature) ends in
``WebhookVerificationError`` and never in a ``TypeError`` or ``UnicodeError``.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .._errors import ExtendError, InvalidInputError

__all__ = [
    "DEFAULT_TOLERANCE",
    "MAX_FUTURE_SKEW",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Body",
    "Secrets",
    "WebhookVerificationError",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "x-extend-request-signature"
TIMESTAMP_HEADER = "x-extend-request-timestamp"
# Seconds a delivery may be old (replay window) and how far ahead a sender's clock may be.
DEFAULT_TOLERANCE = 300.0
MAX_FUTURE_SKEW = 60.0
# A Unix time in seconds has 10 digits until the year 2286; anything much longer is junk.
_MAX_TIMESTAMP_DIGITS = 15
_SIGNATURE_HEX_LENGTH = 64

Body = bytes | bytearray | memoryview | str
Secrets = str | bytes | Sequence[str | bytes]


class WebhookVerificationError(ExtendError):
    """A webhook delivery was refused: bad or missing signature, stale timestamp, or a body
    that is not an Extend event. Answer such a request with 400 and do not act on it."""


def sign(body: Body, secret: str | bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The two signature headers Extend would send with ``body`` (for tests and emulators)."""
    keys = _keys(secret)
    if timestamp is None:
        timestamp = int(time.time())
    elif isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise InvalidInputError(f"timestamp must be Unix seconds (an int), got {timestamp!r:.40}")
    try:
        data = _body_bytes(body)
    except WebhookVerificationError as exc:  # here the body is ours, not a delivery
        raise InvalidInputError(str(exc)) from None
    ts = str(timestamp)
    return {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: _digest(keys[0], ts, data).decode("ascii")}


def verify(
    body: Body,
    headers: Mapping[str, Any],
    secrets: Secrets,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> None:
    """Check that ``body`` was signed by Extend with one of ``secrets``, recently.

    ``body`` is the raw request body, exactly as received (bytes, or the decoded text).
    ``headers`` is any mapping; names are matched case-insensitively. ``secrets`` is one
    signing secret (``wss_…``) or several, e.g. the old and new one while rotating.
    Deliveries older than ``tolerance`` seconds or more than 60 s in the future are
    refused; ``tolerance=0`` turns the timestamp check off (the timestamp is still signed).

    Raises ``WebhookVerificationError`` when the delivery is not authentic, and
    ``InvalidInputError`` when ``secrets`` or ``tolerance`` are unusable (a bug on the
    receiving side, not in the delivery).
    """
    keys = _keys(secrets)
    # "not >= 0" also refuses NaN, which would silently pass every age comparison.
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not tolerance >= 0:
        raise InvalidInputError(f"tolerance must be a number of seconds >= 0, got {tolerance!r}")
    data = _body_bytes(body)
    timestamp = _header(headers, TIMESTAMP_HEADER)
    signature = _header(headers, SIGNATURE_HEADER)
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > _MAX_TIMESTAMP_DIGITS:
        raise WebhookVerificationError(f"the {TIMESTAMP_HEADER} header is not a Unix time")
    if len(signature) != _SIGNATURE_HEX_LENGTH or not signature.isascii():
        raise WebhookVerificationError(f"the {SIGNATURE_HEADER} header is not a SHA-256 hex digest")
    if tolerance:
        age = time.time() - int(timestamp)
        if age > tolerance:
            raise WebhookVerificationError(
                f"the delivery is {age:.0f} s old; at most {tolerance:g} s is accepted"
            )
        if age < -MAX_FUTURE_SKEW:
            raise WebhookVerificationError(
                f"the delivery is timestamped {-age:.0f} s in the future"
            )
    given = signature.lower().encode("ascii")
    # Compare against every secret, without stopping early, so timing does not tell
    # which secret (if any) came close.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, _digest(key, timestamp, data))
    if not matched:
        raise WebhookVerificationError("the signature does not match the body")


def _digest(key: bytes, timestamp: str, data: bytes) -> bytes:
    # hmac.digest is the one-shot C implementation: the fastest way to HMAC in CPython.
    message = b"v0:" + timestamp.encode("ascii") + b":" + data
    return hmac.digest(key, message, "sha256").hex().encode("ascii")


def _keys(secrets: object) -> list[bytes]:
    if isinstance(secrets, str) and secrets.isascii() and secrets:
        return [secrets.encode("ascii")]  # the common case, without the checks below
    items = [secrets] if isinstance(secrets, str | bytes) else secrets
    if not isinstance(items, Sequence) or not items:
        raise InvalidInputError("secrets must be a signing secret or a non-empty list of them")
    keys: list[bytes] = []
    for item in items:
        if isinstance(item, str):
            try:
                item = item.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInputError("a signing secret is not valid text") from None
        if not isinstance(item, bytes) or not item:
            # An empty key would let anyone compute a valid signature.
            raise InvalidInputError("every signing secret must be a non-empty str")
        keys.append(item)
    return keys


def _body_bytes(body: object) -> bytes:
    """The body as the UTF-8 bytes that were signed."""
    if isinstance(body, str):
        try:
            return body.encode("utf-8")
        except UnicodeEncodeError:
            raise WebhookVerificationError("the body is not valid text") from None
    if isinstance(body, bytearray | memoryview):
        body = bytes(body)
    if not isinstance(body, bytes):
        raise WebhookVerificationError(
            f"the body must be the raw request bytes or text, got {type(body).__name__}"
        )
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookVerificationError("the body is not UTF-8") from None
    return body


def _header(headers: object, name: str) -> str:
    """A header value from any mapping, its name matched case-insensitively."""
    if not isinstance(headers, Mapping):
        raise WebhookVerificationError(
            f"headers must be a mapping of header names to values, got {type(headers).__name__}"
        )
    try:
        # Fast path: plain dicts with lowercase names, and case-insensitive mappings
        # (aiohttp, starlette, Django) that match any spelling.
        value = headers.get(name)
        if value is None:
            for key, candidate in headers.items():
                if isinstance(key, bytes):
                    key = key.decode("latin-1")
                if isinstance(key, str) and key.lower() == name:
                    value = candidate
                    break
    except Exception as exc:  # a mapping that fails to look up is a malformed input too
        raise WebhookVerificationError(f"could not read the {name} header: {exc!r:.100}") from None
    if isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]  # frameworks that give every header as a list of values
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if value is None:
        raise WebhookVerificationError(f"the {name} header is missing")
    if not isinstance(value, str):
        raise WebhookVerificationError(f"the {name} header must be a single string")
    return value

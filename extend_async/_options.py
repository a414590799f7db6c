"""Client settings: where to connect, as whom, and how patiently."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from attrs import Attribute, field, frozen

from ._errors import InvalidInputError, MissingAPIKeyError
from ._retry import RetryPolicy

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "REGION_BASE_URLS",
    "ClientOptions",
    "Region",
    "Timeout",
    "TimeoutArg",
    "check_headers",
    "check_max_response_bytes",
    "check_retries",
    "resolve_options",
]

DEFAULT_API_VERSION = "2026-02-09"

# The largest answer body read (after decompression); a bigger one fails the call with
# ResponseTooLargeError instead of filling memory.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024

Region = Literal["us", "us2", "eu1"]

REGION_BASE_URLS: Mapping[str, str] = {
    "us": "https://api.extend.ai",
    "us2": "https://api.us2.extend.app",
    "eu1": "https://api.eu1.extend.ai",
}


def _is_positive_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _check_limit(_: object, attribute: Attribute[Any], value: Any) -> None:
    # NaN or a negative limit would make aiohttp wait forever or fail obscurely mid-request.
    if value is not None and not _is_positive_number(value):
        raise InvalidInputError(
            f"Timeout.{attribute.name} must be a positive finite number or None, got {value!r}"
        )


@frozen(kw_only=True)
class Timeout:
    """Seconds allowed for a whole attempt (``total``), to connect, and between reads.

    ``None`` disables that limit; the default keeps every one finite.
    """

    total: float | None = field(default=60.0, validator=_check_limit)
    connect: float | None = field(default=10.0, validator=_check_limit)
    read: float | None = field(default=None, validator=_check_limit)


DEFAULT_TIMEOUT = Timeout()
# POST /classify blocks until the result is ready; the server gives up after 5 minutes.
CLASSIFY_SYNC_TIMEOUT = Timeout(total=330.0, connect=10.0)

TimeoutArg = float | Timeout | None


def as_timeout(value: float | Timeout) -> Timeout:
    if isinstance(value, Timeout):
        return value
    if not _is_positive_number(value):
        raise InvalidInputError(
            f"timeout must be a positive finite number or a Timeout, got {value!r}"
        )
    return Timeout(total=float(value), connect=min(float(value), DEFAULT_TIMEOUT.connect or 10.0))


def check_retries(value: int) -> int:
    """``value`` if it is a usable retry count, else ``InvalidInputError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"max_retries must be a non-negative int, got {value!r}")
    return value


def check_max_response_bytes(value: int) -> int:
    """``value`` if it is a usable body size limit, else ``InvalidInputError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"max_response_bytes must be a positive int, got {value!r}")
    return value


# RFC 9110 "token": what a header name may be made of.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def check_headers(headers: Mapping[str, str], *, what: str) -> dict[str, str]:
    """``headers`` as a dict, each name an HTTP token and each value a printable string."""
    if not isinstance(headers, Mapping):
        raise InvalidInputError(f"{what} must be a mapping, got {type(headers).__name__}")
    out: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise InvalidInputError(f"{what}: {name!r} is not a valid header name")
        out[name] = _check_header_value(f"{what}[{name!r}]", value)
    return out


def _check_header_value(name: str, value: object) -> str:
    # aiohttp refuses CR/LF/NUL with a bare ValueError at send time; other control
    # characters would reach the wire. Either way the caller deserves a typed error now.
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"{name} must be a non-empty str, got {type(value).__name__}")
    if not value.isprintable():
        raise InvalidInputError(f"{name} must not contain control characters or line breaks")
    return value


@frozen(kw_only=True)
class ClientOptions:
    """Everything a request needs from its client. ``api_key`` never shows in a repr."""

    api_key: str = field(repr=False)
    base_url: str
    api_version: str = DEFAULT_API_VERSION
    workspace_id: str | None = None
    timeout: Timeout = DEFAULT_TIMEOUT
    max_retries: int = 2
    retry: RetryPolicy = RetryPolicy()
    default_headers: Mapping[str, str] = field(factory=dict, repr=False)
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    trust_env: bool = True


def resolve_base_url(base_url: str | None, region: str | None) -> str:
    if base_url is not None and region is not None:
        raise InvalidInputError("give base_url or region, not both")
    if region is not None:
        try:
            return REGION_BASE_URLS[region]
        except KeyError:
            known = ", ".join(sorted(REGION_BASE_URLS))
            raise InvalidInputError(f"unknown region {region!r}; known regions: {known}") from None
    url = base_url or os.environ.get("EXTEND_BASE_URL") or REGION_BASE_URLS["us"]
    return check_base_url(url)


def check_base_url(url: object) -> str:
    """``url`` without its trailing slash, if every request path can follow it safely."""
    if not isinstance(url, str):
        raise InvalidInputError(f"base_url must be a str, got {type(url).__name__}")
    if not url.startswith(("http://", "https://")):
        raise InvalidInputError(f"base_url must start with http:// or https://, got {url!r}")
    if not url.isprintable() or any(ch.isspace() for ch in url):
        raise InvalidInputError(f"base_url must not contain spaces or control characters: {url!r}")
    if "?" in url or "#" in url:
        # A path appended after a query or a fragment would never reach the server.
        raise InvalidInputError(f"base_url must not contain '?' or '#': {url!r}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise InvalidInputError(f"base_url is not a valid URL: {exc}") from None
    if "@" in parts.netloc:
        # Credentials belong in api_key; in a URL they end up in logs and error messages.
        raise InvalidInputError("base_url must not contain a user name or password")
    if not parts.hostname:
        raise InvalidInputError(f"base_url has no host: {url!r}")
    return url.rstrip("/")


def resolve_options(
    *,
    api_key: str | None,
    base_url: str | None,
    region: str | None,
    api_version: str,
    workspace_id: str | None,
    timeout: float | Timeout,
    max_retries: int,
    retry: RetryPolicy | None,
    default_headers: Mapping[str, str] | None,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    trust_env: bool = True,
) -> ClientOptions:
    """Fill what the caller left out from the environment, and check all of it."""
    key = api_key if api_key is not None else os.environ.get("EXTEND_API_KEY")
    if not key:
        raise MissingAPIKeyError(
            "no API key: pass api_key=... or set the EXTEND_API_KEY environment variable"
        )
    # The message never echoes the key: a malformed key is still mostly a secret.
    if not isinstance(key, str) or not key.isprintable() or any(ch.isspace() for ch in key):
        raise InvalidInputError("api_key must be a string without whitespace or control characters")
    workspace = workspace_id if workspace_id is not None else os.environ.get("EXTEND_WORKSPACE_ID")
    if workspace:
        _check_header_value("workspace_id", workspace)
    headers = check_headers(default_headers or {}, what="default_headers")
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise InvalidInputError(f"retry_policy must be a RetryPolicy, got {type(retry).__name__}")
    return ClientOptions(
        api_key=key,
        base_url=resolve_base_url(base_url, region),
        api_version=_check_header_value("api_version", api_version),
        workspace_id=workspace or None,
        timeout=as_timeout(timeout),
        max_retries=check_retries(max_retries),
        retry=retry or RetryPolicy(),
        default_headers=headers,
        max_response_bytes=check_max_response_bytes(max_response_bytes),
        trust_env=bool(trust_env),
    )

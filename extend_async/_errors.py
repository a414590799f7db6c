"""The exception hierarchy, and the one table that maps an HTTP status to its class."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import _http_libs

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ExtendError",
    "FileChangedError",
    "ForbiddenError",
    "InternalServerError",
    "InvalidInputError",
    "LocalFileError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "error_chain",
    "error_class_for_status",
    "redact_secrets",
    "sdk_error_in",
]

# Non-JSON error bodies (an HTML page from a proxy) are cut to this many characters
# in the message, so a 50 KB page never floods a log line.
BODY_EXCERPT_CHARS = 200
# What an exception keeps of a non-JSON error body: enough to recognise the page, never
# the whole of a large one.
ERROR_BODY_CHARS = 4096


_WHITESPACE = re.compile(r"\s+")
# "[^<>]" rather than "[^>]": a match can never run past the next "<", so a body full of
# "<" costs linear time, not quadratic.
_TAGS = re.compile(r"<[^<>]*>")


def excerpt(body: bytes) -> str:
    """A short, single-line, tag-free excerpt of a body for messages and logs.

    The body is cut before any other work, so a huge body costs no more than a small one.
    """
    head = body[: BODY_EXCERPT_CHARS * 8]
    text = head.decode("utf-8", errors="replace")
    text = _WHITESPACE.sub(" ", _TAGS.sub(" ", text)).strip()
    if len(text) > BODY_EXCERPT_CHARS or len(head) < len(body):
        return text[:BODY_EXCERPT_CHARS] + "…"
    return text


# The userinfo of any URL in a text ("scheme://user:password@host"): greedy up to the last
# "@" before the host, so a password holding an unescaped "@" is covered whole.
# A scheme's length is bounded so the search stays linear in a long text (a longer scheme
# still matches by its last 32 characters).
_URL_USERINFO = re.compile(r"(?i)([a-z][a-z0-9+.\-]{0,31}://)[^\s/?#]*@")
# Credentials as libraries print them: aiohttp's ``BasicAuth(login=..., password=...)``
# repr (a connection's key holds the proxy's), and an Authorization header's value.
_PASSWORD_FIELD = re.compile(r"""(?i)(password=)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s,)]*)""")
_AUTH_VALUE = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~\-]+")
REDACTED = "<redacted>"


def redact_secrets(text: str) -> str:
    """``text`` without the credentials a library may put in its messages: the userinfo
    of every URL (a proxy's ``user:password@``), a ``password=`` field, an
    Authorization value. Every message the SDK builds from another library's text goes
    through here."""
    if "@" in text:
        text = _URL_USERINFO.sub(rf"\1{REDACTED}@", text)
    if "password" in text.lower():
        text = _PASSWORD_FIELD.sub(rf"\1{REDACTED}", text)
    return _AUTH_VALUE.sub(rf"\1 {REDACTED}", text)


def error_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every error reachable from it through causes and contexts, once each."""
    seen: list[BaseException] = []
    pending = [exc]
    while pending:
        current = pending.pop()
        if any(current is other for other in seen):
            continue
        seen.append(current)
        pending += [e for e in (current.__context__, current.__cause__) if e is not None]
    return seen


def sdk_error_in(exc: BaseException) -> ExtendError | None:
    """The SDK's own error somewhere in ``exc``'s chain: a request body that failed (a
    file that changed while it was sent, a stream yielding something other than bytes),
    which aiohttp wraps in a connection error. None when the failure is the transport's."""
    for error in error_chain(exc):
        if isinstance(error, ExtendError):
            return error
    return None


class ExtendError(Exception):
    """Root of every error this SDK raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword-only arguments, which the default pickling (calling the
        # class with ``self.args``) cannot supply; errors must cross process boundaries.
        multidict = _http_libs.multidict  # a response's headers: a read-only view
        state = {
            name: multidict.CIMultiDict(value)
            if isinstance(value, multidict.CIMultiDictProxy)
            else value
            for name, value in self.__dict__.items()
        }
        return (_rebuild, (type(self), self.args), state)


def _rebuild(cls: type[ExtendError], args: tuple[Any, ...]) -> ExtendError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    return error


class InvalidInputError(ExtendError, ValueError):
    """An argument was rejected before any request was sent."""


class MissingAPIKeyError(InvalidInputError):
    """No API key was given and ``EXTEND_API_KEY`` is not set."""


class LocalFileError(ExtendError):
    """A local file could not be written: a download's destination (the disk full, its
    folder removed meanwhile). ``path`` names the file, ``errno`` is the system's code; the
    ``OSError`` is the ``__cause__``."""

    def __init__(self, message: str, *, path: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.errno = errno


class APIConnectionError(ExtendError):
    """The request did not get an HTTP answer: refused, reset or dropped connection.

    ``attempts`` counts the requests sent, retries included. ``sent`` is false when the
    request surely never reached the server (the connection was refused or never made).
    ``after_lost_attempt`` is true when an earlier attempt may have taken effect.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        attempts: int = 1,
        sent: bool = True,
        after_lost_attempt: bool = False,
        retryable: bool = True,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.attempts = attempts
        self.sent = sent
        self.after_lost_attempt = after_lost_attempt
        # False for failures no retry can heal, such as an untrusted TLS certificate.
        self.retryable = retryable


class FileChangedError(ExtendError):
    """An upload's source changed size while it was being sent (a file still being
    written, or truncated): the body could not match the length it declared.

    Nothing past the declared length is sent and the connection is closed, so the server
    never reads the extra bytes as a request. Not retried: upload the file again once it
    is complete. ``expected`` is the size the upload declared.
    """

    def __init__(self, message: str, *, expected: int, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.expected = expected
        self.method = method
        self.path = path


class APITimeoutError(APIConnectionError):
    """The request did not get an answer within its timeout."""


class ResponseDecodeError(ExtendError):
    """A 2xx answer whose body is not what the API promises."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request_id: str | None,
        body: str,
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id
        self.body = body
        self.method = method
        self.path = path


class ResponseTooLargeError(ExtendError):
    """The answer's body (counted after decompression) passed ``max_response_bytes``.

    Never retried: the same request would bring the same body. Raise the limit with
    ``AsyncExtend(max_response_bytes=...)`` or ``client.with_options(...)``.
    """

    def __init__(self, message: str, *, method: str, path: str, limit: int) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.limit = limit


class APIStatusError(ExtendError):
    """The API answered with a non-2xx status.

    ``body`` is the decoded JSON error envelope when there was one, else the text (cut
    to a few KB). ``method`` and ``path`` name the request. ``attempts`` counts the
    requests sent, retries included; ``after_lost_attempt`` is true when an earlier attempt
    may have taken effect on the server (its answer was lost, it timed out, or it got a
    5xx).
    """

    def __init__(
        self,
        *,
        status_code: int,
        code: str | None,
        message: str,
        retryable: bool | None,
        request_id: str | None,
        doc_url: str | None,
        body: Mapping[str, Any] | str | None,
        headers: Mapping[str, str] | None = None,
        method: str = "",
        path: str = "",
        attempts: int = 1,
        after_lost_attempt: bool = False,
        retry_after: float | None = None,
    ) -> None:
        detail = f"{status_code} {code}: {message}" if code else f"{status_code}: {message}"
        if request_id:
            detail += f" (request id {request_id})"
        super().__init__(detail)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.retryable = retryable
        self.request_id = request_id
        self.doc_url = doc_url
        self.body = body
        self.headers: Mapping[str, str] = headers or {}
        self.method = method
        self.path = path
        self.attempts = attempts
        self.after_lost_attempt = after_lost_attempt
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    """400: the request is malformed, or the operation is not allowed in the current state."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, malformed, expired or revoked."""


class PaymentRequiredError(APIStatusError):
    """402: usage is blocked, e.g. the organization is out of credits."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (scope, role, or missing workspace id)."""


class NotFoundError(APIStatusError):
    """404: no such resource in this workspace."""


class RequestTimeoutError(APIStatusError):
    """408: the server gave up waiting for the request."""


class ConflictError(APIStatusError):
    """409: the resource changed concurrently."""


class UnprocessableEntityError(APIStatusError):
    """422: the body or parameters failed schema validation."""


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the server's hint in seconds, if any."""


class InternalServerError(APIStatusError):
    """5xx: the server (or a proxy in front of it) failed."""


# The official SDK's names for the same errors, for code migrating from it.
UnauthorizedError = AuthenticationError
ForbiddenError = PermissionDeniedError
TooManyRequestsError = RateLimitError

_CLASS_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIStatusError]:
    """The exception class for a non-2xx status; unlisted 4xx map to ``APIStatusError``."""
    if status >= 500:
        return InternalServerError
    return _CLASS_BY_STATUS.get(status, APIStatusError)

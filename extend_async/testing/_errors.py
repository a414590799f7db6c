"""Problems a request can run into, and the flat error envelope the API answers with."""

from __future__ import annotations

import orjson

__all__ = [
    "ApiProblem",
    "ConflictProblem",
    "ValidationProblem",
    "not_found",
    "render_envelope",
]

# Documented general codes (error-codes page); FORBIDDEN is the emulator's own, used
# only when a key reaches for a workspace it does not belong to.
INVALID_REQUEST = "INVALID_REQUEST"
UNAUTHORIZED = "UNAUTHORIZED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
INTERNAL_ERROR = "INTERNAL_ERROR"


class ApiProblem(Exception):
    """An error answer: raised anywhere in a handler, rendered once by the dispatcher.

    ``status=None`` means "the configured status for this kind of problem"; the two
    subclasses below use it so handlers need not know the emulator's settings.
    """

    def __init__(
        self,
        status: int | None,
        code: str,
        message: str,
        *,
        retryable: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retryable = retryable
        self.headers = headers or {}


class ValidationProblem(ApiProblem):
    """A malformed body or invalid parameter; answered with the validation status."""

    def __init__(self, message: str) -> None:
        super().__init__(None, INVALID_REQUEST, message)


class ConflictProblem(ApiProblem):
    """An operation the run's state does not allow (cancel a finished run, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__(None, INVALID_REQUEST, message)


def not_found(kind: str, resource_id: str) -> ApiProblem:
    return ApiProblem(404, NOT_FOUND, f"{kind} {resource_id} was not found")


def render_envelope(code: str, message: str, *, retryable: bool, request_id: str) -> bytes:
    """The flat envelope: ``{"code", "message", "retryable", "requestId"}``."""
    return orjson.dumps(
        {"code": code, "message": message, "retryable": retryable, "requestId": request_id}
    )

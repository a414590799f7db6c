"""Async-first client for the Extend document-processing API.

>>> from extend_async import AsyncExtend
>>> async with AsyncExtend() as client:          # EXTEND_API_KEY from the environment
...     run = await client.classify_runs.cancel("clr_Xj8mK2pL9nR4vT7qY5wZ")
"""

from ._client import AsyncExtend
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ExtendError,
    ForbiddenError,
    InternalServerError,
    InvalidInputError,
    MissingAPIKeyError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResponseDecodeError,
    TooManyRequestsError,
    UnauthorizedError,
    UnprocessableEntityError,
)
from ._options import DEFAULT_API_VERSION, REGION_BASE_URLS, Timeout
from ._pagination import AsyncPager
from ._polling import PollPolicy, WaitTimeoutError
from ._raw import RawResponse
from ._retry import RetryPolicy
from ._version import __version__
from .bulk import (
    BulkCancelInterrupted,
    BulkCancelResult,
    BulkProgress,
    CancelOutcome,
    OutcomeCounts,
    OutcomeKind,
    OutcomeUnknownError,
    StopReason,
)
from .types import (
    BatchInput,
    BatchRun,
    Classification,
    Classifier,
    ClassifierRef,
    ClassifierVersion,
    ClassifyConfig,
    ClassifyRun,
    ClassifyRunSummary,
    FileFromId,
    FileFromText,
    FileFromUrl,
    Page,
    RunStatus,
)
from .webhooks import WebhookVerificationError

__all__ = [
    "DEFAULT_API_VERSION",
    "REGION_BASE_URLS",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncExtend",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "BatchInput",
    "BatchRun",
    "BulkCancelInterrupted",
    "BulkCancelResult",
    "BulkProgress",
    "CancelOutcome",
    "Classification",
    "Classifier",
    "ClassifierRef",
    "ClassifierVersion",
    "ClassifyConfig",
    "ClassifyRun",
    "ClassifyRunSummary",
    "ConflictError",
    "ExtendError",
    "FileFromId",
    "FileFromText",
    "FileFromUrl",
    "ForbiddenError",
    "InternalServerError",
    "InvalidInputError",
    "MissingAPIKeyError",
    "NotFoundError",
    "OutcomeCounts",
    "OutcomeKind",
    "OutcomeUnknownError",
    "Page",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PollPolicy",
    "RateLimitError",
    "RawResponse",
    "RequestTimeoutError",
    "ResponseDecodeError",
    "RetryPolicy",
    "RunStatus",
    "StopReason",
    "Timeout",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "WebhookVerificationError",
    "__version__",
]

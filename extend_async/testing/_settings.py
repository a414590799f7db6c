"""The emulator's behaviour knobs for points the API documentation leaves open."""

from __future__ import annotations

from attrs import field, frozen

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_WORKSPACE_ID",
    "ORG_SCOPE",
    "SUPPORTED_API_VERSIONS",
    "Settings",
]

DEFAULT_API_KEY = "sk_test_emulator"
DEFAULT_WORKSPACE_ID = "ws_emulator"
# The scope of an organization key: it must name a workspace in x-extend-workspace-id.
ORG_SCOPE = "org"
SUPPORTED_API_VERSIONS = ("2026-02-09",)


def _error_status(_: object, attribute: object, value: int) -> None:
    if not 400 <= value <= 499:
        raise ValueError(f"error statuses must be 4xx, got {value}")


def _positive(_: object, attribute: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be a positive int, got {value!r}")


def _workflow_outcome(_: object, attribute: object, value: str) -> None:
    if value not in ("PROCESSED", "NEEDS_REVIEW", "REJECTED", "FAILED"):
        raise ValueError(
            f"workflow_outcome must be PROCESSED, NEEDS_REVIEW, REJECTED or FAILED, got {value!r}"
        )


def _parse_cancel(_: object, attribute: object, value: str) -> None:
    if value not in ("refuse", "fail"):
        raise ValueError(f"parse_cancel must be 'refuse' or 'fail', got {value!r}")


def _non_negative(_: object, attribute: object, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"must be a number >= 0, got {value!r}")


@frozen(kw_only=True)
class Settings:
    api_versions: frozenset[str] = frozenset(SUPPORTED_API_VERSIONS)
    require_api_version: bool = True
    validation_status: int = field(default=400, validator=_error_status)
    state_conflict_status: int = field(default=400, validator=_error_status)
    missing_workspace_status: int = field(default=400, validator=_error_status)
    allow_delete_active: bool = False
    # The reference page: only PROCESSING runs can be cancelled (see ExtendEmulator).
    cancel_pending: bool = False
    dashboard_url: str = "https://dashboard.extend.ai"
    created_by_name: str = "Emulator API key"
    max_upload_bytes: int = 100 * 1024 * 1024
    presigned_url_seconds: float = 900.0
    # Files held at once (past it, an upload is refused with 400 UPLOAD_LIMIT_REACHED),
    # and presigned URLs still valid at once (past it, the oldest stops working).
    max_uploads: int = field(default=10_000, validator=_positive)
    max_presigned_urls: int = field(default=10_000, validator=_positive)
    # Runs of the kinds beyond classify kept at once: past it the oldest finished ones are
    # dropped (a GET of one answers 404); active runs are always kept.
    max_runs: int = field(default=20_000, validator=_positive)
    # Where an automatically finished workflow run ends: PROCESSED, NEEDS_REVIEW, REJECTED
    # or FAILED (the public reference does not say which a given workflow reaches).
    workflow_outcome: str = field(default="PROCESSED", validator=_workflow_outcome)
    # A cancelled workflow run answers CANCELLING and is CANCELLED this long afterwards.
    workflow_cancel_seconds: float = field(default=0.0, validator=_non_negative)
    # A cancel of a parse run (its statuses have no CANCELLED): "refuse" answers the
    # state-conflict error as the official CLI expects; "fail" moves an active parse run
    # to FAILED with failureReason CANCELLED.
    parse_cancel: str = field(default="refuse", validator=_parse_cancel)

"""Classify runs: the full ``ClassifyRun`` and the ``ClassifyRunSummary`` of list pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import frozen

from ._base import Model
from ._enums import FailureReason, RunStatus
from .classifiers import ClassifierSummary, ClassifierVersionSummary
from .config import ClassifyConfig
from .files import FileSummary
from .usage import RunUsage, RunUsageSummary

__all__ = [
    "ClassifyOutput",
    "ClassifyRun",
    "ClassifyRunSummary",
    "DeletedClassifyRun",
    "Insight",
]


@frozen(kw_only=True)
class Insight(Model):
    type: str
    content: str


@frozen(kw_only=True)
class ClassifyOutput(Model):
    id: str
    type: str
    confidence: float
    insights: tuple[Insight, ...] = ()


@frozen(kw_only=True)
class ClassifyRun(Model):
    """A classify run, as the API's reference page describes each field."""

    #: The unique identifier of the run (``clr_...``).
    id: str
    #: PENDING (waiting), PROCESSING (in progress), PROCESSED, FAILED or CANCELLED.
    status: RunStatus | str
    #: When the run was created (aware, UTC).
    created_at: datetime
    #: When the run last changed (aware, UTC).
    updated_at: datetime
    #: The configuration used for this run.
    config: ClassifyConfig
    #: Where to view the run in the Extend dashboard.
    dashboard_url: str
    #: Always ``"classify_run"``.
    object: str = "classify_run"
    #: The final output, reviewed or initial; present once the run is PROCESSED.
    output: ClassifyOutput | None = None
    #: The classifier used; absent when the run was given an inline config.
    classifier: ClassifierSummary | None = None
    #: The classifier version used; absent when the run was given an inline config.
    classifier_version: ClassifierVersionSummary | None = None
    #: The output before any review edits; present when ``reviewed`` is true.
    initial_output: ClassifyOutput | None = None
    #: The output after human review; present when ``reviewed`` is true.
    reviewed_output: ClassifyOutput | None = None
    #: Why the run failed, when FAILED; new reasons may appear (then a plain ``str``).
    failure_reason: FailureReason | str | None = None
    #: A detailed message about the failure, when FAILED.
    failure_message: str | None = None
    #: The metadata given when the run was created, if any.
    metadata: dict[str, Any] | None = None
    #: Whether a human has reviewed the run.
    reviewed: bool = False
    #: Whether the results were edited during review.
    edited: bool = False
    #: The file that was processed.
    file: FileSummary | None = None
    #: The parse run this run used, when one was created.
    parse_run_id: str | None = None
    #: Credits the run consumed; present when PROCESSED (not for older or legacy-billed runs).
    usage: RunUsage | None = None

    @property
    def is_terminal(self) -> bool:
        """True once the run can no longer change (PROCESSED, FAILED or CANCELLED)."""
        return isinstance(self.status, RunStatus) and self.status.is_terminal


@frozen(kw_only=True)
class ClassifyRunSummary(Model):
    id: str
    status: RunStatus | str
    created_at: datetime
    updated_at: datetime
    dashboard_url: str
    object: str = "classify_run"
    classifier: ClassifierSummary | None = None
    classifier_version: ClassifierVersionSummary | None = None
    failure_reason: FailureReason | str | None = None
    failure_message: str | None = None
    metadata: dict[str, Any] | None = None
    reviewed: bool = False
    edited: bool = False
    file: FileSummary | None = None
    parse_run_id: str | None = None
    usage: RunUsageSummary | None = None

    @property
    def is_terminal(self) -> bool:
        return isinstance(self.status, RunStatus) and self.status.is_terminal


@frozen(kw_only=True)
class DeletedClassifyRun(Model):
    """The body of a successful delete."""

    id: str

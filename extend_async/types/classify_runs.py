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
    id: str
    status: RunStatus | str
    created_at: datetime
    updated_at: datetime
    config: ClassifyConfig
    dashboard_url: str
    object: str = "classify_run"
    output: ClassifyOutput | None = None
    classifier: ClassifierSummary | None = None
    classifier_version: ClassifierVersionSummary | None = None
    initial_output: ClassifyOutput | None = None
    reviewed_output: ClassifyOutput | None = None
    failure_reason: FailureReason | str | None = None
    failure_message: str | None = None
    metadata: dict[str, Any] | None = None
    reviewed: bool = False
    edited: bool = False
    file: FileSummary | None = None
    parse_run_id: str | None = None
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

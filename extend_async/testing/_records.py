"""What the emulator remembers: runs, classifiers with their versions, and batches.

Records are plain mutable objects guarded by the store's lock. Tests read them through
``ExtendEmulator.runs`` / ``.classifiers`` / ``.batches``; only the store changes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._clock import from_us

__all__ = [
    "ACTIVE_STATUSES",
    "RUN_SOURCES",
    "RUN_STATUSES",
    "TERMINAL_STATUSES",
    "BatchRecord",
    "ClassifierRecord",
    "RunRecord",
    "VersionRecord",
]

RUN_STATUSES = ("PENDING", "PROCESSING", "PROCESSED", "FAILED", "CANCELLED")
ACTIVE_STATUSES = frozenset({"PENDING", "PROCESSING"})
TERMINAL_STATUSES = frozenset({"PROCESSED", "FAILED", "CANCELLED"})
RUN_SOURCES = (
    "ADMIN",
    "BATCH_PROCESSOR_RUN",
    "PLAYGROUND",
    "WORKFLOW_CONFIGURATION",
    "WORKFLOW_RUN",
    "STUDIO",
    "API",
)


class RunRecord:
    """One classify run.

    Public attributes worth asserting on: ``id``, ``status``, ``deleted``,
    ``workspace_id``, ``cancel_count`` (cancel requests that reached the run, refused
    ones included), ``get_count``, ``history`` (every status it has had, in order),
    ``classifier_id``, ``batch_id``, ``source``, ``source_id``, ``file_name``,
    ``metadata``, ``failure_reason``, ``failure_message``, ``created_at``, ``updated_at``.
    """

    __slots__ = (
        "_full_json",
        "_summary_json",
        "batch_id",
        "cancel_count",
        "classifier",
        "classifier_id",
        "classifier_version",
        "config",
        "config_json",
        "created_us",
        "deleted",
        "failure_message",
        "failure_reason",
        "file",
        "file_name",
        "get_count",
        "history",
        "id",
        "metadata",
        "output",
        "parse_run_id",
        "priority",
        "source",
        "source_id",
        "status",
        "text",
        "updated_us",
        "usage",
        "workspace_id",
    )

    def __init__(
        self,
        *,
        id: str,
        workspace_id: str,
        status: str,
        created_us: int,
        updated_us: int,
        config: dict[str, Any],
        config_json: bytes,
        file: dict[str, Any] | None,
        file_name: str,
        classifier: dict[str, Any] | None = None,
        classifier_version: dict[str, Any] | None = None,
        classifier_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        batch_id: str | None = None,
        source: str = "API",
        source_id: str | None = None,
        priority: int | None = None,
    ) -> None:
        self.id = id
        self.workspace_id = workspace_id
        self.status = status
        self.created_us = created_us
        self.updated_us = updated_us
        self.config = config
        self.config_json = config_json
        self.file = file
        self.file_name = file_name
        self.classifier = classifier
        self.classifier_version = classifier_version
        self.classifier_id = classifier_id
        self.metadata = metadata
        self.batch_id = batch_id
        self.source = source
        self.source_id = source_id
        self.priority = priority
        self.output: dict[str, Any] | None = None
        self.failure_reason: str | None = None
        self.failure_message: str | None = None
        self.parse_run_id: str | None = None
        self.usage: dict[str, Any] | None = None
        self.deleted = False
        self.cancel_count = 0
        self.get_count = 0
        self.history = [status]
        # The file's text (inline ``text`` files and text uploads): what classifies it.
        self.text = ""
        # Rendered JSON, dropped whenever the run changes (see ``touch``).
        self._full_json: bytes | None = None
        self._summary_json: bytes | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def created_at(self) -> datetime:
        return from_us(self.created_us)

    @property
    def updated_at(self) -> datetime:
        return from_us(self.updated_us)

    def touch(self, now: int) -> None:
        """Record a change: bump ``updatedAt`` and forget the rendered JSON."""
        self.updated_us = max(now, self.updated_us)
        self._full_json = None
        self._summary_json = None

    def __repr__(self) -> str:
        deleted = " deleted" if self.deleted else ""
        return f"<RunRecord {self.id} {self.status}{deleted} workspace={self.workspace_id}>"


class VersionRecord:
    """A classifier version; ``version`` is ``"draft"`` or a number such as ``"1.0"``."""

    __slots__ = (
        "classifier_id",
        "config",
        "config_json",
        "created_by",
        "created_us",
        "description",
        "id",
        "version",
    )

    def __init__(
        self,
        *,
        id: str,
        classifier_id: str,
        version: str,
        config: dict[str, Any],
        config_json: bytes,
        created_us: int,
        description: str | None = None,
        created_by: dict[str, Any] | None = None,
    ) -> None:
        self.id = id
        self.classifier_id = classifier_id
        self.version = version
        self.config = config
        self.config_json = config_json
        self.created_us = created_us
        self.description = description
        self.created_by = created_by

    def __repr__(self) -> str:
        return f"<VersionRecord {self.id} {self.version} of {self.classifier_id}>"


class ClassifierRecord:
    """A classifier: its editable ``draft`` and the versions published from it."""

    __slots__ = ("created_us", "draft", "id", "name", "updated_us", "versions", "workspace_id")

    def __init__(
        self,
        *,
        id: str,
        workspace_id: str,
        name: str,
        created_us: int,
        draft: VersionRecord,
    ) -> None:
        self.id = id
        self.workspace_id = workspace_id
        self.name = name
        self.created_us = created_us
        self.updated_us = created_us
        self.draft = draft
        self.versions: list[VersionRecord] = []  # published, oldest first

    @property
    def latest(self) -> VersionRecord:
        """The newest published version, or the draft when none is published."""
        return self.versions[-1] if self.versions else self.draft

    def __repr__(self) -> str:
        return f"<ClassifierRecord {self.id} {self.name!r} versions={len(self.versions)}>"


class BatchRecord:
    """A batch of classify runs created by one ``POST /classify_runs/batch``."""

    __slots__ = ("created_us", "id", "run_ids", "workspace_id")

    def __init__(self, *, id: str, workspace_id: str, created_us: int) -> None:
        self.id = id
        self.workspace_id = workspace_id
        self.created_us = created_us
        self.run_ids: list[str] = []

    def __repr__(self) -> str:
        return f"<BatchRecord {self.id} runs={len(self.run_ids)}>"

"""Batch runs, and the inputs a batch is made of."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attrs import frozen

from ._base import Model
from ._enums import RunStatus
from .files import FileInput

__all__ = ["BatchInput", "BatchRun"]


@frozen(kw_only=True)
class BatchRun(Model):
    """A batch of runs; ``status`` is aggregated over the whole batch."""

    id: str
    status: RunStatus | str
    created_at: datetime
    run_count: int
    object: str = "batch_run"

    @property
    def is_terminal(self) -> bool:
        """True once the batch can no longer change (PROCESSED, FAILED or CANCELLED)."""
        return isinstance(self.status, RunStatus) and self.status.is_terminal


@frozen(kw_only=True)
class BatchInput:
    """One file of a batch, with the metadata its run will carry (at most 10 KB of JSON)."""

    file: FileInput
    metadata: dict[str, Any] | None = None

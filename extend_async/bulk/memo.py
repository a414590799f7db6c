"""Duplicate ids: which were seen, and how their first position ended.

Kept small because it lives as long as the operation: one ``str -> int`` entry per
distinct id, plus a slimmed outcome (no ``run``) only for first positions that did not
end as a plain cancel.
"""

from __future__ import annotations

from collections.abc import Callable, KeysView

import anyio
import attrs

from ..types import RunStatus
from .outcomes import CancelOutcome, OutcomeKind

__all__ = ["KindOf", "Memo", "mirror"]


def mirror(first: CancelOutcome, index: int) -> CancelOutcome:
    """The outcome of a later position of an id already settled at ``first.index``."""
    return attrs.evolve(first, index=index, attempts=0, duplicate_of=first.index)


# The kind of run an id is, as the operation tells it (``None``: not told).
KindOf = Callable[[str], "str | None"]


class Memo:
    def __init__(self, kind_of: KindOf | None = None) -> None:
        self._kind_of = kind_of
        self._first: dict[str, int] = {}
        # First positions still being settled; the event is made when a duplicate waits.
        self._pending: dict[str, anyio.Event | None] = {}
        self._unusual: dict[int, CancelOutcome] = {}

    def first_index(self, id: str) -> int | None:
        return self._first.get(id)

    def ids(self) -> KeysView[str]:
        """Every id seen so far (a live view)."""
        return self._first.keys()

    def begin(self, id: str, index: int) -> None:
        self._first[id] = index
        self._pending[id] = None

    async def wait(self, id: str) -> None:
        """Until the first position of ``id`` is settled."""
        if id not in self._pending:
            return
        event = self._pending[id]
        if event is None:
            event = self._pending[id] = anyio.Event()
        await event.wait()

    def finish(self, id: str, outcome: CancelOutcome) -> None:
        plain = (
            outcome.kind is OutcomeKind.CANCELLED
            and outcome.status == RunStatus.CANCELLED
            and outcome.error is None
        )
        if not plain:
            self._unusual[outcome.index] = attrs.evolve(outcome, run=None)
        event = self._pending.pop(id, None)
        if event is not None:
            event.set()

    def settled(self, id: str) -> CancelOutcome | None:
        """The (slimmed) outcome of the first position of ``id``, once it is settled."""
        index = self._first.get(id)
        if index is None or id in self._pending:
            return None
        known = self._unusual.get(index)
        if known is not None:
            return known
        return CancelOutcome(
            id=id,
            index=index,
            kind=OutcomeKind.CANCELLED,
            status=RunStatus.CANCELLED,
            run_kind=None if self._kind_of is None else self._kind_of(id),
        )

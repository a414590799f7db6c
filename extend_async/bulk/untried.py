"""Outcomes of ids that are never sent: a malformed value, and the ids of an in-memory
collection that a stop (deadline, interruption, fatal error) left unread.

A deadline has to hold however many ids are left. Giving each unread id its outcome costs a
few microseconds (400k ids: about 2 s), so the operation only copies the unread ids (one
C-level copy, milliseconds per million) and returns; their outcomes are worked out when the
result is first read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from typing import cast

from .._errors import InvalidInputError
from .._paths import MAX_ID_LENGTH, PLAIN_ID, PLAIN_ID_CHARS, validate_id
from .memo import KindOf, mirror
from .outcomes import CancelOutcome, OutcomeCounts, OutcomeKind

__all__ = ["Untried", "malformed"]

# A character no id matching ``PLAIN_ID`` holds.
_NOT_PLAIN = re.compile(f"[^{PLAIN_ID_CHARS}]")


def malformed(value: object, index: int) -> CancelOutcome | None:
    """The ``failed`` outcome of a value that is not a usable id (nothing is sent)."""
    if not isinstance(value, str):
        error = InvalidInputError(f"ids must be str, got {type(value).__name__}")
        return CancelOutcome(id=str(value), index=index, kind=OutcomeKind.FAILED, error=error)
    try:
        validate_id(value)
    except InvalidInputError as exc:
        return CancelOutcome(id=value, index=index, kind=OutcomeKind.FAILED, error=exc)
    return None


class Untried:
    """The unread ids from position ``start`` on, and their outcomes on demand.

    ``read_before`` holds every id read before the stop, and ``earlier(id)`` the outcome
    of the position where it was read: a repeated id mirrors it. Both are settled once
    the operation has returned, so the outcomes are the same whenever they are made.
    """

    def __init__(
        self,
        ids: tuple[object, ...],
        *,
        start: int,
        read_before: Collection[str],
        earlier: Callable[[str], CancelOutcome | None],
        kind_of: KindOf | None = None,
    ) -> None:
        self._kind_of = kind_of
        self._ids = ids
        self._start = start
        self._read_before = read_before
        self._earlier = earlier
        self._made: tuple[CancelOutcome, ...] | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[CancelOutcome]:
        """The outcomes one by one, without keeping them (for a stream)."""
        not_attempted = OutcomeKind.NOT_ATTEMPTED
        first_here: dict[str, int] = {}
        earlier = self._earlier
        kind_of = self._kind_of
        for index, value in enumerate(self._ids, self._start):
            # One regular expression settles the usual id; the full check only runs
            # for what it does not match.
            if not (isinstance(value, str) and PLAIN_ID.fullmatch(value)):
                failure = malformed(value, index)
                if failure is not None:
                    yield failure
                    continue
            assert isinstance(value, str)
            first = first_here.get(value)
            run_kind = None if kind_of is None else kind_of(value)
            if first is not None:
                yield CancelOutcome(
                    id=value,
                    index=index,
                    kind=not_attempted,
                    duplicate_of=first,
                    run_kind=run_kind,
                )
                continue
            before = earlier(value)
            if before is not None:
                yield mirror(before, index)
                continue
            first_here[value] = index
            yield CancelOutcome(id=value, index=index, kind=not_attempted, run_kind=run_kind)

    def outcomes(self) -> tuple[CancelOutcome, ...]:
        """The outcomes, made once and kept."""
        if self._made is None:
            self._made = tuple(self)
        return self._made

    def counts(self) -> OutcomeCounts:
        if self._made is None and self._all_plain_and_new():
            # The usual tail needs no outcome made to be counted (1M ids: ~0.2 s, not ~5).
            return OutcomeCounts(not_attempted=len(self._ids))
        return OutcomeCounts.of_outcomes(self.outcomes())

    def _all_plain_and_new(self) -> bool:
        """Every id is a plain ``str`` matching ``PLAIN_ID``, given once and not read
        before the stop: each is then ``not_attempted``. Checked a whole pass at a time,
        in C, rather than id by id."""
        ids = self._ids
        if not ids:
            return True
        if set(map(type, ids)) != {str}:
            return False
        texts = cast("tuple[str, ...]", ids)  # all str, checked above
        lengths = list(map(len, texts))
        if min(lengths) < 1 or max(lengths) > MAX_ID_LENGTH:
            return False
        distinct = set(texts)
        if len(distinct) != len(texts) or not distinct.isdisjoint(self._read_before):
            return False
        # With the lengths above, this is PLAIN_ID.fullmatch of each id.
        return _NOT_PLAIN.search("".join(texts)) is None

"""Waiting for a run of any kind: one table of each kind's final states, one poll loop.

Each generated run resource named in ``RUN_KINDS`` (``scripts/generate_resources.py`` reads
the table's keys) gets ``wait`` and ``create_and_wait``, thin methods over
``RunWaiting._wait_for``: the schedule, the deadline and ``WaitTimeoutError`` are
``_polling``'s, as for classify runs. A status this SDK does not know is "not yet".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from attrs import frozen

from .. import types
from .._paths import path
from .._polling import PollPolicy, check_deadline, check_policy, poll_until
from .._request_options import CallOptions, resolve_options
from ._base import AsyncAPIResource

__all__ = ["RUN_KINDS", "RunWaiting", "WaitKind"]

RunT = TypeVar("RunT")


@frozen
class WaitKind:
    """One kind of run: how to name it, where to fetch it, and the statuses it ends in.

    ``answer`` / ``unwrap``: for the legacy runs, the model ``GET`` answers with (in
    ``extend_async.types``) and its attribute holding the run.
    """

    label: str
    path: str
    final: frozenset[str]
    answer: str | None = None
    unwrap: str | None = None


_ENDED = frozenset({"PROCESSED", "FAILED", "CANCELLED"})
_NO_CANCEL = frozenset({"PROCESSED", "FAILED"})

RUN_KINDS: dict[str, WaitKind] = {
    "extract_runs": WaitKind("extract run", "/extract_runs/{}", _ENDED),
    "split_runs": WaitKind("split run", "/split_runs/{}", _ENDED),
    # Parse runs cannot be cancelled: CANCELLED is not one of their statuses.
    "parse_runs": WaitKind("parse run", "/parse_runs/{}", _NO_CANCEL),
    # A workflow run may stop for a person (NEEDS_REVIEW) or be turned down (REJECTED);
    # CANCELLING is on its way to CANCELLED, so not yet final.
    "workflow_runs": WaitKind(
        "workflow run",
        "/workflow_runs/{}",
        frozenset({"PROCESSED", "FAILED", "CANCELLED", "NEEDS_REVIEW", "REJECTED"}),
    ),
    # Verify runs start in PROCESSING (no PENDING) and may be cancelled.
    "verify_runs": WaitKind("verify run", "/verify_runs/{}", _ENDED),
    "edit_runs": WaitKind("edit run", "/edit_runs/{}", _NO_CANCEL),
    "form_detection_runs": WaitKind("form detection run", "/form_detection_runs/{}", _NO_CANCEL),
    "evaluation_set_runs": WaitKind("evaluation set run", "/evaluation_set_runs/{}", _ENDED),
    "processor_runs": WaitKind(
        "processor run",
        "/processor_runs/{}",
        _ENDED,
        answer="ProcessorRunGetResponse",
        unwrap="processor_run",
    ),
}


def status_of(run: object) -> str:
    status = getattr(run, "status", None)
    return str(getattr(status, "value", status))


class RunWaiting(AsyncAPIResource):
    """What the generated run resources share: polling one run until its kind ends it."""

    _run_kind: ClassVar[str]

    async def _wait_for(
        self,
        id: str | None,
        first: object,
        run_type: type[RunT],
        deadline: float | None,
        poll: PollPolicy | None,
        options: Mapping[str, Any] | CallOptions,
    ) -> RunT:
        """``id``'s run (or ``first``'s, an answer in hand from a create) once its status
        is final for its kind; ``WaitTimeoutError`` at the deadline."""
        kind = RUN_KINDS[self._run_kind]
        limit = check_deadline(deadline)
        policy = check_policy(poll)
        request = resolve_options(options)
        run: RunT | None = None
        if first is not None:
            run = self._unwrap(kind, first)
            id = str(getattr(run, "id", ""))
        url = path(kind.path, id)
        answer: type[Any] = run_type if kind.answer is None else getattr(types, kind.answer)

        async def fetch() -> RunT:
            got = await self._requester.request("GET", url, cast_to=answer, options=request)
            seen: RunT = self._unwrap(kind, got)
            return seen

        return await poll_until(
            fetch,
            lambda seen: status_of(seen) in kind.final,
            describe=lambda seen: f"{kind.label} {getattr(seen, 'id', id)} still {status_of(seen)}",
            deadline=limit,
            policy=policy,
            first=run,
        )

    @staticmethod
    def _unwrap(kind: WaitKind, answer: Any) -> Any:
        return answer if kind.unwrap is None else getattr(answer, kind.unwrap)

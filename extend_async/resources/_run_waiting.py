"""Waiting for a run of any kind: each kind's final states from the one table of run kinds
(``_run_kinds``), one poll loop.

Each generated run resource named in ``RUN_KINDS`` (``scripts/generate_resources.py`` reads
it) gets ``wait`` and ``create_and_wait``, thin methods over ``RunWaiting._wait_for``: the
schedule, the deadline and ``WaitTimeoutError`` are ``_polling``'s, as for classify runs. A
status this SDK does not know is "not yet".
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
from ._run_kinds import RUN_KINDS as RUN_KIND_TABLE

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


def _known(name: str) -> WaitKind:
    """A kind of ``_run_kinds`` (the one table of run kinds), as waiting needs it."""
    kind = RUN_KIND_TABLE[name]
    envelope = kind.envelope
    return WaitKind(
        kind.label,
        kind.path + "/{}",
        kind.final,
        answer=envelope.get if envelope else None,
        unwrap=envelope.run if envelope else None,
    )


# client attribute -> its kind. The final states are ``_run_kinds``': parse, edit and form
# detection runs end PROCESSED or FAILED (they cannot be cancelled); workflow runs also end
# NEEDS_REVIEW or REJECTED, and CANCELLING is on its way to CANCELLED, so not yet final;
# verify runs start in PROCESSING.
RUN_KINDS: dict[str, WaitKind] = {
    "extract_runs": _known("extract"),
    "split_runs": _known("split"),
    "parse_runs": _known("parse"),
    "workflow_runs": _known("workflow"),
    "verify_runs": _known("verify"),
    "edit_runs": _known("edit"),
    "form_detection_runs": _known("form_detection"),
    "processor_runs": _known("processor"),
    # Not a kind of ``client.runs`` (no cancel, no id prefix the API documents).
    "evaluation_set_runs": WaitKind(
        "evaluation set run",
        "/evaluation_set_runs/{}",
        frozenset({"PROCESSED", "FAILED", "CANCELLED"}),
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

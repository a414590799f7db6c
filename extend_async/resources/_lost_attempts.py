"""After a lost attempt: what a refused cancel or a 404 on a delete really means.

The retry loop (``_send``) knows one rule, ``may_have_landed``, and marks every later
error with it (``after_lost_attempt``). What follows from it depends on the resource, so
it lives here, once, for single calls and bulk alike:

* a refused cancel (400/422/409) after an attempt that may have landed: that attempt may
  have cancelled the run. ``recover_refused_cancel`` fetches the run once and says so;
* a 404 on a delete after such an attempt: that attempt deleted it (``landed_earlier``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from attrs import frozen

from .._errors import (
    BadRequestError,
    ConflictError,
    ExtendError,
    ResponseDecodeError,
    UnprocessableEntityError,
)
from ._run_kinds import is_stopping

__all__ = ["CANCEL_REFUSALS", "RefusedCancel", "landed_earlier", "recover_refused_cancel"]

# How the API refuses to cancel a run ("cannot be cancelled in status ..."): 400, or 422
# and 409 from some deployments.
CANCEL_REFUSALS = (BadRequestError, UnprocessableEntityError, ConflictError)


def landed_earlier(error: ExtendError) -> bool:
    """Could an attempt of the request that failed with ``error`` have done its work?

    Yes when an earlier attempt may have landed (``after_lost_attempt``), and when the
    request was answered 2xx but the answer could not be read (it landed).
    """
    if isinstance(error, ResponseDecodeError):
        return True
    return bool(getattr(error, "after_lost_attempt", False))


class _Run(Protocol):
    @property
    def status(self) -> object: ...


RunT = TypeVar("RunT", bound=_Run)


@frozen
class RefusedCancel(Generic[RunT]):
    """What a refused cancel turned out to be, from one fetch of the run (when made)."""

    run: RunT | None
    # The run is CANCELLED (or CANCELLING: a workflow run) and an earlier attempt of this
    # cancel may have landed: that attempt did the work, so the cancel succeeded.
    cancelled_by_lost_attempt: bool


async def recover_refused_cancel(
    refusal: ExtendError,
    fetch: Callable[[], Awaitable[RunT]],
    *,
    need_run: bool = False,
) -> RefusedCancel[RunT]:
    """The one recovery of a refused cancel, for ``cancel`` and the bulk operations.

    The run is fetched (once) when an earlier attempt may have landed, or always with
    ``need_run`` (bulk reports every id's real status). Errors of the fetch propagate.
    """
    landed = landed_earlier(refusal)
    if not landed and not need_run:
        return RefusedCancel(run=None, cancelled_by_lost_attempt=False)
    run = await fetch()
    return RefusedCancel(run=run, cancelled_by_lost_attempt=landed and is_stopping(run.status))

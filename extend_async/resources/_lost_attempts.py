"""After a lost attempt: what a refused cancel or a 404 on a delete really means.

The retry loop (``_send``) knows one rule, ``may_have_landed``, and marks every later
error with it (``after_lost_attempt``). What follows from it depends on the resource, so
it lives here, once, for single calls and bulk alike:

* a refused cancel (400/422/409) after an attempt that may have landed: that attempt may
  have cancelled the run. ``recover_refused_cancel`` fetches the run once and says so;
* a 404 on a delete after such an attempt: that attempt deleted it (``landed_earlier``).

``cancel_run`` and ``delete_run`` send a run's cancel and delete with these recoveries, for
every kind of run (from ``_run_kinds``): the generated resources' ``cancel``/``delete``,
``classify_runs`` and ``client.runs`` all call them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

import attrs
from attrs import evolve, frozen

from .._errors import (
    BadRequestError,
    ConflictError,
    ExtendError,
    NotFoundError,
    ResponseDecodeError,
    UnprocessableEntityError,
)
from .._paths import path
from .._request_options import CallOptions, resolve_options
from ._run_kinds import RUN_KINDS, RunKind, is_stopping, model_named

if TYPE_CHECKING:
    from .._transport import Requester

__all__ = [
    "CANCEL_REFUSALS",
    "RefusedCancel",
    "cancel_run",
    "delete_run",
    "fetch_run",
    "landed_earlier",
    "recover_refused_cancel",
]

T = TypeVar("T")

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


async def fetch_run(requester: Requester, kind: RunKind, id: str, options: CallOptions) -> Any:
    """``GET {kind}/{id}``: the run (out of its envelope, for a legacy kind)."""
    url = path(kind.path + "/{}", id)
    if kind.envelope is None:
        return await requester.request("GET", url, cast_to=kind.model_type(), options=options)
    answer = await requester.request(
        "GET", url, cast_to=model_named(kind.envelope.get), options=options
    )
    return getattr(answer, kind.envelope.run)


async def cancel_run(
    requester: Requester,
    kind: str,
    id: str,
    cast_to: type[T],
    options: CallOptions | Mapping[str, Any],
) -> T:
    """``POST {kind}/{id}/cancel``, decoded into ``cast_to`` (the run, or its envelope).

    A refusal after an attempt that may have landed is recovered: the run is fetched once
    (``recover_refused_cancel``) and, if it is CANCELLED (or CANCELLING: a workflow run),
    that attempt did the work and the run is the answer. Any other refusal is raised as
    it came.
    """
    row = RUN_KINDS[kind]
    request = resolve_options(options)
    url = path(row.path + "/{}/cancel", id)
    try:
        return await requester.request("POST", url, cast_to=cast_to, options=request)
    except CANCEL_REFUSALS as refused:
        # The fetch is a GET: the cancel's extra body is not for it.
        fetch = partial(fetch_run, requester, row, id, evolve(request, extra_body=None))
        seen = await recover_refused_cancel(refused, fetch)
        if seen.run is None or not seen.cancelled_by_lost_attempt:
            raise
        if row.envelope is None:
            return cast(T, seen.run)
        return cast_to(**{"success": True, row.envelope.run: seen.run})


# What a delete answers, by field of its model: ``{"id"}`` (the legacy processor runs':
# ``{"success", "documentProcessorRunId", "message"}``).
def _deleted_fields(id: str) -> dict[str, object]:
    return {"id": id, "success": True, "document_processor_run_id": id, "message": "Deleted"}


async def delete_run(
    requester: Requester,
    kind: str,
    id: str,
    cast_to: type[T],
    options: CallOptions | Mapping[str, Any],
) -> T:
    """``DELETE {kind}/{id}``, decoded into ``cast_to``.

    A 404 after an attempt that may have landed means that attempt deleted the run: the
    answer is then the one a delete gives, built for ``id`` (``cast_to(id=id)``).
    """
    row = RUN_KINDS[kind]
    try:
        return await requester.request(
            "DELETE", path(row.path + "/{}", id), cast_to=cast_to, options=options
        )
    except NotFoundError as missing:
        if not landed_earlier(missing):
            raise
        values = _deleted_fields(id)
        fields = attrs.fields(cast(Any, cast_to))
        return cast_to(**{f.name: values[f.name] for f in fields if f.name in values})

"""``client.runs``: runs of every kind through one resource, bulk cancellation across kinds.

Which kind a run is comes from its id's prefix (``exr_`` extract, ``workflow_run_``
workflow, ...), or from ``kind=``, which wins; the table is ``_run_kinds.RUN_KINDS``.
Every request goes through the requester like any other resource's.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypedDict, cast

from attrs import evolve

from .._errors import InvalidInputError
from .._pagination import AsyncPager
from .._paths import path
from .._raw import with_raw
from .._request_options import CallOptions, RequestOptions, Unpack, resolve_options
from .._send import Gate
from ..bulk import operations as bulk
from ..bulk.attempts import RunCall
from ..bulk.outcomes import BulkCancelResult, BulkProgress, CancelOutcome
from ..bulk.progress import ProgressCallback
from ..types import Page
from ._base import (
    SORT_DIR,
    AsyncAPIResource,
    SortBy,
    SortDir,
    check_choice,
    check_page_size,
    check_sort_by,
)
from ._lost_attempts import cancel_run, delete_run, fetch_run
from ._run_kinds import (
    CANCELLABLE_KINDS,
    LISTABLE_KINDS,
    RunKind,
    RunKindName,
    check_kind,
    check_kinds,
    kind_of_id,
    model_named,
    resolve_kind,
)

if TYPE_CHECKING:
    from ._run_kinds import AnyDeletedRun, AnyRun, AnyRunSummary

__all__ = ["AsyncRuns", "AsyncRunsWithRawResponse"]

# Between a listing's position and its own cursor, in a list of several kinds or statuses.
_CURSOR_SEP = "~"
# The statuses ``cancel_all`` stops by default, where a kind has them.
_RUNNING = ("PENDING", "PROCESSING")


def _statuses(status: object, kinds: Sequence[RunKind]) -> tuple[str, ...] | None:
    """``status=`` as a tuple of statuses, each a status of one of ``kinds`` at least."""
    if status is None:
        return None
    values = [status] if isinstance(status, str) else status
    if not isinstance(values, Iterable):
        raise InvalidInputError(f"status must be a status or a list of them, got {status!r}")
    known = {s for kind in kinds for s in kind.statuses}
    statuses = []
    for value in values:
        if not isinstance(value, str) or value not in known:
            raise InvalidInputError(
                f"status must be one of {', '.join(sorted(known))} for "
                f"{', '.join(k.name for k in kinds)} runs, got {value!r}"
            )
        statuses.append(str(value))
    if not statuses:
        raise InvalidInputError("status must not be an empty list")
    return tuple(dict.fromkeys(statuses))


def _listings(
    kinds: Sequence[RunKind], statuses: tuple[str, ...] | None
) -> list[tuple[RunKind, str | None]]:
    """One listing per kind and status that kind has (the API filters by one status)."""
    if statuses is None:
        return [(kind, None) for kind in kinds]
    return [(kind, s) for kind in kinds for s in statuses if s in kind.statuses]


class AsyncRuns(AsyncAPIResource):
    """Runs of every kind: classify, extract, split, parse, workflow, verify, legacy
    processor, edit and form detection runs.

    ``kind`` is a kind's name (``"extract"``) or the API's namespace
    (``"extract_runs"``); without it, the id's prefix tells the kind. An id whose kind
    cannot be told, or cannot be cancelled, is refused before anything is sent.
    """

    async def get(
        self,
        id: str,
        *,
        kind: RunKindName | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AnyRun:
        """Fetch a run of any kind (``ClassifyRun``, ``ExtractRun``, ``WorkflowRun``...)."""
        row = resolve_kind(id, None if kind is None else check_kind(kind))
        return await self._get(id, row, resolve_options(options))

    async def _get(self, id: str, kind: RunKind, options: CallOptions) -> AnyRun:
        run: AnyRun = await fetch_run(self._requester, kind, id, options)
        return run

    async def cancel(
        self,
        id: str,
        *,
        kind: RunKindName | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AnyRun:
        """Cancel a run of any kind that can be cancelled, and return it.

        Classify, extract, split and processor runs stop when PROCESSING; workflow runs
        when PENDING or PROCESSING, and come back CANCELLING (CANCELLED once their steps
        stop); a verify run that already finished comes back as it is. Parse, edit and
        form detection runs cannot be cancelled: ``InvalidInputError``, nothing sent. A
        refusal raises as ``classify_runs.cancel`` does (``BadRequestError`` or
        ``ConflictError``), and after an attempt that may have landed the run is fetched:
        a CANCELLED (or CANCELLING) run is returned.
        """
        row = resolve_kind(id, None if kind is None else check_kind(kind))
        _check_cancellable(row)
        answer = await cancel_run(self._requester, row.name, id, _cancel_answer(row), options)
        return _unwrap(row, answer)

    async def _send_cancel(self, id: str, kind: RunKind, options: CallOptions) -> AnyRun:
        """``POST {kind}/{id}/cancel``, a refusal raised as it came."""
        _check_cancellable(kind)
        url = path(kind.path + "/{}/cancel", id)
        answer = await self._requester.request(
            "POST", url, cast_to=_cancel_answer(kind), options=options
        )
        return _unwrap(kind, answer)

    async def delete(
        self,
        id: str,
        *,
        kind: RunKindName | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AnyDeletedRun:
        """Delete a run of any kind the API deletes, and all its data, permanently.

        Answers with the kind's delete answer (``DeletedClassifyRun``,
        ``ExtractRunsDeleteResponse``, ...). Form detection runs cannot be deleted:
        ``InvalidInputError``, nothing sent. A 404 after an attempt that may have landed
        means that attempt deleted the run: success, as for ``classify_runs.delete``.
        """
        row = resolve_kind(id, None if kind is None else check_kind(kind))
        if row.deleted is None:
            raise InvalidInputError(f"{row.label}s cannot be deleted (the API has no delete)")
        deleted: AnyDeletedRun = await delete_run(
            self._requester, row.name, id, model_named(row.deleted), options
        )
        return deleted

    def list(
        self,
        *,
        kinds: RunKindName | str | Iterable[RunKindName | str] | None = None,
        status: str | Sequence[str] | None = None,
        batch_id: str | None = None,
        file_name_contains: str | None = None,
        sort_by: SortBy | None = None,
        sort_dir: SortDir | None = None,
        max_page_size: int | None = None,
        next_page_token: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[AnyRunSummary]:
        """List runs of several kinds (default: every kind the API lists), kind by kind
        in the order given, each kind's runs sorted as asked (newest update first by
        default).

        ``await`` the result for the first page, ``async for`` it for every run across
        kinds and pages; nothing is sent until then. ``status`` is one status or several,
        each listed in turn for every kind that has it (``CANCELLING`` only for workflow
        runs); the cursor carries which kind and status it is on. Filters a kind's list
        does not take (``batch_id`` for verify, processor and edit runs, sorting for
        parse runs) are left out of that kind's requests.
        """
        rows = check_kinds(kinds, default=LISTABLE_KINDS)
        for row in rows:
            if not row.listable:
                raise InvalidInputError(f"the API cannot list {row.label}s")
        listings = _listings(rows, _statuses(status, rows))
        params: dict[str, Any] = {
            "batchId": batch_id,
            "fileNameContains": file_name_contains,
            "sortBy": check_sort_by(sort_by),
            "sortDir": check_choice(sort_dir, name="sort_dir", allowed=SORT_DIR),
            "maxPageSize": check_page_size(max_page_size),
        }
        if batch_id is not None and not any("batchId" in r.list_filters for r, _ in listings):
            raise InvalidInputError("batch_id: none of these kinds' lists filters by batch")
        request = resolve_options(options)

        async def fetch_page(token: str | None) -> Page[AnyRunSummary]:
            index, _, inner = (token or f"0{_CURSOR_SEP}").partition(_CURSOR_SEP)
            if not index.isdigit() or int(index) >= max(len(listings), 1):
                raise InvalidInputError("next_page_token is not from a list of these runs")
            at = int(index)
            if not listings:  # no kind has any of the statuses asked for
                return Page(data=())
            kind, one_status = listings[at]
            page = await self._list_page(kind, one_status, params, inner or None, request)
            if page.next_page_token:
                following: str | None = f"{at}{_CURSOR_SEP}{page.next_page_token}"
            elif at + 1 < len(listings):
                following = f"{at + 1}{_CURSOR_SEP}"
            else:
                following = None
            return evolve(page, next_page_token=following)

        return AsyncPager(fetch_page, start_token=next_page_token)

    async def _list_page(
        self,
        kind: RunKind,
        status: str | None,
        params: dict[str, Any],
        token: str | None,
        options: CallOptions,
    ) -> Page[AnyRunSummary]:
        """One page of one kind's list, with the filters that kind takes."""
        query = {"status": status, "maxPageSize": params["maxPageSize"], "nextPageToken": token}
        if "batchId" in kind.list_filters:
            query["batchId"] = params["batchId"]
        if "fileNameContains" in kind.list_filters:
            query["fileNameContains"] = params["fileNameContains"]
        if "sort" in kind.list_filters:
            query["sortBy"], query["sortDir"] = params["sortBy"], params["sortDir"]
        if kind.envelope is not None:
            answer = await self._requester.request(
                "GET", kind.path, params=query, cast_to=model_named(kind.envelope.list),
                options=options,
            )  # fmt: skip
            return Page(
                data=tuple(getattr(answer, kind.envelope.runs)),
                next_page_token=answer.next_page_token,
            )
        page_type = cast(Any, Page)[kind.summary_type()]  # Page of this kind's summary
        page: Page[AnyRunSummary] = await self._requester.request(
            "GET", kind.path, params=query, cast_to=page_type, options=options
        )
        return page

    async def cancel_many(
        self,
        ids: Iterable[str] | AsyncIterable[str],
        *,
        kind: RunKindName | str | None = None,
        default_kind: RunKindName | str | None = None,
        concurrency: int = bulk.DEFAULT_CONCURRENCY,
        max_rate: float | None = None,
        deadline: float | None = None,
        on_progress: Callable[[BulkProgress], None] | None = None,
        progress: bool = False,
        **options: Unpack[RequestOptions],
    ) -> BulkCancelResult:
        """Cancel runs of any kinds concurrently; one ``CancelOutcome`` per input, in
        input order, each with its ``run_kind``.

        Each id's kind comes from its prefix, or is ``kind`` for every id (an id whose
        prefix names another kind is then refused); ``default_kind`` is the kind of the
        ids whose prefix names none (without it they fail). An id whose kind cannot be told or
        cannot be cancelled (parse, edit, form detection runs) is ``failed`` with an
        ``InvalidInputError`` saying why, and nothing is sent for it. Everything else is
        as for ``classify_runs.cancel_many``: the shared 429 gate, ``max_rate``, retries,
        ``deadline``, ``BulkCancelInterrupted``, ``on_progress`` and ``progress``.
        ``result.counts_by_kind`` counts the outcomes per kind of run.
        """
        calls = self._bulk(
            kind, concurrency, max_rate, deadline, on_progress, options, default_kind
        )
        return await bulk.cancel_many(ids, **calls, progress=progress)

    def cancel_iter(
        self,
        ids: Iterable[str] | AsyncIterable[str],
        *,
        kind: RunKindName | str | None = None,
        default_kind: RunKindName | str | None = None,
        concurrency: int = bulk.DEFAULT_CONCURRENCY,
        max_rate: float | None = None,
        deadline: float | None = None,
        on_progress: Callable[[BulkProgress], None] | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncIterator[CancelOutcome]:
        """Like ``cancel_many``, yielding each ``CancelOutcome`` as it completes (as
        ``classify_runs.cancel_iter`` does)."""
        calls = self._bulk(
            kind, concurrency, max_rate, deadline, on_progress, options, default_kind
        )
        return bulk.cancel_iter(ids, **calls)

    async def cancel_all(
        self,
        *,
        kinds: RunKindName | str | Iterable[RunKindName | str] | None = None,
        status: str | Sequence[str] | None = None,
        batch_id: str | None = None,
        file_name_contains: str | None = None,
        concurrency: int = bulk.DEFAULT_CONCURRENCY,
        max_rate: float | None = None,
        deadline: float | None = None,
        on_progress: Callable[[BulkProgress], None] | None = None,
        progress: bool = False,
        **options: Unpack[RequestOptions],
    ) -> BulkCancelResult:
        """Cancel every matching run of ``kinds`` (default: every kind that can be
        cancelled: classify, extract, split, workflow, verify and processor runs),
        cancelling as the pages stream in.

        ``status`` is one status or several (default: PENDING and PROCESSING, where a
        kind has them). Each kind is listed oldest first, and listed again until a pass
        finds no new run, as ``classify_runs.cancel_all`` does. Settings and result as
        for ``cancel_many``; ``result.counts_by_kind`` says what was stopped per kind.
        """
        rows = check_kinds(kinds, default=CANCELLABLE_KINDS)
        for row in rows:
            _check_cancellable(row)
        statuses = _statuses(status, rows)
        listings = _listings(rows, statuses or _RUNNING)
        self.list(
            kinds=[r.name for r in rows], batch_id=batch_id, file_name_contains=file_name_contains
        )  # fmt: skip  (checks the filters)
        calls = self._bulk(None, concurrency, max_rate, deadline, on_progress, options)
        # The list pages go out with the same per-request settings as the cancels (but
        # the cancel's extra body: a list is a GET).
        request = evolve(resolve_options(options), extra_body=None)
        request = evolve(request, max_retries=calls["options"].max_retries)
        params: dict[str, Any] = {
            "batchId": batch_id,
            "fileNameContains": file_name_contains,
            "sortBy": "createdAt",
            "sortDir": "asc",
            "maxPageSize": bulk.LIST_PAGE_SIZE,
        }
        keys = {f"{kind.name}:{one}": (kind, one) for kind, one in listings}

        async def list_page(key: str, token: str | None, gate: Gate) -> Page[AnyRunSummary]:
            kind, one_status = keys[key]
            runs = self._bound(self._requester.through(gate))
            return await runs._list_page(kind, one_status, params, token, request)

        return await bulk.cancel_all(
            statuses=list(keys), list_page=list_page, **calls, progress=progress
        )

    def _bulk(
        self,
        kind: str | None,
        concurrency: int,
        max_rate: float | None,
        deadline: float | None,
        on_progress: ProgressCallback | None,
        request_options: RequestOptions,
        default_kind: str | None = None,
    ) -> _BulkCalls:
        """As ``AsyncClassifyRuns._bulk``, with each id sent to its kind's routes; an id
        whose kind cannot be told or cancelled fails before any request."""
        given = None if kind is None else check_kind(kind)
        default = None if default_kind is None else check_kind(default_kind, name="default_kind")
        resolved = resolve_options(request_options)
        options = bulk.bulk_options(
            concurrency=concurrency,
            max_rate=max_rate,
            deadline=deadline,
            max_retries=resolved.max_retries,
            policy=self._requester.options.retry,
            paced_elsewhere=self._requester.pacer is not None,
            kind_of=kind_of_id(given, default),
        )
        cancels = evolve(resolved, max_retries=options.max_retries)
        gets = evolve(cancels, extra_body=None)

        async def cancel(id: str, gate: Gate) -> AnyRun:
            row = resolve_kind(id, given, default)  # InvalidInputError: failed, no request
            runs = self._bound(self._requester.through(gate))
            return await runs._send_cancel(id, row, cancels)

        async def get(id: str, gate: Gate) -> AnyRun:
            runs = self._bound(self._requester.through(gate))
            return await runs._get(id, resolve_kind(id, given, default), gets)

        return _BulkCalls(cancel=cancel, get=get, options=options, on_progress=on_progress)

    @cached_property
    def with_raw_response(self) -> AsyncRunsWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return AsyncRunsWithRawResponse(self)


def _cancel_answer(kind: RunKind) -> type[Any]:
    """The model a kind's cancel answers with: the run, or its legacy envelope."""
    return kind.model_type() if kind.envelope is None else model_named(kind.envelope.cancel)


def _unwrap(kind: RunKind, answer: Any) -> AnyRun:
    run: AnyRun = answer if kind.envelope is None else getattr(answer, kind.envelope.run)
    return run


def _check_cancellable(kind: RunKind) -> None:
    if kind.cancel_refusal is not None:
        raise InvalidInputError(kind.cancel_refusal)


class _BulkCalls(TypedDict):
    cancel: RunCall
    get: RunCall
    options: bulk.BulkOptions
    on_progress: ProgressCallback | None


class AsyncRunsWithRawResponse:
    def __init__(self, runs: AsyncRuns) -> None:
        self.get = with_raw(runs.get)
        self.cancel = with_raw(runs.cancel)
        self.delete = with_raw(runs.delete)

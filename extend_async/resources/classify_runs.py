"""``client.classify_runs``: create, classify, get, cancel, delete and list classify runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from functools import cached_property, partial
from os import PathLike
from typing import Any, TypedDict

from attrs import evolve

from .._errors import APIStatusError, BadRequestError, ExtendError, InvalidInputError
from .._options import CLASSIFY_SYNC_TIMEOUT
from .._pagination import AsyncPager
from .._paths import path
from .._polling import (
    DEFAULT_WAIT_CONCURRENCY,
    DEFAULT_WAIT_DEADLINE,
    PollPolicy,
    WaitTimeoutError,
    check_concurrency,
    check_deadline,
    check_policy,
    poll_many,
    poll_until,
)
from .._raw import with_raw
from .._request_options import CallOptions, RequestOptions, Unpack, resolve_options
from .._send import Gate
from ..bulk import operations as bulk
from ..bulk.attempts import RunCall
from ..bulk.outcomes import BulkCancelResult, BulkProgress, CancelOutcome
from ..bulk.progress import ProgressCallback
from ..types import (
    BatchRun,
    ClassifierRef,
    ClassifierRefDict,
    ClassifyConfig,
    ClassifyConfigDict,
    ClassifyRun,
    ClassifyRunSummary,
    DeletedClassifyRun,
    FileFromId,
    FileFromText,
    FileFromUrl,
    FileInput,
    FileInputDict,
    Page,
    RunSource,
    RunStatus,
)
from ._base import (
    SORT_DIR,
    AsyncAPIResource,
    SortBy,
    SortDir,
    as_body,
    check_choice,
    check_metadata,
    check_page_size,
    check_sort_by,
)
from ._batch import BatchInputArg, batch_body
from ._lost_attempts import CANCEL_REFUSALS, delete_run, recover_refused_cancel
from .files import AsyncFiles

__all__ = ["AsyncClassifyRuns", "AsyncClassifyRunsWithRawResponse"]

_log = logging.getLogger("extend_async")

_STATUSES = frozenset(s.value for s in RunStatus)
_SOURCES = frozenset(s.value for s in RunSource)
# Between the status a listing of several statuses is on and that status's own cursor.
_STATUS_CURSOR_SEP = "~"


def _list_statuses(status: object) -> tuple[str | None, ...]:
    """``status=`` as the statuses to list, one request each: the API filters by one."""
    if status is None or isinstance(status, str):
        return (check_choice(status, name="status", allowed=_STATUSES),)
    if not isinstance(status, Iterable):
        raise InvalidInputError(f"status must be a status or a list of them, got {status!r}")
    statuses = []
    for value in status:
        if not isinstance(value, str):
            raise InvalidInputError(f"status must be a status or a list of them, got {value!r}")
        statuses.append(check_choice(value, name="status", allowed=_STATUSES))
    if not statuses:
        raise InvalidInputError("status must not be an empty list")
    return tuple(dict.fromkeys(statuses))


def _run_body(
    *,
    file: FileInput | FileInputDict,
    classifier: ClassifierRef | str | ClassifierRefDict | None,
    config: ClassifyConfig | ClassifyConfigDict | None,
    metadata: Mapping[str, Any] | None,
) -> dict[str, Any]:
    if (classifier is None) == (config is None):
        raise InvalidInputError("give exactly one of classifier= or config=")
    body: dict[str, Any] = {
        "file": as_body(file, name="file", expected=(FileFromUrl, FileFromId, FileFromText))
    }
    if isinstance(classifier, str):
        body["classifier"] = {"id": classifier}
    elif classifier is not None:
        body["classifier"] = as_body(classifier, name="classifier", expected=(ClassifierRef,))
    else:
        body["config"] = as_body(config, name="config", expected=(ClassifyConfig,))
    checked = check_metadata(metadata)
    if checked is not None:
        body["metadata"] = checked
    return body


class AsyncClassifyRuns(AsyncAPIResource):
    """Classify runs: one classification of one file."""

    async def create(
        self,
        *,
        file: FileInput | FileInputDict | str | PathLike[str],
        classifier: ClassifierRef | str | ClassifierRefDict | None = None,
        config: ClassifyConfig | ClassifyConfigDict | None = None,
        priority: int | None = None,
        metadata: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> ClassifyRun:
        """Start a classify run; it comes back PROCESSING (or PENDING when queued).

        Give exactly one of ``classifier`` (a ``ClassifierRef`` or a classifier id) and
        ``config`` (an inline ``ClassifyConfig``). Lower ``priority`` values run first when
        rate limiting is in effect. ``metadata`` (at most 10 KB of JSON) is echoed back.
        ``file`` may be a local path (``str`` or ``Path``): it is uploaded first
        (``client.files.upload``) and the run refers to the uploaded file by id. If the
        API then refuses the run (a 4xx: an unknown classifier, a bad config), the
        uploaded file is deleted before the error is raised; after an error that leaves
        the run's fate unknown (a lost connection, a timeout, a 5xx) it is kept, since a
        run may have started on it.
        """
        # The other inputs are checked before anything is uploaded.
        _run_body(file=FileFromId(id="file_"), classifier=classifier, config=config,
                  metadata=metadata)  # fmt: skip
        if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
            raise InvalidInputError(f"priority must be an int, got {priority!r}")
        resolved = resolve_options(options)
        uploaded: FileFromId | None = None
        if isinstance(file, str | PathLike):
            file = uploaded = await self._upload(file, resolved)
        body = _run_body(file=file, classifier=classifier, config=config, metadata=metadata)
        if priority is not None:
            body["priority"] = priority
        try:
            return await self._requester.request(
                "POST", "/classify_runs", json=body, cast_to=ClassifyRun,
                idempotent=False, options=resolved,
            )  # fmt: skip
        except APIStatusError as refused:
            if uploaded is not None and _surely_refused(refused):
                await self._discard_upload(uploaded.id, resolved)
            raise

    async def classify(
        self,
        *,
        file: FileInput | FileInputDict,
        classifier: ClassifierRef | str | ClassifierRefDict | None = None,
        config: ClassifyConfig | ClassifyConfigDict | None = None,
        metadata: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptions],
    ) -> ClassifyRun:
        """Classify a file and wait for the result (``POST /classify``).

        The server gives up after 5 minutes, so the default timeout here is 330 s. Meant
        for testing and onboarding; production code should ``create`` and poll or use
        webhooks.
        """
        body = _run_body(file=file, classifier=classifier, config=config, metadata=metadata)
        return await self._requester.request(
            "POST", "/classify", json=body, cast_to=ClassifyRun, idempotent=False,
            default_timeout=CLASSIFY_SYNC_TIMEOUT, options=options,
        )  # fmt: skip

    async def create_batch(
        self,
        *,
        classifier: ClassifierRef | str | ClassifierRefDict,
        inputs: Iterable[BatchInputArg],
        priority: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> BatchRun:
        """Start one run per input (1 to 1000) with a saved classifier; returns the
        ``BatchRun`` (``bpr_…``, PENDING). Inline config is not supported for batches.

        Each input is a ``BatchInput(file=..., metadata=...)``, a bare file input, or a
        ``{"file": ..., "metadata": ...}`` mapping. Everything is checked before sending:
        a bad input raises ``InvalidInputError`` naming its index. Follow the batch with
        ``client.batch_runs.get``/``wait``, its runs with ``list(batch_id=...)``.
        """
        body = batch_body(classifier=classifier, inputs=inputs, priority=priority)
        return await self._requester.request(
            "POST", "/classify_runs/batch", json=body, cast_to=BatchRun,
            idempotent=False, options=options,
        )  # fmt: skip

    async def wait(
        self,
        id: str,
        *,
        deadline: float | None = DEFAULT_WAIT_DEADLINE,
        poll: PollPolicy | None = None,
        **options: Unpack[RequestOptions],
    ) -> ClassifyRun:
        """Poll a run until it is PROCESSED, FAILED or CANCELLED, and return it.

        Any other status (PENDING, PROCESSING, or one this SDK does not know, such as
        CANCELLING) means "not yet". After ``deadline`` seconds (default 15 minutes;
        ``None``: no limit) ``WaitTimeoutError`` is raised with the last run seen in
        ``.last``; the run itself goes on. ``poll`` sets the schedule (``PollPolicy``:
        1 s for 30 s, then ×1.15 up to 30 s, ±25 % jitter). ``timeout`` and
        ``max_retries`` apply to each poll.
        """
        url = path("/classify_runs/{}", id)
        limit = check_deadline(deadline)
        policy = check_policy(poll)
        return await self._poll(url, None, limit, policy, resolve_options(options))

    async def create_and_wait(
        self,
        *,
        file: FileInput | FileInputDict | str | PathLike[str],
        classifier: ClassifierRef | str | ClassifierRefDict | None = None,
        config: ClassifyConfig | ClassifyConfigDict | None = None,
        priority: int | None = None,
        metadata: Mapping[str, Any] | None = None,
        deadline: float | None = DEFAULT_WAIT_DEADLINE,
        poll: PollPolicy | None = None,
        **options: Unpack[RequestOptions],
    ) -> ClassifyRun:
        """``create`` then ``wait``: the finished run, or ``WaitTimeoutError``.

        The deadline counts from the create. Unlike ``classify`` (one blocking request,
        5-minute server limit) this polls, so it suits long runs and long deadlines. A
        local ``Path`` as ``file`` is uploaded first, as for ``create``.
        """
        limit = check_deadline(deadline)
        policy = check_policy(poll)
        run = await self.create(
            file=file, classifier=classifier, config=config, priority=priority,
            metadata=metadata, **options,
        )  # fmt: skip
        url = path("/classify_runs/{}", run.id)
        return await self._poll(url, run, limit, policy, resolve_options(options))

    async def wait_many(
        self,
        ids: Iterable[str],
        *,
        deadline: float | None = DEFAULT_WAIT_DEADLINE,
        poll: PollPolicy | None = None,
        concurrency: int = DEFAULT_WAIT_CONCURRENCY,
        cancel_on_timeout: bool = False,
        **options: Unpack[RequestOptions],
    ) -> list[ClassifyRun]:
        """Wait for many runs at once; the finished runs, in the order of ``ids``.

        Each run is polled on the ``poll`` schedule (as ``wait`` does), with at most
        ``concurrency`` polls in flight and one ``deadline`` for all (seconds from the
        call; ``None``: no limit). A repeated id is polled once. At the deadline, with
        ``cancel_on_timeout=False`` (the default), ``WaitTimeoutError`` is raised and its
        ``.last`` is the list of every run as last seen, in input order (the finished
        ones final); the runs go on. With ``cancel_on_timeout=True``, each run still
        going is cancelled and the list is returned: the cancelled run, or the run as it
        is when the cancel was refused (it ended meanwhile, or it is still PENDING).
        Any other error (an unknown id, a rejected key) stops every wait and is raised.
        ``timeout`` and ``max_retries`` apply to each request.
        """
        if isinstance(ids, str | bytes):
            raise InvalidInputError("ids must be a collection of run ids, not one string")
        wanted = list(ids)
        urls = {id: path("/classify_runs/{}", id) for id in wanted}  # every id checked first
        limit = check_deadline(deadline)
        policy = check_policy(poll)
        slots = check_concurrency(concurrency)
        request = resolve_options(options)

        def fetcher(url: str) -> Callable[[], Awaitable[ClassifyRun]]:
            return partial(
                self._requester.request, "GET", url, cast_to=ClassifyRun, options=request
            )

        distinct = list(urls)
        waited = await poll_many(
            [fetcher(urls[id]) for id in distinct],
            lambda run: run.is_terminal,
            describe=lambda run: f"classify run {run.id} still {run.status}",
            deadline=limit,
            policy=policy,
            concurrency=slots,
        )
        late = [w for w in waited if isinstance(w, WaitTimeoutError)]
        if late and cancel_on_timeout:
            ends = dict(zip(distinct, waited, strict=True))
            going = [id for id, w in ends.items() if isinstance(w, WaitTimeoutError)]
            gate = asyncio.Semaphore(slots)  # cancels in flight, as for the polls

            async def stop(id: str) -> ClassifyRun:
                async with gate:
                    return await self._cancel_or_get(id, request)

            ends.update(zip(going, await asyncio.gather(*map(stop, going)), strict=True))
            return [_run_of(ends[id]) for id in wanted]
        seen = {id: _run_of(w) for id, w in zip(distinct, waited, strict=True)}
        runs = [seen[id] for id in wanted]
        if late:
            first = late[0]
            raise WaitTimeoutError(
                f"{len(late)} of {len(distinct)} classify runs still going after "
                f"{first.elapsed:.2f} s (deadline {limit:g} s); the runs continue",
                last=runs,
                elapsed=max(w.elapsed for w in late),
                polls=sum(w.polls for w in late),
            )
        return runs

    async def _cancel_or_get(self, id: str, request: CallOptions) -> ClassifyRun:
        try:
            return await self._cancel(id, request)
        except BadRequestError:  # it ended meanwhile, or it is PENDING: as it is now
            return await self._get(id, request)

    async def _upload(self, file: str | PathLike[str], options: CallOptions) -> FileFromId:
        if isinstance(file, str) and file.startswith(("http://", "https://")):
            raise InvalidInputError(
                "file is a URL, not a local path: pass FileFromUrl(url=...) to classify it"
            )
        # The run's timeout and retries; its extras are for the run's own request.
        uploaded = await AsyncFiles(self._requester).upload(
            file, timeout=options.timeout, max_retries=options.max_retries
        )
        return FileFromId(id=uploaded.id)

    async def _discard_upload(self, file_id: str, options: CallOptions) -> None:
        """Delete a file uploaded for a run the API refused; a failure is only logged
        (the caller gets the refusal, which is what matters)."""
        try:
            await AsyncFiles(self._requester).delete(file_id, timeout=options.timeout)
        except ExtendError as exc:
            _log.warning(
                "could not delete %s, uploaded for a refused classify run: %s",
                file_id,
                type(exc).__name__,
            )

    async def _poll(
        self,
        url: str,
        first: ClassifyRun | None,
        deadline: float | None,
        policy: PollPolicy,
        request: CallOptions,
    ) -> ClassifyRun:
        async def fetch() -> ClassifyRun:
            return await self._requester.request("GET", url, cast_to=ClassifyRun, options=request)

        return await poll_until(
            fetch,
            lambda run: run.is_terminal,
            describe=lambda run: f"classify run {run.id} still {run.status}",
            deadline=deadline,
            policy=policy,
            first=first,
        )

    async def get(
        self,
        id: str,
        **options: Unpack[RequestOptions],
    ) -> ClassifyRun:
        """Fetch a classify run by id."""
        return await self._get(id, resolve_options(options))

    async def _get(self, id: str, options: CallOptions) -> ClassifyRun:
        return await self._requester.request(
            "GET", path("/classify_runs/{}", id), cast_to=ClassifyRun, options=options
        )

    async def cancel(
        self,
        id: str,
        **options: Unpack[RequestOptions],
    ) -> ClassifyRun:
        """Cancel a PROCESSING run and return it.

        The reference page says only PROCESSING runs can be cancelled: a run that already
        ended (PROCESSED, FAILED, CANCELLED), or one still PENDING, is refused with 400 and
        ``BadRequestError`` is raised. When an earlier attempt may have
        landed (its answer was lost, it timed out, or it got a 5xx) and the retry is
        refused, the run is fetched: if it is CANCELLED, that attempt did the work and the
        run is returned.
        """
        resolved = resolve_options(options)
        # ``_cancel`` written out: one frame fewer on the SDK's most frequent call.
        try:
            return await self._requester.request(
                "POST", path("/classify_runs/{}/cancel", id), cast_to=ClassifyRun,
                options=resolved,
            )  # fmt: skip
        except CANCEL_REFUSALS as refused:
            return await self._cancelled_by_lost_attempt(id, resolved, refused)

    async def _cancel(self, id: str, options: CallOptions) -> ClassifyRun:
        try:
            return await self._send_cancel(id, options)
        except CANCEL_REFUSALS as refused:
            return await self._cancelled_by_lost_attempt(id, options, refused)

    async def _cancelled_by_lost_attempt(
        self, id: str, options: CallOptions, refused: ExtendError
    ) -> ClassifyRun:
        """The run, when a refused cancel was done by an earlier attempt that may have
        landed; else ``refused`` raised again."""
        # The fetch is a GET: the cancel's extra body is not for it.
        fetch = partial(self._get, id, evolve(options, extra_body=None))
        seen = await recover_refused_cancel(refused, fetch)
        if seen.run is None or not seen.cancelled_by_lost_attempt:
            raise refused
        return seen.run

    async def _send_cancel(self, id: str, options: CallOptions) -> ClassifyRun:
        """``POST /classify_runs/{id}/cancel``, a refusal raised as it came (no recovery:
        ``cancel`` and the bulk operations each recover with ``recover_refused_cancel``)."""
        return await self._requester.request(
            "POST", path("/classify_runs/{}/cancel", id), cast_to=ClassifyRun,
            options=options,
        )  # fmt: skip

    async def delete(
        self,
        id: str,
        **options: Unpack[RequestOptions],
    ) -> DeletedClassifyRun:
        """Delete a run and all its data, permanently.

        A 404 on a retry after an attempt that may have landed (its answer was lost, it
        timed out, or it got a 5xx) means that attempt deleted the run: success.
        """
        return await delete_run(self._requester, "classify", id, DeletedClassifyRun, options)

    def list(
        self,
        *,
        status: RunStatus | str | Sequence[RunStatus | str] | None = None,
        classifier_id: str | None = None,
        batch_id: str | None = None,
        source_id: str | None = None,
        source: RunSource | str | None = None,
        file_name_contains: str | None = None,
        sort_by: SortBy | None = None,
        sort_dir: SortDir | None = None,
        max_page_size: int | None = None,
        next_page_token: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[ClassifyRunSummary]:
        """List runs, newest update first unless sorted otherwise.

        ``await`` the result for the first page, ``async for`` it for every run across
        pages. Nothing is sent until then. ``status`` is one status or several: the API
        filters by one per request, so several are listed one after the other (each
        sorted as asked), their cursor carrying which status it is on. ``sort_by`` takes
        ``"created_at"``/``"updated_at"`` as well as the API's ``"createdAt"``/``"updatedAt"``.
        """
        statuses = _list_statuses(status)
        params: dict[str, Any] = {
            "classifierId": classifier_id,
            "batchId": batch_id,
            "sourceId": source_id,
            "source": check_choice(source, name="source", allowed=_SOURCES),
            "fileNameContains": file_name_contains,
            "sortBy": check_sort_by(sort_by),
            "sortDir": check_choice(sort_dir, name="sort_dir", allowed=SORT_DIR),
            "maxPageSize": check_page_size(max_page_size),
        }
        request = resolve_options(options)
        if len(statuses) == 1:
            return self._pager(
                "/classify_runs", Page[ClassifyRunSummary], {"status": statuses[0], **params},
                start_token=next_page_token, options=request,
            )  # fmt: skip
        # Several statuses: each listed in turn by its own pager; the cursor says which
        # status it is on and where.
        pagers = [
            self._pager(
                "/classify_runs",
                Page[ClassifyRunSummary],
                {"status": one, **params},
                start_token=None,
                options=request,
            )  # fmt: skip
            for one in statuses
        ]

        async def fetch_page(token: str | None) -> Page[ClassifyRunSummary]:
            index, _, inner = (token or f"0{_STATUS_CURSOR_SEP}").partition(_STATUS_CURSOR_SEP)
            if not index.isdigit() or int(index) >= len(statuses):
                raise InvalidInputError("next_page_token is not from a list of these statuses")
            at = int(index)
            page = await pagers[at].fetch_page(inner or None)
            if page.next_page_token:
                following: str | None = f"{at}{_STATUS_CURSOR_SEP}{page.next_page_token}"
            elif at + 1 < len(statuses):
                following = f"{at + 1}{_STATUS_CURSOR_SEP}"
            else:
                following = None
            return evolve(page, next_page_token=following)

        return AsyncPager(fetch_page, start_token=next_page_token)

    async def cancel_many(
        self,
        ids: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int = bulk.DEFAULT_CONCURRENCY,
        max_rate: float | None = None,
        deadline: float | None = None,
        on_progress: Callable[[BulkProgress], None] | None = None,
        progress: bool = False,
        **options: Unpack[RequestOptions],
    ) -> BulkCancelResult:
        """Cancel many runs concurrently; one ``CancelOutcome`` per input, in input order.

        ``ids`` (any iterable or async iterable) is read lazily, at most ``concurrency``
        ids ahead of the finished ones. A 429 pauses every request until its
        ``Retry-After`` has passed and halves the requests in flight (regrown on success);
        ``max_rate`` spaces requests to at most that many per second. Transient failures
        are retried up to ``max_retries`` times per id (default 8). ``deadline`` (seconds
        from the call) stops sending: ids not tried come back ``not_attempted`` and the
        partial result is returned at once, however many ids are left (those of a
        collection that were never read get their outcomes when the result is first
        read). If the call is cancelled, ``BulkCancelInterrupted`` is raised with the
        partial result as ``.result``. ``on_progress`` gets a ``BulkProgress`` after each
        outcome settled before a stop. ``progress=True`` shows a live bar (``tqdm.auto``,
        a widget in Jupyter, with the ``notebook`` extra installed) or else a line on
        stderr.
        """
        calls = self._bulk(concurrency, max_rate, deadline, on_progress, options)
        return await bulk.cancel_many(ids, **calls, progress=progress)

    def cancel_iter(
        self,
        ids: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int = bulk.DEFAULT_CONCURRENCY,
        max_rate: float | None = None,
        deadline: float | None = None,
        on_progress: Callable[[BulkProgress], None] | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncIterator[CancelOutcome]:
        """Like ``cancel_many``, yielding each ``CancelOutcome`` as it completes.

        Memory stays flat: outcomes are not kept (``outcome.index`` gives the position),
        and reading pauses while the consumer does. A duplicate's outcome carries its
        first position's kind, status and error, but not its ``run``. Leaving the loop
        early stops the operation. If an error stopped it early (a rejected API key, a
        failing ids iterable), that error is raised after the last outcome.
        """
        calls = self._bulk(concurrency, max_rate, deadline, on_progress, options)
        return bulk.cancel_iter(ids, **calls)

    async def cancel_all(
        self,
        *,
        status: RunStatus | str | Iterable[RunStatus | str] | None = None,
        classifier_id: str | None = None,
        batch_id: str | None = None,
        source_id: str | None = None,
        source: RunSource | str | None = None,
        file_name_contains: str | None = None,
        concurrency: int = bulk.DEFAULT_CONCURRENCY,
        max_rate: float | None = None,
        deadline: float | None = None,
        on_progress: Callable[[BulkProgress], None] | None = None,
        progress: bool = False,
        **options: Unpack[RequestOptions],
    ) -> BulkCancelResult:
        """Cancel every run matching the filters, cancelling as the pages stream in.

        ``status`` is one status or several (default: PENDING and PROCESSING). Runs are
        listed oldest first, and listed again after the last page until a pass finds no
        new run, so a run a shifting cursor skipped is still found. Settings and result
        as for ``cancel_many`` (``BulkProgress.total`` is ``None``: the count is not known
        in advance), ``progress=True`` included.
        """
        if status is None:
            statuses: tuple[str, ...] = (RunStatus.PENDING.value, RunStatus.PROCESSING.value)
        elif isinstance(status, str):
            statuses = (str(check_choice(status, name="status", allowed=_STATUSES)),)
        else:
            statuses = tuple(str(check_choice(s, name="status", allowed=_STATUSES)) for s in status)
        calls = self._bulk(concurrency, max_rate, deadline, on_progress, options)
        # The list pages go out with the same per-request settings as the cancels (but
        # the cancel's extra body: a list is a GET).
        request: RequestOptions = {**options, "max_retries": calls["options"].max_retries}
        request.pop("extra_body", None)
        filters: dict[str, Any] = {
            "classifier_id": classifier_id,
            "batch_id": batch_id,
            "source_id": source_id,
            "source": source,
            "file_name_contains": file_name_contains,
        }
        self.list(**filters)  # checks the filters now, before anything is sent

        async def list_page(
            one_status: str, token: str | None, gate: Gate
        ) -> Page[ClassifyRunSummary]:
            pager = self._bound(self._requester.through(gate)).list(
                status=one_status, **filters, sort_by="createdAt", sort_dir="asc",
                max_page_size=bulk.LIST_PAGE_SIZE, **request,
            )  # fmt: skip
            return await pager.fetch_page(token)

        return await bulk.cancel_all(
            statuses=statuses, list_page=list_page, **calls, progress=progress
        )

    def _bulk(
        self,
        concurrency: int,
        max_rate: float | None,
        deadline: float | None,
        on_progress: ProgressCallback | None,
        request_options: RequestOptions,
    ) -> _BulkCalls:
        """What the three bulk operations share: ``cancel`` (its refusal raised as it came:
        the settler recovers it) and ``get`` with the operation's per-request settings,
        each sending through the one send path with the gate it is given bound to the
        requester; the checked settings and the progress callback."""
        resolved = resolve_options(request_options)  # the same resolution as every call
        options = bulk.bulk_options(
            concurrency=concurrency,
            max_rate=max_rate,
            deadline=deadline,
            max_retries=resolved.max_retries,
            policy=self._requester.options.retry,
            paced_elsewhere=self._requester.pacer is not None,
        )
        cancels = evolve(resolved, max_retries=options.max_retries)
        gets = evolve(cancels, extra_body=None)  # a GET: the cancel's extra body is not for it

        async def cancel(id: str, gate: Gate) -> ClassifyRun:
            runs = self._bound(self._requester.through(gate))
            return await runs._send_cancel(id, cancels)

        async def get(id: str, gate: Gate) -> ClassifyRun:
            return await self._bound(self._requester.through(gate))._get(id, gets)

        return _BulkCalls(
            cancel=cancel,
            get=get,
            options=options,
            on_progress=on_progress,
        )

    @cached_property
    def with_raw_response(self) -> AsyncClassifyRunsWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return AsyncClassifyRunsWithRawResponse(self)


def _surely_refused(error: APIStatusError) -> bool:
    """A 4xx to a create none of whose earlier attempts may have landed: no run was made."""
    return 400 <= error.status_code < 500 and not error.after_lost_attempt


def _run_of(outcome: ClassifyRun | WaitTimeoutError) -> ClassifyRun:
    """The run a wait ended with: the finished one, or the last seen at the deadline."""
    if isinstance(outcome, WaitTimeoutError):
        last: ClassifyRun = outcome.last
        return last
    return outcome


class _BulkCalls(TypedDict):
    cancel: RunCall
    get: RunCall
    options: bulk.BulkOptions
    on_progress: ProgressCallback | None


class AsyncClassifyRunsWithRawResponse:
    def __init__(self, runs: AsyncClassifyRuns) -> None:
        self.create = with_raw(runs.create)
        self.classify = with_raw(runs.classify)
        self.create_batch = with_raw(runs.create_batch)
        self.get = with_raw(runs.get)
        self.cancel = with_raw(runs.cancel)
        self.delete = with_raw(runs.delete)

"""``client.batch_runs``: the status of a batch, and waiting for it to finish."""

from __future__ import annotations

from functools import cached_property

from .._paths import path
from .._polling import DEFAULT_WAIT_DEADLINE, PollPolicy, check_deadline, check_policy, poll_until
from .._raw import with_raw
from .._request_options import RequestOptions, Unpack
from ..types import BatchRun
from ._base import AsyncAPIResource

__all__ = ["AsyncBatchRuns", "AsyncBatchRunsWithRawResponse"]


class AsyncBatchRuns(AsyncAPIResource):
    """Batches made by ``client.classify_runs.create_batch``.

    A batch's own runs are listed with ``client.classify_runs.list(batch_id=...)``.
    """

    async def get(
        self,
        id: str,
        **options: Unpack[RequestOptions],
    ) -> BatchRun:
        """Fetch a batch run (``bpr_…``): its aggregated status and run count."""
        return await self._requester.request(
            "GET", path("/batch_runs/{}", id), cast_to=BatchRun,
            options=options,
        )  # fmt: skip

    async def wait(
        self,
        id: str,
        *,
        deadline: float | None = DEFAULT_WAIT_DEADLINE,
        poll: PollPolicy | None = None,
        **options: Unpack[RequestOptions],
    ) -> BatchRun:
        """Poll until the batch is PROCESSED, FAILED or CANCELLED, and return it.

        Raises ``WaitTimeoutError`` (with the last ``BatchRun`` seen) after ``deadline``
        seconds (``None``: no limit). ``poll`` sets the schedule (default: ``PollPolicy()``).
        """
        url = path("/batch_runs/{}", id)
        limit = check_deadline(deadline)
        policy = check_policy(poll)

        async def fetch() -> BatchRun:
            return await self._requester.request(
                "GET",
                url,
                cast_to=BatchRun,
                options=options,
            )

        return await poll_until(
            fetch,
            lambda batch: batch.is_terminal,
            describe=lambda batch: f"batch run {batch.id} still {batch.status}",
            deadline=limit,
            policy=policy,
        )

    @cached_property
    def with_raw_response(self) -> AsyncBatchRunsWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return AsyncBatchRunsWithRawResponse(self)


class AsyncBatchRunsWithRawResponse:
    def __init__(self, batch_runs: AsyncBatchRuns) -> None:
        self.get = with_raw(batch_runs.get)

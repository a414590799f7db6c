"""Sync call sites as a type checker sees them: ``make typecheck`` runs mypy --strict here.

The calls in ``_valid_calls`` must type-check: parameters, per-call options and return
types of the generated facade are exact. Each call in ``_refused_calls`` must be an error
for mypy: its ``# type: ignore[code]`` names the error, and mypy --strict (with
``warn_unused_ignores``) fails if the facade ever accepted the call, since the ignore
would then be unused. The valid calls also run against the emulator, so the test holds
at run time too.
"""

from __future__ import annotations

from extend_async import RequestOptions, Timeout
from extend_async.testing import ExtendEmulator
from extend_async.types import (
    ClassifyRun,
    ClassifyRunSummary,
    DeletedClassifyRun,
    File,
    FileSummary,
)
from extend_sync import Extend, SyncPager


def _valid_calls(client: Extend, run_id: str) -> list[object]:
    run: ClassifyRun = client.classify_runs.get(run_id)
    again: ClassifyRun = client.classify_runs.get(run_id, timeout=5, max_retries=0)
    traced: ClassifyRun = client.classify_runs.get(
        run_id, timeout=Timeout(total=5), extra_headers={"X-Trace": "t"}, extra_query={"a": 1}
    )
    options: RequestOptions = {"timeout": 3.0, "max_retries": 1}
    kept: ClassifyRun = client.classify_runs.get(run_id, **options)
    pages: SyncPager[ClassifyRunSummary] = client.classify_runs.list(
        status="PROCESSING", max_page_size=2
    )
    files: SyncPager[FileSummary] = client.files.list(timeout=5)
    raw_status: int = client.classify_runs.with_raw_response.get(run_id, timeout=5).status_code
    deleted: DeletedClassifyRun = client.classify_runs.delete(run_id, extra_body={"x": 1})
    return [run, again, traced, kept, pages, files, raw_status, deleted]


def _refused_calls(client: Extend, run_id: str) -> None:  # checked by mypy, never run
    client.classify_runs.get(run_id, tiemout=5)  # type: ignore[call-arg]
    client.classify_runs.get(run_id, timeout="5")  # type: ignore[arg-type]
    client.classify_runs.get(run_id, max_retries=1.5)  # type: ignore[arg-type]
    client.classify_runs.get(run_id, extra_headers={"X": 1})  # type: ignore[dict-item]
    client.classify_runs.get(id=run_id, extra_query=[1])  # type: ignore[arg-type]
    client.classify_runs.cancel()  # type: ignore[call-arg]
    wrong: File = client.classify_runs.get(run_id)  # type: ignore[assignment]
    bad: RequestOptions = {"timeot": 1}  # type: ignore[typeddict-unknown-key]
    del wrong, bad


def test_the_typed_call_sites_run(client: Extend, emulator: ExtendEmulator) -> None:
    (run_id,) = emulator.seed_runs(1, status="PROCESSED")
    results = _valid_calls(client, run_id)
    assert results[-2] == 200
    assert callable(_refused_calls)

"""Sync call sites as a type checker sees them: ``make typecheck`` runs mypy --strict here.

The calls in ``_valid_calls`` must type-check: parameters, per-call options and return
types of the generated facade are exact. Each call in ``_refused_calls`` must be an error
for mypy: its ``# type: ignore[code]`` names the error, and mypy --strict (with
``warn_unused_ignores``) fails if the facade ever accepted the call, since the ignore
would then be unused. The valid calls also run against the emulator, so the test holds
at run time too.
"""

from __future__ import annotations

from extend_async import PollPolicy, RequestOptions, Timeout
from extend_async.testing import ExtendEmulator
from extend_async.types import (
    ClassifyRun,
    ClassifyRunSummary,
    DeletedClassifyRun,
    Extractor,
    ExtractorSummary,
    ExtractRun,
    File,
    FileSummary,
    WebhookEndpoint,
    WorkflowRunSummary,
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


def _valid_generated_calls(client: Extend, emulator: ExtendEmulator) -> list[object]:
    """Resources generated from the schema: typed parameters, models, pagers, waits."""
    extractor: Extractor = client.extractors.create(name="Invoices", timeout=5)
    extractors: SyncPager[ExtractorSummary] = client.extractors.list(sort_by="created_at")
    run: ExtractRun = client.extract_runs.create(
        extractor={"id": extractor.id}, file={"url": "https://example.com/a.pdf"}
    )
    got: ExtractRun = client.extract_runs.get(run.id, max_retries=0)
    emulator.advance(run.id, "PROCESSED")
    waited: ExtractRun = client.extract_runs.wait(
        run.id, deadline=5, poll=PollPolicy(interval=0.01)
    )
    raw_code: int = client.extract_runs.with_raw_response.get(run.id).status_code
    endpoints: SyncPager[WebhookEndpoint] = client.webhook_endpoints.list(max_page_size=5)
    workflow_runs: list[WorkflowRunSummary] = list(client.workflow_runs.list(status="PROCESSED"))
    return [extractor, extractors, got, waited, raw_code, endpoints, workflow_runs]


def _refused_calls(client: Extend, run_id: str) -> None:  # checked by mypy, never run
    client.classify_runs.get(run_id, tiemout=5)  # type: ignore[call-arg]
    client.classify_runs.get(run_id, timeout="5")  # type: ignore[arg-type]
    client.classify_runs.get(run_id, max_retries=1.5)  # type: ignore[arg-type]
    client.classify_runs.get(run_id, extra_headers={"X": 1})  # type: ignore[dict-item]
    client.classify_runs.get(id=run_id, extra_query=[1])  # type: ignore[arg-type]
    client.classify_runs.cancel()  # type: ignore[call-arg]
    wrong: File = client.classify_runs.get(run_id)  # type: ignore[assignment]
    bad: RequestOptions = {"timeot": 1}  # type: ignore[typeddict-unknown-key]
    client.extract_runs.get()  # type: ignore[call-arg]
    client.extract_runs.create(priority="high")  # type: ignore[arg-type]
    client.extractors.create()  # type: ignore[call-arg]
    client.extractors.list(max_page_size="5")  # type: ignore[arg-type]
    client.webhook_endpoints.create(url=1, name="n")  # type: ignore[call-arg, arg-type]
    not_a_run: ExtractRun = client.workflow_runs.get("w")  # type: ignore[assignment]
    client.extract_run  # type: ignore[attr-defined]  # noqa: B018
    del wrong, bad, not_a_run


def test_the_typed_call_sites_run(client: Extend, emulator: ExtendEmulator) -> None:
    (run_id,) = emulator.seed_runs(1, status="PROCESSED")
    results = _valid_calls(client, run_id)
    assert results[-2] == 200
    generated = _valid_generated_calls(client, emulator)
    assert generated[4] == 200
    assert callable(_refused_calls)

"""``client.classify_runs`` over real loopback sockets against the emulator."""

from __future__ import annotations

from datetime import timezone

import pytest

from extend_async import (
    AsyncExtend,
    AuthenticationError,
    BadRequestError,
    ClassifierRef,
    ClassifyConfig,
    ClassifyRun,
    ClassifyRunSummary,
    FileFromText,
    FileFromUrl,
    NotFoundError,
    RunStatus,
)
from extend_async.testing import ORG_SCOPE, ExtendEmulator
from extend_async.types import (
    BaseProcessor,
    Classification,
    ClassifyOutput,
    DeletedClassifyRun,
    FailureReason,
    RunUsage,
)

CONFIG = ClassifyConfig(
    classifications=(
        Classification(id="invoice", type="invoice", description="An invoice"),
        Classification(id="other", type="other", description="Anything else"),
    ),
    base_processor=BaseProcessor.CLASSIFICATION_LIGHT,
)


# --- cancel ---------------------------------------------------------------------------------


async def test_cancel_returns_a_typed_cancelled_run(emu: ExtendEmulator, api: AsyncExtend) -> None:
    (run_id,) = emu.seed_runs(1, status="PROCESSING")
    run = await api.classify_runs.cancel(run_id)
    assert type(run) is ClassifyRun
    assert run.id == run_id
    assert run.status is RunStatus.CANCELLED
    assert run.is_terminal
    assert run.failure_reason is None
    assert run.created_at.tzinfo is timezone.utc
    assert run.updated_at >= run.created_at
    assert emu.runs[run_id].status == "CANCELLED"


async def test_cancel_of_a_pending_run_is_a_bad_request(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    # The reference page: only PROCESSING runs can be cancelled.
    (run_id,) = emu.seed_runs(1, status="PENDING")
    with pytest.raises(BadRequestError):
        await api.classify_runs.cancel(run_id)


async def test_cancel_of_a_pending_run_where_the_emulator_allows_it(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    emu.configure(cancel_pending=True)
    (run_id,) = emu.seed_runs(1, status="PENDING")
    assert (await api.classify_runs.cancel(run_id)).status is RunStatus.CANCELLED


@pytest.mark.parametrize("terminal", ["PROCESSED", "FAILED", "CANCELLED"])
async def test_cancel_of_a_finished_run_is_a_bad_request(
    emu: ExtendEmulator, api: AsyncExtend, terminal: str
) -> None:
    (run_id,) = emu.seed_runs(1, status=terminal)
    with pytest.raises(BadRequestError) as caught:
        await api.classify_runs.cancel(run_id)
    error = caught.value
    assert error.status_code == 400
    assert error.code == "INVALID_REQUEST"
    assert error.retryable is False
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert terminal in error.message
    assert emu.request_counts["cancel"] == 1  # not retried
    assert emu.runs[run_id].status == terminal


async def test_raw_response_request_id_is_the_emulators_header(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    (run_id,) = emu.seed_runs(1)
    raw = await api.classify_runs.with_raw_response.cancel(run_id)
    assert raw.status_code == 200
    assert raw.request_id is not None
    assert raw.request_id.startswith("req_")
    assert raw.request_id == raw.headers["x-extend-request-id"]
    assert raw.attempts == 1
    assert raw.parsed.status is RunStatus.CANCELLED


# --- get / delete ---------------------------------------------------------------------------


async def test_get_delete_and_404(emu: ExtendEmulator, api: AsyncExtend) -> None:
    (run_id,) = emu.seed_runs(1, status="PROCESSED")
    run = await api.classify_runs.get(run_id)
    assert (run.id, run.status) == (run_id, RunStatus.PROCESSED)
    assert await api.classify_runs.delete(run_id) == DeletedClassifyRun(id=run_id)
    assert emu.runs[run_id].deleted
    for call in (api.classify_runs.get, api.classify_runs.cancel, api.classify_runs.delete):
        with pytest.raises(NotFoundError) as caught:
            await call(run_id)
        assert caught.value.code == "NOT_FOUND"
        assert caught.value.request_id is not None


async def test_unknown_id_is_not_found(api: AsyncExtend) -> None:
    with pytest.raises(NotFoundError):
        await api.classify_runs.get("clr_doesNotExist000000")


async def test_deleting_an_active_run_is_refused(emu: ExtendEmulator, api: AsyncExtend) -> None:
    (run_id,) = emu.seed_runs(1, status="PROCESSING")
    with pytest.raises(BadRequestError):
        await api.classify_runs.delete(run_id)
    assert not emu.runs[run_id].deleted


async def test_a_processed_run_decodes_outputs_and_usage(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    (run_id,) = emu.seed_runs(1, status="PROCESSING")
    emu.advance(run_id, "PROCESSED")
    run = await api.classify_runs.get(run_id)
    assert run.status is RunStatus.PROCESSED
    assert isinstance(run.output, ClassifyOutput)
    assert isinstance(run.usage, RunUsage)
    assert run.parse_run_id is not None


async def test_a_failed_run_with_a_new_failure_reason_still_decodes(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    run_ids = emu.seed_runs(2, status="PROCESSING")
    emu.advance(run_ids[0], "FAILED", failure_reason="FAILED_TO_PROCESS_FILE")
    emu.advance(run_ids[1], "FAILED", failure_reason="SOME_FUTURE_REASON")
    known = await api.classify_runs.get(run_ids[0])
    unknown = await api.classify_runs.get(run_ids[1])
    assert known.failure_reason is FailureReason.FAILED_TO_PROCESS_FILE
    assert unknown.failure_reason == "SOME_FUTURE_REASON"
    assert type(unknown.failure_reason) is str


# --- list -----------------------------------------------------------------------------------


async def test_auto_paging_yields_each_run_exactly_once(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    seeded = emu.seed_runs(25, status=["PROCESSING", "PROCESSED", "FAILED"])
    seen = [run async for run in api.classify_runs.list(max_page_size=7)]
    assert all(type(run) is ClassifyRunSummary for run in seen)
    assert sorted(run.id for run in seen) == sorted(seeded)
    assert len(seen) == len({run.id for run in seen}) == 25
    assert emu.request_counts["list"] == 4  # 7 + 7 + 7 + 4


async def test_await_gives_only_the_first_page(emu: ExtendEmulator, api: AsyncExtend) -> None:
    emu.seed_runs(10)
    page = await api.classify_runs.list(max_page_size=4)
    assert len(page.data) == 4
    assert page.has_more
    assert emu.request_counts["list"] == 1


async def test_list_filters_and_sorting(emu: ExtendEmulator, api: AsyncExtend) -> None:
    processed = emu.seed_runs(5, status="PROCESSED", file_name="invoice_march.pdf")
    emu.seed_runs(4, status="PROCESSING", file_name="receipt.pdf")
    only_processed = [
        run.id async for run in api.classify_runs.list(status="PROCESSED", max_page_size=2)
    ]
    assert sorted(only_processed) == sorted(processed)
    by_name = [
        run.id
        async for run in api.classify_runs.list(file_name_contains="INVOICE_", max_page_size=3)
    ]
    assert sorted(by_name) == sorted(processed)
    ascending = [
        run.created_at
        async for run in api.classify_runs.list(
            sort_by="createdAt", sort_dir="asc", max_page_size=4
        )
    ]
    assert ascending == sorted(ascending)
    assert len(ascending) == 9


async def test_list_continues_from_a_given_cursor(emu: ExtendEmulator, api: AsyncExtend) -> None:
    emu.seed_runs(6)
    first = await api.classify_runs.list(max_page_size=4)
    assert first.next_page_token is not None
    rest = [run.id async for run in api.classify_runs.list(next_page_token=first.next_page_token)]
    assert len(rest) == 2
    assert not {run.id for run in first.data} & set(rest)


# --- create / classify ----------------------------------------------------------------------


async def test_create_with_a_url_file_and_inline_config(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    run = await api.classify_runs.create(
        file=FileFromUrl(url="https://files.example.com/freight_invoice.pdf", name="freight.pdf"),
        config=CONFIG,
        metadata={"customerId": "abc"},
        priority=10,
    )
    assert run.status in {RunStatus.PROCESSING, RunStatus.PENDING}
    assert run.id.startswith("clr_")
    assert run.metadata == {"customerId": "abc"}
    assert run.config is not None
    assert [c.id for c in run.config.classifications] == ["invoice", "other"]
    assert run.classifier is None
    assert run.file is not None
    assert run.file.name == "freight.pdf"
    assert run.id in emu.runs


async def test_create_with_a_classifier_reference(emu: ExtendEmulator, api: AsyncExtend) -> None:
    classifier_id = emu.create_classifier(
        "Invoices", config={"classifications": [{"id": "a", "type": "a", "description": "A"}]}
    )
    run = await api.classify_runs.create(
        file=FileFromText(text="Invoice #1", name="one.txt"),
        classifier=ClassifierRef(id=classifier_id, version="draft"),
    )
    assert run.classifier is not None
    assert run.classifier.id == classifier_id
    assert run.classifier_version is not None
    assert run.classifier_version.classifier_id == classifier_id


async def test_sync_classify_returns_a_finished_run(api: AsyncExtend) -> None:
    run = await api.classify_runs.classify(file=FileFromText(text="hello"), config=CONFIG)
    assert run.is_terminal


# --- authentication and headers -------------------------------------------------------------


async def test_a_wrong_key_is_an_authentication_error(emu: ExtendEmulator) -> None:
    async with AsyncExtend("sk_wrong", base_url=emu.base_url) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.classify_runs.get("clr_anything")
    assert caught.value.status_code == 401
    assert caught.value.code == "UNAUTHORIZED"
    assert caught.value.request_id is not None
    assert "sk_wrong" not in str(caught.value)
    assert emu.status_counts[401] == 1  # not retried


async def test_an_unsupported_api_version_is_a_bad_request(emu: ExtendEmulator) -> None:
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, api_version="2019-01-01") as c:
        with pytest.raises(BadRequestError):
            await c.classify_runs.list()


async def test_an_organization_key_needs_the_workspace_header(emu: ExtendEmulator) -> None:
    emu.add_api_key("sk_org_key", ORG_SCOPE)
    (run_id,) = emu.seed_runs(1)
    async with AsyncExtend("sk_org_key", base_url=emu.base_url) as client:
        with pytest.raises(BadRequestError):
            await client.classify_runs.get(run_id)
        scoped = client.with_options(workspace_id=emu.workspace_id)
        assert (await scoped.classify_runs.get(run_id)).id == run_id

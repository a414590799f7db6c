"""Against the emulator: every run kind's ``wait`` ends on that kind's final states and no
other; ``create_and_wait`` for every kind, async and sync; generated lists page through every
item (the legacy envelopes too); raw responses."""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from extend_async import AsyncExtend, PollPolicy, WaitTimeoutError
from extend_async.testing import ExtendEmulator, Lifecycle
from extend_async.testing._kinds import RUN_KINDS as EMULATED
from extend_async.types import ExtractConfigJson, FileFromUrlDict, LegacyProcessorRunFileInputDict
from extend_sync import Extend

FAST = PollPolicy(interval=0.01, fast_phase=0, jitter=0)
FILE: FileFromUrlDict = {"url": "https://example.com/a.pdf"}
LEGACY_FILE: LegacyProcessorRunFileInputDict = {"fileUrl": "https://example.com/a.pdf"}
ENDED = {"PROCESSED", "FAILED", "CANCELLED"}

# attribute -> (the emulator's kind, the statuses that end a wait: what the API documents)
FINAL: dict[str, tuple[str, set[str]]] = {
    "extract_runs": ("extract_runs", ENDED),
    "split_runs": ("split_runs", ENDED),
    "parse_runs": ("parse_runs", {"PROCESSED", "FAILED"}),  # no CANCELLED
    "workflow_runs": ("workflow_runs", ENDED | {"NEEDS_REVIEW", "REJECTED"}),  # not CANCELLING
    "verify_runs": ("verify_runs", ENDED),  # starts in PROCESSING
    "edit_runs": ("edit_runs", {"PROCESSED", "FAILED"}),
    "form_detection_runs": ("form_detection_runs", {"PROCESSED", "FAILED"}),
    "evaluation_set_runs": ("evaluation_set_runs", ENDED),
    "processor_runs": ("processor_run", ENDED),
}

Make = Callable[[], Awaitable[Any]]


@pytest.fixture(autouse=True)
def _legacy_quietly() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # processors: tested elsewhere
        yield


async def creators(client: AsyncExtend) -> dict[str, dict[str, Any]]:
    """Per kind: ``create`` keywords the emulator accepts (the parents made first)."""
    extractor = await client.extractors.create(name="Invoices")
    splitter = await client.splitters.create(name="Packets")
    workflow = await client.workflows.create(name="Intake")
    processor = await client.processors.create(name="Legacy", type="EXTRACT")
    evaluation = await client.evaluation_sets.create(name="Golden", entity_id=extractor.id)
    return {
        "extract_runs": {"extractor": {"id": extractor.id}, "file": FILE},
        "split_runs": {"splitter": {"id": splitter.id}, "file": FILE},
        "parse_runs": {"file": FILE},
        "workflow_runs": {"workflow": {"id": workflow.id}, "file": FILE},
        "verify_runs": {"file": FILE},
        "edit_runs": {"file": FILE},
        "form_detection_runs": {"file": FILE},
        "evaluation_set_runs": {"evaluation_set_id": evaluation.id},
        "processor_runs": {"processor_id": processor.processor.id, "file": LEGACY_FILE},
    }


def run_of(created: Any) -> Any:
    return getattr(created, "processor_run", created)  # the legacy answer wraps the run


@pytest.mark.parametrize("kind", list(FINAL))
async def test_a_wait_ends_on_its_kinds_final_states_only(
    kind: str, async_extend_client: AsyncExtend, extend_emulator: ExtendEmulator
) -> None:
    emulated, final = FINAL[kind]
    resource: Any = getattr(async_extend_client, kind)
    keywords = (await creators(async_extend_client))[kind]
    statuses = EMULATED[emulated].statuses
    assert final <= set(statuses)
    for status in statuses:
        run = run_of(await resource.create(**keywords))
        assert extend_emulator.advance(run.id, status)
        if status in final:
            waited = await resource.wait(run.id, deadline=0, poll=FAST)
            assert (waited.id, waited.status) == (run.id, status)
        else:
            with pytest.raises(WaitTimeoutError, match=f"still {status}") as timed_out:
                await resource.wait(run.id, deadline=0, poll=FAST)
            assert timed_out.value.last.status == status


@pytest.mark.parametrize("kind", list(FINAL))
async def test_create_and_wait_returns_the_finished_run(
    kind: str, async_extend_client: AsyncExtend, extend_emulator: ExtendEmulator
) -> None:
    keywords = (await creators(async_extend_client))[kind]
    extend_emulator.lifecycle = Lifecycle(processing_seconds=0.02)
    resource: Any = getattr(async_extend_client, kind)
    run = await resource.create_and_wait(**keywords, poll=FAST, deadline=30)
    assert run.status == "PROCESSED"
    assert run.id.startswith(EMULATED[FINAL[kind][0]].prefix)


async def test_a_cancelled_workflow_run_is_waited_for_past_cancelling(
    async_extend_client: AsyncExtend,
) -> None:
    keywords = (await creators(async_extend_client))["workflow_runs"]
    run = await async_extend_client.workflow_runs.create(**keywords)
    cancelling = await async_extend_client.workflow_runs.cancel(run.id)
    assert cancelling.status == "CANCELLING"
    done = await async_extend_client.workflow_runs.wait(run.id, deadline=30, poll=FAST)
    assert done.status == "CANCELLED"


async def test_bad_wait_settings_are_refused_before_the_create(
    async_extend_client: AsyncExtend, extend_emulator: ExtendEmulator
) -> None:
    from extend_async import InvalidInputError

    with pytest.raises(InvalidInputError):
        await async_extend_client.parse_runs.create_and_wait(file=FILE, deadline=-1)
    with pytest.raises(InvalidInputError):
        await async_extend_client.parse_runs.create_and_wait(file=FILE, poll=1)  # type: ignore[arg-type]
    assert list(extend_emulator.request_counts) == []


def test_the_sync_client_waits_too(extend_client: Extend, extend_emulator: ExtendEmulator) -> None:
    extend_emulator.lifecycle = Lifecycle(processing_seconds=0.02)
    parsed = extend_client.parse_runs.create_and_wait(file=FILE, poll=FAST, deadline=30)
    assert parsed.status == "PROCESSED"
    again = extend_client.parse_runs.wait(parsed.id, poll=FAST)
    assert again.id == parsed.id


async def test_a_generated_list_pages_through_every_item(
    async_extend_client: AsyncExtend,
) -> None:
    made = {(await async_extend_client.verify_runs.create(file=FILE)).id for _ in range(5)}
    pager = async_extend_client.verify_runs.list(max_page_size=2, sort_dir="asc")
    first = await pager
    assert len(first.data) == 2
    assert first.next_page_token
    assert {run.id async for run in pager} == made
    pages = [len(page.data) async for page in pager.pages()]
    assert pages == [2, 2, 1]


async def test_a_legacy_list_pages_through_its_own_envelope(
    async_extend_client: AsyncExtend,
) -> None:
    processor = await async_extend_client.processors.create(name="Legacy", type="EXTRACT")
    made = set()
    for _ in range(3):
        created = await async_extend_client.processor_runs.create(
            processor_id=processor.processor.id, file=LEGACY_FILE
        )
        made.add(created.processor_run.id)
    pager = async_extend_client.processor_runs.list(max_page_size=2)
    assert {run.id async for run in pager} == made
    assert [len(page.data) async for page in pager.pages()] == [2, 1]
    listed = [p.id async for p in async_extend_client.processors.list()]
    assert listed == [processor.processor.id]
    versions = await async_extend_client.processor_versions.list(processor.processor.id)
    assert versions.next_page_token is None


async def test_with_raw_response_gives_the_status_the_request_id_and_the_model(
    async_extend_client: AsyncExtend,
) -> None:
    workflow = await async_extend_client.workflows.create(name="Intake")
    raw = await async_extend_client.workflows.with_raw_response.get(workflow.id)
    assert raw.status_code == 200
    assert raw.request_id
    assert raw.parsed.id == workflow.id
    created = await async_extend_client.webhook_endpoints.with_raw_response.create(
        url="https://example.com/hook",
        name="Hook",
        enabled_events=["extract_run.processed"],
        api_version="2026-02-09",
    )
    assert created.status_code == 200
    assert created.parsed.url == "https://example.com/hook"


def test_sync_raw_responses_and_lists(extend_client: Extend) -> None:
    workflow = extend_client.workflows.create(name="Intake")
    assert extend_client.workflows.with_raw_response.get(workflow.id).parsed.id == workflow.id
    assert [w.id for w in extend_client.workflows.list()] == [workflow.id]


async def test_a_model_from_an_answer_is_sent_back_as_it_came(
    async_extend_client: AsyncExtend,
) -> None:
    schema = {"type": "object", "properties": {"total": {"type": "number"}}}
    extractor = await async_extend_client.extractors.create(
        name="Invoices", config={"schema": schema}
    )
    assert extractor.draft_version is not None
    config = extractor.draft_version.config
    assert isinstance(config, ExtractConfigJson)  # what a draft made from a JSON schema holds
    copy = await async_extend_client.extractors.create(name="Copy", config=config)
    assert copy.draft_version is not None
    assert copy.draft_version.config == config

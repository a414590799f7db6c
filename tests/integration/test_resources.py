"""Classifiers, versions, batches and waits end to end: the client against the emulator,
over real loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from extend_async import (
    AsyncExtend,
    ClassifierRef,
    FileFromId,
    FileFromUrl,
    NotFoundError,
    PollPolicy,
    RunStatus,
    WaitTimeoutError,
)
from extend_async.testing import ExtendEmulator, Lifecycle
from extend_async.types import ClassifyConfigDict

QUICK = PollPolicy(interval=0.01, fast_phase=0, multiplier=1.0, max_interval=0.01, jitter=0)
CONFIG: ClassifyConfigDict = {
    "classifications": [
        {"id": "invoice", "type": "invoice", "description": "An invoice"},
        {"id": "other", "type": "other", "description": "Anything else"},
    ]
}
OTHER_CONFIG: ClassifyConfigDict = {
    "classifications": [{"id": "receipt", "type": "receipt", "description": "A receipt"}]
}


@pytest.fixture
async def emu() -> AsyncIterator[ExtendEmulator]:
    async with ExtendEmulator(seed="surface") as emulator:
        yield emulator


@pytest.fixture
async def client(emu: ExtendEmulator) -> AsyncIterator[AsyncExtend]:
    async with AsyncExtend(emu.api_key, base_url=emu.base_url) as extend:
        yield extend


async def test_classifier_create_get_update(client: AsyncExtend) -> None:
    created = await client.classifiers.create(name="Doc types", config=CONFIG)
    assert created.id.startswith("cl_")
    assert created.draft_version is not None
    assert [c.id for c in created.draft_version.config.classifications] == ["invoice", "other"]

    fetched = await client.classifiers.get(created.id)
    assert fetched.name == "Doc types"

    renamed = await client.classifiers.update(created.id, name="Renamed")
    assert renamed.name == "Renamed"
    reconfigured = await client.classifiers.update(created.id, config=OTHER_CONFIG)
    assert reconfigured.draft_version is not None
    assert [c.id for c in reconfigured.draft_version.config.classifications] == ["receipt"]
    assert (await client.classifiers.get(created.id)).name == "Renamed"


async def test_a_clone_starts_with_the_source_config(client: AsyncExtend) -> None:
    source = await client.classifiers.create(name="Source", config=OTHER_CONFIG)
    clone = await client.classifiers.create(name="Clone", clone_classifier_id=source.id)
    assert clone.id != source.id
    assert clone.draft_version is not None
    assert source.draft_version is not None
    assert clone.draft_version.config == source.draft_version.config


async def test_classifier_list_pages_through_everything(client: AsyncExtend) -> None:
    ids = [(await client.classifiers.create(name=f"c{i}", config=CONFIG)).id for i in range(5)]
    seen = [
        c.id
        async for c in client.classifiers.list(max_page_size=2, sort_by="createdAt", sort_dir="asc")
    ]
    assert seen == ids
    first = await client.classifiers.list(max_page_size=2)
    assert len(first.data) == 2
    assert first.has_more


async def test_unknown_classifier_is_not_found(client: AsyncExtend) -> None:
    with pytest.raises(NotFoundError):
        await client.classifiers.get("cl_doesNotExist000000000")


async def test_versions_publish_get_and_list_draft_first(client: AsyncExtend) -> None:
    classifier = await client.classifiers.create(name="Versioned", config=CONFIG)
    # Before anything is published, "latest" falls back to the draft.
    assert (await client.classifier_versions.get(classifier.id, "latest")).version == "draft"

    minor = await client.classifier_versions.create(
        classifier.id, release_type="minor", description="first"
    )
    major = await client.classifier_versions.create(classifier.id, release_type="major")
    assert (minor.version, major.version) == ("0.1", "1.0")
    assert minor.description == "first"

    versions = client.classifier_versions
    assert (await versions.get(classifier.id, "draft")).version == "draft"
    assert (await versions.get(classifier.id, "latest")).id == major.id
    assert (await versions.get(classifier.id, "0.1")).id == minor.id
    assert (await versions.get(classifier.id, major.id)).version == "1.0"

    listed = [v.version async for v in versions.list(classifier.id, max_page_size=1)]
    assert listed == ["draft", "1.0", "0.1"]


async def test_a_published_version_keeps_its_config_when_the_draft_changes(
    client: AsyncExtend,
) -> None:
    classifier = await client.classifiers.create(name="Stable", config=CONFIG)
    published = await client.classifier_versions.create(classifier.id, release_type="major")
    await client.classifiers.update(classifier.id, config=OTHER_CONFIG)
    again = await client.classifier_versions.get(classifier.id, published.version)
    draft = await client.classifier_versions.get(classifier.id, "draft")
    assert [c.id for c in again.config.classifications] == ["invoice", "other"]
    assert [c.id for c in draft.config.classifications] == ["receipt"]


async def test_batch_create_get_and_its_runs(client: AsyncExtend) -> None:
    classifier = await client.classifiers.create(name="Batch", config=CONFIG)
    batch = await client.classify_runs.create_batch(
        classifier=ClassifierRef(id=classifier.id, version="draft"),
        inputs=[
            FileFromId(id="file_a"),
            FileFromUrl(url="https://files.test/b.pdf", name="b.pdf"),
            {"file": {"text": "hello"}, "metadata": {"row": 3}},
        ],
        priority=5,
    )
    assert batch.id.startswith("bpr_")
    assert batch.status is RunStatus.PENDING
    assert batch.run_count == 3
    again = await client.batch_runs.get(batch.id)
    assert again.id == batch.id
    runs = [r async for r in client.classify_runs.list(batch_id=batch.id)]
    assert len(runs) == 3
    assert {r.metadata.get("row") for r in runs if r.metadata} == {3}


async def test_batch_wait_until_its_runs_finish(emu: ExtendEmulator, client: AsyncExtend) -> None:
    emu.lifecycle = Lifecycle(processing_seconds=0.02)
    classifier = await client.classifiers.create(name="Batch", config=CONFIG)
    batch = await client.classify_runs.create_batch(
        classifier=classifier.id, inputs=[FileFromId(id=f"file_{i}") for i in range(3)]
    )
    done = await client.batch_runs.wait(batch.id, poll=QUICK, deadline=10)
    assert done.status is RunStatus.PROCESSED


async def _classifier_id(client: AsyncExtend) -> str:
    return (await client.classifiers.create(name="Waits", config=CONFIG)).id


async def test_wait_returns_when_the_emulator_finishes_the_run(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    run = await client.classify_runs.create(
        file=FileFromId(id="file_a"), classifier=await _classifier_id(client)
    )
    assert run.status is RunStatus.PROCESSING
    waiting = asyncio.create_task(client.classify_runs.wait(run.id, poll=QUICK, deadline=10))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    emu.advance(run.id, "PROCESSED")
    finished = await waiting
    assert finished.status is RunStatus.PROCESSED
    assert finished.output is not None


@pytest.mark.parametrize("final", ["FAILED", "CANCELLED"])
async def test_wait_treats_failed_and_cancelled_as_final(
    emu: ExtendEmulator, client: AsyncExtend, final: str
) -> None:
    run = await client.classify_runs.create(file=FileFromId(id="file_a"), config=CONFIG)
    waiting = asyncio.create_task(client.classify_runs.wait(run.id, poll=QUICK, deadline=10))
    await asyncio.sleep(0.03)
    if final == "CANCELLED":
        await client.classify_runs.cancel(run.id)
    else:
        emu.advance(run.id, final)
    finished = await waiting
    assert finished.status == final


async def test_wait_deadline_against_a_run_that_never_finishes(client: AsyncExtend) -> None:
    run = await client.classify_runs.create(file=FileFromId(id="file_a"), config=CONFIG)
    with pytest.raises(WaitTimeoutError) as caught:
        await client.classify_runs.wait(run.id, poll=QUICK, deadline=0.1)
    assert caught.value.last.id == run.id
    assert caught.value.last.status is RunStatus.PROCESSING


async def test_create_and_wait_with_an_emulator_that_finishes_runs(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    emu.lifecycle = Lifecycle(queue=True, pending_seconds=0.01, processing_seconds=0.02)
    run = await client.classify_runs.create_and_wait(
        file=FileFromUrl(url="https://files.test/invoice.pdf"),
        classifier=await _classifier_id(client),
        metadata={"order": 7},
        poll=QUICK,
        deadline=10,
    )
    assert run.status is RunStatus.PROCESSED
    assert run.metadata == {"order": 7}
    assert run.output is not None
    assert run.output.id in {"invoice", "other"}

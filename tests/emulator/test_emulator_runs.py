"""A run's life: cancel, delete, advance, automatic transitions and the sync endpoint."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from extend_async.testing import ExtendEmulator, Lifecycle

from ._wire import Wire, create_body
from .conftest import MakeEmulator


async def test_cancel_moves_a_processing_run_to_cancelled(
    wire: Wire, emulator: ExtendEmulator
) -> None:
    (run_id,) = emulator.seed_runs(1)
    reply = await wire.cancel(run_id)
    assert reply.status == 200
    run = reply.json
    assert run["id"] == run_id
    assert run["status"] == "CANCELLED"
    for key in ("failureReason", "failureMessage", "output", "usage"):
        assert run[key] is None, key
    assert run["updatedAt"] >= run["createdAt"]
    record = emulator.runs[run_id]
    assert record.status == "CANCELLED"
    assert record.history == ["PROCESSING", "CANCELLED"]
    assert record.cancel_count == 1
    assert (await wire.get(f"/classify_runs/{run_id}")).json["status"] == "CANCELLED"


async def test_cancel_of_a_pending_run_is_refused_as_the_reference_page_says(
    wire: Wire, emulator: ExtendEmulator
) -> None:
    (run_id,) = emulator.seed_runs(1, status="PENDING")
    envelope = (await wire.cancel(run_id)).assert_error(400, "INVALID_REQUEST")
    assert envelope["message"] == "Classify run cannot be cancelled in status PENDING"
    assert emulator.runs[run_id].status == "PENDING"


async def test_cancel_pending_lets_a_cancel_stop_a_pending_run(
    wire: Wire, emulator: ExtendEmulator
) -> None:
    emulator.configure(cancel_pending=True)
    (run_id,) = emulator.seed_runs(1, status="PENDING")
    assert (await wire.cancel(run_id)).json["status"] == "CANCELLED"


@pytest.mark.parametrize("status", ["PENDING", "PROCESSED", "FAILED", "CANCELLED"])
async def test_cancel_of_a_finished_run_is_refused(
    wire: Wire, emulator: ExtendEmulator, status: str
) -> None:
    (run_id,) = emulator.seed_runs(1, status=status)
    envelope = (await wire.cancel(run_id)).assert_error(400, "INVALID_REQUEST")
    assert envelope["message"] == f"Classify run cannot be cancelled in status {status}"
    assert envelope["retryable"] is False
    assert emulator.runs[run_id].status == status
    assert emulator.runs[run_id].cancel_count == 1


async def test_cancel_conflict_status_is_configurable(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(state_conflict_status=422)
    (run_id,) = emulator.seed_runs(1, status="PROCESSED")
    wire = Wire(session, emulator.base_url)
    (await wire.cancel(run_id)).assert_error(422, "INVALID_REQUEST")
    emulator.configure(state_conflict_status=409)
    (await wire.cancel(run_id)).assert_error(409, "INVALID_REQUEST")


async def test_cancel_accepts_no_body_or_an_empty_object(
    wire: Wire, emulator: ExtendEmulator
) -> None:
    first, second = emulator.seed_runs(2)
    assert (await wire.cancel(first)).status == 200
    assert (await wire.cancel(second, json={})).status == 200
    (third,) = emulator.seed_runs(1)
    (await wire.cancel(third, data=b"{nope")).assert_error(400, "INVALID_REQUEST")
    assert emulator.runs[third].status == "PROCESSING"


async def test_cancel_of_an_unknown_run_is_404(wire: Wire) -> None:
    (await wire.cancel("clr_doesnotexist")).assert_error(404, "NOT_FOUND")


async def test_delete_of_an_unfinished_run_is_refused(wire: Wire, emulator: ExtendEmulator) -> None:
    (run_id,) = emulator.seed_runs(1)
    envelope = (await wire.delete(f"/classify_runs/{run_id}")).assert_error(400, "INVALID_REQUEST")
    assert "PROCESSING" in envelope["message"]
    assert not emulator.runs[run_id].deleted


async def test_delete_of_an_unfinished_run_can_be_allowed(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(allow_delete_active=True)
    (run_id,) = emulator.seed_runs(1)
    reply = await Wire(session, emulator.base_url).delete(f"/classify_runs/{run_id}")
    assert reply.status == 200
    assert emulator.runs[run_id].deleted


async def test_deleted_runs_are_gone_everywhere(wire: Wire, emulator: ExtendEmulator) -> None:
    run_id, survivor = emulator.seed_runs(2)
    assert (await wire.cancel(run_id)).status == 200
    reply = await wire.delete(f"/classify_runs/{run_id}")
    assert reply.status == 200
    assert reply.json == {"id": run_id}
    assert emulator.runs[run_id].deleted
    (await wire.get(f"/classify_runs/{run_id}")).assert_error(404, "NOT_FOUND")
    (await wire.cancel(run_id)).assert_error(404, "NOT_FOUND")
    (await wire.delete(f"/classify_runs/{run_id}")).assert_error(404, "NOT_FOUND")
    assert [r["id"] for r in await wire.list_all()] == [survivor]


async def test_advance_to_failed_sets_the_reason(wire: Wire, emulator: ExtendEmulator) -> None:
    (run_id,) = emulator.seed_runs(1)
    emulator.advance(run_id, "FAILED", failure_reason="FAILED_TO_PROCESS_FILE")
    run = (await wire.get(f"/classify_runs/{run_id}")).json
    assert run["status"] == "FAILED"
    assert run["failureReason"] == "FAILED_TO_PROCESS_FILE"
    assert run["failureMessage"]
    assert run["output"] is None
    with pytest.raises(ValueError, match="status must be one of"):
        emulator.advance(run_id, "DONE")


async def test_runs_stay_put_by_default(wire: Wire, emulator: ExtendEmulator) -> None:
    run_id = (await wire.post("/classify_runs", json=create_body())).json["id"]
    await asyncio.sleep(0.05)
    assert emulator.runs[run_id].status == "PROCESSING"
    assert emulator.pending_timers == 0


async def test_runs_finish_after_the_configured_delay(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(lifecycle=Lifecycle(processing_seconds=0.05))
    wire = Wire(session, emulator.base_url)
    run_id = (await wire.post("/classify_runs", json=create_body())).json["id"]
    assert emulator.runs[run_id].status == "PROCESSING"
    await asyncio.sleep(0.2)
    run = (await wire.get(f"/classify_runs/{run_id}")).json
    assert run["status"] == "PROCESSED"
    assert run["output"] is not None
    assert run["parseRunId"] is not None


async def test_queued_runs_go_pending_processing_failed(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    lifecycle = Lifecycle(
        queue=True,
        pending_seconds=0.02,
        processing_seconds=0.02,
        failure_rate=1.0,
        failure_reason="OUT_OF_CREDITS",
    )
    emulator = await make_emulator(lifecycle=lifecycle)
    wire = Wire(session, emulator.base_url)
    run = (await wire.post("/classify_runs", json=create_body())).json
    assert run["status"] == "PENDING"
    await asyncio.sleep(0.2)
    record = emulator.runs[run["id"]]
    assert record.history == ["PENDING", "PROCESSING", "FAILED"]
    assert record.failure_reason == "OUT_OF_CREDITS"


async def test_a_cancel_beats_the_scheduled_completion(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(lifecycle=Lifecycle(processing_seconds=0.05))
    (run_id,) = emulator.seed_runs(1)
    assert emulator.pending_timers == 1
    assert (await Wire(session, emulator.base_url).cancel(run_id)).status == 200
    await asyncio.sleep(0.15)
    assert emulator.runs[run_id].history == ["PROCESSING", "CANCELLED"]


async def test_stopping_cancels_pending_timers(make_emulator: MakeEmulator) -> None:
    emulator = await make_emulator(lifecycle=Lifecycle(processing_seconds=60))
    emulator.seed_runs(5)
    assert emulator.pending_timers == 5
    await emulator.stop()
    assert emulator.pending_timers == 0


async def test_sync_classify_answers_a_finished_run(wire: Wire, emulator: ExtendEmulator) -> None:
    reply = await wire.post("/classify", json=create_body())
    assert reply.status == 200
    run = reply.json
    assert run["status"] == "PROCESSED"
    assert run["output"]["id"] == "invoice"
    assert emulator.request_counts["classify"] == 1


async def test_create_with_a_classifier_reference(wire: Wire, emulator: ExtendEmulator) -> None:
    classifier_id = emulator.create_classifier("Mailroom")
    body = create_body(config=None, classifier={"id": classifier_id, "version": "draft"})
    run = (await wire.post("/classify_runs", json=body)).json
    assert run["classifier"]["id"] == classifier_id
    assert run["classifier"]["name"] == "Mailroom"
    assert run["classifierVersion"]["version"] == "draft"
    override = {"id": classifier_id, "overrideConfig": {"classificationRules": "Be strict."}}
    run = (
        await wire.post("/classify_runs", json=create_body(config=None, classifier=override))
    ).json
    assert run["config"]["classificationRules"] == "Be strict."
    assert run["config"]["classifications"]  # the rest comes from the version
    missing = create_body(config=None, classifier={"id": "cl_missing"})
    (await wire.post("/classify_runs", json=missing)).assert_error(404, "NOT_FOUND")
    bad_version = create_body(config=None, classifier={"id": classifier_id, "version": "9.9"})
    (await wire.post("/classify_runs", json=bad_version)).assert_error(404, "NOT_FOUND")


async def test_advance_from_status_is_a_guarded_move(emulator: ExtendEmulator) -> None:
    (run_id,) = emulator.seed_runs(1)
    assert emulator.advance(run_id, "CANCELLED", from_status="PROCESSING")
    assert not emulator.advance(run_id, "PROCESSED", from_status="PROCESSING")
    assert emulator.runs[run_id].history == ["PROCESSING", "CANCELLED"]

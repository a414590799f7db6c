"""Each run kind beyond classify lives its own life in the emulator: statuses, cancel rules,
deterministic outputs, batches, webhook endpoints and subscriptions as resources, and the
bound on the runs it keeps."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from extend_async import webhooks
from extend_async.testing import ExtendEmulator, Lifecycle

from ._wire import Wire

MakeEmulator = Callable[..., Awaitable[ExtendEmulator]]
INVOICE = {"text": "Invoice Number: INV-7\nTotal: 99.5\nStatus: overdue\nPaid: no\n"}
SCHEMA = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string"},
        "total": {"type": "number"},
        "status": {"type": "string", "enum": ["paid", "overdue", "draft"]},
        "kind": {"type": "string", "enum": ["invoice", "receipt"]},
        "paid": {"type": "boolean"},
        "due_date": {"type": ["string", "null"]},
        "vendor": {"type": "object", "properties": {"name": {"type": "string"}}},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["invoice_number", "total", "status"],
}


class Hook:
    def __init__(self) -> None:
        self.url = ""
        self.received: list[tuple[bytes, dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), dict(request.headers)))
        return web.Response()


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    receiver = Hook()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield receiver
    await runner.cleanup()


async def ok(reply_awaitable: Awaitable[Any]) -> Any:
    reply = await reply_awaitable
    assert reply.status == 200, (reply.status, reply.body)
    return reply.json


async def test_extract_output_follows_the_schema_and_the_text(wire: Wire) -> None:
    run = await ok(wire.post("/extract", json={"file": INVOICE, "config": {"schema": SCHEMA}}))
    assert run["status"] == "PROCESSED"
    assert run["output"]["value"] == {
        "invoice_number": "INV-7",
        "total": 99.5,
        "status": "overdue",  # an enum value the text names
        "kind": "invoice",  # not in the text: the first value
        "paid": False,
        "due_date": None,
        "vendor": {"name": ""},  # not in the text, not nullable: the zero value
        "tags": [],
    }
    again = await ok(wire.post("/extract", json={"file": INVOICE, "config": {"schema": SCHEMA}}))
    assert again["output"] == run["output"]


async def test_classify_picks_the_best_matching_words_with_a_confidence(wire: Wire) -> None:
    config = {
        "classifications": [
            {"id": "receipt", "type": "receipt", "description": "Proof that a payment was made"},
            {"id": "invoice", "type": "invoice", "description": "A bill with a total to pay"},
        ]
    }
    text = {"text": "INVOICE\nTotal to pay: 99.50 by the due date"}
    first = await ok(wire.post("/classify", json={"file": text, "config": config}))
    second = await ok(wire.post("/classify", json={"file": text, "config": config}))
    assert first["output"]["id"] == "invoice"
    assert 0.5 < first["output"]["confidence"] <= 0.99
    assert first["output"] == second["output"]


async def test_split_returns_page_ranges_covering_the_file(
    wire: Wire, emulator: ExtendEmulator
) -> None:
    config = {
        "splitClassifications": [
            {"id": "a", "type": "invoice", "description": ""},
            {"id": "b", "type": "receipt", "description": ""},
        ]
    }
    run = await ok(
        wire.post("/split", json={"file": {"url": "https://x.example/pack.pdf"}, "config": config})
    )
    pages = run["file"]["metadata"]["pageCount"]
    splits = run["output"]["splits"]
    assert splits[0]["startPage"] == 1
    assert splits[-1]["endPage"] == pages
    for before, after in itertools.pairwise(splits):
        assert after["startPage"] == before["endPage"] + 1


async def test_cancel_rules_per_kind(wire: Wire, emulator: ExtendEmulator) -> None:
    extract = await ok(wire.post("/extract_runs", json={"file": INVOICE, "config": {}}))
    assert (await ok(wire.post(f"/extract_runs/{extract['id']}/cancel")))["status"] == "CANCELLED"
    (await wire.post(f"/extract_runs/{extract['id']}/cancel")).assert_error(400, "INVALID_REQUEST")

    verify = await ok(wire.post("/verify_runs", json={"file": INVOICE}))
    assert emulator.advance(verify["id"], "PROCESSED")
    unchanged = await ok(wire.post(f"/verify_runs/{verify['id']}/cancel"))
    assert unchanged["status"] == "PROCESSED"

    workflow = await ok(wire.post("/workflows", json={"name": "Flow"}))
    run = await ok(
        wire.post("/workflow_runs", json={"workflow": {"id": workflow["id"]}, "file": INVOICE})
    )
    answer = await ok(wire.post(f"/workflow_runs/{run['id']}/cancel"))
    assert answer["status"] == "CANCELLING"
    for _ in range(200):
        if (await ok(wire.get(f"/workflow_runs/{run['id']}")))["status"] == "CANCELLED":
            break
        await asyncio.sleep(0.005)
    assert (await ok(wire.get(f"/workflow_runs/{run['id']}")))["status"] == "CANCELLED"

    parse = await ok(wire.post("/parse_runs", json={"file": INVOICE}))
    (await wire.post(f"/parse_runs/{parse['id']}/cancel")).assert_error(400, "INVALID_REQUEST")


async def test_workflow_runs_end_where_configured_and_announce_it(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession, hook: Hook
) -> None:
    emu = await make_emulator(lifecycle=Lifecycle(processing_seconds=0.0))
    emu.configure(workflow_outcome="NEEDS_REVIEW")
    wire = Wire(session, emu.base_url)
    endpoint = await ok(
        wire.post(
            "/webhook_endpoints",
            json={
                "url": hook.url,
                "name": "hook",
                "enabledEvents": ["workflow_run.needs_review"],
                "apiVersion": "2026-02-09",
            },
        )
    )
    workflow = await ok(wire.post("/workflows", json={"name": "Flow"}))
    run = await ok(
        wire.post("/workflow_runs", json={"workflow": {"id": workflow["id"]}, "file": INVOICE})
    )
    for _ in range(200):
        if (await ok(wire.get(f"/workflow_runs/{run['id']}")))["status"] != "PROCESSING":
            break
        await asyncio.sleep(0.005)
    await emu.webhooks_idle(5)
    assert (await ok(wire.get(f"/workflow_runs/{run['id']}")))["status"] == "NEEDS_REVIEW"
    ((body, headers),) = hook.received
    event = webhooks.verify_and_parse(body, headers, endpoint["signingSecret"])
    assert event.event_type == "workflow_run.needs_review"


async def test_registered_endpoints_and_subscriptions_get_signed_events_of_their_workspace(
    emulator: ExtendEmulator, session: aiohttp.ClientSession, hook: Hook
) -> None:
    wire = Wire(session, emulator.base_url)
    emulator.add_api_key("sk_other", "ws_other")
    other = Wire(session, emulator.base_url, api_key="sk_other")
    extractor = await ok(wire.post("/extractors", json={"name": "Bills"}))
    body = {"url": hook.url, "name": "h", "apiVersion": "2026-02-09"}
    by_event = await ok(
        wire.post("/webhook_endpoints", json={**body, "enabledEvents": ["extract_run.processed"]})
    )
    by_subscription = await ok(wire.post("/webhook_endpoints", json={**body, "enabledEvents": []}))
    await ok(
        wire.post(
            "/webhook_subscriptions",
            json={
                "webhookEndpointId": by_subscription["id"],
                "resourceType": "extractor",
                "resourceId": extractor["id"],
                "enabledEvents": ["extract_run.processed"],
            },
        )
    )
    await ok(
        other.post("/webhook_endpoints", json={**body, "enabledEvents": ["extract_run.processed"]})
    )
    run = await ok(
        wire.post("/extract", json={"file": INVOICE, "extractor": {"id": extractor["id"]}})
    )
    await emulator.webhooks_idle(5)
    secrets = [by_event["signingSecret"], by_subscription["signingSecret"]]
    assert len(hook.received) == 2  # the other workspace's endpoint got nothing
    for raw, headers in hook.received:
        event = webhooks.verify_and_parse(raw, headers, secrets)
        assert event.event_type == "extract_run.processed"
        assert orjson.loads(raw)["payload"]["id"] == run["id"]

    await ok(wire.post(f"/webhook_endpoints/{by_event['id']}", json={"status": "disabled"}))
    await ok(wire.delete(f"/webhook_endpoints/{by_subscription['id']}"))
    await ok(wire.post("/extract", json={"file": INVOICE, "extractor": {"id": extractor["id"]}}))
    await emulator.webhooks_idle(5)
    assert len(hook.received) == 2


async def test_batches_of_every_kind_list_their_children(wire: Wire) -> None:
    extractor = await ok(wire.post("/extractors", json={"name": "E"}))
    splitter = await ok(wire.post("/splitters", json={"name": "S"}))
    workflow = await ok(wire.post("/workflows", json={"name": "W"}))
    inputs = [{"file": INVOICE}, {"file": INVOICE}, {"file": INVOICE}]
    cases = [
        ("extract_runs", {"extractor": {"id": extractor["id"]}}),
        ("split_runs", {"splitter": {"id": splitter["id"]}}),
        ("parse_runs", {}),
        ("workflow_runs", {"workflow": {"id": workflow["id"]}}),
    ]
    for namespace, target in cases:
        batch = await ok(wire.post(f"/{namespace}/batch", json={**target, "inputs": inputs}))
        batch_id = batch.get("batchId") or batch["id"]
        children = await ok(wire.get(f"/{namespace}", params={"batchId": batch_id}))
        assert len(children["data"]) == 3, namespace
        assert {c["batchId"] for c in children["data"] if "batchId" in c} <= {batch_id}
        status = await ok(wire.get(f"/batch_runs/{batch_id}"))
        assert (status["runCount"], status["status"]) == (3, "PENDING")


async def test_processors_publish_numbered_versions(wire: Wire) -> None:
    extractor = await ok(wire.post("/extractors", json={"name": "E", "config": {"schema": SCHEMA}}))
    path = f"/extractors/{extractor['id']}/versions"
    numbers = []
    for release in ["minor", "minor", "major", "minor"]:
        numbers.append((await ok(wire.post(path, json={"releaseType": release})))["version"])
    assert numbers == ["0.1", "0.2", "1.0", "1.1"]
    latest = await ok(wire.get(f"{path}/1.1"))
    assert latest["config"]["schema"] == SCHEMA
    fetched = await ok(wire.get(f"/extractors/{extractor['id']}"))
    assert fetched["draftVersion"]["version"] == "draft"
    (await wire.post(path, json={"releaseType": "patch"})).assert_error(400, "INVALID_REQUEST")


async def test_finished_runs_past_the_bound_are_evicted_oldest_first(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emu = await make_emulator()
    emu.configure(max_runs=3)
    wire = Wire(session, emu.base_url)
    active = await ok(wire.post("/extract_runs", json={"file": INVOICE, "config": {}}))
    finished = [
        (await ok(wire.post("/extract", json={"file": INVOICE, "config": {}})))["id"]
        for _ in range(4)
    ]
    # Kept: the active run (however old) and the two newest finished ones.
    assert (await wire.get(f"/extract_runs/{active['id']}")).status == 200
    for run_id in finished[:2]:
        (await wire.get(f"/extract_runs/{run_id}")).assert_error(404, "NOT_FOUND")
    for run_id in finished[2:]:
        assert (await wire.get(f"/extract_runs/{run_id}")).status == 200
    assert emu.evicted_runs == 2


async def test_classify_runs_past_the_bound_are_evicted_oldest_finished_first(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emu = await make_emulator()
    emu.configure(max_runs=2)
    wire = Wire(session, emu.base_url)
    config = {"classifications": [{"id": "a", "type": "a", "description": ""}]}
    active = await ok(wire.post("/classify_runs", json={"file": INVOICE, "config": config}))
    finished = [
        (await ok(wire.post("/classify", json={"file": INVOICE, "config": config})))["id"]
        for _ in range(3)
    ]
    assert (await wire.get(f"/classify_runs/{active['id']}")).status == 200
    for run_id in finished[:2]:
        (await wire.get(f"/classify_runs/{run_id}")).assert_error(404, "NOT_FOUND")
    assert (await wire.get(f"/classify_runs/{finished[2]}")).status == 200
    assert emu.evicted_runs == 2


async def test_new_routes_have_request_ids_faults_and_counts_by_name(
    wire: Wire, emulator: ExtendEmulator
) -> None:
    run = await ok(wire.post("/extract_runs", json={"file": INVOICE, "config": {}}))
    emulator.faults.update(route="extract_runs.cancel", error_rate=1.0)
    reply = await wire.post(f"/extract_runs/{run['id']}/cancel")
    envelope = reply.assert_error(500, "INTERNAL_ERROR")
    assert envelope["retryable"] is True
    fetched = await wire.get(f"/extract_runs/{run['id']}")
    assert fetched.status == 200
    assert fetched.request_id is not None
    assert fetched.json["status"] == "PROCESSING"  # the faulted cancel never ran
    assert emulator.request_counts["extract_runs.cancel"] == 1
    assert emulator.request_counts["extract_runs.retrieve"] == 1
    assert ("POST", "/extract_runs/{}/cancel", "extract_runs.cancel") in emulator.routes


async def test_a_run_names_its_processor_or_carries_a_config(wire: Wire) -> None:
    extractor = await ok(wire.post("/extractors", json={"name": "E"}))
    both = {"file": INVOICE, "config": {}, "extractor": {"id": extractor["id"]}}
    for body in ({"file": INVOICE}, both):
        (await wire.post("/extract_runs", json=body)).assert_error(400, "INVALID_REQUEST")
    reply = await wire.post("/workflow_runs", json={"file": INVOICE})
    assert "workflow is required" in reply.assert_error(400, "INVALID_REQUEST")["message"]
    reply = await wire.post("/processor_runs", json={"rawText": "x"})
    assert "processorId is required" in reply.assert_error(400, "INVALID_REQUEST")["message"]


async def test_a_legacy_processor_run_takes_its_file_as_the_schema_spells_it(wire: Wire) -> None:
    # LegacyProcessorRunFileInput: {fileUrl | fileId, fileName?}; {url | id | text} too.
    made = await ok(wire.post("/processors", json={"name": "P", "type": "EXTRACT"}))
    processor = made["processor"]["id"]
    url = "https://files.example.com/docs/pack.pdf"
    for file in ({"fileUrl": url, "fileName": "scan.pdf"}, {"url": url, "name": "scan.pdf"}):
        run = await ok(wire.post("/processor_runs", json={"processorId": processor, "file": file}))
        (summary,) = run["processorRun"]["files"]
        assert summary["name"] == "scan.pdf"
    by_id = {"processorId": processor, "file": {"fileId": summary["id"]}}
    run = await ok(wire.post("/processor_runs", json=by_id))
    assert [f["id"] for f in run["processorRun"]["files"]] == [summary["id"]]
    refused = {
        "exactly one of 'fileUrl' or 'fileId'": {"fileName": "x.pdf"},
        "exactly one of 'fileUrl' or 'fileId' ": {"fileUrl": url, "fileId": summary["id"]},
        "use one spelling": {"fileUrl": url, "name": "x.pdf"},
        "file.fileUrl must be an absolute": {"fileUrl": "ftp://x/y.pdf"},
    }
    for message, file in refused.items():
        reply = await wire.post("/processor_runs", json={"processorId": processor, "file": file})
        assert message.strip() in reply.assert_error(400, "INVALID_REQUEST")["message"]


async def test_parse_output_holds_the_files_text(wire: Wire) -> None:
    run = await ok(wire.post("/parse", json={"file": INVOICE}))
    (chunk,) = run["output"]["chunks"]
    assert chunk["content"] == INVOICE["text"]
    assert chunk["metadata"]["pageRange"] == {"start": 1, "end": 1}


@pytest.mark.parametrize("sort_dir", ["asc", "desc"])
async def test_lists_of_new_kinds_page_with_cursors(wire: Wire, sort_dir: str) -> None:
    created = [
        (await ok(wire.post("/verify_runs", json={"file": INVOICE})))["id"] for _ in range(5)
    ]
    seen: list[str] = []
    params = {"maxPageSize": "2", "sortDir": sort_dir}
    for _ in range(5):
        page = await ok(wire.get("/verify_runs", params=params))
        seen += [run["id"] for run in page["data"]]
        if page["nextPageToken"] is None:
            break
        params = {**params, "nextPageToken": page["nextPageToken"]}
    assert seen == (created if sort_dir == "asc" else created[::-1])
    bad = await wire.get("/verify_runs", params={"nextPageToken": "nonsense"})
    bad.assert_error(400, "INVALID_REQUEST")


async def test_classifier_events_reach_endpoints_registered_through_the_api(
    emulator: ExtendEmulator, session: aiohttp.ClientSession, hook: Hook
) -> None:
    wire = Wire(session, emulator.base_url)
    events = ["classifier.created", "classifier.version.published", "classify_run.processed"]
    endpoint = await ok(
        wire.post(
            "/webhook_endpoints",
            json={
                "url": hook.url,
                "name": "h",
                "apiVersion": "2026-02-09",
                "enabledEvents": events,
            },
        )
    )
    config = {"classifications": [{"id": "a", "type": "invoice", "description": "A bill"}]}
    classifier = await ok(wire.post("/classifiers", json={"name": "C", "config": config}))
    await ok(wire.post(f"/classifiers/{classifier['id']}/versions", json={"releaseType": "major"}))
    await ok(wire.post("/classify", json={"file": INVOICE, "classifier": {"id": classifier["id"]}}))
    await emulator.webhooks_idle(5)
    received = [
        webhooks.verify_and_parse(raw, headers, endpoint["signingSecret"]).event_type
        for raw, headers in hook.received
    ]
    assert sorted(received) == sorted(events)


async def test_a_run_takes_one_file_or_one_package(wire: Wire) -> None:
    extractor = await ok(wire.post("/extractors", json={"name": "E"}))
    splitter = await ok(wire.post("/splitters", json={"name": "S"}))
    workflow = await ok(wire.post("/workflows", json={"name": "W"}))
    two = {"files": [{"url": "https://files.example.com/a.pdf"}, {"url": "https://x.test/b.pdf"}]}
    ex = {"extractor": {"id": extractor["id"]}}
    packaged = await ok(wire.post("/extract_runs", json={**ex, "package": two}))
    assert [f["name"] for f in packaged["files"]] == ["a.pdf", "b.pdf"]
    assert packaged["file"]["name"] == "a.pdf"
    flow = {"workflow": {"id": workflow["id"]}}
    assert len((await ok(wire.post("/workflow_runs", json={**flow, "package": two})))["files"]) == 2
    refused = [
        ("/extract_runs", ex),  # neither
        ("/extract_runs", {**ex, "file": INVOICE, "package": two}),  # both
        ("/extract_runs", {**ex, "package": {"files": [INVOICE]}}),  # text is not a package file
        ("/extract", {"config": {}}),
        ("/workflow_runs", flow),
        ("/workflow_runs", {**flow, "package": {"files": two["files"][:1]}}),  # 2 to 50 files
        ("/split_runs", {"splitter": {"id": splitter["id"]}}),  # file is required
        ("/edit_runs", {}),
    ]
    for path, body in refused:
        (await wire.post(path, json=body)).assert_error(400, "INVALID_REQUEST")


async def test_legacy_processors_versions_and_runs_have_their_type(wire: Wire) -> None:
    created = await ok(wire.post("/processors", json={"name": "L", "type": "SPLITTER"}))
    processor = created["processor"]
    assert processor["object"] == "document_processor"
    draft = processor["draftVersion"]
    assert (draft["object"], draft["config"]["type"]) == ("document_processor_version", "SPLITTER")
    run = await ok(wire.post("/processor_runs", json={"processorId": processor["id"]}))
    assert run["processorRun"]["type"] == "SPLITTER"


async def test_the_same_input_gives_the_same_output_whatever_the_seed_or_the_order(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    """A file the emulator cannot read (a URL) still splits and classifies the same way
    every time: its page count and the fallback classification depend on it alone."""
    pack = {"url": "https://files.example.com/scans/batch-0042.pdf"}
    split = {"splitClassifications": [{"id": "a", "type": "a"}, {"id": "b", "type": "b"}]}
    classes = {"classifications": [{"id": "x", "type": "x"}, {"id": "y", "type": "y"}]}
    outputs = []
    for seed, warm_up in [(1, 0), (2, 5)]:
        wire = Wire(session, (await make_emulator(seed=seed)).base_url)
        for index in range(warm_up):  # other work first: it must not change the answer
            await ok(
                wire.post(
                    "/split", json={"file": {"url": f"https://x.test/{index}.pdf"}, "config": split}
                )
            )
            await ok(
                wire.post(
                    "/classify",
                    json={"file": {"url": f"https://x.test/{index}.pdf"}, "config": classes},
                )
            )
        splits = (await ok(wire.post("/split", json={"file": pack, "config": split})))["output"]
        chosen = (await ok(wire.post("/classify", json={"file": pack, "config": classes})))[
            "output"
        ]
        outputs.append(
            (
                [(s["type"], s["startPage"], s["endPage"]) for s in splits["splits"]],
                (chosen["id"], chosen["confidence"]),
            )
        )
    assert outputs[0] == outputs[1]
    assert outputs[0][0][0][1] == 1

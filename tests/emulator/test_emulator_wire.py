"""The wire format: shapes, nullable keys, ids, timestamps, request ids, error envelope."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from extend_async.testing import ExtendEmulator, RateLimit

from ._wire import REQUEST_ID, RUN_ID, TIMESTAMP, Wire, create_body
from .conftest import MakeEmulator

RUN_KEYS = [
    "object",
    "id",
    "status",
    "output",
    "classifier",
    "classifierVersion",
    "initialOutput",
    "reviewedOutput",
    "failureReason",
    "failureMessage",
    "metadata",
    "reviewed",
    "edited",
    "config",
    "file",
    "parseRunId",
    "dashboardUrl",
    "usage",
    "createdAt",
    "updatedAt",
]
SUMMARY_KEYS = [
    k for k in RUN_KEYS if k not in ("output", "initialOutput", "reviewedOutput", "config")
]
FILE_KEYS = ["object", "id", "name", "type", "parentFileId", "metadata", "createdAt", "updatedAt"]


async def test_created_run_has_every_key_with_nulls(wire: Wire) -> None:
    reply = await wire.post("/classify_runs", json=create_body())
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    run = reply.json
    assert list(run) == RUN_KEYS
    assert run["object"] == "classify_run"
    assert RUN_ID.match(run["id"])
    assert run["status"] == "PROCESSING"
    for key in ("output", "classifier", "classifierVersion", "initialOutput", "reviewedOutput"):
        assert run[key] is None, key
    for key in ("failureReason", "failureMessage", "metadata", "parseRunId", "usage"):
        assert run[key] is None, key
    assert run["reviewed"] is False
    assert run["edited"] is False
    assert run["config"]["classifications"][0]["id"] == "invoice"
    assert list(run["file"]) == FILE_KEYS
    assert re.match(r"^file_[A-Za-z0-9_-]{21}$", run["file"]["id"])
    assert run["file"]["name"] == "invoice_42.pdf"
    assert run["file"]["type"] == "PDF"
    assert run["file"]["parentFileId"] is None
    assert run["dashboardUrl"] == f"https://dashboard.extend.ai/runs/{run['id']}"
    for stamp in (run["createdAt"], run["updatedAt"], run["file"]["createdAt"]):
        assert TIMESTAMP.match(stamp), stamp


async def test_processed_run_fills_output_usage_and_parse_run(
    wire: Wire, emulator: ExtendEmulator
) -> None:
    (run_id,) = emulator.seed_runs(1, file_name="receipt_0001.pdf")
    emulator.advance(run_id, "PROCESSED")
    run = (await wire.get(f"/classify_runs/{run_id}")).json
    assert run["status"] == "PROCESSED"
    assert run["output"]["id"] == "receipt"  # echoes the matching classification
    assert 0 <= run["output"]["confidence"] <= 1
    assert run["output"]["insights"][0]["type"] == "reasoning"
    assert re.match(r"^pr_[A-Za-z0-9_-]{21}$", run["parseRunId"])
    usage = run["usage"]
    assert usage["totalCredits"] == sum(item["credits"] for item in usage["breakdown"])
    assert {item["object"] for item in usage["breakdown"]} == {"classify_run", "parse_run"}
    assert run["failureReason"] is None


async def test_list_items_are_summaries(wire: Wire, emulator: ExtendEmulator) -> None:
    (run_id,) = emulator.seed_runs(1, status="PROCESSED")
    page = (await wire.get("/classify_runs")).json
    assert list(page) == ["object", "data"]  # no nextPageToken on the last page
    assert page["object"] == "list"
    (item,) = page["data"]
    assert item["id"] == run_id
    assert list(item) == SUMMARY_KEYS
    assert set(item["usage"]) == {"credits", "totalCredits"}


async def test_cancel_response_is_a_realistic_full_run(
    wire: Wire, emulator: ExtendEmulator
) -> None:
    classifier_id = emulator.create_classifier("Document Type Classifier")
    (run_id,) = emulator.seed_runs(1, classifier_id=classifier_id)
    reply = await wire.cancel(run_id)
    assert reply.status == 200
    assert 3000 <= len(reply.body) <= 4500
    run = reply.json
    assert list(run) == RUN_KEYS
    config = run["config"]
    assert {"classifications", "advancedOptions", "parseConfig"} <= set(config)
    assert {"chunkingStrategy", "blockOptions", "advancedOptions"} <= set(config["parseConfig"])
    assert run["classifier"]["id"] == classifier_id
    assert list(run["classifierVersion"]) == [
        "object",
        "id",
        "description",
        "version",
        "classifierId",
        "createdAt",
        "createdBy",
    ]
    assert run["classifierVersion"]["version"] == "draft"


async def test_every_response_carries_a_request_id(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(rate_limit=1000)
    wire = Wire(session, emulator.base_url)
    (run_id,) = emulator.seed_runs(1)
    replies = [
        await wire.get(f"/classify_runs/{run_id}"),
        await wire.get("/classify_runs"),
        await wire.get("/classify_runs/clr_missing"),
        await wire.get("/no/such/route"),
        await wire.post("/classify_runs", data=b"{"),
        await wire.get("/classify_runs", headers={}),
        await wire.get("/classify_runs", params={"maxPageSize": "0"}),
    ]
    emulator.faults.update(error_rate=1.0)
    replies.append(await wire.get("/classify_runs"))
    emulator.faults.update(error_rate=0.0, bad_gateway_rate=1.0)
    replies.append(await wire.get("/classify_runs"))
    emulator.faults.clear()
    emulator.rate_limit = RateLimit(0.001)
    replies.append(await wire.get("/classify_runs"))
    replies.append(await wire.get("/classify_runs"))
    assert [r.status for r in replies] == [200, 200, 404, 404, 400, 401, 400, 500, 502, 200, 429]
    ids = [r.request_id for r in replies]
    assert all(i is not None and REQUEST_ID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)
    for reply in replies:
        if reply.status >= 400 and reply.status != 502:
            assert reply.json["requestId"] == reply.request_id


async def test_unknown_routes_and_methods_are_404(wire: Wire) -> None:
    for method, path in (
        ("GET", "/v1/classify_runs"),
        ("PATCH", "/classifiers/cl_x"),
        ("PUT", "/classify_runs/clr_x"),
        ("GET", "/classify_runs/clr_x/cancel"),
        ("GET", "/"),
    ):
        reply = await wire.request(method, path)
        envelope = reply.assert_error(404, "NOT_FOUND")
        assert envelope["retryable"] is False


async def test_malformed_json_is_400_never_500(wire: Wire, emulator: ExtendEmulator) -> None:
    bodies = [b"{", b"[1, 2]", b'"text"', b"", b"\xff\xfe", b'{"file": 3}', b"null"]
    for body in bodies:
        reply = await wire.post(
            "/classify_runs",
            data=body,
            headers=wire.headers(**{"Content-Type": "application/json"}),
        )
        reply.assert_error(400, "INVALID_REQUEST")
    assert emulator.status_counts[500] == 0


async def test_validation_status_is_configurable(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(validation_status=422)
    wire = Wire(session, emulator.base_url)
    (await wire.post("/classify_runs", data=b"{oops")).assert_error(422, "INVALID_REQUEST")
    reply = await wire.get("/classify_runs", params={"maxPageSize": "1001"})
    reply.assert_error(422, "INVALID_REQUEST")


async def test_invalid_create_bodies_name_the_problem(wire: Wire) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"config": {"classifications": []}}, "file"),
        (create_body(config=None), "classifier"),
        (create_body(classifier={"id": "cl_x"}), "classifier"),
        (create_body(file={"url": "ftp://x/y.pdf"}), "file.url"),
        (create_body(file={"url": "https://x/y.pdf", "id": "file_1"}), "file"),
        (create_body(config={"classifications": []}), "config.classifications"),
        (create_body(config={"classifications": [{"id": "a"}]}), "config.classifications[0].type"),
        (create_body(metadata={"blob": "x" * 11_000}), "metadata"),
        (create_body(metadata={"extend:usage_tags": "prod"}), "extend:usage_tags"),
        (create_body(priority="high"), "priority"),
    ]
    for body, field in cases:
        reply = await wire.post("/classify_runs", json=body)
        envelope = reply.assert_error(400, "INVALID_REQUEST")
        assert field in envelope["message"], (field, envelope["message"])


async def test_file_inputs_of_every_kind(wire: Wire) -> None:
    by_text = await wire.post(
        "/classify_runs", json=create_body(file={"text": "Invoice #1", "name": "note.txt"})
    )
    assert by_text.json["file"]["type"] == "TXT"
    by_id = await wire.post("/classify_runs", json=create_body(file={"id": "file_abc"}))
    assert by_id.json["file"]["id"] == "file_abc"
    metadata = {"customerId": "abc", "extend:usage_tags": ["prod"]}
    with_meta = await wire.post("/classify_runs", json=create_body(metadata=metadata, priority=5))
    assert with_meta.json["metadata"] == metadata


async def test_every_post_creates_a_new_run(wire: Wire, emulator: ExtendEmulator) -> None:
    first = (await wire.post("/classify_runs", json=create_body())).json["id"]
    second = (await wire.post("/classify_runs", json=create_body())).json["id"]
    assert first != second
    assert len(emulator.runs) == 2


async def test_oversized_bodies_get_a_413_envelope(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(max_body_bytes=1024)
    wire = Wire(session, emulator.base_url)
    reply = await wire.post("/classify_runs", json=create_body(metadata={"pad": "x" * 2000}))
    reply.assert_error(413, "INVALID_REQUEST")
    assert emulator.runs == {}

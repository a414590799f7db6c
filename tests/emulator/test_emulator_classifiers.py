"""Classifiers, classifier versions and batch runs."""

from __future__ import annotations

import re
from typing import Any

from extend_async.testing import ExtendEmulator

from ._wire import INLINE_CONFIG, TIMESTAMP, Wire


async def _create_classifier(wire: Wire, name: str = "Mailroom") -> dict[str, Any]:
    reply = await wire.post("/classifiers", json={"name": name, "config": INLINE_CONFIG})
    assert reply.status == 200, reply.body
    classifier: dict[str, Any] = reply.json
    return classifier


async def test_create_get_update_classifier(wire: Wire) -> None:
    created = await _create_classifier(wire)
    assert list(created) == ["object", "id", "name", "createdAt", "updatedAt", "draftVersion"]
    assert created["object"] == "classifier"
    assert re.match(r"^cl_[A-Za-z0-9_-]{21}$", created["id"])
    draft = created["draftVersion"]
    assert draft["version"] == "draft"
    assert re.match(r"^clv_[A-Za-z0-9_-]{21}$", draft["id"])
    assert draft["config"] == INLINE_CONFIG
    assert draft["createdBy"] == {"type": "api_key", "name": "Emulator API key"}
    assert draft["description"] is None
    fetched = (await wire.get(f"/classifiers/{created['id']}")).json
    assert fetched == created
    new_config = {"classifications": [{"id": "memo", "type": "memo", "description": "A memo"}]}
    updated = (
        await wire.post(
            f"/classifiers/{created['id']}", json={"name": "Post", "config": new_config}
        )
    ).json
    assert updated["name"] == "Post"
    assert updated["draftVersion"]["config"] == new_config
    assert updated["updatedAt"] >= created["updatedAt"]
    assert TIMESTAMP.match(updated["updatedAt"])


async def test_classifier_validation(wire: Wire) -> None:
    (await wire.post("/classifiers", json={})).assert_error(400, "INVALID_REQUEST")
    both = {"name": "x", "config": INLINE_CONFIG, "cloneClassifierId": "cl_x"}
    (await wire.post("/classifiers", json=both)).assert_error(400, "INVALID_REQUEST")
    clone_missing = {"name": "x", "cloneClassifierId": "cl_missing"}
    (await wire.post("/classifiers", json=clone_missing)).assert_error(404, "NOT_FOUND")
    (await wire.get("/classifiers/cl_missing")).assert_error(404, "NOT_FOUND")


async def test_clone_copies_the_draft_config(wire: Wire) -> None:
    source = await _create_classifier(wire)
    clone = (
        await wire.post("/classifiers", json={"name": "Copy", "cloneClassifierId": source["id"]})
    ).json
    assert clone["id"] != source["id"]
    assert clone["draftVersion"]["config"] == INLINE_CONFIG


async def test_list_classifiers_pages(wire: Wire) -> None:
    ids = [(await _create_classifier(wire, f"c{i}"))["id"] for i in range(5)]
    seen: list[str] = []
    params = {"maxPageSize": "2", "sortBy": "createdAt", "sortDir": "asc"}
    while True:
        page = (await wire.get("/classifiers", params=params)).json
        assert all("draftVersion" not in item for item in page["data"])
        seen.extend(item["id"] for item in page["data"])
        if "nextPageToken" not in page:
            break
        params["nextPageToken"] = page["nextPageToken"]
    assert seen == ids


async def test_versions_bump_and_resolve(wire: Wire) -> None:
    classifier_id = (await _create_classifier(wire))["id"]
    base = f"/classifiers/{classifier_id}/versions"
    # Before anything is published, "latest" is the draft.
    assert (await wire.get(f"{base}/latest")).json["version"] == "draft"
    numbers = []
    for release in ("minor", "minor", "major", "minor"):
        reply = await wire.post(base, json={"releaseType": release, "description": release})
        assert reply.status == 200, reply.body
        version = reply.json
        assert version["object"] == "classifier_version"
        assert version["classifierId"] == classifier_id
        assert version["config"] == INLINE_CONFIG
        numbers.append(version["version"])
    assert numbers == ["0.1", "0.2", "1.0", "1.1"]
    assert (await wire.get(f"{base}/latest")).json["version"] == "1.1"
    assert (await wire.get(f"{base}/draft")).json["version"] == "draft"
    one = (await wire.get(f"{base}/1.0")).json
    assert (await wire.get(f"{base}/{one['id']}")).json == one
    (await wire.get(f"{base}/7.0")).assert_error(404, "NOT_FOUND")
    (await wire.post(base, json={"releaseType": "patch"})).assert_error(400, "INVALID_REQUEST")


async def test_version_list_puts_the_draft_first_then_newest(wire: Wire) -> None:
    classifier_id = (await _create_classifier(wire))["id"]
    base = f"/classifiers/{classifier_id}/versions"
    for release in ("minor", "major", "minor"):
        assert (await wire.post(base, json={"releaseType": release})).status == 200
    listed: list[str] = []
    params = {"maxPageSize": "3"}
    while True:
        page = (await wire.get(base, params=params)).json
        assert all("config" not in item for item in page["data"])
        listed.extend(item["version"] for item in page["data"])
        if "nextPageToken" not in page:
            break
        params["nextPageToken"] = page["nextPageToken"]
    assert listed == ["draft", "1.1", "1.0", "0.1"]
    ascending = (await wire.get(base, params={"sortDir": "asc"})).json["data"]
    assert [v["version"] for v in ascending] == ["draft", "0.1", "1.0", "1.1"]


async def test_runs_pin_the_requested_version(wire: Wire) -> None:
    classifier_id = (await _create_classifier(wire))["id"]
    base = f"/classifiers/{classifier_id}/versions"
    await wire.post(base, json={"releaseType": "major"})
    body: dict[str, Any] = {
        "file": {"url": "https://x.example/a.pdf"},
        "classifier": {"id": classifier_id},
    }
    run = (await wire.post("/classify_runs", json=body)).json
    assert run["classifierVersion"]["version"] == "1.0"  # default: latest published
    body["classifier"]["version"] = "draft"
    run = (await wire.post("/classify_runs", json=body)).json
    assert run["classifierVersion"]["version"] == "draft"
    listed = (await wire.get("/classify_runs", params={"classifierId": classifier_id})).json
    assert len(listed["data"]) == 2


async def test_batch_creates_pending_runs(wire: Wire, emulator: ExtendEmulator) -> None:
    classifier_id = (await _create_classifier(wire))["id"]
    inputs = [
        {"file": {"url": f"https://x.example/doc_{i}.pdf"}, "metadata": {"n": i}} for i in range(4)
    ]
    reply = await wire.post(
        "/classify_runs/batch", json={"classifier": {"id": classifier_id}, "inputs": inputs}
    )
    assert reply.status == 200, reply.body
    batch = reply.json
    assert list(batch) == ["object", "id", "status", "runCount", "createdAt"]
    assert batch["object"] == "batch_run"
    assert re.match(r"^bpr_[A-Za-z0-9_-]{21}$", batch["id"])
    assert batch["status"] == "PENDING"
    assert batch["runCount"] == 4
    runs = await wire.list_all({"batchId": batch["id"]})
    assert len(runs) == 4
    assert {r["status"] for r in runs} == {"PENDING"}
    assert sorted(r["metadata"]["n"] for r in runs) == [0, 1, 2, 3]
    by_source = await wire.list_all({"source": "BATCH_PROCESSOR_RUN", "sourceId": batch["id"]})
    assert len(by_source) == 4
    assert emulator.request_counts["batch_create"] == 1


async def test_batch_status_follows_its_runs(wire: Wire, emulator: ExtendEmulator) -> None:
    run_ids = emulator.seed_runs(3, batch_id="bpr_seeded", status="PENDING")
    path = "/batch_runs/bpr_seeded"
    assert (await wire.get(path)).json["status"] == "PENDING"
    emulator.advance(run_ids[0], "PROCESSING")
    assert (await wire.get(path)).json["status"] == "PROCESSING"
    emulator.advance(run_ids[0], "PROCESSED")
    for run_id in run_ids[1:]:
        emulator.advance(run_id, "FAILED")
    batch = (await wire.get(path)).json
    assert batch["status"] == "PROCESSED"
    assert batch["runCount"] == 3
    (await wire.get("/batch_runs/bpr_missing")).assert_error(404, "NOT_FOUND")


async def test_batch_validation(wire: Wire) -> None:
    classifier = {"id": (await _create_classifier(wire))["id"]}
    one = [{"file": {"url": "https://x.example/a.pdf"}}]
    cases: list[dict[str, Any]] = [
        {"classifier": classifier, "inputs": []},
        {"classifier": classifier, "inputs": one * 1001},
        {"classifier": classifier},
        {"config": INLINE_CONFIG, "inputs": one},
        {"inputs": one},
        {"classifier": classifier, "inputs": [{"file": {}}]},
    ]
    for body in cases:
        reply = await wire.post("/classify_runs/batch", json=body)
        reply.assert_error(400, "INVALID_REQUEST")
    missing = {"classifier": {"id": "cl_missing"}, "inputs": one}
    (await wire.post("/classify_runs/batch", json=missing)).assert_error(404, "NOT_FOUND")

"""Every endpoint of the schema is served by the emulator, and every answer (every status of
every run kind, every error) is what the schema describes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from extend_async.testing import ExtendEmulator, RateLimit
from extend_async.testing._api import ROUTES as CLASSIFY_ROUTES
from extend_async.testing._files import ROUTES as FILE_ROUTES

from ._schema import endpoints, validate
from .test_emulator_matches_schema import Checked

FILE = {"text": "Invoice Number: INV-42\nTotal: 1,250.50\nPaid: yes\nCurrency: EUR\n"}
EXTRACT_CONFIG = {
    "schema": {
        "type": "object",
        "properties": {
            "invoice_number": {"type": "string"},
            "total": {"type": "number"},
            "paid": {"type": "boolean"},
            "currency": {"type": "string", "enum": ["USD", "EUR"]},
            "lines": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["invoice_number", "total"],
    }
}
SPLIT_CONFIG = {
    "splitClassifications": [
        {"id": "invoice", "type": "invoice", "description": "A bill"},
        {"id": "receipt", "type": "receipt", "description": "Proof of payment"},
    ]
}


@pytest.fixture
async def wire() -> AsyncIterator[Checked]:
    async with ExtendEmulator(seed=11) as emu, aiohttp.ClientSession() as session:
        yield Checked(session, emu)
        assert emu.unexpected_errors == []


def test_the_served_routes_are_the_schemas_endpoints() -> None:
    emu = ExtendEmulator()
    served = {(method, template) for method, template, _ in emu.routes}
    wanted = {(e["http"], re.sub(r"\{[^}]+\}", "{}", e["path"])) for e in endpoints()}
    assert served == wanted


async def _every_status(
    wire: Checked, namespace: str, type_name: str, body: dict[str, Any], statuses: list[str]
) -> dict[str, str]:
    ids = {}
    for status in statuses:
        run = await wire.send("POST", f"/{namespace}", type_name, json=body)
        if status != run["status"]:
            assert wire.emu.advance(run["id"], status)
        fetched = await wire.send("GET", f"/{namespace}/{run['id']}", type_name)
        assert fetched["status"] == status
        ids[status] = run["id"]
    return ids


async def test_every_run_kind_in_every_status(wire: Checked) -> None:
    emu = wire.emu
    extractor = await wire.send(
        "POST", "/extractors", "Extractor", json={"name": "Invoices", "config": EXTRACT_CONFIG}
    )
    ex = extractor["id"]
    await wire.send("GET", f"/extractors/{ex}", "Extractor")
    await wire.send("POST", f"/extractors/{ex}", "Extractor", json={"name": "Bills"})
    await wire.send("GET", "/extractors", "ExtractorsListResponse")
    v1 = await wire.send(
        "POST", f"/extractors/{ex}/versions", "ExtractorVersion", json={"releaseType": "major"}
    )
    assert v1["version"] == "1.0"
    v2 = await wire.send(
        "POST", f"/extractors/{ex}/versions", "ExtractorVersion", json={"releaseType": "minor"}
    )
    assert v2["version"] == "1.1"
    await wire.send("GET", f"/extractors/{ex}/versions/{v1['id']}", "ExtractorVersion")
    listed = await wire.send("GET", f"/extractors/{ex}/versions", "ExtractorVersionsListResponse")
    assert [v["version"] for v in listed["data"]] == ["draft", "1.1", "1.0"]

    extract = {"file": FILE, "extractor": {"id": ex}}
    runs = await _every_status(
        wire,
        "extract_runs",
        "ExtractRun",
        extract,
        ["PROCESSING", "PENDING", "PROCESSED", "FAILED", "CANCELLED"],
    )
    done = await wire.send("GET", f"/extract_runs/{runs['PROCESSED']}", "ExtractRun")
    assert done["output"]["value"] == {
        "invoice_number": "INV-42",
        "total": 1250.5,
        "paid": True,
        "currency": "EUR",
        "lines": [],
    }
    await wire.send("POST", f"/extract_runs/{runs['PROCESSING']}/cancel", "ExtractRun")
    for status in ["PENDING", "PROCESSED", "FAILED", "CANCELLED"]:
        await wire.send("POST", f"/extract_runs/{runs[status]}/cancel", "ApiError", 400)
    await wire.send("GET", "/extract_runs", "ExtractRunsListResponse", params={"maxPageSize": "2"})
    await wire.send("DELETE", f"/extract_runs/{runs['FAILED']}", "ExtractRunsDeleteResponse")
    await wire.send("DELETE", f"/extract_runs/{runs['PENDING']}", "ApiError", 400)
    await wire.send("POST", "/extract", "ExtractRun", json={"file": FILE, "config": EXTRACT_CONFIG})
    batch = await wire.send(
        "POST",
        "/extract_runs/batch",
        "BatchRun",
        json={"extractor": {"id": ex}, "inputs": [{"file": FILE}, {"file": FILE}]},
    )
    children = await wire.send(
        "GET", "/extract_runs", "ExtractRunsListResponse", params={"batchId": batch["id"]}
    )
    assert len(children["data"]) == 2
    await wire.send("GET", f"/batch_runs/{batch['id']}", "BatchRun")
    await wire.send("GET", f"/batch_processor_runs/{batch['id']}", "BatchProcessorRunGetResponse")

    splitter = await wire.send(
        "POST", "/splitters", "Splitter", json={"name": "Packs", "config": SPLIT_CONFIG}
    )
    sp = splitter["id"]
    await wire.send("GET", f"/splitters/{sp}", "Splitter")
    await wire.send("POST", f"/splitters/{sp}", "Splitter", json={"name": "Packets"})
    await wire.send("GET", "/splitters", "SplittersListResponse")
    sv = await wire.send(
        "POST", f"/splitters/{sp}/versions", "SplitterVersion", json={"releaseType": "major"}
    )
    await wire.send("GET", f"/splitters/{sp}/versions/{sv['id']}", "SplitterVersion")
    await wire.send("GET", f"/splitters/{sp}/versions", "SplitterVersionsListResponse")
    split = {"file": FILE, "splitter": {"id": sp}}
    split_runs = await _every_status(
        wire, "split_runs", "SplitRun", split, ["PROCESSING", "PROCESSED", "FAILED", "CANCELLED"]
    )
    await wire.send("POST", f"/split_runs/{split_runs['PROCESSING']}/cancel", "SplitRun")
    await wire.send("POST", f"/split_runs/{split_runs['PROCESSED']}/cancel", "ApiError", 400)
    await wire.send("GET", "/split_runs", "SplitRunsListResponse")
    await wire.send("DELETE", f"/split_runs/{split_runs['FAILED']}", "SplitRunsDeleteResponse")
    await wire.send("POST", "/split", "SplitRun", json={"file": FILE, "config": SPLIT_CONFIG})
    await wire.send(
        "POST",
        "/split_runs/batch",
        "BatchRun",
        json={"splitter": {"id": sp}, "inputs": [{"file": FILE}]},
    )

    parse = {"file": FILE}
    parse_runs = await _every_status(
        wire, "parse_runs", "ParseRun", parse, ["PROCESSING", "PENDING", "PROCESSED", "FAILED"]
    )
    await wire.send("POST", f"/parse_runs/{parse_runs['PROCESSING']}/cancel", "ApiError", 400)
    emu.configure(parse_cancel="fail")
    cancelled = await wire.send(
        "POST", f"/parse_runs/{parse_runs['PROCESSING']}/cancel", "ParseRun"
    )
    assert (cancelled["status"], cancelled["failureReason"]) == ("FAILED", "CANCELLED")
    await wire.send("GET", "/parse_runs", "ParseRunsListResponse")
    await wire.send("DELETE", f"/parse_runs/{parse_runs['FAILED']}", "ParseRunsDeleteResponse")
    await wire.send("POST", "/parse", "ParseRun", json=parse)
    await wire.send("POST", "/parse_runs/batch", "BatchRun", json={"inputs": [{"file": FILE}]})

    workflow = await wire.send(
        "POST", "/workflows", "Workflow", json={"name": "Intake", "steps": []}
    )
    wf = workflow["id"]
    await wire.send("GET", f"/workflows/{wf}", "Workflow")
    await wire.send("POST", f"/workflows/{wf}", "Workflow", json={"name": "Intake 2"})
    await wire.send("GET", "/workflows", "WorkflowsListResponse")
    wv = await wire.send("POST", f"/workflows/{wf}/versions", "WorkflowVersion", json={})
    await wire.send("GET", f"/workflows/{wf}/versions/{wv['id']}", "WorkflowVersion")
    await wire.send("GET", f"/workflows/{wf}/versions", "WorkflowVersionsListResponse")
    flow = {"workflow": {"id": wf}, "file": FILE}
    flow_runs = await _every_status(
        wire,
        "workflow_runs",
        "WorkflowRun",
        flow,
        ["PROCESSING", "PENDING", "NEEDS_REVIEW", "REJECTED", "PROCESSED", "FAILED", "CANCELLED"],
    )
    cancelling = await wire.send(
        "POST", f"/workflow_runs/{flow_runs['PENDING']}/cancel", "WorkflowRun"
    )
    assert cancelling["status"] == "CANCELLING"
    for _ in range(200):
        got = await wire.send("GET", f"/workflow_runs/{flow_runs['PENDING']}", "WorkflowRun")
        if got["status"] == "CANCELLED":
            break
        await asyncio.sleep(0.005)
    assert got["status"] == "CANCELLED"
    await wire.send("POST", f"/workflow_runs/{flow_runs['REJECTED']}/cancel", "ApiError", 400)
    await wire.send(
        "POST",
        f"/workflow_runs/{flow_runs['PROCESSED']}",
        "WorkflowRun",
        json={"name": "renamed", "metadata": {"a": 1}},
    )
    await wire.send("GET", "/workflow_runs", "WorkflowRunsListResponse")
    await wire.send("DELETE", f"/workflow_runs/{flow_runs['FAILED']}", "WorkflowRunsDeleteResponse")
    await wire.send(
        "POST",
        "/workflow_runs/batch",
        "WorkflowRunsCreateBatchResponse",
        json={"workflow": {"id": wf}, "inputs": [{"file": FILE}]},
    )

    verify = {"file": FILE}
    verify_runs = await _every_status(
        wire, "verify_runs", "VerifyRun", verify, ["PROCESSING", "PROCESSED", "FAILED", "CANCELLED"]
    )
    await wire.send("POST", f"/verify_runs/{verify_runs['PROCESSING']}/cancel", "VerifyRun")
    finished = await wire.send(
        "POST", f"/verify_runs/{verify_runs['PROCESSED']}/cancel", "VerifyRun"
    )
    assert finished["status"] == "PROCESSED"
    await wire.send("GET", "/verify_runs", "VerifyRunsListResponse")
    await wire.send("DELETE", f"/verify_runs/{verify_runs['FAILED']}", "VerifyRunsDeleteResponse")
    await wire.send("POST", "/verify", "VerifyRun", json=verify)

    edit_runs = await _every_status(
        wire, "edit_runs", "EditRun", {"file": FILE}, ["PROCESSING", "PROCESSED", "FAILED"]
    )
    await wire.send("GET", "/edit_runs", "EditRunsListResponse")
    await wire.send("DELETE", f"/edit_runs/{edit_runs['FAILED']}", "EditRunsDeleteResponse")
    await wire.send("POST", "/edit", "EditRun", json={"file": FILE})
    await wire.send("GET", "/edit_templates", "EditTemplatesListResponse")
    await wire.send("GET", "/edit_templates/edt_missing", "ApiError", 404)
    template = emu.create_edit_template("W-9", description="Tax form")
    got = await wire.send("GET", f"/edit_templates/{template}", "EditTemplate")
    assert (got["name"], got["file"]["name"]) == ("W-9", "form.pdf")
    listed = await wire.send("GET", "/edit_templates", "EditTemplatesListResponse")
    assert [t["id"] for t in listed["data"]] == [template]
    await wire.send(
        "POST", "/edit_schemas/generate", "EditSchemaGenerationResponse", json={"file": FILE}
    )

    await _every_status(
        wire,
        "form_detection_runs",
        "FormDetectionRun",
        {"file": FILE},
        ["PROCESSING", "PROCESSED", "FAILED"],
    )
    await wire.send("POST", "/detect_form", "FormDetectionRun", json={"file": FILE})

    processor = await wire.send(
        "POST",
        "/processors",
        "ProcessorCreateResponse",
        json={"name": "Legacy", "type": "EXTRACT", "config": {"type": "EXTRACT"}},
    )
    dp = processor["processor"]["id"]
    await wire.send("POST", f"/processors/{dp}", "ProcessorUpdateResponse", json={"name": "L2"})
    await wire.send("GET", "/processors", "LegacyListProcessorsResponse")
    pv = await wire.send(
        "POST",
        f"/processors/{dp}/publish",
        "ProcessorVersionCreateResponse",
        json={"releaseType": "major"},
    )
    await wire.send(
        "GET",
        f"/processors/{dp}/versions/{pv['processorVersion']['id']}",
        "ProcessorVersionGetResponse",
    )
    await wire.send("GET", f"/processors/{dp}/versions", "ProcessorVersionListResponse")
    legacy = await wire.send(
        "POST",
        "/processor_runs",
        "ProcessorRunCreateResponse",
        json={"processorId": dp, "rawText": "Total: 3"},
    )
    lr = legacy["processorRun"]["id"]
    await wire.send("GET", f"/processor_runs/{lr}", "ProcessorRunGetResponse")
    await wire.send("GET", "/processor_runs", "ProcessorRunListResponse")
    await wire.send("POST", f"/processor_runs/{lr}/cancel", "ProcessorRunCancelResponse")
    await wire.send("DELETE", f"/processor_runs/{lr}", "ProcessorRunDeleteResponse")

    evaluation = await wire.send(
        "POST", "/evaluation_sets", "EvaluationSet", json={"name": "Golden", "entityId": ex}
    )
    es = evaluation["id"]
    await wire.send("GET", f"/evaluation_sets/{es}", "EvaluationSet")
    await wire.send("GET", "/evaluation_sets", "EvaluationSetsListResponse")
    items = await wire.send(
        "POST",
        f"/evaluation_sets/{es}/items",
        "EvaluationSetItemsCreateResponse",
        json={"items": [{"fileId": "file_x", "expectedOutput": {"value": {}}}]},
    )
    item = items["evaluationSetItems"][0]["id"]
    await wire.send("GET", f"/evaluation_sets/{es}/items/{item}", "EvaluationSetItem")
    await wire.send("GET", f"/evaluation_sets/{es}/items", "EvaluationSetItemsListResponse")
    await wire.send(
        "POST",
        f"/evaluation_sets/{es}/items/{item}",
        "EvaluationSetItem",
        json={"expectedOutput": {"value": {"a": 1}}},
    )
    await wire.send(
        "DELETE", f"/evaluation_sets/{es}/items/{item}", "EvaluationSetItemsDeleteResponse"
    )
    esr = await wire.send(
        "POST", "/evaluation_set_runs", "EvaluationSetRun", json={"evaluationSetId": es}
    )
    await wire.send("GET", f"/evaluation_set_runs/{esr['id']}", "EvaluationSetRun")

    endpoint = await wire.send(
        "POST",
        "/webhook_endpoints",
        "WebhookEndpointCreate",
        json={
            "url": "http://127.0.0.1:9/hook",
            "name": "Hook",
            "enabledEvents": ["extract_run.processed"],
            "apiVersion": "2026-02-09",
        },
    )
    assert endpoint["signingSecret"].startswith("wss_")
    wh = endpoint["id"]
    got_endpoint = await wire.send("GET", f"/webhook_endpoints/{wh}", "WebhookEndpoint")
    assert "signingSecret" not in got_endpoint
    await wire.send(
        "POST", f"/webhook_endpoints/{wh}", "WebhookEndpoint", json={"status": "disabled"}
    )
    await wire.send("GET", "/webhook_endpoints", "WebhookEndpointsListResponse")
    subscription = await wire.send(
        "POST",
        "/webhook_subscriptions",
        "WebhookSubscription",
        json={
            "webhookEndpointId": wh,
            "resourceType": "extractor",
            "resourceId": ex,
            "enabledEvents": ["extract_run.failed"],
        },
    )
    ws = subscription["id"]
    await wire.send("GET", f"/webhook_subscriptions/{ws}", "WebhookSubscription")
    await wire.send(
        "POST",
        f"/webhook_subscriptions/{ws}",
        "WebhookSubscription",
        json={"enabledEvents": ["extract_run.processed"]},
    )
    await wire.send("GET", "/webhook_subscriptions", "WebhookSubscriptionsListResponse")
    await wire.send("DELETE", f"/webhook_subscriptions/{ws}", "WebhookSubscriptionsDeleteResponse")
    await wire.send("DELETE", f"/webhook_endpoints/{wh}", "WebhookEndpointsDeleteResponse")

    # Errors: validation, not found, another workspace, authentication.
    await wire.send("POST", "/extract_runs", "ApiError", 404, json={"extractor": {"id": "ex_no"}})
    await wire.send("POST", "/workflow_runs/batch", "ApiError", 400, json={"inputs": []})
    await wire.send("GET", "/workflows/workflow_missing", "ApiError", 404)
    await wire.send("GET", "/verify_runs", "ApiError", 401, key="sk_wrong")
    emu.add_api_key("sk_other", "ws_other")
    await wire.send("GET", f"/extractors/{ex}", "ApiError", 404, key="sk_other")
    other = await wire.send("GET", "/extract_runs", "ExtractRunsListResponse", key="sk_other")
    assert other["data"] == []

    assert wire.problems == [], "\n".join(wire.problems)
    # Every route beyond the classify and files ones answered a success here (those answer
    # theirs in test_emulator_matches_schema.py).
    routes = emu.routes
    succeeded = wire.succeeded()
    elsewhere = {name for name, *_ in (*CLASSIFY_ROUTES, *FILE_ROUTES)}
    assert {name for _, _, name in routes} - elsewhere - succeeded == set()


def test_validate_is_strict_enough() -> None:
    assert validate("BatchRun", {"object": "batch_run"}) != []


def test_the_emulators_copy_of_the_schema_is_fresh() -> None:
    import importlib.util

    from ._schema import REPO_ROOT

    script = REPO_ROOT / "scripts" / "generate_emulator_shapes.py"
    spec = importlib.util.spec_from_file_location("generate_emulator_shapes", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shapes = REPO_ROOT / "extend_async" / "testing" / "_shapes.json"
    assert shapes.read_text(encoding="utf-8") == module.build(), "run `make emulator-shapes`"


async def test_the_legacy_and_evaluation_runs_in_every_status(wire: Checked) -> None:
    emu = wire.emu
    processor = await wire.send(
        "POST", "/processors", "ProcessorCreateResponse", json={"name": "L", "type": "EXTRACT"}
    )
    body = {"processorId": processor["processor"]["id"], "rawText": "Total: 3"}
    for status in ["PENDING", "PROCESSING", "PROCESSED", "FAILED", "CANCELLED"]:
        created = await wire.send(
            "POST", "/processor_runs", "ProcessorRunCreateResponse", json=body
        )
        run_id = created["processorRun"]["id"]
        if status != "PROCESSING":
            assert emu.advance(run_id, status)
        got = await wire.send("GET", f"/processor_runs/{run_id}", "ProcessorRunGetResponse")
        assert got["processorRun"]["status"] == status
    extractor = await wire.send("POST", "/extractors", "Extractor", json={"name": "E"})
    evaluation = await wire.send(
        "POST",
        "/evaluation_sets",
        "EvaluationSet",
        json={"name": "Golden", "entityId": extractor["id"]},
    )
    for status in ["PROCESSING", "PROCESSED", "FAILED"]:
        run = await wire.send(
            "POST",
            "/evaluation_set_runs",
            "EvaluationSetRun",
            json={"evaluationSetId": evaluation["id"]},
        )
        if status != "PROCESSING":
            assert emu.advance(run["id"], status)
        got = await wire.send("GET", f"/evaluation_set_runs/{run['id']}", "EvaluationSetRun")
        assert got["status"] == status
    assert wire.problems == [], "\n".join(wire.problems)


async def test_every_route_answers_its_errors_as_the_schema_describes(wire: Checked) -> None:
    """Each of the 117 routes, by the name ``ROUTE_NAMES`` gives it: a 500 fault set for that
    name alone, a wrong key (401), a rate limit (429), and an id that does not exist (404)."""
    from extend_async.testing import ROUTE_NAMES

    emu = wire.emu
    routes = emu.routes
    assert sorted(ROUTE_NAMES) == sorted(name for _, _, name in routes)
    for method, template, name in routes:
        path = template.replace("{}", "id_missing")
        emu.faults.update(route=name, error_rate=1.0)
        before = emu.request_counts[name]
        body = await wire.send(method, path, "ApiError", 500, json={})
        assert (body["code"], body["retryable"]) == ("INTERNAL_ERROR", True)
        assert emu.request_counts[name] == before + 1, name
        emu.faults.clear()
        await wire.send(method, path, "ApiError", 401, json={}, key="sk_wrong")
        no_version = {"x-extend-api-version": None}
        await wire.send(method, path, "ApiError", 400, json={}, headers=no_version)
        elsewhere = {"x-extend-workspace-id": "ws_someone_else"}
        body = await wire.send(method, path, "ApiError", 403, json={}, headers=elsewhere)
        assert body["code"] == "FORBIDDEN"
        if "{}" in template and method in ("GET", "DELETE"):
            body = await wire.send(method, path, "ApiError", 404)
            assert body["code"] == "NOT_FOUND"
    emu.rate_limit = RateLimit(0.001, burst=1)
    await wire.send("GET", "/files", "FilesListResponse")  # the one request the bucket holds
    for method, template, _ in routes:
        body = await wire.send(method, template.replace("{}", "x"), "ApiError", 429, json={})
        assert (body["code"], body["retryable"]) == ("RATE_LIMIT_EXCEEDED", True)
    assert wire.problems == [], "\n".join(wire.problems)


async def test_refusals_answer_the_configured_statuses_as_the_schema_describes(
    wire: Checked,
) -> None:
    """A refused state change is 400 by default and 409 when configured; a body that fails
    validation 400 or 422: every run kind that has a cancel, through its own route."""
    emu = wire.emu
    emu.configure(state_conflict_status=409, validation_status=422)
    extractor = await wire.send("POST", "/extractors", "Extractor", json={"name": "E"})
    splitter = await wire.send("POST", "/splitters", "Splitter", json={"name": "S"})
    workflow = await wire.send("POST", "/workflows", "Workflow", json={"name": "W"})
    processor = await wire.send(
        "POST", "/processors", "ProcessorCreateResponse", json={"name": "P", "type": "EXTRACT"}
    )
    kinds = [
        ("extract_runs", "ExtractRun", {"extractor": {"id": extractor["id"]}, "file": FILE}),
        ("split_runs", "SplitRun", {"splitter": {"id": splitter["id"]}, "file": FILE}),
        ("parse_runs", "ParseRun", {"file": FILE}),
        ("workflow_runs", "WorkflowRun", {"workflow": {"id": workflow["id"]}, "file": FILE}),
    ]
    for namespace, type_name, body in kinds:
        run = await wire.send("POST", f"/{namespace}", type_name, json=body)
        assert emu.advance(run["id"], "FAILED")
        refused = await wire.send("POST", f"/{namespace}/{run['id']}/cancel", "ApiError", 409)
        assert refused["code"] == "INVALID_REQUEST"
        await wire.send("POST", f"/{namespace}", "ApiError", 422, json={"file": 7})
    legacy = await wire.send(
        "POST",
        "/processor_runs",
        "ProcessorRunCreateResponse",
        json={"processorId": processor["processor"]["id"]},
    )
    assert emu.advance(legacy["processorRun"]["id"], "PROCESSED")
    await wire.send(
        "POST", f"/processor_runs/{legacy['processorRun']['id']}/cancel", "ApiError", 409
    )
    active = await wire.send("POST", "/extract_runs", "ExtractRun", json=kinds[0][2])
    await wire.send("DELETE", f"/extract_runs/{active['id']}", "ApiError", 409)
    assert wire.problems == [], "\n".join(wire.problems)

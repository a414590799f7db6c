"""The official TypeScript SDK (`extend-ai` on npm, pinned in ``tests/interop/ts/package.json``)
drives every resource it has against the emulator: one node script
(``tests/interop/ts/drive.mjs``) makes every call and prints what each answered; this test
checks the statuses, ids and values, validates every answer against the API's schema, and
checks the webhook events the SDK received and verified.

``make interop-ts-deps`` (run by ``make test``) installs the SDK with ``npm ci``. Without
node the test fails, saying so; ``EXTEND_SKIP_NODE=1`` turns that into a skip on a machine
that has no node (never in CI). No switch of the emulator is set for it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from schema._schema import validate

from extend_async.testing import ExtendEmulator

TS_DIR = Path(__file__).resolve().parent / "ts"
SCRIPT = TS_DIR / "drive.mjs"
OTHER_KEY = "sk_other_workspace"
MIN_NODE = 18  # the SDK's "engines"


def _unavailable(reason: str) -> None:
    """Fail, or skip when the developer said this machine has no node."""
    if os.environ.get("EXTEND_SKIP_NODE") == "1":
        pytest.skip(f"{reason} (EXTEND_SKIP_NODE=1)")
    pytest.fail(
        f"{reason}. The TypeScript interop test needs Node {MIN_NODE}+ and "
        "`make interop-ts-deps`; set EXTEND_SKIP_NODE=1 to skip it on a machine without node.",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        _unavailable("node is not on PATH")
    assert found is not None
    version = subprocess.run(
        [found, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    major = re.match(r"v(\d+)\.", version)
    if major is None or int(major.group(1)) < MIN_NODE:
        _unavailable(f"node {version or '(no version)'} is older than {MIN_NODE}")
    if not (TS_DIR / "node_modules" / "extend-ai" / "package.json").is_file():
        _unavailable("the TypeScript SDK is not installed: run `make interop-ts-deps`")
    return found


@pytest.fixture(scope="module")
def emulator() -> Iterator[ExtendEmulator]:
    with ExtendEmulator(seed=23).run_in_thread() as emulator:
        emulator.add_api_key(OTHER_KEY, "ws_other")
        yield emulator
        assert emulator.unexpected_errors == []


@pytest.fixture(scope="module")
def result(node: str, emulator: ExtendEmulator) -> dict[str, Any]:
    env = {
        **os.environ,
        "EXTEND_BASE_URL": emulator.base_url,
        "EXTEND_API_KEY": emulator.api_key,
        "EXTEND_OTHER_API_KEY": OTHER_KEY,
        # Templates are made in the dashboard; the API only reads them.
        "EXTEND_EDIT_TEMPLATE_ID": emulator.create_edit_template("W-9"),
    }
    done = subprocess.run(
        [node, str(SCRIPT)],
        cwd=TS_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    output: dict[str, Any] = json.loads(done.stdout)
    return output


@pytest.fixture(scope="module")
def steps(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    named = {step["name"]: step for step in result["steps"]}
    assert len(named) == len(result["steps"]), "step names are unique"
    return named


def value(steps: dict[str, dict[str, Any]], name: str) -> Any:
    return steps[name]["value"]


def test_the_pinned_sdk_ran(result: dict[str, Any]) -> None:
    pinned = json.loads((TS_DIR / "package.json").read_text("utf-8"))["dependencies"]["extend-ai"]
    assert result["sdkVersion"] == pinned


def test_every_call_got_the_status_it_should(result: dict[str, Any]) -> None:
    wrong = [
        f"{s['name']}: {s['status']} (wanted {s['want']}) {s['error'] or ''}"
        for s in result["steps"]
        if s["status"] != s["want"]
    ]
    assert wrong == [], "\n".join(wrong)
    assert len(result["steps"]) >= 120


def test_every_answer_is_shaped_as_the_schema_says(result: dict[str, Any]) -> None:
    problems = [
        f"{s['name']} ({s['expect']}): {problem}"
        for s in result["steps"]
        for problem in validate(s["expect"], s["value"])
    ]
    assert problems == [], "\n".join(problems)


def test_every_answer_carries_a_request_id(result: dict[str, Any]) -> None:
    missing = [s["name"] for s in result["steps"] if not (s["requestId"] or "").startswith("req_")]
    assert missing == []
    errors = [s for s in result["steps"] if s["want"] != 200]
    assert errors
    assert all(s["value"]["requestId"] == s["requestId"] for s in errors)


def test_ids_have_their_kinds_prefixes(steps: dict[str, dict[str, Any]]) -> None:
    prefixes = {
        "extractors.create": "ex_",
        "extractorVersions.create (major)": "exv_",
        "extractRuns.create": "exr_",
        "extractRuns.createBatch": "bpr_",
        "classifiers.create": "cl_",
        "classifyRuns.create": "clr_",
        "splitters.create": "spl_",
        "splitterVersions.create": "splv_",
        "splitRuns.create": "splr_",
        "parseRuns.create": "pr_",
        "workflows.create": "workflow_",
        "workflowRuns.create": "workflow_run_",
        "editRuns.create": "edr_",
        "formDetectionRuns.create": "fdr_",
        "evaluationSets.create": "ev_",
        "webhookEndpoints.create": "wh_",
        "webhookSubscriptions.create": "whs_",
        "files.upload": "file_",
    }
    wrong = {
        name: value(steps, name)["id"]
        for name, prefix in prefixes.items()
        if not value(steps, name)["id"].startswith(prefix)
    }
    assert wrong == {}
    assert value(steps, "processor.create")["processor"]["id"].startswith("dp_")
    assert value(steps, "processorRun.create")["processorRun"]["id"].startswith("dpr_")


def test_runs_live_their_kinds_lives(steps: dict[str, dict[str, Any]]) -> None:
    assert value(steps, "extractRuns.create")["status"] == "PROCESSING"
    assert value(steps, "extractRuns.cancel")["status"] == "CANCELLED"
    assert value(steps, "extractRuns.cancel (cancelled)")["code"] == "INVALID_REQUEST"
    assert value(steps, "classifyRuns.cancel")["status"] == "CANCELLED"
    assert value(steps, "splitRuns.cancel")["status"] == "CANCELLED"
    assert value(steps, "parseRuns.retrieve")["status"] == "PROCESSING"
    assert value(steps, "workflowRuns.cancel")["status"] == "CANCELLING"
    assert value(steps, "workflowRuns.update")["metadata"] == {"team": "ops"}
    assert value(steps, "editRuns.retrieve")["status"] == "PROCESSING"
    for sync in ("extract", "classify", "split", "parse", "edit", "detectForm"):
        assert value(steps, sync)["status"] == "PROCESSED", sync
    legacy = value(steps, "processorRun.get")["processorRun"]
    assert (legacy["status"], legacy["type"]) == ("PROCESSING", "EXTRACT")
    assert value(steps, "processorRun.cancel")["processorRun"]["status"] == "CANCELLED"


def test_outputs_follow_the_configuration(steps: dict[str, dict[str, Any]]) -> None:
    expected = {
        "invoice_number": "INV-7",
        "total": 1250.5,
        "paid": True,
        "currency": "EUR",
        "lines": [],
    }
    assert value(steps, "extract")["output"]["value"] == expected
    assert value(steps, "extract (uploaded file)")["output"]["value"] == expected
    classified = value(steps, "classify")["output"]
    assert (classified["id"], classified["type"]) == ("invoice", "invoice")
    assert 0 < classified["confidence"] <= 1
    splits = value(steps, "split")["output"]["splits"]
    assert [s["type"] for s in splits] == ["invoice", "receipt"]
    assert splits[0]["startPage"] == 1
    assert all(s["startPage"] <= s["endPage"] for s in splits)
    assert splits[1]["startPage"] == splits[0]["endPage"] + 1  # page ranges, end to end


def test_versions_are_numbered_as_published(steps: dict[str, dict[str, Any]]) -> None:
    assert value(steps, "extractorVersions.create (major)")["version"] == "1.0"
    assert value(steps, "extractorVersions.create (minor)")["version"] == "1.1"
    listed = value(steps, "extractorVersions.list")["data"]
    assert [v["version"] for v in listed] == ["draft", "1.1", "1.0"]
    assert value(steps, "classifierVersions.create")["version"] == "1.0"
    assert value(steps, "splitterVersions.create")["version"] == "0.1"
    assert value(steps, "processorVersion.create")["processorVersion"]["version"] == "1.0"
    assert len(value(steps, "workflowVersions.list")["data"]) == 2


def test_batches_list_their_children(steps: dict[str, dict[str, Any]]) -> None:
    batches = {
        "extractRuns": ("extractRuns.createBatch", 2),
        "classifyRuns": ("classifyRuns.createBatch", 1),
        "splitRuns": ("splitRuns.createBatch", 2),
        "parseRuns": ("parseRuns.createBatch", 1),
        "workflowRuns": ("workflowRuns.createBatch", 2),
    }
    for resource, (created, count) in batches.items():
        batch = value(steps, created)
        batch_id = batch.get("batchId") or batch["id"]
        children = value(steps, f"{resource}.list (batchId)")["data"]
        assert len(children) == count, resource
        # Only parse and workflow run summaries name their batch.
        assert {child.get("batchId", batch_id) for child in children} == {batch_id}, resource
    assert value(steps, "batchRuns.get")["runCount"] == 2
    legacy = value(steps, "batchProcessorRun.get")["batchProcessorRun"]
    assert legacy["id"] == value(steps, "extractRuns.createBatch")["id"]


def test_resources_are_created_read_listed_updated_and_deleted(
    steps: dict[str, dict[str, Any]],
) -> None:
    assert value(steps, "extractors.update")["name"] == "Bills"
    assert [e["id"] for e in value(steps, "extractors.list")["data"]] == [
        value(steps, "extractors.create")["id"]
    ]
    first = value(steps, "extractRuns.list")["data"]
    second = value(steps, "extractRuns.list (next page)")["data"]
    assert len(first) == len(second) == 1  # maxPageSize 1 of several, page after page
    assert first[0]["id"] != second[0]["id"]
    packaged = value(steps, "extractRuns.create (package)")
    assert [f["name"] for f in packaged["files"]] == ["pack.pdf", "bill.pdf"]
    assert value(steps, "workflows.update")["name"] == "Intake 2"
    endpoint = value(steps, "webhookEndpoints.create")
    assert endpoint["signingSecret"].startswith("wss_")
    assert "signingSecret" not in value(steps, "webhookEndpoints.retrieve")
    listed = value(steps, "webhookEndpoints.list")["data"]
    assert [e["id"] for e in listed] == [endpoint["id"]]  # listed before the second
    assert value(steps, "webhookEndpoints.update")["name"] == "TS receiver 2"
    assert value(steps, "evaluationSetItems.update")["expectedOutput"] == {"value": {"total": 1}}
    assert value(steps, "files.upload")["name"] == "invoice.txt"
    assert value(steps, "editTemplates.retrieve")["name"] == "W-9"
    assert value(steps, "extractRuns.list (other workspace)")["data"] == []


def test_webhook_events_are_signed_and_delivered_to_what_was_registered(
    result: dict[str, Any], steps: dict[str, dict[str, Any]]
) -> None:
    events = result["webhooks"]
    assert [e["problem"] for e in events if not e["verified"]] == []
    assert {e["path"] for e in events} == {"/hooks"}  # none for the deleted endpoint
    assert {e["apiVersion"] for e in events} == {"2026-02-09"}
    assert len({e["eventId"] for e in events}) == len(events)
    got = sorted((e["eventType"], e["payload"]["id"]) for e in events)
    wanted = sorted(
        [
            ("extractor.created", value(steps, "extractors.create")["id"]),
            ("extract_run.processed", value(steps, "extract")["id"]),
            ("extract_run.processed", value(steps, "extract (uploaded file)")["id"]),
            ("classify_run.processed", value(steps, "classify")["id"]),
            ("split_run.processed", value(steps, "split")["id"]),
            ("parse_run.processed", value(steps, "parse")["id"]),
            ("edit_run.processed", value(steps, "edit")["id"]),
            ("form_detection_run.processed", value(steps, "detectForm")["id"]),
            ("workflow_run.cancelled", value(steps, "workflowRuns.create")["id"]),
        ]
    )
    assert got == wanted
    cancelled = next(e for e in events if e["eventType"] == "workflow_run.cancelled")
    assert cancelled["payload"]["status"] == "CANCELLED"

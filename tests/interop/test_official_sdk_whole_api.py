"""The official ``extend-ai`` SDK drives every resource beyond classify against the emulator:
create, read, list, update, cancel, delete, batches, versions and webhook endpoints. The
SDK parses each answer into its pydantic models, so what it accepts is shaped like the API's.
No switch of the emulator is set for these tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from extend_ai import Extend
from extend_ai.errors import BadRequestError, NotFoundError
from extend_ai.processor_version.types import ProcessorVersionCreateRequestReleaseType
from extend_ai.requests import FileFromUrlParams
from extend_ai.types import LegacyProcessorType, ReleaseType

from extend_async.testing import ExtendEmulator

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TEXT = "Invoice Number: INV-9\nTotal: 12.5\n"
PDF: FileFromUrlParams = {"url": "https://files.example.com/docs/pack.pdf"}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}},
    "required": ["invoice_number", "total"],
}


@pytest.fixture
def emulator() -> Iterator[ExtendEmulator]:
    with ExtendEmulator(seed=3).run_in_thread() as emulator:
        yield emulator
        assert emulator.unexpected_errors == []


@pytest.fixture
def client(emulator: ExtendEmulator) -> Extend:
    return Extend(token=emulator.api_key, base_url=emulator.base_url, timeout=10)


def test_extractors_versions_and_extract_runs(client: Extend, emulator: ExtendEmulator) -> None:
    extractor = client.extractors.create(name="Invoices", config={"schema": SCHEMA})
    assert extractor.id.startswith("ex_")
    assert client.extractors.retrieve(extractor.id).name == "Invoices"
    assert client.extractors.update(extractor.id, name="Bills").name == "Bills"
    assert [e.id for e in client.extractors.list().data or []] == [extractor.id]
    version = client.extractor_versions.create(extractor.id, release_type=ReleaseType.MAJOR)
    assert version.version == "1.0"
    assert client.extractor_versions.retrieve(extractor.id, version.id).id == version.id
    listed = client.extractor_versions.list(extractor.id).data or []
    assert [v.version for v in listed] == ["draft", "1.0"]

    run = client.extract_runs.create(extractor={"id": extractor.id}, file={"text": TEXT})
    assert run.status == "PROCESSING"
    cancelled = client.extract_runs.cancel(run.id)
    assert cancelled.status == "CANCELLED"
    with pytest.raises(BadRequestError):
        client.extract_runs.cancel(run.id)
    done = client.extract(config={"schema": SCHEMA}, file={"text": TEXT})
    assert done.status == "PROCESSED"
    assert done.output is not None
    assert done.output.value == {"invoice_number": "INV-9", "total": 12.5}  # type: ignore[union-attr]
    assert client.extract_runs.retrieve(done.id).id == done.id
    ids = {r.id for r in client.extract_runs.list().data or []}
    assert ids == {run.id, done.id}
    assert client.extract_runs.delete(done.id).id == done.id
    with pytest.raises(NotFoundError):
        client.extract_runs.retrieve(done.id)

    batch = client.extract_runs.create_batch(
        extractor={"id": extractor.id}, inputs=[{"file": {"text": TEXT}}] * 3
    )
    assert batch.run_count == 3
    children = client.extract_runs.list(batch_id=batch.id).data or []
    assert len(children) == 3
    assert client.batch_runs.get(batch.id).status == "PENDING"
    legacy = client.batch_processor_run.get(batch.id)
    assert legacy.batch_processor_run.id == batch.id


def test_splitters_split_runs_and_parse_runs(client: Extend) -> None:
    config: Any = {
        "splitClassifications": [
            {"id": "inv", "type": "invoice", "description": "A bill"},
            {"id": "rec", "type": "receipt", "description": "A receipt"},
        ]
    }
    splitter = client.splitters.create(name="Packs", config=config)
    assert client.splitters.retrieve(splitter.id).id == splitter.id
    client.splitters.update(splitter.id, name="Packets")
    assert len(client.splitters.list().data or []) == 1
    client.splitter_versions.create(splitter.id, release_type=ReleaseType.MINOR)
    assert len(client.splitter_versions.list(splitter.id).data or []) == 2
    run = client.split_runs.create(splitter={"id": splitter.id}, file=PDF)
    assert client.split_runs.cancel(run.id).status == "CANCELLED"
    done = client.split(config=config, file=PDF)
    assert done.output is not None
    assert done.output.splits[0].start_page == 1
    client.split_runs.create_batch(splitter={"id": splitter.id}, inputs=[{"file": PDF}])
    assert client.split_runs.delete(done.id).id == done.id

    parsed = client.parse(file=PDF)
    assert parsed.status == "PROCESSED"
    queued = client.parse_runs.create(file=PDF)
    assert client.parse_runs.retrieve(queued.id).status == "PROCESSING"
    with pytest.raises(BadRequestError):
        client.parse_runs.cancel(queued.id)
    assert len(client.parse_runs.list().data or []) == 2
    client.parse_runs.create_batch(inputs=[{"file": PDF}])
    assert client.parse_runs.delete(parsed.id).id == parsed.id


def test_workflows_and_workflow_runs(client: Extend, emulator: ExtendEmulator) -> None:
    workflow = client.workflows.create(name="Intake")
    assert client.workflows.retrieve(workflow.id).name == "Intake"
    client.workflows.update(workflow.id, name="Intake 2")
    assert len(client.workflows.list().data or []) == 1
    version = client.workflow_versions.create(workflow.id, name="v1")
    assert client.workflow_versions.retrieve(workflow.id, version.id).version == "1.0"
    assert len(client.workflow_versions.list(workflow.id).data or []) == 2

    run = client.workflow_runs.create(workflow={"id": workflow.id}, file={"text": TEXT})
    assert run.status == "PROCESSING"
    updated = client.workflow_runs.update(run.id, name="renamed", metadata={"k": "v"})
    assert updated.metadata == {"k": "v"}
    assert client.workflow_runs.cancel(run.id).status == "CANCELLING"
    other = client.workflow_runs.create(workflow={"id": workflow.id}, file={"text": TEXT})
    assert emulator.advance(other.id, "REJECTED")
    assert client.workflow_runs.retrieve(other.id).status == "REJECTED"
    assert client.workflow_runs.delete(other.id).id == other.id
    batch = client.workflow_runs.create_batch(
        workflow={"id": workflow.id}, inputs=[{"file": {"text": TEXT}}] * 2
    )
    assert len(client.workflow_runs.list(batch_id=batch.batch_id).data or []) == 2


def test_verify_edit_and_form_detection_runs(client: Extend, emulator: ExtendEmulator) -> None:
    verify = client.verify_runs.create(file=PDF)
    assert verify.status == "PROCESSING"
    assert client.verify_runs.cancel(verify.id).status == "CANCELLED"
    assert client.verify_runs.cancel(verify.id).status == "CANCELLED"  # a no-op
    finished = client.verify(file=PDF)
    assert finished.status == "PROCESSED"
    assert len(client.verify_runs.list().data or []) == 2
    assert client.verify_runs.retrieve(finished.id).id == finished.id
    assert client.verify_runs.delete(finished.id).id == finished.id

    edit = client.edit_runs.create(file=PDF)
    assert client.edit_runs.retrieve(edit.id).status == "PROCESSING"
    assert client.edit(file=PDF).status == "PROCESSED"
    assert len(client.edit_runs.list().data or []) == 2
    emulator.advance(edit.id, "FAILED")
    assert client.edit_runs.delete(edit.id).id == edit.id
    assert client.edit_templates.list().data == []

    form = client.form_detection_runs.create(file=PDF)
    assert client.form_detection_runs.retrieve(form.id).id == form.id
    assert client.detect_form(file=PDF).status == "PROCESSED"


def test_legacy_processors_and_processor_runs(client: Extend) -> None:
    created = client.processor.create(name="Legacy", type=LegacyProcessorType.EXTRACT)
    processor_id = created.processor.id
    client.processor.update(processor_id, name="Legacy 2")
    assert len(client.processor.list().processors) == 1
    version = client.processor_version.create(
        processor_id, release_type=ProcessorVersionCreateRequestReleaseType.MAJOR
    )
    got = client.processor_version.get(processor_id, version.processor_version.id)
    assert got.version.version == "1.0"
    assert len(client.processor_version.list(processor_id).versions) == 2
    run = client.processor_run.create(processor_id=processor_id, raw_text=TEXT)
    assert client.processor_run.get(run.processor_run.id).processor_run.id == run.processor_run.id
    assert len(client.processor_run.list().processor_runs) == 1
    client.processor_run.cancel(run.processor_run.id)
    assert client.processor_run.delete(run.processor_run.id).success


def test_a_legacy_processor_run_from_a_file_as_the_schema_spells_it(client: Extend) -> None:
    # LegacyProcessorRunFileInput: {fileUrl | fileId, fileName?}, as the SDK sends it.
    processor_id = client.processor.create(name="Legacy", type=LegacyProcessorType.EXTRACT)
    processor = processor_id.processor.id
    by_url = client.processor_run.create(
        processor_id=processor,
        file={"file_url": "https://files.example.com/docs/pack.pdf", "file_name": "scan.pdf"},
    )
    (file,) = by_url.processor_run.files
    assert file.name == "scan.pdf"
    by_id = client.processor_run.create(processor_id=processor, file={"file_id": file.id})
    assert [f.id for f in by_id.processor_run.files] == [file.id]
    with pytest.raises(BadRequestError):  # neither fileUrl nor fileId
        client.processor_run.create(processor_id=processor, file={"file_name": "x.pdf"})


def test_evaluation_sets_items_and_runs(client: Extend) -> None:
    extractor = client.extractors.create(name="E")
    evaluation = client.evaluation_sets.create(name="Golden", entity_id=extractor.id)
    assert client.evaluation_sets.retrieve(evaluation.id).name == "Golden"
    assert len(client.evaluation_sets.list().data or []) == 1
    items = client.evaluation_set_items.create(
        evaluation.id,
        items=[{"file_id": "file_1", "expected_output": {"value": {}}}],
    )
    item = items.evaluation_set_items[0]
    assert client.evaluation_set_items.retrieve(evaluation.id, item.id).id == item.id
    assert len(client.evaluation_set_items.list(evaluation.id).data or []) == 1
    client.evaluation_set_items.update(evaluation.id, item.id, expected_output={"value": {"a": 1}})
    client.evaluation_set_items.delete(evaluation.id, item.id)
    run = client.evaluation_set_runs.create(evaluation_set_id=evaluation.id)
    assert client.evaluation_set_runs.retrieve(run.id).id == run.id


def test_webhook_endpoints_and_subscriptions(client: Extend) -> None:
    endpoint = client.webhook_endpoints.create(
        url="https://hooks.example.com/extend",
        name="Prod",
        enabled_events=["extract_run.processed"],
        api_version="2026-02-09",
    )
    assert endpoint.signing_secret.startswith("wss_")
    assert client.webhook_endpoints.retrieve(endpoint.id).url == endpoint.url
    disabled = client.webhook_endpoints.update(endpoint.id, status="disabled")
    assert disabled.status == "disabled"
    assert [e.id for e in client.webhook_endpoints.list().data or []] == [endpoint.id]
    extractor = client.extractors.create(name="E")
    subscription = client.webhook_subscriptions.create(
        webhook_endpoint_id=endpoint.id,
        resource_type="extractor",
        resource_id=extractor.id,
        enabled_events=["extract_run.failed"],
    )
    assert client.webhook_subscriptions.retrieve(subscription.id).resource_id == extractor.id
    client.webhook_subscriptions.update(subscription.id, enabled_events=["extract_run.processed"])
    assert len(client.webhook_subscriptions.list().data or []) == 1
    client.webhook_subscriptions.delete(subscription.id)
    client.webhook_endpoints.delete(endpoint.id)
    with pytest.raises(NotFoundError):
        client.webhook_endpoints.retrieve(endpoint.id)


def test_packages_edit_templates_and_edit_schemas(client: Extend, emulator: ExtendEmulator) -> None:
    extractor = client.extractors.create(name="Pack", config={"schema": SCHEMA})
    package: Any = {"files": [PDF, {"url": "https://files.example.com/docs/bill.pdf"}]}
    run = client.extract_runs.create(extractor={"id": extractor.id}, package=package)
    assert [f.name for f in run.files or []] == ["pack.pdf", "bill.pdf"]
    with pytest.raises(BadRequestError):
        client.extract_runs.create(extractor={"id": extractor.id})  # neither file nor package
    template = emulator.create_edit_template("W-9", description="Tax form")
    got = client.edit_templates.retrieve(template)
    assert (got.name, got.description) == ("W-9", "Tax form")
    assert [t.id for t in client.edit_templates.list().data or []] == [template]
    with pytest.raises(NotFoundError):
        client.edit_templates.retrieve("edt_missing")
    generated = client.edit_schemas.generate(file=PDF)
    assert generated is not None

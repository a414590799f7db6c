"""The official ``extend-ai`` SDK (Fern-generated, httpx) works against the emulator.

It parses every response into its own pydantic models, so a run it accepts here is a run
shaped like the real service's.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import orjson
import pydantic
import pytest
from extend_ai import AsyncExtend, Extend
from extend_ai.classifier_versions.types.classifier_versions_list_response import (
    ClassifierVersionsListResponse,
)
from extend_ai.classifiers.types.classifiers_list_response import ClassifiersListResponse
from extend_ai.classify_runs.types.classify_runs_delete_response import (
    ClassifyRunsDeleteResponse,
)
from extend_ai.classify_runs.types.classify_runs_list_response import ClassifyRunsListResponse
from extend_ai.errors import BadRequestError, NotFoundError, UnauthorizedError
from extend_ai.requests import ClassifyConfigParams
from extend_ai.types import (
    ApiError,
    BatchRun,
    Classification,
    Classifier,
    ClassifierVersion,
    ClassifyRun,
    ProcessorRunStatus,
    ReleaseType,
)

from extend_async.testing import ExtendEmulator

# The SDK's pydantic models use deprecated pydantic v1 attributes internally.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CONFIG: ClassifyConfigParams = {
    # The SDK types classifications as its pydantic model (a Fern quirk), not dicts.
    "classifications": [
        Classification(id="invoice", type="invoice", description="A bill requesting payment."),
        Classification(id="other", type="other", description="Anything else."),
    ]
}


@pytest.fixture
def emulator() -> Iterator[ExtendEmulator]:
    with ExtendEmulator(seed=2).run_in_thread() as emulator:
        yield emulator
        assert emulator.unexpected_errors == []


@pytest.fixture
def client(emulator: ExtendEmulator) -> Extend:
    return Extend(token=emulator.api_key, base_url=emulator.base_url, timeout=10)


def test_create_get_cancel_delete(client: Extend, emulator: ExtendEmulator) -> None:
    created = client.classify_runs.create(
        file={"url": "https://files.example.com/invoice_7.pdf"},
        config=CONFIG,
        metadata={"customerId": "abc"},
    )
    assert created.id.startswith("clr_")
    assert created.status == "PROCESSING"
    assert created.file is not None
    assert created.file.name == "invoice_7.pdf"

    fetched = client.classify_runs.retrieve(created.id)
    assert fetched.id == created.id
    assert fetched.metadata == {"customerId": "abc"}
    assert fetched.config.classifications[0].id == "invoice"

    cancelled = client.classify_runs.cancel(created.id)
    assert cancelled.status == "CANCELLED"
    assert cancelled.failure_reason is None

    with pytest.raises(BadRequestError) as refused:
        client.classify_runs.cancel(created.id)
    assert refused.value.status_code == 400
    assert refused.value.body["code"] == "INVALID_REQUEST"
    assert refused.value.body["message"] == "Classify run cannot be cancelled in status CANCELLED"

    deleted = client.classify_runs.delete(created.id)
    assert deleted.id == created.id
    with pytest.raises(NotFoundError):
        client.classify_runs.retrieve(created.id)
    assert emulator.runs[created.id].deleted


def test_processed_run_parses_with_output_and_usage(
    client: Extend, emulator: ExtendEmulator
) -> None:
    classifier_id = emulator.create_classifier("Mailroom")
    (run_id,) = emulator.seed_runs(1, classifier_id=classifier_id, file_name="invoice_1.pdf")
    emulator.advance(run_id, "PROCESSED")
    run = client.classify_runs.retrieve(run_id)
    assert run.status == "PROCESSED"
    assert run.output is not None
    assert run.output.type == "invoice"
    assert run.usage is not None
    assert run.usage.breakdown
    assert run.classifier is not None
    assert run.classifier.id == classifier_id
    assert run.classifier_version is not None
    assert run.classifier_version.version == "draft"


def test_list_pages_through_every_run(client: Extend, emulator: ExtendEmulator) -> None:
    seeded = set(emulator.seed_runs(25, status=["PROCESSING", "PROCESSED", "FAILED"]))
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = client.classify_runs.list(max_page_size=10, next_page_token=token)
        pages += 1
        seen.extend(item.id for item in page.data)
        token = page.next_page_token
        if token is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 25
    assert set(seen) == seeded
    failed = client.classify_runs.list(status=ProcessorRunStatus.FAILED, max_page_size=100)
    assert len(failed.data) == 8
    assert {item.status for item in failed.data} == {"FAILED"}


def test_classifiers_versions_and_batches(client: Extend) -> None:
    classifier = client.classifiers.create(name="Mailroom", config=CONFIG)
    assert classifier.draft_version.version == "draft"
    version = client.classifier_versions.create(
        classifier.id, release_type=ReleaseType.MAJOR, description="First release"
    )
    assert version.version == "1.0"
    latest = client.classifier_versions.retrieve(classifier.id, "latest")
    assert latest.id == version.id
    versions = client.classifier_versions.list(classifier.id)
    assert [v.version for v in versions.data] == ["draft", "1.0"]
    batch = client.classify_runs.create_batch(
        classifier={"id": classifier.id},
        inputs=[{"file": {"url": f"https://files.example.com/{i}.pdf"}} for i in range(3)],
    )
    assert batch.status == "PENDING"
    assert batch.run_count == 3
    assert client.batch_runs.get(batch.id).id == batch.id
    runs = client.classify_runs.list(batch_id=batch.id)
    assert len(runs.data) == 3


def test_a_wrong_key_is_unauthorized(emulator: ExtendEmulator) -> None:
    client = Extend(token="sk_wrong", base_url=emulator.base_url, timeout=10)
    with pytest.raises(UnauthorizedError) as denied:
        client.classify_runs.list()
    assert denied.value.body["code"] == "UNAUTHORIZED"


async def test_async_client_cancels(emulator: ExtendEmulator) -> None:
    client = AsyncExtend(token=emulator.api_key, base_url=emulator.base_url, timeout=10)
    run_ids = emulator.seed_runs(3)
    for run_id in run_ids:
        cancelled = await client.classify_runs.cancel(run_id)
        assert cancelled.status == "CANCELLED"
    assert {emulator.runs[r].status for r in run_ids} == {"CANCELLED"}


def _raw(emulator: ExtendEmulator, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        emulator.base_url + path,
        method=method,
        data=None if body is None else orjson.dumps(body),
        headers={
            "Authorization": f"Bearer {emulator.api_key}",
            "x-extend-api-version": "2026-02-09",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return orjson.loads(error.read())


def test_every_body_validates_against_the_official_models(emulator: ExtendEmulator) -> None:
    """Strict pydantic validation (required fields, types) of each kind of answer."""
    classifier_id = emulator.create_classifier("Mailroom")
    for status in ("PENDING", "PROCESSING", "PROCESSED", "FAILED", "CANCELLED"):
        (run_id,) = emulator.seed_runs(1, status=status, classifier_id=classifier_id)
        run = ClassifyRun.model_validate(_raw(emulator, "GET", f"/classify_runs/{run_id}"))
        assert run.status == status
    page = ClassifyRunsListResponse.model_validate(_raw(emulator, "GET", "/classify_runs"))
    assert len(page.data) == 5
    assert page.next_page_token is None
    (finished,) = emulator.seed_runs(1, status="PROCESSED")
    deleted = _raw(emulator, "DELETE", f"/classify_runs/{finished}")
    assert ClassifyRunsDeleteResponse.model_validate(deleted).id == finished
    error = ApiError.model_validate(_raw(emulator, "GET", f"/classify_runs/{finished}"))
    assert error.code == "NOT_FOUND"
    assert error.request_id is not None
    classifier = Classifier.model_validate(_raw(emulator, "GET", f"/classifiers/{classifier_id}"))
    assert classifier.draft_version.version == "draft"
    ClassifiersListResponse.model_validate(_raw(emulator, "GET", "/classifiers"))
    versions = f"/classifiers/{classifier_id}/versions"
    published = _raw(emulator, "POST", versions, {"releaseType": "minor"})
    assert ClassifierVersion.model_validate(published).version == "0.1"
    listed = ClassifierVersionsListResponse.model_validate(_raw(emulator, "GET", versions))
    assert [v.version for v in listed.data] == ["draft", "0.1"]
    batch = _raw(
        emulator,
        "POST",
        "/classify_runs/batch",
        {"classifier": {"id": classifier_id}, "inputs": [{"file": {"url": "https://x.io/a.pdf"}}]},
    )
    assert BatchRun.model_validate(batch).run_count == 1
    with pytest.raises(pydantic.ValidationError):  # the check has teeth
        ClassifyRun.model_validate({"object": "classify_run", "id": "clr_x"})

"""``classify_runs.create_batch`` and ``batch_runs.get``: the body, and checks before sending."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aioresponses import aioresponses

from extend_async import (
    AsyncExtend,
    BatchInput,
    BatchRun,
    ClassifierRef,
    ClassifyConfig,
    FileFromId,
    FileFromText,
    FileFromUrl,
    InvalidInputError,
    RunStatus,
)
from extend_async.types import ClassifyOverrideConfig

from ._helpers import BATCH_ID, CLASSIFIER_ID, CONFIG, batch_run, requests_made, sent_json, url

BATCH = "/classify_runs/batch"


async def test_create_batch_sends_the_documented_body(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(url(BATCH), payload=batch_run("PENDING", 3))
    batch = await client.classify_runs.create_batch(
        classifier=ClassifierRef(
            id=CLASSIFIER_ID,
            version="1.0",
            override_config=ClassifyOverrideConfig(classification_rules="Prefer invoice"),
        ),
        inputs=[
            BatchInput(file=FileFromUrl(url="https://files.test/a.pdf"), metadata={"n": 1}),
            FileFromId(id="file_b"),
            {"file": {"text": "hello", "name": "c.txt"}, "metadata": {"n": 3}},
        ],
        priority=10,
    )
    assert sent_json(mock_api, "POST", BATCH) == {
        "classifier": {
            "id": CLASSIFIER_ID,
            "version": "1.0",
            "overrideConfig": {"classificationRules": "Prefer invoice"},
        },
        "inputs": [
            {"file": {"url": "https://files.test/a.pdf"}, "metadata": {"n": 1}},
            {"file": {"id": "file_b"}},
            {"file": {"text": "hello", "name": "c.txt"}, "metadata": {"n": 3}},
        ],
        "priority": 10,
    }
    assert isinstance(batch, BatchRun)
    assert batch.id == BATCH_ID
    assert batch.status is RunStatus.PENDING
    assert batch.run_count == 3
    assert not batch.is_terminal


async def test_a_classifier_id_string_becomes_a_reference(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(url(BATCH), payload=batch_run())
    await client.classify_runs.create_batch(
        classifier=CLASSIFIER_ID, inputs=(FileFromText(text=str(i)) for i in range(2))
    )
    body = sent_json(mock_api, "POST", BATCH)
    assert body["classifier"] == {"id": CLASSIFIER_ID}
    assert body["inputs"] == [{"file": {"text": "0"}}, {"file": {"text": "1"}}]
    assert "priority" not in body


async def test_a_thousand_inputs_is_the_most_accepted(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.post(url(BATCH), payload=batch_run(run_count=1000))
    files = [FileFromId(id=f"file_{i}") for i in range(1000)]
    batch = await client.classify_runs.create_batch(classifier=CLASSIFIER_ID, inputs=files)
    assert batch.run_count == 1000
    assert len(sent_json(mock_api, "POST", BATCH)["inputs"]) == 1000


def _endless() -> Iterator[FileFromId]:
    while True:
        yield FileFromId(id="file_x")


BIG_METADATA = {"blob": "x" * 11_000}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"inputs": []}, "at least one input"),
        ({"inputs": [FileFromId(id="f")] * 1001}, "at most 1000"),
        ({"inputs": _endless()}, "at most 1000"),
        ({"inputs": "file_a"}, "inputs must be a list"),
        ({"inputs": {"file": {"id": "f"}}}, "inputs must be a list"),
        ({"inputs": 7}, "inputs must be a list"),
        ({"inputs": [FileFromId(id="f"), 3]}, r"inputs\[1\]"),
        ({"inputs": [FileFromId(id="f"), {"metadata": {}}]}, r"inputs\[1\] has no 'file'"),
        ({"inputs": [{"file": {"id": "f"}, "config": {}}]}, r"inputs\[0\] has unknown keys"),
        ({"inputs": [BatchInput(file="f")]}, r"inputs\[0\]\.file"),
        (
            {
                "inputs": [
                    FileFromId(id="f"),
                    BatchInput(file=FileFromId(id="g"), metadata=BIG_METADATA),
                ]
            },
            r"inputs\[1\]\.metadata is \d+ bytes",
        ),
        ({"inputs": [FileFromId(id="f")], "priority": True}, "priority"),
        ({"inputs": [FileFromId(id="f")], "priority": "high"}, "priority"),
        ({"inputs": [FileFromId(id="f")], "classifier": {"version": "1.0"}}, "'id'"),
        (
            {"inputs": [FileFromId(id="f")], "classifier": ClassifyConfig(classifications=())},
            "inline config is not supported",
        ),
    ],
)
async def test_create_batch_rejects_bad_input_before_sending(
    client: AsyncExtend, mock_api: aioresponses, kwargs: dict[str, Any], message: str
) -> None:
    kwargs.setdefault("classifier", CLASSIFIER_ID)
    with pytest.raises(InvalidInputError, match=message):
        await client.classify_runs.create_batch(**kwargs)
    assert requests_made(mock_api) == []


async def test_create_batch_has_no_config_parameter(client: AsyncExtend) -> None:
    with pytest.raises(TypeError, match="config"):
        await client.classify_runs.create_batch(  # type: ignore[call-arg]
            classifier=CLASSIFIER_ID, inputs=[FileFromId(id="f")], config=CONFIG
        )


async def test_batch_runs_get_decodes_every_status(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(url(f"/batch_runs/{BATCH_ID}"), payload=batch_run("PROCESSED", 2))
    mock_api.get(url(f"/batch_runs/{BATCH_ID}"), payload=batch_run("PAUSED", 2))
    done = await client.batch_runs.get(BATCH_ID)
    unknown = await client.batch_runs.get(BATCH_ID)
    assert done.status is RunStatus.PROCESSED
    assert done.is_terminal
    assert unknown.status == "PAUSED"
    assert not unknown.is_terminal


async def test_batch_runs_get_raw_response(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(url(f"/batch_runs/{BATCH_ID}"), payload=batch_run(), status=200)
    raw = await client.batch_runs.with_raw_response.get(BATCH_ID)
    assert raw.status_code == 200
    assert raw.parsed.id == BATCH_ID


async def test_create_batch_raw_response(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.post(url(BATCH), payload=batch_run())
    raw = await client.classify_runs.with_raw_response.create_batch(
        classifier=CLASSIFIER_ID, inputs=[FileFromId(id="f")]
    )
    assert raw.parsed.status == "PENDING"

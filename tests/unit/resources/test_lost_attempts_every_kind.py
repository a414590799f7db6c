"""After a lost attempt, every run kind's ``cancel`` and ``delete`` recover as classify's do.

The kinds come from the one table (``_run_kinds.RUN_KINDS``); each run's JSON is the
smallest the schema allows for its model. The first
attempt is lost after the request left (a reset or a timeout); the retry is refused (400
"cannot be cancelled", or 404 on a delete).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from schema._strategies import required_only

from extend_async import AsyncExtend, BadRequestError, InvalidInputError, NotFoundError, RetryPolicy
from extend_async.resources._run_kinds import CANCELLABLE_KINDS, RUN_KINDS, RunKind
from scripts.generate_resources import attribute_of

from .._helpers import recorded
from ._helpers import API_KEY, BASE_URL, url
from ._schema_calls import GENERATED

# The legacy processor runs' methods warn (deprecated): not what these tests are about.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)
REFUSAL = {"code": "INVALID_REQUEST", "message": "run cannot be cancelled in status CANCELLED"}
GONE = {"code": "NOT_FOUND", "message": "run not found"}

# How an attempt is lost after the request left: its connection reset, or it timed out.
LOSSES: dict[str, Callable[[], BaseException]] = {
    "reset": aiohttp.ServerDisconnectedError,
    "timeout": asyncio.TimeoutError,
}


def _generated(method: str) -> list[str]:
    """The kinds whose generated resource has ``method`` (classify's is hand-written)."""
    paths = {e["path"] for e in GENERATED if e["method"] == method}
    suffix = "/{id}/cancel" if method == "cancel" else "/{id}"
    return [k.name for k in RUN_KINDS.values() if k.path + suffix in paths]


CANCELS = [k for k in _generated("cancel") if k in CANCELLABLE_KINDS]
DELETES = _generated("delete")
# The API says a verify run's cancel answers a finished run as it is (no refusal).
REFUSING = [k for k in CANCELS if k != "verify"]


def test_the_kinds_under_test_are_every_generated_run_resource() -> None:
    assert set(CANCELS) == {"extract", "split", "workflow", "verify", "processor"}
    assert set(DELETES) == {"extract", "split", "parse", "workflow", "verify", "processor", "edit"}


def _wire_runs(status_of: Callable[[RunKind], str]) -> dict[str, dict[str, Any]]:
    """Each cancellable kind's run JSON (the run, or its legacy envelope): the smallest the
    schema allows, with an id of the kind and ``status_of`` its status."""
    out: dict[str, dict[str, Any]] = {}
    for kind in RUN_KINDS.values():
        if kind.name not in CANCELLABLE_KINDS:
            continue
        data: dict[str, Any] = required_only(kind.envelope.get if kind.envelope else kind.model)
        run = data["processorRun"] if kind.envelope else data
        run.update(id=kind.id_prefix + "Xj8mK2pL9nR4vT7qY5wZ", status=status_of(kind))
        out[kind.name] = data
    return out


def _stopped(kind: RunKind) -> str:
    return "CANCELLING" if kind.name == "workflow" else "CANCELLED"


@pytest.fixture(scope="module")
def stopped_runs() -> dict[str, dict[str, Any]]:
    return _wire_runs(_stopped)


@pytest.fixture(scope="module")
def finished_runs() -> dict[str, dict[str, Any]]:
    return _wire_runs(lambda kind: "PROCESSED")


@pytest.fixture
def mock_api() -> Iterator[aioresponses]:
    with aioresponses() as mocked:
        yield mocked


@pytest.fixture
async def client() -> Any:
    async with AsyncExtend(API_KEY, base_url=BASE_URL, retry_policy=FAST) as extend:
        yield extend


def requests_made(mock: aioresponses, method: str, path: str) -> list[Any]:
    """Every attempt of ``method path`` the mock saw."""
    return list(recorded(mock).get((method, url(path)), []))


def _resource(client: AsyncExtend, kind: str) -> Any:
    return getattr(client, attribute_of(RUN_KINDS[kind].path.lstrip("/")))


def _run_id(answer: dict[str, Any], kind: str) -> str:
    envelope = RUN_KINDS[kind].envelope
    run: dict[str, Any] = answer["processorRun"] if envelope else answer
    return str(run["id"])


def _run_of(answer: Any, kind: str) -> Any:
    envelope = RUN_KINDS[kind].envelope
    return getattr(answer, envelope.run) if envelope else answer


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("kind", REFUSING)
async def test_a_refused_cancel_after_a_lost_attempt_returns_the_cancelled_run(
    client: AsyncExtend,
    mock_api: aioresponses,
    stopped_runs: dict[str, dict[str, Any]],
    kind: str,
    loss: str,
) -> None:
    answer = stopped_runs[kind]
    run_id = _run_id(answer, kind)
    row = RUN_KINDS[kind]
    cancel_url = str(url(f"{row.path}/{run_id}/cancel"))
    mock_api.post(cancel_url, exception=LOSSES[loss]())
    mock_api.post(cancel_url, status=400, payload=REFUSAL)
    mock_api.get(str(url(f"{row.path}/{run_id}")), payload=answer)
    cancelled = await _resource(client, kind).cancel(run_id)
    assert type(cancelled).__name__ == (row.envelope.cancel if row.envelope else row.model)
    assert str(_run_of(cancelled, kind).status) == _stopped(row)
    assert len(requests_made(mock_api, "POST", f"{row.path}/{run_id}/cancel")) == 2
    assert len(requests_made(mock_api, "GET", f"{row.path}/{run_id}")) == 1
    # client.runs takes the same path, and answers with the run itself.
    mock_api.post(cancel_url, exception=LOSSES[loss]())
    mock_api.post(cancel_url, status=400, payload=REFUSAL)
    mock_api.get(str(url(f"{row.path}/{run_id}")), payload=answer)
    run = await client.runs.cancel(run_id, kind=kind)
    assert type(run).__name__ == row.model
    assert str(run.status) == _stopped(row)


@pytest.mark.parametrize("kind", REFUSING)
async def test_a_refused_cancel_of_a_finished_run_after_a_lost_attempt_still_raises(
    client: AsyncExtend,
    mock_api: aioresponses,
    finished_runs: dict[str, dict[str, Any]],
    kind: str,
) -> None:
    answer = finished_runs[kind]
    run_id = _run_id(answer, kind)
    row = RUN_KINDS[kind]
    cancel_url = str(url(f"{row.path}/{run_id}/cancel"))
    mock_api.post(cancel_url, exception=aiohttp.ServerDisconnectedError())
    mock_api.post(cancel_url, status=400, payload=REFUSAL)
    mock_api.get(str(url(f"{row.path}/{run_id}")), payload=answer)
    with pytest.raises(BadRequestError) as caught:
        await _resource(client, kind).cancel(run_id)
    assert caught.value.after_lost_attempt
    assert len(requests_made(mock_api, "GET", f"{row.path}/{run_id}")) == 1


@pytest.mark.parametrize("kind", REFUSING)
async def test_a_cancel_refused_at_its_first_attempt_is_not_second_guessed(
    client: AsyncExtend,
    mock_api: aioresponses,
    stopped_runs: dict[str, dict[str, Any]],
    kind: str,
) -> None:
    run_id = _run_id(stopped_runs[kind], kind)
    row = RUN_KINDS[kind]
    mock_api.post(str(url(f"{row.path}/{run_id}/cancel")), status=400, payload=REFUSAL)
    with pytest.raises(BadRequestError) as caught:
        await _resource(client, kind).cancel(run_id)
    assert not caught.value.after_lost_attempt
    assert requests_made(mock_api, "GET", f"{row.path}/{run_id}") == []


async def test_a_verify_cancel_after_a_lost_attempt_returns_the_run_the_api_answers(
    client: AsyncExtend, mock_api: aioresponses, stopped_runs: dict[str, dict[str, Any]]
) -> None:
    # A verify run's cancel answers a finished run as it is: the retry needs no recovery.
    answer = stopped_runs["verify"]
    run_id = _run_id(answer, "verify")
    cancel_url = str(url(f"/verify_runs/{run_id}/cancel"))
    mock_api.post(cancel_url, exception=aiohttp.ServerDisconnectedError())
    mock_api.post(cancel_url, payload=answer)
    run = await client.verify_runs.cancel(run_id)
    assert str(run.status) == "CANCELLED"
    assert requests_made(mock_api, "GET", f"/verify_runs/{run_id}") == []


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("kind", DELETES)
async def test_a_404_on_a_delete_after_a_lost_attempt_is_success(
    client: AsyncExtend, mock_api: aioresponses, kind: str, loss: str
) -> None:
    row = RUN_KINDS[kind]
    run_id = row.id_prefix + "Xj8mK2pL9nR4vT7qY5wZ"
    delete_url = str(url(f"{row.path}/{run_id}"))
    mock_api.delete(delete_url, exception=LOSSES[loss]())
    mock_api.delete(delete_url, status=404, payload=GONE)
    deleted = await _resource(client, kind).delete(run_id)
    # What classify's delete answers then: the id, in the kind's model.
    if row.envelope is None:
        assert deleted.id == run_id
    else:
        assert deleted.document_processor_run_id == run_id
        assert deleted.success is True
    assert len(requests_made(mock_api, "DELETE", f"{row.path}/{run_id}")) == 2


@pytest.mark.parametrize("kind", DELETES)
async def test_a_404_at_a_deletes_first_attempt_raises(
    client: AsyncExtend, mock_api: aioresponses, kind: str
) -> None:
    row = RUN_KINDS[kind]
    run_id = row.id_prefix + "Xj8mK2pL9nR4vT7qY5wZ"
    mock_api.delete(str(url(f"{row.path}/{run_id}")), status=404, payload=GONE)
    with pytest.raises(NotFoundError) as caught:
        await _resource(client, kind).delete(run_id)
    assert not caught.value.after_lost_attempt


def test_each_kinds_delete_answer_is_the_schemas() -> None:
    answers = {e["path"]: e["response"] for e in GENERATED if e["method"] == "delete"}
    for kind in RUN_KINDS.values():
        if kind.name == "classify":  # hand-written: DeletedClassifyRun
            assert kind.deleted == "DeletedClassifyRun"
            continue
        schema = answers.get(kind.path + "/{id}")
        assert kind.deleted == (None if schema is None else schema.removeprefix("Extend.")), kind


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("kind", [k for k in RUN_KINDS if RUN_KINDS[k].deleted])
async def test_client_runs_delete_recovers_for_every_kind(
    client: AsyncExtend, mock_api: aioresponses, kind: str, loss: str
) -> None:
    row = RUN_KINDS[kind]
    run_id = row.id_prefix + "Xj8mK2pL9nR4vT7qY5wZ"
    delete_url = str(url(f"{row.path}/{run_id}"))
    mock_api.delete(delete_url, exception=LOSSES[loss]())
    mock_api.delete(delete_url, status=404, payload=GONE)
    deleted = await client.runs.delete(run_id)
    assert type(deleted).__name__ == row.deleted
    assert len(requests_made(mock_api, "DELETE", f"{row.path}/{run_id}")) == 2


async def test_client_runs_delete_refuses_a_kind_the_api_cannot_delete(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    with pytest.raises(InvalidInputError, match="cannot be deleted"):
        await client.runs.delete("fdr_Xj8mK2pL9nR4vT7qY5wZ")
    assert requests_made(mock_api, "DELETE", "/form_detection_runs/fdr_Xj8mK2pL9nR4vT7qY5wZ") == []

"""Over real sockets: a server that hangs up after taking a run's cancel or delete (the
work done, the answer lost), then refuses the retry. Every kind of the run table whose
generated resource has the call recovers, as classify runs do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from extend_async import AsyncExtend, NotFoundError, RetryPolicy
from extend_async._options import DEFAULT_API_VERSION
from extend_async.resources._run_kinds import CANCELLABLE_KINDS, RUN_KINDS
from extend_async.testing import ExtendEmulator

from ._raw_server import RawServer, answer, raw_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # legacy processor runs

FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)
REFUSAL = {"code": "INVALID_REQUEST", "message": "run cannot be cancelled in status CANCELLED"}
GONE = {"code": "NOT_FOUND", "message": "run not found"}
# Kinds with a generated cancel that refuses a finished run (verify's answers it as it is).
CANCELS = [k for k in CANCELLABLE_KINDS if k not in ("classify", "verify")]
DELETES = [k.name for k in RUN_KINDS.values() if k.name not in ("classify", "form_detection")]


async def hang_up(writer: asyncio.StreamWriter) -> None:
    """The request was read (and acted on); the connection closes with no answer."""


@pytest.fixture
async def server() -> AsyncIterator[RawServer]:
    async with raw_server() as state:
        yield state


@pytest.mark.parametrize("kind", CANCELS)
async def test_a_cancel_whose_answer_was_lost_returns_the_stopped_run(
    server: RawServer, emu: ExtendEmulator, kind: str
) -> None:
    row = RUN_KINDS[kind]
    status = "CANCELLING" if kind == "workflow" else "CANCELLED"
    (run_id,) = emu.seed_runs(1, kind=kind, status=status)
    run_json = await emu_json(emu, f"{row.path}/{run_id}")
    server.script("POST", f"{row.path}/{run_id}/cancel", hang_up, answer(400, REFUSAL))
    server.script("GET", f"{row.path}/{run_id}", answer(200, run_json))
    async with AsyncExtend(
        "sk_raw_k", base_url=server.base_url, retry_policy=FAST, trust_env=False
    ) as api:
        resource = getattr(api, row.path.lstrip("/"))
        cancelled = await resource.cancel(run_id)
    run = getattr(cancelled, row.envelope.run) if row.envelope else cancelled
    assert run.id == run_id
    assert str(run.status) == status
    assert server.count("POST", f"{row.path}/{run_id}/cancel") == 2
    assert server.count("GET", f"{row.path}/{run_id}") == 1


@pytest.mark.parametrize("kind", DELETES)
async def test_a_delete_whose_answer_was_lost_succeeds(server: RawServer, kind: str) -> None:
    row = RUN_KINDS[kind]
    run_id = row.id_prefix + "raw1"
    server.script("DELETE", f"{row.path}/{run_id}", hang_up, answer(404, GONE))
    async with AsyncExtend(
        "sk_raw_k", base_url=server.base_url, retry_policy=FAST, trust_env=False
    ) as api:
        deleted = await getattr(api, row.path.lstrip("/")).delete(run_id)
    assert (deleted.document_processor_run_id if row.envelope else deleted.id) == run_id
    assert server.count("DELETE", f"{row.path}/{run_id}") == 2


async def emu_json(emu: ExtendEmulator, path: str) -> dict[str, Any]:
    """What the emulator answers to ``GET path``, as JSON."""
    headers = {
        "Authorization": f"Bearer {emu.api_key}",
        "x-extend-api-version": DEFAULT_API_VERSION,
    }
    async with (
        aiohttp.ClientSession() as http,
        http.get(emu.base_url + path, headers=headers) as got,
    ):
        data: dict[str, Any] = await got.json()
        return data


async def test_a_delete_aiohttp_resends_on_its_own_is_known_to_maybe_have_landed(
    server: RawServer,
) -> None:
    # aiohttp resends a GET or DELETE once, unseen, when its connection resets after the
    # request left: one attempt of the client's, two sends the server saw. For a DELETE
    # the first send may have deleted the run, so the 404 that follows is success.
    server.script("DELETE", "/extract_runs/exr_raw2", hang_up, answer(404, GONE))
    async with AsyncExtend(
        "sk_raw_k", base_url=server.base_url, retry_policy=FAST, trust_env=False, max_retries=0
    ) as api:
        deleted = await api.extract_runs.delete("exr_raw2")
    assert deleted.id == "exr_raw2"
    assert server.count("DELETE", "/extract_runs/exr_raw2") == 2


async def test_a_get_aiohttp_resends_is_an_ordinary_answer(server: RawServer) -> None:
    # A GET changes nothing, so its sends are not watched (no tracing on the hot path):
    # the 404 after aiohttp's own resend is the run's answer, as it would be anyway.
    server.script("GET", "/extract_runs/exr_raw3", hang_up, answer(404, GONE))
    async with AsyncExtend(
        "sk_raw_k", base_url=server.base_url, retry_policy=FAST, trust_env=False, max_retries=0
    ) as api:
        with pytest.raises(NotFoundError) as caught:
            await api.extract_runs.get("exr_raw3")
    assert server.count("GET", "/extract_runs/exr_raw3") == 2
    assert caught.value.attempts == 1

"""Authentication, API version and workspace rules."""

from __future__ import annotations

import aiohttp

from extend_async.testing import ORG_SCOPE, ExtendEmulator

from ._wire import API_VERSION, Wire
from .conftest import MakeEmulator


async def test_missing_authorization_is_401(wire: Wire) -> None:
    reply = await wire.get("/classify_runs", headers={"x-extend-api-version": API_VERSION})
    reply.assert_error(401, "UNAUTHORIZED")


async def test_malformed_authorization_is_401(wire: Wire) -> None:
    for value in ("sk_test_emulator", "Basic sk_test_emulator", "Bearer "):
        reply = await wire.get(
            "/classify_runs",
            headers={"Authorization": value, "x-extend-api-version": API_VERSION},
        )
        reply.assert_error(401, "UNAUTHORIZED")


async def test_unknown_key_is_401(wire: Wire) -> None:
    wire.api_key = "sk_live_nope"
    (await wire.get("/classify_runs")).assert_error(401, "UNAUTHORIZED")


async def test_missing_api_version_is_400(wire: Wire) -> None:
    reply = await wire.get("/classify_runs", headers={"Authorization": "Bearer sk_test_emulator"})
    envelope = reply.assert_error(400, "INVALID_REQUEST")
    assert "x-extend-api-version" in envelope["message"]


async def test_unknown_api_version_is_400(wire: Wire) -> None:
    headers = wire.headers(**{"x-extend-api-version": "2024-12-23"})
    (await wire.get("/classify_runs", headers=headers)).assert_error(400, "INVALID_REQUEST")


async def test_missing_version_can_be_allowed(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(require_api_version=False)
    wire = Wire(session, emulator.base_url)
    reply = await wire.get("/classify_runs", headers={"Authorization": "Bearer sk_test_emulator"})
    assert reply.status == 200


async def test_headers_match_case_insensitively(wire: Wire, emulator: ExtendEmulator) -> None:
    (run_id,) = emulator.seed_runs(1)
    headers = {"AUTHORIZATION": "bearer sk_test_emulator", "X-Extend-Api-Version": API_VERSION}
    reply = await wire.get(f"/classify_runs/{run_id}", headers=headers)
    assert reply.status == 200
    assert reply.json["id"] == run_id


async def test_org_key_without_workspace_is_400_by_default(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(api_keys={"sk_org": ORG_SCOPE})
    wire = Wire(session, emulator.base_url, api_key="sk_org")
    envelope = (await wire.get("/classify_runs")).assert_error(400, "INVALID_REQUEST")
    assert "x-extend-workspace-id" in envelope["message"]


async def test_org_key_without_workspace_status_is_configurable(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(api_keys={"sk_org": ORG_SCOPE}, missing_workspace_status=403)
    wire = Wire(session, emulator.base_url, api_key="sk_org")
    (await wire.get("/classify_runs")).assert_error(403, "FORBIDDEN")


async def test_org_key_reaches_the_named_workspace_only(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(api_keys={"sk_org": ORG_SCOPE})
    mine = emulator.seed_runs(3)  # ws_emulator
    theirs = emulator.seed_runs(2, workspace_id="ws_other")
    wire = Wire(session, emulator.base_url, api_key="sk_org")
    other = wire.headers(**{"x-extend-workspace-id": "ws_other"})
    listed = (await wire.get("/classify_runs", headers=other)).json["data"]
    assert sorted(r["id"] for r in listed) == sorted(theirs)
    (await wire.get(f"/classify_runs/{mine[0]}", headers=other)).assert_error(404, "NOT_FOUND")
    own = wire.headers(**{"X-EXTEND-WORKSPACE-ID": "ws_emulator"})
    assert (await wire.get(f"/classify_runs/{mine[0]}", headers=own)).status == 200


async def test_runs_of_another_workspace_are_404(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(api_keys={"sk_test_other": "ws_other"})
    (foreign,) = emulator.seed_runs(1, workspace_id="ws_other")
    wire = Wire(session, emulator.base_url)
    (await wire.get(f"/classify_runs/{foreign}")).assert_error(404, "NOT_FOUND")
    (await wire.cancel(foreign)).assert_error(404, "NOT_FOUND")
    (await wire.delete(f"/classify_runs/{foreign}")).assert_error(404, "NOT_FOUND")
    assert emulator.runs[foreign].status == "PROCESSING"
    assert emulator.runs[foreign].cancel_count == 0
    wire.api_key = "sk_test_other"
    assert (await wire.get(f"/classify_runs/{foreign}")).status == 200


async def test_workspace_key_naming_another_workspace_is_403(wire: Wire) -> None:
    headers = wire.headers(**{"x-extend-workspace-id": "ws_someone_else"})
    (await wire.get("/classify_runs", headers=headers)).assert_error(403, "FORBIDDEN")
    same = wire.headers(**{"x-extend-workspace-id": "ws_emulator"})
    assert (await wire.get("/classify_runs", headers=same)).status == 200


async def test_keys_can_be_added_while_running(wire: Wire, emulator: ExtendEmulator) -> None:
    wire.api_key = "sk_test_late"
    (await wire.get("/classify_runs")).assert_error(401, "UNAUTHORIZED")
    emulator.add_api_key("sk_test_late", emulator.workspace_id)
    assert (await wire.get("/classify_runs")).status == 200

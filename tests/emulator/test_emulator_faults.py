"""Fault injection: 500, 502 HTML, resets, latency, lost responses; seeded and per route."""

from __future__ import annotations

import time

import aiohttp
import pytest

from extend_async.testing import ExtendEmulator, FaultConfig, RouteFaults

from ._wire import Wire
from .conftest import MakeEmulator


async def test_error_fault_is_a_retryable_500_envelope(
    wire: Wire, emulator: ExtendEmulator
) -> None:
    (run_id,) = emulator.seed_runs(1)
    emulator.faults.update(error_rate=1.0)
    envelope = (await wire.cancel(run_id)).assert_error(500, "INTERNAL_ERROR")
    assert envelope["retryable"] is True
    assert emulator.runs[run_id].status == "PROCESSING"  # nothing happened
    assert emulator.fault_counts["internal_error"] == 1


async def test_bad_gateway_fault_is_an_html_page(wire: Wire, emulator: ExtendEmulator) -> None:
    (run_id,) = emulator.seed_runs(1)
    emulator.faults.config = FaultConfig(bad_gateway_rate=1.0)
    reply = await wire.cancel(run_id)
    assert reply.status == 502
    assert reply.headers["Content-Type"].startswith("text/html")
    assert b"<h1>502 Bad Gateway</h1>" in reply.body
    assert emulator.runs[run_id].status == "PROCESSING"


async def test_reset_fault_drops_the_connection_before_acting(
    wire: Wire, emulator: ExtendEmulator
) -> None:
    (run_id,) = emulator.seed_runs(1)
    emulator.faults.update(reset_rate=1.0)
    with pytest.raises(aiohttp.ClientError):
        await wire.cancel(run_id)
    assert emulator.runs[run_id].status == "PROCESSING"
    assert emulator.runs[run_id].cancel_count == 0
    assert emulator.fault_counts["reset"] == 1
    emulator.faults.clear()
    assert (await wire.cancel(run_id)).status == 200


async def test_lost_response_takes_effect_then_drops(wire: Wire, emulator: ExtendEmulator) -> None:
    (run_id,) = emulator.seed_runs(1)
    emulator.faults.update(lost_response_rate=1.0)
    with pytest.raises(aiohttp.ClientError):
        await wire.cancel(run_id)
    assert emulator.runs[run_id].status == "CANCELLED"  # the cancel happened
    emulator.faults.clear()
    # The retry a client would make now meets the finished run.
    (await wire.cancel(run_id)).assert_error(400, "INVALID_REQUEST")
    assert emulator.runs[run_id].cancel_count == 2
    assert emulator.status_counts[200] == 0  # the lost answer was never sent


async def test_latency_fault_delays_answers(wire: Wire, emulator: ExtendEmulator) -> None:
    emulator.faults.update(latency=0.15)
    started = time.perf_counter()
    assert (await wire.get("/classify_runs")).status == 200
    assert time.perf_counter() - started >= 0.15
    emulator.faults.update(latency=0.0)
    started = time.perf_counter()
    assert (await wire.get("/classify_runs")).status == 200
    assert time.perf_counter() - started < 0.15


async def test_route_overrides_touch_only_their_route(wire: Wire, emulator: ExtendEmulator) -> None:
    first, second = emulator.seed_runs(2)
    emulator.faults.config = FaultConfig(routes={"cancel": RouteFaults(error_rate=1.0)})
    (await wire.cancel(first)).assert_error(500, "INTERNAL_ERROR")
    assert (await wire.get(f"/classify_runs/{first}")).status == 200
    assert (await wire.get("/classify_runs")).status == 200
    emulator.faults.update(route="cancel", error_rate=0.0)
    emulator.faults.update(route="get", bad_gateway_rate=1.0)
    assert (await wire.cancel(second)).status == 200
    assert (await wire.get(f"/classify_runs/{second}")).status == 502
    assert emulator.request_counts == {"cancel": 2, "get": 2, "list": 1}


def test_fault_rates_are_validated() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultConfig(error_rate=1.5)
    with pytest.raises(ValueError, match="add up to"):
        FaultConfig(error_rate=0.6, reset_rate=0.6)
    with pytest.raises(ValueError, match="add up to"):
        FaultConfig(error_rate=0.5, routes={"get": {"reset_rate": 0.6}})


async def _status_sequence(emulator: ExtendEmulator, session: aiohttp.ClientSession) -> list[int]:
    wire = Wire(session, emulator.base_url)
    return [(await wire.get("/classify_runs")).status for _ in range(40)]


async def test_same_seed_same_faults_and_ids(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    faults = FaultConfig(error_rate=0.3, bad_gateway_rate=0.2)
    one = await make_emulator(seed=11, faults=faults)
    two = await make_emulator(seed=11, faults=faults)
    other = await make_emulator(seed=12, faults=faults)
    assert one.seed_runs(5) == two.seed_runs(5) != other.seed_runs(5)
    pattern = await _status_sequence(one, session)
    assert {500, 502, 200} <= set(pattern)
    assert pattern == await _status_sequence(two, session)
    assert pattern != await _status_sequence(other, session)


def test_route_names_are_the_names_of_every_route_served() -> None:
    from extend_async.testing import ROUTE_NAMES
    from extend_async.testing._shapes import endpoints

    served = [name for _, _, name in ExtendEmulator().routes]
    assert sorted(ROUTE_NAMES) == sorted(served)
    assert len(set(ROUTE_NAMES)) == len(ROUTE_NAMES) == len(endpoints())
    assert {"cancel", "get", "file_get", "extract_runs.cancel", "root.verify"} <= set(ROUTE_NAMES)
    FaultConfig(routes={name: RouteFaults(error_rate=1.0) for name in ROUTE_NAMES})


@pytest.mark.parametrize("name", ["canel", "extract_run.cancel", "GET /classify_runs", ""])
def test_a_fault_for_a_route_no_one_has_is_refused(name: str) -> None:
    emu = ExtendEmulator()
    with pytest.raises(ValueError, match="no route is named"):
        emu.faults.update(route=name, error_rate=1.0)
    with pytest.raises(ValueError, match="no route is named"):
        FaultConfig(routes={name: {"error_rate": 1.0}})
    assert emu.faults.config.routes == {}


def test_a_misspelt_route_name_gets_the_nearest_names() -> None:
    with pytest.raises(ValueError, match=r"did you mean 'cancel'"):
        FaultConfig(routes={"canel": RouteFaults(error_rate=1.0)})
    FaultConfig(routes={"unknown": RouteFaults(error_rate=1.0)})  # requests no route matches

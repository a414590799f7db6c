"""An independent fault-injecting API on loopback for the bulk chaos tests.

It knows two routes per kind of run that can be cancelled (``POST /{kind}_runs/{id}/cancel``,
``GET /{kind}_runs/{id}``: classify, extract, split, workflow, verify and legacy processor
runs, each with its own rules: a workflow run's cancel moves it to CANCELLING, a verify
run's cancel after it finished answers with the run, a processor run comes wrapped in
``{"success", "processorRun"}``). The kind of a run is its id's prefix. It keeps its own
ledger of what happened to every id: each request it received, the fault
it answered with, and whether (and by which request) a cancel took effect. The fault of
the n-th cancel (or GET) of an id is drawn from ``(seed, id, method, n)``, so a client
that behaves the same way meets the same faults whatever the timing; ``jitter`` adds
random delays (from another generator) to perturb the timing on purpose.

Faults: 429 with ``Retry-After`` only or with ``retry-after-ms``, an HTML 502 before or
after the cancel took effect, a connection reset before or after it, a lost answer (the
cancel takes effect, the connection is dropped without an answer) and slow answers.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from aiohttp import web
from attrs import define, field

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "classify_run_seed.json"

THROTTLES = (
    "429",  # Retry-After: 0
    "429-ms",  # Retry-After: 0 and retry-after-ms: 1..15
)
FAULTS: tuple[str, ...] = (
    "502-before",
    "502-after",  # the cancel took effect, then a proxy failed
    "reset-before",
    "reset-after",
    "lost",  # took effect; the answer never comes
    "slow",
)
# The longest a hanging answer holds its handler, seconds (the server's shutdown ends it).
HANG_LIMIT = 10.0
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@define(frozen=True)
class Kind:
    """How the server treats one kind of run."""

    prefix: str
    cancelled: str = "CANCELLED"  # where a cancel moves a running run
    cancellable: frozenset[str] = frozenset({"PENDING", "PROCESSING"})
    finished_answers_run: bool = False  # a cancel of a finished run answers 200 with it
    envelope: str | None = None  # the key the run is wrapped under


KINDS = {
    "classify_runs": Kind("clr_"),
    "extract_runs": Kind("exr_"),
    "split_runs": Kind("splr_"),
    "workflow_runs": Kind("workflow_run_", cancelled="CANCELLING"),
    "verify_runs": Kind("vr_", finished_answers_run=True),
    "processor_runs": Kind("dpr_", envelope="processorRun"),
}
MODELS = {
    "extract_runs": "ExtractRun",
    "split_runs": "SplitRun",
    "workflow_runs": "WorkflowRun",
    "verify_runs": "VerifyRun",
    "processor_runs": "LegacyProcessorRun",
}


def namespace_of(id: str) -> str | None:
    for namespace, kind in sorted(KINDS.items(), key=lambda item: -len(item[1].prefix)):
        if id.startswith(kind.prefix):
            return namespace
    return None


@define
class Ledger:
    """What the server knows about one id."""

    initial: str | None  # None: no such run
    status: str | None
    cancels: list[str] = field(factory=list)  # the fault (or "ok") of each cancel received
    gets: list[str] = field(factory=list)
    applied_by: int | None = None  # 1-based number of the cancel that took effect


@define
class ChaosServer:
    seed: int
    fault_rate: float = 0.3  # all faults, 429s included
    throttle_rate: float = 0.03  # 429s alone
    slow: float = 0.02  # the longest "slow" answer, seconds
    jitter: float = 0.0  # the longest random extra delay on any request, seconds
    ledgers: dict[str, Ledger] = field(factory=dict)
    # Scripted faults, consumed in order before any drawn one: (id, "POST"/"GET") -> kinds.
    # "hold" first waits for ``release`` (then behaves as "ok"); "hold-lost" waits, then
    # the cancel takes effect and the answer is lost.
    scripts: dict[tuple[str, str], list[str]] = field(factory=dict)
    release: asyncio.Event = field(factory=asyncio.Event)
    release_on: tuple[str, str, str] | None = None  # the request that sets ``release``
    held: asyncio.Event = field(factory=asyncio.Event)  # set when a request is held
    log: list[tuple[str, str, str]] = field(factory=list)  # (method, id, kind) as they came
    port: int = 0
    # The share of drawn faults (outside the 429s) that hang: off by default.
    hang_rate: float = 0.0
    _noise: random.Random = field(factory=random.Random)
    _closing: asyncio.Event = field(factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, ids: list[str], status: str | None) -> None:
        for id in ids:
            self.ledgers[id] = Ledger(initial=status, status=status)

    def fault(self, id: str, method: str, n: int) -> tuple[str, float]:
        script = self.scripts.get((id, method))
        if script:
            return script.pop(0), 0.5
        draw = random.Random(f"{self.seed}:{id}:{method}:{n}")
        chance = draw.random()
        if chance >= self.fault_rate:
            return "ok", 0.0
        if chance < self.throttle_rate:
            return draw.choice(THROTTLES), draw.random()
        if draw.random() < self.hang_rate:
            return "hang", draw.random()
        return draw.choice(FAULTS), draw.random()

    def _ledger(self, id: str) -> Ledger:
        # An id the test never mentioned is a run that does not exist.
        return self.ledgers.setdefault(id, Ledger(initial=None, status=None))

    def _of_route(self, request: web.Request) -> Ledger:
        """The ledger of the id in the path; a run of another kind is not found here."""
        ledger = self._ledger(request.match_info["id"])
        if namespace_of(request.match_info["id"]) != request.match_info["kind"]:
            return Ledger(initial=None, status=None)
        return ledger

    async def cancel(self, request: web.Request) -> web.StreamResponse:
        ledger = self._of_route(request)
        ledger.cancels.append("?")
        n = len(ledger.cancels)
        kind, x = self.fault(request.match_info["id"], "POST", n)
        ledger.cancels[-1] = kind
        self._note(("POST", request.match_info["id"], kind))
        await self._perturb()
        if kind.startswith("hold"):
            await self._hold()
            kind = "lost" if kind == "hold-lost" else "ok"
        if kind.startswith("429"):
            return _throttled(kind, x)
        if kind in ("502-before", "reset-before"):
            return _fail(request, kind)
        if kind == "slow":
            await asyncio.sleep(x * self.slow)
        answer = self._apply(ledger, n, request.match_info["id"])
        if kind == "hang":
            await self._never_answer()
        if kind in ("502-after", "reset-after", "lost", "hang"):
            return _fail(request, kind)
        return answer

    def _apply(self, ledger: Ledger, n: int, id: str) -> web.Response:
        if ledger.status is None:
            return _error(404, "NOT_FOUND", "Run not found")
        kind = KINDS[namespace_of(id) or "classify_runs"]
        if ledger.status not in kind.cancellable:
            if kind.finished_answers_run and ledger.status in ("PROCESSED", "FAILED", "CANCELLED"):
                return _run(ledger, id)
            message = f"Run cannot be cancelled in status {ledger.status}"
            return _error(400, "INVALID_REQUEST", message)
        ledger.status = kind.cancelled
        ledger.applied_by = n
        return _run(ledger, id)

    async def get(self, request: web.Request) -> web.StreamResponse:
        ledger = self._of_route(request)
        ledger.gets.append("?")
        kind, x = self.fault(request.match_info["id"], "GET", len(ledger.gets))
        kind = {"502-after": "502-before", "reset-after": "reset-before"}.get(kind, kind)
        kind = "reset-before" if kind in ("lost", "hang") else kind
        ledger.gets[-1] = kind
        self._note(("GET", request.match_info["id"], kind))
        await self._perturb()
        if kind == "hold":
            await self._hold()
            kind = "ok"
        if kind.startswith("429"):
            return _throttled(kind, x)
        if kind != "ok" and kind != "slow":
            return _fail(request, kind)
        if kind == "slow":
            await asyncio.sleep(x * self.slow)
        if ledger.status is None:
            return _error(404, "NOT_FOUND", "Run not found")
        return _run(ledger, request.match_info["id"])

    def _note(self, request: tuple[str, str, str]) -> None:
        self.log.append(request)
        if request == self.release_on:
            self.release.set()

    async def _hold(self) -> None:
        self.held.set()
        await self.release.wait()

    async def _never_answer(self) -> None:
        """Until the server shuts down (bounded): the client's timeout ends the attempt."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), timeout=HANG_LIMIT)

    def closing(self) -> None:
        self._closing.set()

    async def _perturb(self) -> None:
        if self.jitter:
            await asyncio.sleep(self._noise.random() * self.jitter)


def _body(namespace: str) -> dict[str, Any]:
    """A run of that kind as the API sends it (the classify seed; the schema's shape of
    the others' models)."""
    if namespace == "classify_runs":
        seed: dict[str, Any] = json.loads(SEED.read_text(encoding="utf-8"))
        return seed
    from extend_async.testing._shapes import skeleton

    body: dict[str, Any] = skeleton(f"Extend.{MODELS[namespace]}")
    return body


def _run(ledger: Ledger, id: str) -> web.Response:
    namespace = namespace_of(id) or "classify_runs"
    body = _body(namespace)
    body["id"] = id
    body["status"] = ledger.status
    envelope = KINDS[namespace].envelope
    return web.json_response({"success": True, envelope: body} if envelope else body)


def _error(status: int, code: str, message: str, **extra: str) -> web.Response:
    body = {"code": code, "message": message, "retryable": status == 429, "requestId": "req_x"}
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=extra
    )


def _throttled(kind: str, x: float) -> web.Response:
    headers = {"Retry-After": "0"}
    if kind == "429-ms":
        headers["retry-after-ms"] = str(1 + int(x * 15))
    elif kind == "429-none":  # no hint at all
        headers = {}
    return _error(429, "RATE_LIMIT_EXCEEDED", "Too many requests", **headers)


def _fail(request: web.Request, kind: str) -> web.Response:
    if kind.startswith("502"):
        return web.Response(status=502, text=HTML_502, content_type="text/html")
    # A reset, or an answer that never comes: the connection is dropped.
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=204)  # never written: the transport is gone


def add_routes(app: web.Application, server: ChaosServer) -> None:
    kinds = "|".join(KINDS)
    app.router.add_post(f"/{{kind:{kinds}}}/{{id}}/cancel", server.cancel)
    app.router.add_get(f"/{{kind:{kinds}}}/{{id}}", server.get)


@asynccontextmanager
async def chaos_server(server: ChaosServer) -> AsyncIterator[ChaosServer]:
    app = web.Application()
    add_routes(app, server)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = runner.addresses[0][1]
    try:
        yield server
    finally:
        server.closing()
        await runner.cleanup()


# The server in a process of its own (the soak test's busy-machine variant): a JSON
# config file names the seed, the fault rates and the runs; the port is printed on stdout;
# ``GET /_ledgers`` returns every ledger; the process ends when its stdin closes.


def ledgers_as_json(server: ChaosServer) -> dict[str, Any]:
    return {
        id: {
            "initial": ledger.initial,
            "status": ledger.status,
            "cancels": ledger.cancels,
            "gets": ledger.gets,
            "applied_by": ledger.applied_by,
        }
        for id, ledger in server.ledgers.items()
    }


def ledgers_from_json(data: dict[str, Any]) -> dict[str, Ledger]:
    return {id: Ledger(**fields) for id, fields in data.items()}


async def _serve(config: dict[str, Any]) -> None:
    server = ChaosServer(
        seed=config["seed"],
        fault_rate=config["fault_rate"],
        throttle_rate=config["throttle_rate"],
        slow=config["slow"],
        jitter=config["jitter"],
        hang_rate=config["hang_rate"],
    )
    server.add(config["processing"], "PROCESSING")
    server.add(config["processed"], "PROCESSED")

    async def ledgers(_: web.Request) -> web.Response:
        return web.json_response(ledgers_as_json(server))

    app = web.Application()
    add_routes(app, server)
    app.router.add_get("/_ledgers", ledgers)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    try:
        # Until the parent closes our stdin (or goes away).
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        server.closing()
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(_serve(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))

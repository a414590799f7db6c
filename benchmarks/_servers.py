"""The servers the clients are measured against, each in a process of its own.

``python -m benchmarks._servers emulator [--rate-limit RPS]`` serves the project's
``ExtendEmulator``; ``python -m benchmarks._servers static`` serves a minimal aiohttp app
that answers every cancel with the reference page's full ClassifyRun (~4.2 KB), the
cheapest server possible (the baseline that shows the emulator's own cost).

Either prints one JSON line (``base_url``, ``api_key``, ``control_url``) and serves until
SIGTERM. A control app on a second port seeds runs (``POST /seed?n=N&path=FILE`` writes
their ids to FILE, one a line, so a client can stream them without holding them) and
reports the process's CPU time, its resident memory and the answers sent per status
(``GET /stats``); ``kinds=extract,split,...`` seeds emulator runs of those kinds, in turn.

``ServerProcess`` starts and stops one from the orchestrating process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson
from aiohttp import web

from ._common import ROOT, SEED_PATH

__all__ = ["ServerInfo", "ServerProcess"]

STATIC_KEY = "sk_static_benchmark"
API_VERSION = "2026-02-09"


class _StaticServer:
    """Every cancel answers 200 with the seed ClassifyRun, its id set to the one asked for."""

    def __init__(self) -> None:
        data = orjson.loads(SEED_PATH.read_bytes())
        data["id"] = "@ID@"
        self._head, self._tail = orjson.dumps(data).split(b"@ID@")
        self.statuses: Counter[int] = Counter()
        self.app = web.Application()
        self.app.router.add_post("/classify_runs/{id}/cancel", self._cancel)

    async def _cancel(self, request: web.Request) -> web.Response:
        self.statuses[200] += 1
        run_id = request.match_info["id"].encode()
        return web.Response(
            body=self._head + run_id + self._tail,
            content_type="application/json",
            headers={"x-extend-request-id": "req_static"},
        )

    def seed(self, n: int) -> list[str]:
        return [f"clr_static{i:015d}" for i in range(n)]


def _rss_mib() -> float:
    """This process's resident memory now (not its peak), in MiB; 0 where unknown."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _serve(kind: str, rate_limit: float | None) -> None:
    if kind == "emulator":
        from extend_async.testing import ExtendEmulator

        emulator = ExtendEmulator(port=0, rate_limit=rate_limit)
        await emulator.start()
        base_url, api_key = emulator.base_url, emulator.api_key

        def seed(n: int, kinds: list[str] | None = None) -> list[str]:
            if not kinds:
                return emulator.seed_runs(n)
            # n runs shared out over the kinds, interleaved: kind after kind.
            share = [emulator.seed_runs(-(-(n - i) // len(kinds)), kind=kind)
                     for i, kind in enumerate(kinds)]  # fmt: skip
            return [run_id for group in itertools.zip_longest(*share) for run_id in group if run_id]

        def statuses() -> dict[int, int]:
            return dict(emulator.status_counts)

        def memory() -> dict[str, Any]:
            return {"rss_mib": _rss_mib(), "evicted": emulator.evicted_runs}

        async def stop() -> None:
            await emulator.stop()

    else:
        static = _StaticServer()
        runner = web.AppRunner(static.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        api_key = STATIC_KEY

        def seed(n: int, kinds: list[str] | None = None) -> list[str]:
            if kinds:
                raise ValueError("the static server has classify runs only")
            return static.seed(n)

        def statuses() -> dict[int, int]:
            return dict(static.statuses)

        def memory() -> dict[str, Any]:
            return {"rss_mib": _rss_mib()}

        async def stop() -> None:
            await runner.cleanup()

    async def seed_route(request: web.Request) -> web.Response:
        kinds = request.query.get("kinds")
        ids = seed(int(request.query["n"]), kinds.split(",") if kinds else None)
        Path(request.query["path"]).write_text("".join(f"{i}\n" for i in ids))
        return web.json_response({"n": len(ids)})

    async def stats_route(request: web.Request) -> web.Response:
        return web.json_response(
            {"cpu_s": time.process_time(), "statuses": statuses(), "kind": kind, **memory()}
        )

    control = web.Application()
    control.router.add_post("/seed", seed_route)
    control.router.add_get("/stats", stats_route)
    control_runner = web.AppRunner(control, access_log=None, handle_signals=False)
    await control_runner.setup()
    await web.TCPSite(control_runner, "127.0.0.1", 0).start()
    control_url = f"http://127.0.0.1:{control_runner.addresses[0][1]}"

    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, done.set)
    info = {"base_url": base_url, "api_key": api_key, "control_url": control_url}
    print(json.dumps(info), flush=True)
    try:
        await done.wait()
    finally:
        await control_runner.cleanup()
        await stop()


class ServerInfo:
    def __init__(self, data: dict[str, Any], pid: int) -> None:
        self.base_url: str = data["base_url"]
        self.api_key: str = data["api_key"]
        self.control_url: str = data["control_url"]
        self.pid = pid

    def as_kwargs(self) -> dict[str, str]:
        """What a client child needs to reach the server."""
        return {
            "base_url": self.base_url,
            "api_key": self.api_key,
            "control_url": self.control_url,
        }


class ServerProcess:
    """``with ServerProcess("emulator") as server:`` serves for the block."""

    def __init__(self, kind: str, *, rate_limit: float | None = None) -> None:
        self._args = [sys.executable, "-m", "benchmarks._servers", kind]
        if rate_limit is not None:
            self._args += ["--rate-limit", str(rate_limit)]
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> ServerInfo:
        proc = subprocess.Popen(
            self._args, cwd=ROOT, stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
        )
        self._proc = proc
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            self._stop()
            raise RuntimeError(f"server {self._args[3:]} did not start")
        return ServerInfo(json.loads(line), proc.pid)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._servers")
    parser.add_argument("kind", choices=["emulator", "static"])
    parser.add_argument("--rate-limit", type=float, default=None)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.kind, args.rate_limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Peak memory of ``client.files.upload`` from a path: it streams, so it stays flat.

A fresh process uploads a file of each size to a sink server (another process that
reads and discards the body, then answers a ``File``) and reports its peak RSS
(``ru_maxrss``). ``ours`` uploads the path (streamed from disk in chunks); ``raw`` is the
same upload of the file read into ``bytes`` first, the memory a whole-file upload costs.
The growth between the two sizes per MiB of file is the figure to watch: about 0 for a
streamed upload, about 1 MiB per MiB when the file is held.
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ._common import ROOT, Goal, Row, run_child

__all__ = ["rows", "serve_sink", "upload_file"]

SIZES_FULL = (20, 200)  # MiB
SIZES_SMOKE = (1, 4)
FILE_JSON = (
    b'{"object":"file","id":"file_bench","name":"bench.pdf","type":"PDF",'
    b'"presignedUrl":null,"parentFileId":null,"contents":null,"metadata":{},'
    b'"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}'
)


def _peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


async def upload_file(base_url: str, path: str, held: bool) -> dict[str, Any]:
    """Child: one upload of ``path`` (``held``: read into bytes first); peak RSS in MiB."""
    from extend_async import AsyncExtend

    async with AsyncExtend(api_key="sk_bench", base_url=base_url, max_retries=0) as client:
        before = _peak_mib()
        start = time.perf_counter()
        source: Any = Path(path).read_bytes() if held else Path(path)
        uploaded = await client.files.upload(source, name="bench.pdf")
        wall = time.perf_counter() - start
    assert uploaded.id == "file_bench"
    size_mib = os.path.getsize(path) / 2**20
    return {"peak_mib": _peak_mib(), "before_mib": before, "wall_s": wall, "mib_s": size_mib / wall}


async def _sink() -> None:
    from aiohttp import web

    async def receive(request: web.Request) -> web.Response:
        async for _ in request.content.iter_chunked(1 << 20):
            pass
        return web.Response(body=FILE_JSON, content_type="application/json")

    app = web.Application()
    app.router.add_post("/files/upload", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()


def serve_sink() -> None:
    asyncio.run(_sink())


def rows(smoke: bool) -> list[Row]:
    sizes = SIZES_SMOKE if smoke else SIZES_FULL
    server = subprocess.Popen(
        [sys.executable, "-c", "from benchmarks.uploads import serve_sink; serve_sink()"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    results: dict[tuple[int, bool], dict[str, Any]] = {}
    try:
        assert server.stdout is not None
        base_url = f"http://127.0.0.1:{int(server.stdout.readline())}"
        with tempfile.TemporaryDirectory() as tmp:
            for size in sizes:
                path = Path(tmp) / f"upload_{size}.pdf"
                with path.open("wb") as sparse:
                    sparse.truncate(size * 2**20)
                for held in (False, True):
                    results[(size, held)] = run_child(
                        "uploads:upload_file", base_url=base_url, path=str(path), held=held
                    )
                path.unlink()
    finally:
        server.kill()
        server.wait()
    small, large = sizes

    def growth(held: bool) -> float:
        grown = results[(large, held)]["peak_mib"] - results[(small, held)]["peak_mib"]
        return float(grown) / (large - small)

    out: list[Row] = []
    for size in sizes:
        streamed, whole = results[(size, False)], results[(size, True)]
        note = f"{streamed['mib_s']:.0f} MiB/s streamed; raw = the file read into bytes first"
        if size == large:
            note += (
                f"; growth per MiB of file: {growth(False):.2f} MiB streamed, "
                f"{growth(True):.2f} MiB held"
            )
        out.append(
            Row(
                key=f"memory.upload_{size}mib",
                workload=f"peak RSS uploading a {size} MiB file from its path: MiB",
                unit="MiB",
                ours=streamed["peak_mib"],
                raw=whole["peak_mib"],
                goals=(Goal("value", "<=", 150),),
                note=note,
                details={"streamed": streamed, "held": whole},
            )
        )
    return out

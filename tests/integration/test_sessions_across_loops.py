"""One client used by successive event loops, over a real emulator."""

from __future__ import annotations

import asyncio
import gc
import warnings

from extend_async import AsyncExtend
from extend_async.testing import ExtendEmulator


def test_one_client_across_successive_asyncio_runs_leaves_no_session_open() -> None:
    with ExtendEmulator(seed=3).run_in_thread() as emu:
        (run_id,) = emu.seed_runs(1)
        client = AsyncExtend(emu.api_key, base_url=emu.base_url)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(4):
                assert asyncio.run(client.classify_runs.get(run_id)).id == run_id
            asyncio.run(client.aclose())
            gc.collect()
    unclosed = [
        str(w.message)
        for w in caught
        if "Unclosed client session" in str(w.message) or "Unclosed connector" in str(w.message)
    ]
    assert unclosed == []

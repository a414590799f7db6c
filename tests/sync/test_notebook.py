"""``extend_sync.Extend`` in a real Jupyter kernel, whose main thread runs an event loop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extend_async.testing import ExtendEmulator

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

CELLS = [
    # The kernel runs its own event loop in this thread, as Jupyter does.
    "import asyncio\nprint(asyncio.get_running_loop().is_running())",
    "from extend_sync import Extend, NotFoundError\nclient = Extend()  # key and URL from env",
    "run = client.classify_runs.get(RUN_ID)\nprint(run.id == RUN_ID, run.status)",
    "print(sum(1 for _ in client.classify_runs.list(batch_id=BATCH_ID, max_page_size=2)))",
    "try:\n    client.classify_runs.get('clr_missing')\n"
    "except NotFoundError as exc:\n    print(type(exc).__name__, exc.status_code)",
    "print(client.classify_runs.cancel(RUN_ID).status)",
    # The async client works in the same kernel, with top-level await.
    "from extend_async import AsyncExtend\n"
    "async with AsyncExtend() as aclient:\n"
    "    print((await aclient.classify_runs.get(RUN_ID)).status)",
    "client.close()\nprint(client.is_closed)",
]


def test_the_sync_client_works_in_a_jupyter_kernel(
    emulator: ExtendEmulator, tmp_path: Path
) -> None:
    batch_id = "batch_notebook"
    run_id = emulator.seed_runs(5, batch_id=batch_id)[0]
    setup = f"RUN_ID = {run_id!r}\nBATCH_ID = {batch_id!r}"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code) for code in [setup, *CELLS]]
    runner = nbclient.NotebookClient(
        notebook,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    env = {
        **os.environ,
        "EXTEND_API_KEY": emulator.api_key,
        "EXTEND_BASE_URL": emulator.base_url,
    }
    runner.execute(env=env)  # one kernel for every cell; raises if a cell fails

    outputs = [
        "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
        for cell in notebook.cells[1:]
    ]
    assert outputs == [
        "True\n",
        "",
        "True PROCESSING\n",
        "5\n",
        "NotFoundError 404\n",
        "CANCELLED\n",
        "CANCELLED\n",
        "True\n",
    ]

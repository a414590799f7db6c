"""The traps of portal-based clients: Ctrl-C, fork, exit, garbage collection, many threads."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import pytest

from extend_async.testing import ExtendEmulator
from extend_sync import Extend

from ._server import LoopbackServer

SUBPROCESS_TIMEOUT = 60


@pytest.fixture
def default_sigint() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def run_script(
    script: str, emulator: ExtendEmulator, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EXTEND_API_KEY": emulator.api_key,
        "EXTEND_BASE_URL": emulator.base_url,
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )


@pytest.mark.usefixtures("default_sigint")
def test_ctrl_c_cancels_the_request_in_flight_not_just_the_wait() -> None:
    with LoopbackServer() as server, Extend("sk_test", base_url=server.base_url) as client:
        main = threading.main_thread().ident
        assert main is not None

        def press_ctrl_c() -> None:
            if server.slow_request_arrived.wait(SUBPROCESS_TIMEOUT):
                signal.pthread_kill(main, signal.SIGINT)

        threading.Thread(target=press_ctrl_c, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            client.classify_runs.cancel("clr_slow")  # the server would answer in 60 s
        assert not server.slow_request_finished.is_set()
        # The request was cancelled in the loop: the server saw its client go away.
        assert server.slow_request_cancelled.wait(SUBPROCESS_TIMEOUT)
        # And the client goes on working.
        assert client.classify_runs.get("clr_after").id == "clr_after"


def test_threads_share_one_loop_thread_and_one_connection_pool() -> None:
    with (
        LoopbackServer(get_delay=0.005) as server,
        Extend("sk_test", base_url=server.base_url, connection_limit=4) as client,
    ):
        results: dict[int, list[str]] = {}
        loop_threads: set[threading.Thread | None] = set()
        barrier = threading.Barrier(32)

        def work(index: int) -> None:
            barrier.wait()
            results[index] = [client.classify_runs.get(f"clr_{index}_{n}").id for n in range(3)]
            loop_threads.add(client._portal.thread)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == {i: [f"clr_{i}_{n}" for n in range(3)] for i in range(32)}
        assert len(loop_threads) == 1
        # 96 requests from 32 threads went through one pool of at most 4 connections.
        assert 1 <= len(server.peers) <= 4
        assert 1 <= server.max_in_flight <= 4


def test_a_client_dropped_without_close_stops_its_loop_thread(emulator: ExtendEmulator) -> None:
    client = Extend(emulator.api_key, base_url=emulator.base_url)
    run_id = emulator.seed_runs(1)[0]
    client.classify_runs.get(run_id)
    thread = client._portal.thread
    assert thread is not None
    assert thread.is_alive()
    del client
    gc.collect()
    thread.join(SUBPROCESS_TIMEOUT)
    assert not thread.is_alive()


EXIT_SCRIPT = """
    import sys, threading
    from extend_sync import Extend, ExtendError

    client = Extend()  # EXTEND_API_KEY and EXTEND_BASE_URL from the environment
    run_id = sys.argv[1]
    assert client.classify_runs.get(run_id).id == run_id
    pages = iter(client.classify_runs.list(max_page_size=1))
    next(pages)  # a pager left half-way
    other = Extend().with_options(max_retries=0)

    def wait_forever():
        try:
            other.classify_runs.wait(run_id)
        except ExtendError:
            pass  # the pool closed under it at exit: expected

    threading.Thread(target=wait_forever, daemon=True).start()
    print("exiting", flush=True)  # no close(), a wait in flight in a daemon thread
"""


def test_a_client_never_closed_does_not_hang_interpreter_exit(emulator: ExtendEmulator) -> None:
    run_id = emulator.seed_runs(1)[0]
    done = run_script(EXIT_SCRIPT, emulator, run_id)  # TimeoutExpired if exit hangs
    assert done.returncode == 0, done.stderr
    assert done.stdout == "exiting\n"
    assert done.stderr == ""  # no unclosed-session or destroyed-task complaints


FORK_SCRIPT = """
    import os, sys
    from extend_sync import Extend

    run_id = sys.argv[1]
    client = Extend(timeout=10)
    assert client.classify_runs.get(run_id).id == run_id  # the parent's portal is running
    parent_thread = client._portal.thread
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the loop thread was not copied
        os.close(read_end)
        try:
            got = client.classify_runs.get(run_id).id
            derived = client.with_options(max_retries=0).classify_runs.get(run_id).id
            fresh = client._portal.thread is not parent_thread
            os.write(write_end, f"child {got == run_id} {derived == run_id} {fresh}".encode())
            client.close()
        finally:
            os.close(write_end)
        sys.exit(0)  # a normal exit: atexit hooks and finalizers run in the child too
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end) as pipe:
        print(pipe.read(), os.waitstatus_to_exitcode(status))
    # The parent's pooled connection still works: the child left the shared sockets alone.
    for _ in range(3):
        assert client.classify_runs.get(run_id).id == run_id
    client.close()
    print("parent ok")
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_after_fork_the_child_gets_a_working_client(emulator: ExtendEmulator) -> None:
    run_id = emulator.seed_runs(1)[0]
    done = run_script(FORK_SCRIPT, emulator, run_id)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["child True True True 0", "parent ok"]
    unexpected = [line for line in done.stderr.splitlines() if "fork()" not in line]
    assert unexpected == []  # (3.12+ warns that forking a threaded process is risky)


@pytest.mark.usefixtures("default_sigint")
def test_ctrl_c_during_a_bulk_cancel_keeps_the_partial_result() -> None:
    from extend_async import BulkCancelInterrupted
    from extend_async.testing import FaultConfig

    # Every cancel is slow, so the interrupt lands while most ids are still waiting.
    with ExtendEmulator(faults=FaultConfig(latency=0.2)).run_in_thread() as emu:
        ids = emu.seed_runs(40)
        with Extend(emu.api_key, base_url=emu.base_url) as client:
            main = threading.main_thread().ident
            assert main is not None
            first_done = threading.Event()

            def press_ctrl_c() -> None:
                if first_done.wait(SUBPROCESS_TIMEOUT):
                    signal.pthread_kill(main, signal.SIGINT)

            threading.Thread(target=press_ctrl_c, daemon=True).start()
            with pytest.raises(KeyboardInterrupt) as caught:
                client.classify_runs.cancel_many(
                    ids, concurrency=4, on_progress=lambda progress: first_done.set()
                )
    stopped = caught.value.__cause__
    assert isinstance(stopped, BulkCancelInterrupted)
    result = stopped.result
    assert [outcome.id for outcome in result.outcomes] == ids  # every id accounted for
    assert result.counts.cancelled >= 1
    assert result.counts.not_attempted >= 1

"""A throwaway redis-server on 127.0.0.1 for the limiter's tests and benchmark.

The binary is Debian's ``redis-server`` (``scripts/ensure_redis_server.sh`` installs it), or
any ``redis-server`` on ``PATH`` or named by ``EXTEND_TEST_REDIS_SERVER``. Nothing is
persisted (``--save "" --appendonly no``), and the process is killed when done.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["RedisServer", "find_redis_server", "free_port"]

START_SECONDS = 10.0


def find_redis_server() -> str | None:
    """The redis-server binary to use, or None when this machine has none."""
    named = os.environ.get("EXTEND_TEST_REDIS_SERVER")
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).is_file()),
        None,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """``start()`` a server on a free loopback port; ``stop()`` kills it; ``start()`` again
    is a restart on the same port with an empty memory (and an empty script cache)."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="extend-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if self._process is not None:
            raise RuntimeError("already running")
        self._process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._dir.name,
                "--protected-mode",
                "yes",
            ],  # fmt: skip
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not answer in time")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait(timeout=START_SECONDS)

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

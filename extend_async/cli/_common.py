"""What every command shares: exit codes, the one-line error, the client from options."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from .._client import AsyncExtend
from .._errors import InvalidInputError, MissingAPIKeyError

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROG",
    "UsageError",
    "error_line",
    "make_client",
    "plural",
    "read_answer",
    "run_async",
]

PROG = "extend-client"
EXIT_OK = 0
EXIT_FAILED = 1  # something was not done: a run not cancelled, an API error
EXIT_USAGE = 2  # bad arguments or input: nothing was sent
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class UsageError(Exception):
    """Bad arguments or input; reported as one line, exit status 2."""


def plural(count: int, noun: str) -> str:
    """``1 run``, ``2 runs``: the nouns used here all take an s."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


async def read_answer(stdin: TextIO) -> str:
    """A line typed on ``stdin``, waited for without blocking the event loop, so Ctrl-C
    at a prompt interrupts (exit 130) instead of being held until Enter."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    try:
        descriptor = stdin.fileno()
        loop.add_reader(descriptor, readable)
    except (AttributeError, NotImplementedError, OSError, ValueError):
        return stdin.readline()  # no descriptor to watch (Windows, a test's stream)
    try:
        await ready
    finally:
        loop.remove_reader(descriptor)
    return stdin.readline()


def error_line(message: str, stream: TextIO | None = None) -> None:
    print(f"{PROG}: error: {message}", file=stream or sys.stderr, flush=True)


def make_client(args: argparse.Namespace, **settings: Any) -> AsyncExtend:
    """The client the global options describe (the key falls back to EXTEND_API_KEY)."""
    try:
        return AsyncExtend(
            api_key=args.api_key,
            base_url=args.base_url,
            region=args.region,
            workspace_id=args.workspace,
            **settings,
        )
    except MissingAPIKeyError:
        raise UsageError("no API key: pass --api-key or set EXTEND_API_KEY") from None
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


def run_async(command: Callable[[], Awaitable[int]]) -> int:
    """Run ``command`` in a fresh event loop; Ctrl-C cancels it (the command reports what
    was done, then exits 130), a second Ctrl-C stops at once."""

    async def guarded() -> int:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        installed = False

        def interrupt() -> None:
            loop.remove_signal_handler(signal.SIGINT)  # a second Ctrl-C: KeyboardInterrupt
            if task is not None:
                task.cancel()

        # Not on Windows; there asyncio.run's own Ctrl-C handling cancels the task.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGINT, interrupt)
            installed = True
        try:
            return await command()
        finally:
            if installed:
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(signal.SIGINT)

    try:
        return asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        # On a terminal the cursor may sit after a prompt, a bar or the echoed ^C.
        fresh_line = "\n" if sys.stderr.isatty() else ""
        print(f"{fresh_line}{PROG}: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED

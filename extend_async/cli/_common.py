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
from .._hooks import RequestEvent, ResponseEvent
from .._options import DEFAULT_TIMEOUT
from ._escape import printable
from ._parser import safe_message

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROG",
    "UsageError",
    "error_line",
    "make_client",
    "notice",
    "plural",
    "read_answer",
    "run_async",
    "timeout_seconds",
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
    """``extend-client: error: ...`` on stderr, one line, escaped for the terminal, with
    the command line's secrets and any URL userinfo masked."""
    text = safe_message(" ".join(message.split()))
    print(f"{PROG}: error: {text}", file=stream or sys.stderr, flush=True)


def notice(text: str, stream: TextIO | None = None) -> None:
    """A line for the person at the terminal (a count, a confirmation, a retry), on
    stderr so that stdout holds only data; escaped for the terminal."""
    print(printable(text), file=stream or sys.stderr, flush=True)


def timeout_seconds(args: argparse.Namespace) -> float:
    """The per-attempt timeout in force: ``--timeout``, else the client's default."""
    given = getattr(args, "timeout", None)
    return float(given) if given is not None else float(DEFAULT_TIMEOUT.total or 60.0)


class RetryNotices:
    """``on_request`` / ``on_response`` hooks that say on stderr when an attempt is
    retried, and why: a silent minute or three reads as a hang otherwise."""

    def __init__(self, stream: TextIO, *, timeout: float) -> None:
        self._stream = stream
        self.attempts = 0  # set once the client says how many retries it makes
        self._timeout = timeout
        self._why: dict[tuple[str, str], str] = {}

    def on_response(self, event: ResponseEvent) -> None:
        key = (event.method, event.path)
        if event.status is not None:
            self._why[key] = f"a {event.status} answer"
        elif event.error is not None and event.error.startswith("TimeoutError"):
            self._why[key] = f"no answer within {self._timeout:g}s"
        else:
            self._why[key] = f"a connection error ({event.error})"

    def on_request(self, event: RequestEvent) -> None:
        if event.attempt < 2:
            return
        why = self._why.pop((event.method, event.path), "a failed attempt")
        notice(
            f"{PROG}: retrying {event.method} {event.path} after {why} "
            f"(attempt {event.attempt} of {self.attempts})...",
            self._stream,
        )


def make_client(
    args: argparse.Namespace, *, retry_notices: bool = True, **settings: Any
) -> AsyncExtend:
    """The client the global options describe (the key falls back to EXTEND_API_KEY),
    with ``--timeout`` / ``--max-retries``, and retry notices on stderr unless the caller
    shows progress its own way (a bulk cancel)."""
    timeout = getattr(args, "timeout", None)
    max_retries = getattr(args, "max_retries", None)
    if timeout is not None:
        settings["timeout"] = timeout
    if max_retries is not None:
        settings["max_retries"] = max_retries
    hooks = RetryNotices(sys.stderr, timeout=timeout_seconds(args))
    if retry_notices:
        settings.setdefault("on_request", hooks.on_request)
        settings.setdefault("on_response", hooks.on_response)
    try:
        client = AsyncExtend(
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
    hooks.attempts = client.max_retries + 1
    return client


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

"""The ids to cancel: from arguments, a file or stdin, read lazily and checked one by one.

A file and stdin are read the same way, as bytes, a line at a time: a UTF-8 byte-order
mark on the first line is dropped, blank lines and ``#`` comments are skipped, and a line
that is not UTF-8 or not a run id is one ``UsageError`` naming its line. Reading yields to
the event loop every few hundred lines, so Ctrl-C stops even a huge file promptly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import stat
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import BinaryIO

from .._errors import InvalidInputError
from .._paths import validate_id
from ..resources._run_kinds import RUN_KINDS
from ._common import UsageError

__all__ = [
    "RUN_ID_PREFIXES",
    "IdSource",
    "check_id",
    "check_run_id",
    "checked_arguments",
    "count_in_background",
    "open_ids",
]

# Run ids start so (classify, extract, ... runs); --allow-any-id (or --type) lets through
# ids of a prefix added later.
RUN_ID_PREFIXES = tuple(kind.id_prefix for kind in RUN_KINDS.values())
_BOM = b"\xef\xbb\xbf"
# Ids as the API issues them: letters, digits, "_" and "-" (and so no "..", no control
# characters, nothing to escape), at most 255 characters.
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
_PLAIN_RUN_ID = re.compile(r"clr_[A-Za-z0-9_-]{1,251}")
_SPACE_OR_COMMA = re.compile(r"[\s,]")
_LINES_PER_YIELD = 512
# The longest line read from a file or a pipe (ids are at most 255 characters): a file
# that is one huge line is refused after 1 MiB, not read into memory whole.
LINE_LIMIT = 1 << 20


def check_id(value: str, where: str, *, what: str = "an id", allow_any: bool = False) -> str:
    """``value`` if it can be an id, else a ``UsageError`` that names ``where``: the one
    check every command makes before sending anything. Ids as the API issues them are
    letters, digits, ``_`` and ``-``; ``allow_any`` lets through any other id that is
    still safe in a URL path (for id forms added later)."""
    if _PLAIN_ID.fullmatch(value):
        return value  # the usual case, and one that every check below would pass
    try:
        validate_id(value)
    except InvalidInputError as exc:
        raise UsageError(f"{where}: {exc}") from None
    if allow_any:
        return value
    if _SPACE_OR_COMMA.search(value):
        raise UsageError(
            f"{where}: {value!r} is not {what} (give one id per argument or line, "
            "without spaces or commas)"
        )
    raise UsageError(f"{where}: {value!r} is not {what} (ids are letters, digits, _ and -)")


def check_run_id(value: str, where: str, *, allow_any: bool) -> str:
    """``value`` if it can be a run id (``clr_...``, ``exr_...``, ...), else a
    ``UsageError`` naming ``where``."""
    if _PLAIN_RUN_ID.fullmatch(value):
        return value
    check_id(value, where, what="a run id", allow_any=allow_any)
    if not allow_any and not value.startswith(RUN_ID_PREFIXES):
        raise UsageError(
            f"{where}: {value!r} is not a run id (run ids start with "
            f"{' or '.join(RUN_ID_PREFIXES)}; --allow-any-id sends it anyway)"
        )
    return value


def checked_arguments(values: Sequence[str], *, allow_any: bool) -> list[str]:
    """Ids given as arguments, every one checked before anything is sent."""
    return [check_run_id(v, f"argument {n}", allow_any=allow_any) for n, v in enumerate(values, 1)]


class IdSource:
    """An opened file of ids (or stdin), read by iterating ``ids()`` once."""

    def __init__(self, stream: BinaryIO, name: str, *, owned: bool, allow_any: bool) -> None:
        self.name = name
        self.path = name if owned and _is_regular_file(stream) else None
        self._stream = stream
        self._owned = owned
        self._allow_any = allow_any
        self.finished = False  # every line was read

    def close(self) -> None:
        if self._owned:
            self._stream.close()

    async def ids(self) -> AsyncIterator[str]:
        number = 0
        async for raw in self._lines():
            number += 1
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UsageError(f"line {number} of {self.name} is not valid UTF-8") from None
            value = line.strip()
            if value and not value.startswith("#"):
                yield check_run_id(
                    value, f"line {number} of {self.name}", allow_any=self._allow_any
                )
        self.finished = True

    async def _lines(self) -> AsyncIterator[bytes]:
        if not _waits_for_a_writer(self._stream):
            for count, line in enumerate(bounded_lines(self._stream, self.name), 1):
                if count % _LINES_PER_YIELD == 0:
                    await asyncio.sleep(0)  # a chance for Ctrl-C and for requests
                yield line
            return
        async for line in _pipe_lines(self._stream, self.name):
            yield line


def open_ids(from_file: str, stdin: BinaryIO, *, allow_any: bool) -> IdSource:
    """Open ``from_file`` (``-``: stdin); a file that cannot be opened is a ``UsageError``
    now, before anything is sent."""
    if from_file == "-":
        return IdSource(stdin, "stdin", owned=False, allow_any=allow_any)
    try:
        stream = open(from_file, "rb")  # noqa: SIM115 - closed by IdSource.close
    except OSError as exc:
        raise UsageError(f"cannot read ids from {from_file}: {exc.strerror or exc}") from None
    return IdSource(stream, from_file, owned=True, allow_any=allow_any)


def count_in_background(source: IdSource, on_count: Callable[[int], None]) -> None:
    """Count a regular file's ids in a daemon thread (never holding up an exit), then pass
    the count to ``on_count`` on the event loop: the progress view learns the total while
    the cancelling is already under way. Stdin and pipes are not counted."""
    if source.path is None:
        return
    path = source.path
    loop = asyncio.get_running_loop()

    def count() -> None:
        try:
            with open(path, "rb") as file:
                total = sum(
                    1
                    for line in bounded_lines(file, path)
                    if line.strip() and not line.lstrip().startswith(b"#")
                )
        except (OSError, UsageError):  # the reading itself reports a bad file
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to tell
            loop.call_soon_threadsafe(on_count, total)

    threading.Thread(target=count, name="extend-client-count-ids", daemon=True).start()


def _waits_for_a_writer(stream: BinaryIO) -> bool:
    """A pipe, socket or terminal, whose reads may wait; not a file or ``/dev/null``
    (which an event loop cannot watch, and whose reads never wait)."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
        return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False  # no descriptor (an in-memory stream): read it directly


def _is_regular_file(stream: BinaryIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return True  # no descriptor (an in-memory stream): read it directly


def _too_long(number: int, name: str) -> UsageError:
    return UsageError(
        f"line {number} of {name} is longer than {LINE_LIMIT} bytes (1 MiB); no id is"
    )


def bounded_lines(stream: BinaryIO, name: str) -> Iterator[bytes]:
    """The lines of ``stream``, each read with at most ``LINE_LIMIT`` bytes held: memory
    stays flat however the file is laid out, and an overlong line is one ``UsageError``
    naming its number."""
    number = 0
    while True:
        try:
            line = stream.readline(LINE_LIMIT + 1)
        except OSError as exc:
            raise UsageError(f"cannot read ids from {name}: {exc.strerror or exc}") from None
        if not line:
            return
        number += 1
        if len(line) > LINE_LIMIT:
            raise _too_long(number, name)
        yield line


async def _pipe_lines(stream: BinaryIO, name: str) -> AsyncIterator[bytes]:
    """Lines of a pipe or terminal, read without blocking the event loop (so Ctrl-C is
    seen while the writer is slow)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    descriptor = stream.fileno()
    was_blocking = os.get_blocking(descriptor)
    try:
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), stream
        )
    except (OSError, ValueError):  # not a pipe, socket or terminal: read it directly
        for line in bounded_lines(stream, name):
            yield line
        return
    number = 0
    try:
        while True:
            number += 1
            try:
                line = await reader.readline()
            except ValueError:  # longer than the limit: no id is
                raise _too_long(number, name) from None
            except OSError as exc:
                raise UsageError(f"cannot read ids from {name}: {exc.strerror or exc}") from None
            if not line:
                return
            yield line
    finally:
        # Whoever shares the descriptor (a shell on the same terminal) expects it blocking.
        with contextlib.suppress(OSError):
            os.set_blocking(descriptor, was_blocking)
        transport.close()

"""Where a download's bytes go, and how they get there intact.

``check_dest`` looks at a path ``dest`` before anything is sent: a folder, an empty path,
``.``, ``/``, a missing or unwritable parent folder, something that is not a regular file
are each an ``InvalidInputError`` up front, not a surprise after the transfer.

``PartFile`` writes through a temporary file of its own next to ``dest``, created
exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``, a fresh random name), so a planted symlink
is never followed and two downloads to one ``dest`` never share a file. Only a complete
body replaces ``dest`` (``os.replace``, atomic), with the mode of the file it replaces (or
what ``open`` would give a new one). Any failure or cancel removes the temporary file and
closes its descriptor.

File work runs in a thread (a slow disk must not stall the loop), through ``settled``: a
cancel waits for that thread to finish, so no thread is left writing to a descriptor that
cleanup closes (and the kernel may hand to someone else). The last steps, closing and
``os.replace``, run on the loop with nothing awaited after them: a download that raises
``CancelledError`` never wrote ``dest``, and one that wrote it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import inspect
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeVar

from . import _http_libs
from ._errors import (
    APIConnectionError,
    ExtendError,
    InvalidInputError,
    LocalFileError,
    ResponseTooLargeError,
)

if TYPE_CHECKING:
    import aiohttp

    from ._transport import Request

__all__ = [
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "FileObjectSink",
    "PartFile",
    "Sink",
    "check_dest",
    "check_max_bytes",
    "raw_body",
    "settled",
    "stream_body",
]

T = TypeVar("T")

# Extend stores documents: a body past this is the storage host misbehaving, not a file.
DEFAULT_MAX_DOWNLOAD_BYTES = 2 * 1024**3
# How much of dest's name (in UTF-8 bytes) the temporary file's name keeps: a long name
# plus the random part must stay under the usual 255-byte limit of a file name.
_NAME_BYTES = 100
_CREATE_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_CREATE_TRIES = 100
_READ_CHUNK = 256 * 1024


def _raw_body_option() -> dict[str, Any]:
    """The request option that turns off aiohttp's decompression for one request.

    ``auto_decompress`` per request is recent (a session-wide setting before); where it is
    missing, a compressed body is refused rather than saved transformed (``stream_body``).
    """
    request = getattr(_http_libs.aiohttp.ClientSession, "_request", None)
    try:
        parameters = inspect.signature(request).parameters if request else {}
    except (TypeError, ValueError):
        parameters = {}
    return {"auto_decompress": False} if "auto_decompress" in parameters else {}


@functools.cache
def raw_body() -> dict[str, Any]:
    """Passed to ``session.get`` for a download: the stored bytes, as stored. Found on
    the first download rather than at import, which would import aiohttp (``_http_libs``)."""
    return _raw_body_option()


def check_max_bytes(value: int | None) -> int:
    if value is None:
        return DEFAULT_MAX_DOWNLOAD_BYTES
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"max_bytes must be an int of 0 or more, got {value!r}")
    return value


def check_dest(dest: str | os.PathLike[str]) -> Path:
    """``dest`` as a path a download can replace, or an ``InvalidInputError`` saying why not."""
    try:
        text = os.fspath(dest)
    except TypeError:
        text = None
    if not isinstance(text, str):
        raise InvalidInputError("dest must be a str path, a PathLike of str, or a binary file")
    if not text or "\0" in text:
        raise InvalidInputError(f"dest {text!r} is not a file path")
    target = Path(text)
    if text.endswith(("/", os.sep)) or target.name in ("", ".", ".."):
        raise InvalidInputError(f"dest {text!r} names a folder, not a file")
    try:
        found = os.stat(target)  # through a symlink: one to a folder is a folder
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise InvalidInputError(f"dest {text!r} cannot be used: {exc.strerror}") from None
    if found is not None:
        if stat.S_ISDIR(found.st_mode):
            raise InvalidInputError(f"dest {text!r} is a folder; give a file path in it")
        if not stat.S_ISREG(found.st_mode):
            raise InvalidInputError(
                f"dest {text!r} exists and is not a regular file; to write to it, "
                "pass it opened as a binary file"
            )
    parent = target.parent
    try:
        folder = os.stat(parent)
    except OSError:
        folder = None
    if folder is None or not stat.S_ISDIR(folder.st_mode):
        raise InvalidInputError(f"the folder of dest {text!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidInputError(f"the folder of dest {text!r} is not writable")
    return target


async def settled(func: Callable[..., T], *args: object) -> T:
    """``func(*args)`` in a thread; a cancel meanwhile takes effect once the thread is done.

    What the thread did (a descriptor opened, bytes written) is then known to the caller's
    cleanup, and no thread is left using a descriptor that cleanup closes.
    """
    work = asyncio.ensure_future(asyncio.to_thread(func, *args))
    cancelled = False
    while not work.done():
        try:
            await asyncio.shield(work)
        except asyncio.CancelledError:
            if work.done() and work.cancelled():
                raise  # to_thread itself cancelled: nothing runs any more
            cancelled = True
        except BaseException:  # the work's own failure: raised by result() below
            break
    if cancelled:
        if not work.cancelled():
            work.exception()  # retrieved, so asyncio does not log it as never seen
        raise asyncio.CancelledError
    return work.result()


async def stream_body(
    response: aiohttp.ClientResponse, sink: Sink, request: Request, limit: int
) -> int:
    """Copy a 2xx answer's body to ``sink`` as it arrives; returns the bytes written.

    Never more than ``limit`` bytes (``ResponseTooLargeError`` before the first byte past
    it is written), and exactly the ``Content-Length`` when the host declares one.
    """
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity") and not raw_body():
        raise ExtendError(
            f"{request.method} {request.path}: the file is served with Content-Encoding "
            f"{encoding!r}, and this aiohttp ({_http_libs.aiohttp.__version__}) cannot give "
            "its bytes as stored; upgrade aiohttp to download it"
        )
    declared = response.content_length
    if declared is not None and declared > limit:
        raise _too_large(request, limit)
    await sink.start()
    written = 0
    async for chunk in response.content.iter_chunked(_READ_CHUNK):
        written += len(chunk)
        if written > limit:
            raise _too_large(request, limit)
        await sink.write(chunk)
    if declared is not None and written != declared:
        raise APIConnectionError(
            f"{request.method} {request.path}: the body ended after {written} of the "
            f"{declared} bytes its Content-Length declares",
            method=request.method,
            path=request.path,
        )
    return written


def _too_large(request: Request, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{request.method} {request.path}: the file is larger than max_bytes ({limit} bytes)",
        method=request.method,
        path=request.path,
        limit=limit,
    )


class Sink(Protocol):
    """Where a download's chunks go."""

    async def start(self) -> None:
        """Called once the answer is known to be the file (a 2xx), before any chunk."""

    async def write(self, chunk: bytes) -> None:
        """Write all of ``chunk``."""


class FileObjectSink:
    """The caller's own binary file object: written as it is, never closed."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out

    async def start(self) -> None:
        return None

    async def write(self, chunk: bytes) -> None:
        await settled(self._out.write, chunk)


def _temp_names(name: str) -> Iterator[str]:
    """Names for the temporary file: hidden, next to dest, never guessable in advance."""
    kept = name.encode("utf-8", "surrogateescape")[:_NAME_BYTES].decode("utf-8", "ignore")
    prefix = f".{kept}."
    while True:
        yield f"{prefix}{secrets.token_hex(6)}.part"


def _open_exclusive(path: Path) -> int:
    """A new file at ``path``, only if nothing (not even a dangling symlink) is there."""
    return os.open(path, _CREATE_FLAGS, 0o600)


def _fsync(fd: int) -> None:
    os.fsync(fd)


def _current_umask() -> int:
    """The process's umask, read without changing it where the system allows.

    ``os.umask`` can only be read by setting it, which for a moment changes it for every
    thread; Linux shows it in ``/proc/self/status`` (since 4.7), so that is tried first.
    """
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii", errors="replace") as status,
    ):
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class PartFile:
    """A download to a path: a fresh temporary file next to ``target``, which replaces
    ``target`` only when complete (``commit``), or is removed (``discard``)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        # Set by the thread that creates the file, so a cancel during ``start`` still
        # finds what to clean up.
        self._fd: int | None = None
        self._path: Path | None = None

    async def start(self) -> None:
        await settled(self._create)

    def _create(self) -> None:
        folder = self.target.parent
        for _, name in zip(range(_CREATE_TRIES), _temp_names(self.target.name), strict=False):
            path = folder / name
            try:
                fd = _open_exclusive(path)
            except FileExistsError:
                continue  # someone else's file (or a planted link) has this name: another
            except OSError as exc:
                raise self._failed("cannot create a file in the folder of", exc) from exc
            self._fd, self._path = fd, path
            return
        raise self._failed(
            "cannot create a file in the folder of",
            FileExistsError(errno.EEXIST, "every name tried was taken"),
        )

    async def write(self, chunk: bytes) -> None:
        await settled(self._write_all, chunk)

    def _write_all(self, chunk: bytes) -> None:
        fd = self._fd
        assert fd is not None, "start() comes before write()"
        view = memoryview(chunk)
        try:
            while view:
                view = view[os.write(fd, view) :]
        except OSError as exc:
            raise self._failed("cannot write the download for", exc) from exc

    async def flush(self) -> None:
        """The bytes on disk before the file takes ``target``'s place."""
        await settled(self._sync)

    def _sync(self) -> None:
        fd = self._fd
        assert fd is not None, "start() comes before flush()"
        try:
            _fsync(fd)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOTSUP):  # a file system without it
                raise self._failed("cannot write the download for", exc) from exc

    def commit(self) -> None:
        """Give the file ``target``'s mode and put it in ``target``'s place.

        Not awaited on purpose: once this returns, the download is done, and nothing after
        it can be cancelled.
        """
        fd, path = self._fd, self._path
        assert fd is not None, "start() comes before commit()"
        assert path is not None, "start() comes before commit()"
        try:
            mode = self._mode()
            if os.chmod in os.supports_fd:
                os.chmod(fd, mode)
            else:
                os.chmod(path, mode)
            self._fd = None
            os.close(fd)
            os.replace(path, self.target)
        except OSError as exc:
            raise self._failed("cannot save the download to", exc) from exc
        self._path = None

    def _mode(self) -> int:
        """The permissions of the file being replaced, or those ``open`` gives a new one.

        ``lstat``: a symlink at ``target`` is replaced itself, its target left alone.
        """
        with contextlib.suppress(OSError):
            found = os.lstat(self.target)
            if stat.S_ISREG(found.st_mode):
                return stat.S_IMODE(found.st_mode)
        return 0o666 & ~_current_umask()

    def discard(self) -> None:
        """Close and remove the temporary file, if there is one. Never raises."""
        fd, self._fd = self._fd, None
        path, self._path = self._path, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def _failed(self, doing: str, exc: OSError) -> LocalFileError:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return LocalFileError(
            f"{doing} {os.fspath(self.target)!r}: {reason}",
            path=os.fspath(self.target),
            errno=exc.errno,
        )

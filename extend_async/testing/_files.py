"""The files routes: upload (multipart, streamed), list, get, delete, and the presigned
download URL a stored file carries.

Uploads are read part by part and spooled to a temporary file past 1 MiB, so a large
upload does not sit in memory. A body over ``Settings.max_upload_bytes`` is answered
``413`` with the API's error envelope (after the rest of the body is read, so the client
sees the answer rather than a broken pipe). A malformed multipart body (no or wrong
boundary, truncated, a bad part header, an unknown transfer encoding) and a file name
with a control character (CR, LF, NUL...) or that is not valid Unicode are ``400
INVALID_REQUEST``, ``retryable: false``. At most ``Settings.max_uploads`` files are held
at once: past it an upload is refused with ``400 UPLOAD_LIMIT_REACHED`` (deleting files
makes room; the oldest deleted ones are forgotten first).

Download URLs are signed tokens that expire after ``Settings.presigned_url_seconds``;
they are served without the API key, faults or rate limit, like a storage host. Expired
grants are evicted as new ones are made, and at most ``Settings.max_presigned_urls`` are
kept (past it the oldest goes first; its URL then answers 403 like an expired one).
"""

from __future__ import annotations

import heapq
import secrets
import tempfile
import time
import unicodedata
from collections.abc import Awaitable, Callable
from typing import IO, Any, TypeVar
from urllib.parse import quote

import orjson
from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from ._clock import rfc3339
from ._errors import ApiProblem, ValidationProblem, not_found
from ._paging import decode_cursor, encode_cursor
from ._render import render_list
from ._routing import Call, Route
from ._samples import file_type_for
from ._settings import Settings
from ._validation import page_size, sort_order

__all__ = ["DOWNLOAD_PATH", "FileRecord", "FilesApi"]

DOWNLOAD_PATH = "/_files"
SPOOL_BYTES = 1024 * 1024
READ_CHUNK = 256 * 1024
# Past this much beyond the limit, an oversized body is no longer read: the connection
# is closed instead (a client streaming without end must not keep the server busy).
DRAIN_LIMIT = 64 * 1024 * 1024
T = TypeVar("T")

FILE_TOO_LARGE = "FILE_TOO_LARGE"
UPLOAD_LIMIT_REACHED = "UPLOAD_LIMIT_REACHED"
# What aiohttp's multipart reader raises on a body that is not well-formed multipart
# (a missing or wrong boundary, a truncated body, a bad part header). Older aiohttp (3.10)
# meets a truncated body with an internal ``assert`` ("Reading after EOF") instead.
_MALFORMED = (ValueError, HttpProcessingError, AssertionError)
# Content-Transfer-Encoding values that mean "the bytes as they are" (RFC 7578 4.7).
_PLAIN_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})
_JSON = {"Content-Type": "application/json"}


class FileRecord:
    """One uploaded file. Worth asserting on: ``id``, ``workspace_id``, ``name``, ``type``,
    ``size``, ``password``, ``converted_to_pdf``, ``deleted``, ``download_count``."""

    def __init__(
        self,
        *,
        id: str,
        workspace_id: str,
        name: str,
        type: str | None,
        size: int,
        content: IO[bytes],
        created_us: int,
        pages: int,
        password: str | None,
        converted_to_pdf: bool,
    ) -> None:
        self.id = id
        self.workspace_id = workspace_id
        self.name = name
        self.type = type
        self.size = size
        self.content = content
        self.created_us = created_us
        self.updated_us = created_us
        self.pages = pages
        self.password = password
        self.converted_to_pdf = converted_to_pdf
        self.deleted = False
        self.download_count = 0

    def read(self) -> bytes:
        self.content.seek(0)
        return self.content.read()

    def summary(self) -> dict[str, Any]:
        return {
            "object": "file",
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "parentFileId": None,
            "metadata": {"pageCount": self.pages},
            "createdAt": rfc3339(self.created_us),
            "updatedAt": rfc3339(self.updated_us),
        }

    def full(self, presigned_url: str) -> dict[str, Any]:
        body = self.summary()
        body["presignedUrl"] = presigned_url
        body["contents"] = None
        return body


# The files routes: (route name, method, path template, handler).
ROUTES: tuple[tuple[str, str, str, str], ...] = (
    ("file_upload", "POST", "/files/upload", "upload"),
    ("file_list", "GET", "/files", "list_files"),
    ("file_get", "GET", "/files/{}", "get_file"),
    ("file_delete", "DELETE", "/files/{}", "delete_file"),
)


class FilesApi:
    """Handlers of ``/files`` and the download route; state lives in ``store.files``."""

    def __init__(self, store: Any, settings: Callable[[], Settings], base_url: Callable[[], str]):
        self._store = store
        self._settings = settings
        self._base_url = base_url
        self._grants: dict[str, tuple[str, float]] = {}  # token -> (file id, expiry)
        self._expiries: list[tuple[float, str]] = []  # a heap of (expiry, token)

    def routes(self) -> list[Route]:
        return [
            Route(name, method, path, getattr(self, handler))
            for name, method, path, handler in ROUTES
        ]

    # --- helpers -------------------------------------------------------------------------

    def visible(self, workspace_id: str, file_id: str) -> FileRecord | None:
        record: FileRecord | None = self._store.files.get(file_id)
        if record is None or record.deleted or record.workspace_id != workspace_id:
            return None
        return record

    def _file(self, call: Call) -> FileRecord:
        record = self.visible(call.workspace_id, call.params[0])
        if record is None:
            raise not_found("File", call.params[0])
        return record

    def _presign(self, record: FileRecord) -> str:
        settings = self._settings()
        token = secrets.token_urlsafe(18)
        now = time.monotonic()
        with self._store.lock:
            self._evict_grants(now, room_for=settings.max_presigned_urls - 1)
            expires = now + settings.presigned_url_seconds
            self._grants[token] = (record.id, expires)
            heapq.heappush(self._expiries, (expires, token))
        return f"{self._base_url()}{DOWNLOAD_PATH}/{token}?X-Amz-Expires=900"

    def _evict_grants(self, now: float, *, room_for: int) -> None:
        """Drop every expired grant (soonest to expire first, from a heap), then the
        oldest ones past ``room_for``."""
        grants, expiries = self._grants, self._expiries
        while expiries and expiries[0][0] <= now:
            expires, token = heapq.heappop(expiries)
            if grants.get(token, (None, None))[1] == expires:
                del grants[token]
        while len(grants) > room_for:
            del grants[next(iter(grants))]  # the oldest: dicts keep insertion order
        if len(expiries) > 2 * len(grants) + 64:  # entries of grants evicted above
            self._expiries = [(expires, token) for token, (_, expires) in grants.items()]
            heapq.heapify(self._expiries)

    @property
    def grant_count(self) -> int:
        """Presigned URLs currently held (expired ones not yet evicted included)."""
        return len(self._grants)

    # --- routes --------------------------------------------------------------------------

    async def upload(self, call: Call) -> web.StreamResponse:
        request = call.request
        convert = request.query.get("convertToPdf")
        if convert not in (None, "true", "false"):
            raise ValidationProblem(f"convertToPdf must be true or false, got {convert!r}")
        if not request.content_type.startswith("multipart/"):
            raise ValidationProblem("files/upload takes a multipart/form-data body")
        settings = self._settings()
        limit = settings.max_upload_bytes
        self._make_room(settings.max_uploads)
        content: IO[bytes] | None = None
        name: str | None = None
        size = 0
        password: str | None = None
        too_large = False
        try:
            reader = await _malformed_as_400(request.multipart())
            while True:
                part = await _malformed_as_400(reader.next())
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    raise ValidationProblem("nested multipart bodies are not accepted")
                _check_encoding(part)
                if part.name == "password":
                    raw = await _malformed_as_400(part.read(decode=False))
                    password = raw.decode("utf-8", "replace")
                    continue
                if part.name != "file":
                    await _malformed_as_400(part.release())
                    continue
                if content is not None:
                    raise ValidationProblem("give one multipart field named 'file', not several")
                name = checked_file_name(part.filename or "document")
                # Kept past this handler (it is the stored file): no context manager.
                content = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
                while chunk := await _malformed_as_400(part.read_chunk(READ_CHUNK)):
                    size += len(chunk)
                    if size > limit:
                        too_large = True
                        if size > limit + DRAIN_LIMIT:
                            raise ApiProblem(413, FILE_TOO_LARGE, _too_large(limit))
                        continue  # read the rest, keep nothing
                    content.write(chunk)
            if too_large:
                raise ApiProblem(413, FILE_TOO_LARGE, _too_large(limit))
            if content is None or name is None:
                raise ValidationProblem("file is required (a multipart field named 'file')")
        except BaseException:
            if content is not None:
                content.close()
            raise
        store = self._store
        with store.lock:
            if self._live_uploads() >= settings.max_uploads:  # filled up while reading
                content.close()
                raise _upload_limit(settings.max_uploads)
            now = store.now()
            file_type = "PDF" if convert == "true" else file_type_for(name)
            paged = file_type in ("PDF", "DOCX", "EXCEL")
            record = FileRecord(
                id=store.ids.new("file_"),
                workspace_id=call.workspace_id,
                name=name,
                type=file_type,
                size=size,
                content=content,
                created_us=now,
                pages=store.rng.randint(1, 30) if paged else 1,
                password=password,
                converted_to_pdf=convert == "true",
            )
            store.files[record.id] = record
        return web.Response(body=orjson.dumps(record.full(self._presign(record))), headers=_JSON)

    async def get_file(self, call: Call) -> web.StreamResponse:
        with self._store.lock:
            record = self._file(call)
        return web.Response(body=orjson.dumps(record.full(self._presign(record))), headers=_JSON)

    async def delete_file(self, call: Call) -> web.StreamResponse:
        with self._store.lock:
            record = self._file(call)
            record.deleted = True
            record.content.close()
        return web.Response(body=orjson.dumps({"id": record.id}), headers=_JSON)

    async def list_files(self, call: Call) -> web.StreamResponse:
        """Newest first (``sortDir=asc``: oldest first); ``nameContains`` is a
        case-insensitive substring match (an emulator choice, as for runs)."""
        query = call.request.query
        limit = page_size(query)
        _, descending = sort_order(query, with_sort_by=False)
        contains = (query.get("nameContains") or "").lower()
        token = query.get("nextPageToken")
        after: tuple[int, str] | None = None
        if token:
            stamp, last_id = decode_cursor(token, arity=2)
            if not isinstance(stamp, int) or not isinstance(last_id, str):
                raise ValidationProblem("nextPageToken is invalid")
            after = (stamp, last_id)

        def key(record: FileRecord) -> tuple[int, str]:
            return (record.created_us, record.id)

        with self._store.lock:
            mine = [
                r
                for r in self._store.files.values()
                if r.workspace_id == call.workspace_id
                and not r.deleted
                and contains in r.name.lower()
            ]
            ordered = sorted(mine, key=key, reverse=descending)
            if after is not None:
                ordered = [r for r in ordered if (key(r) < after if descending else key(r) > after)]
            page = ordered[:limit]
            items = [orjson.dumps(r.summary()) for r in page]
        next_token = encode_cursor(*key(page[-1])) if len(ordered) > limit else None
        return web.Response(body=render_list(items, next_token), headers=_JSON)

    async def download(self, request: web.Request) -> web.StreamResponse:
        """A presigned URL: no API key needed (nor wanted), 403 once expired."""
        token = request.match_info["token"]
        with self._store.lock:
            grant = self._grants.get(token)
            if grant is None or time.monotonic() >= grant[1]:
                self._grants.pop(token, None)
                return _storage_error(403, "AccessDenied", "Request has expired")
            record: FileRecord | None = self._store.files.get(grant[0])
            if record is None or record.deleted:
                return _storage_error(404, "NoSuchKey", "The specified key does not exist.")
            record.download_count += 1
            data = record.read()
        return web.Response(
            body=data,
            content_type="application/octet-stream",
            headers={"Content-Disposition": content_disposition(record.name)},
        )

    # --- the count bound ---------------------------------------------------------------

    def _live_uploads(self) -> int:
        return sum(1 for record in self._store.files.values() if not record.deleted)

    def _make_room(self, max_uploads: int) -> None:
        """Refuse an upload while ``max_uploads`` files are held; forget the oldest
        deleted files so that, with them, at most twice that many records are kept."""
        with self._store.lock:
            files = self._store.files
            if self._live_uploads() >= max_uploads:
                raise _upload_limit(max_uploads)
            excess = len(files) - (2 * max_uploads - 1)
            if excess > 0:
                gone = [id for id, record in files.items() if record.deleted][:excess]
                for id in gone:
                    del files[id]


def checked_file_name(name: str) -> str:
    """The uploaded file's name, refused (400) when it holds a control character (CR and
    LF would end a header; NUL ends a C string) or is not valid Unicode."""
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise ValidationProblem(
            "the file name must not contain control characters (such as CR, LF or NUL)"
        )
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationProblem("the file name is not valid Unicode") from None
    return name


def content_disposition(name: str) -> str:
    """``attachment`` with the name for any client (RFC 6266): an ASCII fallback with
    quotes, backslashes and anything unprintable replaced, and the exact name
    percent-encoded in ``filename*``. Never a character that could break the header."""
    fallback = "".join(char if " " <= char <= "~" and char not in '"\\' else "_" for char in name)
    exact = quote(name.encode("utf-8", "replace"), safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"


async def _malformed_as_400(step: Awaitable[T]) -> T:
    """Await one step of reading the multipart body; a malformed body is a 400."""
    try:
        return await step
    except _MALFORMED as exc:
        reason = str(exc)[:200] or type(exc).__name__
        raise ValidationProblem(f"the multipart body is malformed: {reason}") from None


def _check_encoding(part: BodyPartReader) -> None:
    encoding = part.headers.get("Content-Transfer-Encoding", "").strip().lower()
    if encoding not in _PLAIN_ENCODINGS:
        raise ValidationProblem(
            f"the multipart body is malformed: unsupported Content-Transfer-Encoding "
            f"{encoding[:40]!r} (send the bytes as they are)"
        )


def _upload_limit(max_uploads: int) -> ApiProblem:
    return ApiProblem(
        400,
        UPLOAD_LIMIT_REACHED,
        f"The emulator holds its maximum of {max_uploads} uploaded files; delete some, "
        "or raise max_uploads with configure()",
    )


def _too_large(limit: int) -> str:
    return f"File is larger than the upload limit of {limit} bytes"


def _storage_error(status: int, code: str, message: str) -> web.Response:
    # A storage host answers in its own format, not the API's envelope.
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return web.Response(status=status, text=body, content_type="application/xml")

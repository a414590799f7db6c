"""The files routes: upload (multipart, streamed), list, get, delete, and the presigned
download URL a stored file carries.

Uploads are read part by part and spooled to a temporary file past 1 MiB, so a large
upload does not sit in memory. A body over ``Settings.max_upload_bytes`` is answered
``413`` with the API's error envelope (after the rest of the body is read, so the client
sees the answer rather than a broken pipe). Download URLs are signed tokens that expire
after ``Settings.presigned_url_seconds``; they are served without the API key, faults
or rate limit, like a storage host.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from collections.abc import Callable
from typing import IO, Any

import orjson
from aiohttp import BodyPartReader, web

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
FILE_TOO_LARGE = "FILE_TOO_LARGE"
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


class FilesApi:
    """Handlers of ``/files`` and the download route; state lives in ``store.files``."""

    def __init__(self, store: Any, settings: Callable[[], Settings], base_url: Callable[[], str]):
        self._store = store
        self._settings = settings
        self._base_url = base_url
        self._grants: dict[str, tuple[str, float]] = {}  # token -> (file id, expiry)

    def routes(self) -> list[Route]:
        return [
            Route("file_upload", "POST", "/files/upload", self.upload),
            Route("file_list", "GET", "/files", self.list_files),
            Route("file_get", "GET", "/files/{}", self.get_file),
            Route("file_delete", "DELETE", "/files/{}", self.delete_file),
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
        token = secrets.token_urlsafe(18)
        expires = time.monotonic() + self._settings().presigned_url_seconds
        with self._store.lock:
            self._grants[token] = (record.id, expires)
        return f"{self._base_url()}{DOWNLOAD_PATH}/{token}?X-Amz-Expires=900"

    # --- routes --------------------------------------------------------------------------

    async def upload(self, call: Call) -> web.StreamResponse:
        request = call.request
        convert = request.query.get("convertToPdf")
        if convert not in (None, "true", "false"):
            raise ValidationProblem(f"convertToPdf must be true or false, got {convert!r}")
        if not request.content_type.startswith("multipart/"):
            raise ValidationProblem("files/upload takes a multipart/form-data body")
        limit = self._settings().max_upload_bytes
        reader = await request.multipart()
        content: IO[bytes] | None = None
        name: str | None = None
        size = 0
        password: str | None = None
        too_large = False
        try:
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    raise ValidationProblem("nested multipart bodies are not accepted")
                if part.name == "password":
                    password = (await part.read(decode=False)).decode("utf-8", "replace")
                    continue
                if part.name != "file":
                    await part.release()
                    continue
                if content is not None:
                    raise ValidationProblem("give one multipart field named 'file', not several")
                name = part.filename or "document"
                # Kept past this handler (it is the stored file): no context manager.
                content = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
                while chunk := await part.read_chunk(READ_CHUNK):
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
                return _storage_error(403, "AccessDenied", "Request has expired")
            record: FileRecord | None = self._store.files.get(grant[0])
            if record is None or record.deleted:
                return _storage_error(404, "NoSuchKey", "The specified key does not exist.")
            record.download_count += 1
            data = record.read()
        return web.Response(
            body=data,
            content_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{record.name}"'},
        )


def _too_large(limit: int) -> str:
    return f"File is larger than the upload limit of {limit} bytes"


def _storage_error(status: int, code: str, message: str) -> web.Response:
    # A storage host answers in its own format, not the API's envelope.
    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return web.Response(status=status, text=body, content_type="application/xml")

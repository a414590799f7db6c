"""``client.files``: upload, get, list, delete and download files stored in Extend."""

from __future__ import annotations

from functools import cached_property
from os import PathLike
from typing import IO, Any

from yarl import URL

from .._download import (
    FileObjectSink,
    PartFile,
    Sink,
    check_dest,
    check_max_bytes,
)
from .._errors import ExtendError, InvalidInputError, NotFoundError
from .._options import Timeout
from .._pagination import AsyncPager
from .._paths import path
from .._raw import with_raw
from .._request_options import CallOptions, RequestOptions, Unpack, resolve_options
from .._upload import UploadBody, UploadSource
from ..types import DeletedFile, File, FileSummary, Page
from ._base import SORT_DIR, AsyncAPIResource, SortDir, check_choice, check_page_size
from ._lost_attempts import landed_earlier

__all__ = ["AsyncFiles", "AsyncFilesWithRawResponse"]

# Moving a large file takes as long as it takes: no limit on the whole attempt, but
# connecting and each read stay bounded, so a stalled transfer still ends.
TRANSFER_TIMEOUT = Timeout(total=None, connect=10.0, read=120.0)
_DOWNLOAD_HEADERS = {"Accept-Encoding": "identity"}


class AsyncFiles(AsyncAPIResource):
    """Files stored in Extend (``file_…``): classify runs can take one by id."""

    async def upload(
        self,
        file: UploadSource,
        *,
        name: str | None = None,
        password: str | None = None,
        convert_to_pdf: bool | None = None,
        **options: Unpack[RequestOptions],
    ) -> File:
        """Upload a file (``POST /files/upload``, multipart) and return it.

        ``file`` is a path (``str`` or ``Path``), ``bytes``, a binary file object or an
        async iterator of ``bytes``. A path is streamed from disk in chunks, never read
        whole. ``name`` defaults to the path's (or file object's) name, else
        ``"document"``. ``password`` unlocks a protected PDF; ``convert_to_pdf=True``
        asks Extend to convert an image or office document to PDF.

        Retries: an upload, like every create, is retried only when it surely was not
        acted on (the connection could not be made, or a 429). A path, bytes or a
        seekable file are then sent again whole; a non-seekable file or an async
        iterator is never sent again once a byte of it was read. The default timeout has
        no overall limit (connect 10 s, 120 s between reads).
        """
        body = UploadBody(file, name=name, password=password)
        if convert_to_pdf is not None and not isinstance(convert_to_pdf, bool):
            raise InvalidInputError("convert_to_pdf must be a bool")
        return await self._requester.request(
            "POST", "/files/upload", params={"convertToPdf": convert_to_pdf}, form=body,
            cast_to=File, idempotent=False, default_timeout=TRANSFER_TIMEOUT, options=options,
        )  # fmt: skip

    async def get(
        self,
        id: str,
        **options: Unpack[RequestOptions],
    ) -> File:
        """Fetch a file by id; its ``presigned_url`` downloads it for 15 minutes."""
        return await self._requester.request(
            "GET", path("/files/{}", id), cast_to=File, options=options,
        )  # fmt: skip

    def list(
        self,
        *,
        name_contains: str | None = None,
        sort_dir: SortDir | None = None,
        max_page_size: int | None = None,
        next_page_token: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[FileSummary]:
        """List files (newest first unless ``sort_dir="asc"``).

        ``await`` the result for the first page, ``async for`` it for every file across
        pages. Nothing is sent until then.
        """
        params: dict[str, Any] = {
            "nameContains": name_contains,
            "sortDir": check_choice(sort_dir, name="sort_dir", allowed=SORT_DIR),
            "maxPageSize": check_page_size(max_page_size),
        }
        return self._pager(
            "/files", Page[FileSummary], params,
            start_token=next_page_token, options=options,
        )  # fmt: skip

    async def delete(
        self,
        id: str,
        **options: Unpack[RequestOptions],
    ) -> DeletedFile:
        """Delete a file, permanently. A 404 on a retry after an attempt that may have
        landed (its answer lost, or a 5xx) means that attempt deleted it: success."""
        try:
            return await self._requester.request(
                "DELETE", path("/files/{}", id), cast_to=DeletedFile,
                options=options,
            )  # fmt: skip
        except NotFoundError as missing:
            if not landed_earlier(missing):
                raise
            return DeletedFile(id=id)

    async def download(
        self,
        id: str,
        dest: str | PathLike[str] | IO[bytes],
        *,
        max_bytes: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> int:
        """Write a file's bytes to ``dest`` (a path, or a binary file object); returns the
        number of bytes written.

        The file is fetched for a fresh presigned URL, then its bytes come from that URL:
        that request carries none of the client's headers (not the API key), since the
        URL's own signature is its authorization. The bytes are saved exactly as stored
        (never decompressed, even when served with ``Content-Encoding: gzip``) and checked
        against the ``Content-Length`` the storage host declares. Past ``max_bytes``
        (default 2 GiB) the transfer stops with ``ResponseTooLargeError``.

        A path is checked before anything is sent (an ``InvalidInputError`` for a folder,
        an empty path, a missing or unwritable parent folder). The bytes go to a new
        temporary file in the same folder (never a file or link that was already there),
        which replaces ``dest`` in one step once complete, keeping the permissions of the
        file it replaces (a symlink at ``dest`` is replaced, its target left alone). A
        failed or cancelled download leaves ``dest`` as it was and nothing else behind;
        one that raised ``CancelledError`` never wrote ``dest``. A failure to write
        locally is a ``LocalFileError``. The download itself is one attempt
        (``max_retries`` and the extras apply to the API request that fetches the file;
        ``timeout`` to both requests).
        """
        limit = check_max_bytes(max_bytes)
        part: PartFile | None = None
        sink: Sink
        if isinstance(dest, str | PathLike):
            sink = part = PartFile(check_dest(dest))
        elif hasattr(dest, "write"):
            sink = FileObjectSink(dest)
        else:
            raise InvalidInputError("dest must be a path or a binary file object")
        resolved = resolve_options(options)
        file = await self._requester.request(
            "GET", path("/files/{}", id), cast_to=File, options=resolved
        )
        if not file.presigned_url:
            raise ExtendError(f"file {id} came without a presigned URL to download it from")
        url = URL(file.presigned_url, encoded=True)
        if url.scheme not in ("http", "https") or not url.host:
            raise ExtendError(f"file {id} came with a presigned URL that is not http(s)")
        if part is None:
            return await self._fetch(url, sink, resolved, limit)
        try:
            written = await self._fetch(url, part, resolved, limit)
            await part.flush()
            part.commit()  # not awaited: from here on, nothing can cancel the download
        except BaseException:
            part.discard()
            raise
        return written

    async def _fetch(self, url: URL, sink: Sink, options: CallOptions, limit: int) -> int:
        requester = self._requester
        request = requester.build_external(
            url,
            # What messages, logs and hooks name: the path, never the signed query string.
            path=f"presigned download {url.path}",
            # None of ours (the key must not reach the storage host); the stored bytes,
            # as stored: a compressed object stays compressed.
            headers=_DOWNLOAD_HEADERS,
            options=options,
            default_timeout=TRANSFER_TIMEOUT,
            one_attempt=True,  # a half-written download is not sent again
            max_response_bytes=limit,
            raw_body=True,
        )
        answer = await requester.send(request, idempotent=True, sink=sink)
        return answer.size

    @cached_property
    def with_raw_response(self) -> AsyncFilesWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return AsyncFilesWithRawResponse(self)


class AsyncFilesWithRawResponse:
    def __init__(self, files: AsyncFiles) -> None:
        self.upload = with_raw(files.upload)
        self.get = with_raw(files.get)
        self.delete = with_raw(files.delete)

"""Files stored in Extend: what ``client.files`` answers (``File_`` and its parts)."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from ._base import Model
from ._enums import FileType
from .files import FileMetadata

__all__ = [
    "DeletedFile",
    "File",
    "FileContents",
    "FileContentsPage",
    "FileContentsSection",
    "FileContentsSheet",
]


@frozen(kw_only=True)
class FileContentsPage(Model):
    page_number: int
    page_height: float | None = None
    page_width: float | None = None
    markdown: str | None = None
    html: str | None = None


@frozen(kw_only=True)
class FileContentsSection(Model):
    start_page_number: int
    end_page_number: int
    markdown: str


@frozen(kw_only=True)
class FileContentsSheet(Model):
    sheet_name: str
    raw_text: str | None = None


@frozen(kw_only=True)
class FileContents(Model):
    """Parsed contents; only present when asked for on the deprecated retrieve options."""

    raw_text: str | None = None
    pages: tuple[FileContentsPage, ...] | None = None
    sections: tuple[FileContentsSection, ...] | None = None
    sheets: tuple[FileContentsSheet, ...] | None = None


@frozen(kw_only=True)
class File(Model):
    """A file stored in Extend (``file_…``), as upload and get answer it.

    ``presigned_url`` downloads the file's bytes for 15 minutes after the answer; it is
    ``None`` when the API gives none. ``client.files.download`` uses it.
    """

    id: str
    name: str
    metadata: FileMetadata
    created_at: datetime
    updated_at: datetime
    object: str = "file"
    type: FileType | str | None = None
    presigned_url: str | None = None
    parent_file_id: str | None = None
    contents: FileContents | None = None


@frozen(kw_only=True)
class DeletedFile(Model):
    """The body of a successful delete."""

    id: str

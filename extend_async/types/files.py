"""Files: how a request names its input, and the ``FileSummary`` a run reports."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from ._enums import FileType

__all__ = [
    "FileFromId",
    "FileFromText",
    "FileFromUrl",
    "FileInput",
    "FileMetadata",
    "FileSettings",
    "FileSummary",
    "ParentSplit",
]


@frozen(kw_only=True)
class FileSettings:
    password: str | None = None


@frozen(kw_only=True)
class FileFromUrl:
    """A file Extend downloads from ``url`` (a presigned URL, for instance)."""

    url: str
    name: str | None = None
    settings: FileSettings | None = None


@frozen(kw_only=True)
class FileFromId:
    """A file already uploaded to Extend (``file_…``)."""

    id: str


@frozen(kw_only=True)
class FileFromText:
    """Raw text; Extend stores it as a ``.txt`` file."""

    text: str
    name: str | None = None


FileInput = FileFromUrl | FileFromId | FileFromText


@frozen(kw_only=True)
class ParentSplit:
    id: str | None = None
    type: str | None = None
    identifier: str | None = None
    start_page: int | None = None
    end_page: int | None = None


@frozen(kw_only=True)
class FileMetadata:
    page_count: int | None = None
    parent_split: ParentSplit | None = None


@frozen(kw_only=True)
class FileSummary:
    id: str
    name: str | None = None
    created_at: datetime
    updated_at: datetime
    object: str = "file"
    type: FileType | str | None = None
    parent_file_id: str | None = None
    metadata: FileMetadata | None = None

"""Files: how a request names its input, and the ``FileSummary`` a run reports."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from ._base import Model
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
class ParentSplit(Model):
    """The split of a parent file this file was cut from."""

    id: str
    type: str
    identifier: str
    start_page: int
    end_page: int


@frozen(kw_only=True)
class FileMetadata(Model):
    page_count: int | None = None
    parent_split: ParentSplit | None = None


@frozen(kw_only=True)
class FileSummary(Model):
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    metadata: FileMetadata
    object: str = "file"
    type: FileType | str | None = None
    parent_file_id: str | None = None

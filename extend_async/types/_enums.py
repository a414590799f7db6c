"""Enumerations the API documents.

Every one of them is *open*: the converter turns a known wire value into the member and
keeps an unknown one as a plain ``str`` (the API promises new values, e.g. new failure
reasons). Fields typed with these enums are therefore annotated ``Enum | str``. The members
are the values the API's schema lists (``tests/schema`` checks them against it); only
``FailureReason`` comes from the reference pages, the schema types that field as a string.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "BaseProcessor",
    "ChunkingType",
    "ClassifyContext",
    "EnrichmentFormat",
    "ExcelParsingMode",
    "FailureReason",
    "FileType",
    "ImageConversionQuality",
    "ParseEngine",
    "ParseTarget",
    "RunSource",
    "RunStatus",
    "TableTargetFormat",
    "UsageRunType",
    "UsageUnit",
]


class _StrEnum(str, Enum):
    """A ``str`` subclass, so members compare equal to their wire values."""

    def __str__(self) -> str:
        return str(self.value)


class RunStatus(_StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    PROCESSED = "PROCESSED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset({RunStatus.PROCESSED, RunStatus.FAILED, RunStatus.CANCELLED})


class FailureReason(_StrEnum):
    ABORTED = "ABORTED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    FAILED_TO_PROCESS_FILE = "FAILED_TO_PROCESS_FILE"
    INVALID_PROCESSOR = "INVALID_PROCESSOR"
    INVALID_CONFIGURATION = "INVALID_CONFIGURATION"
    PARSING_ERROR = "PARSING_ERROR"
    PRE_PROCESSING_FAILURE = "PRE_PROCESSING_FAILURE"
    POST_PROCESSING_FAILURE = "POST_PROCESSING_FAILURE"
    OUT_OF_CREDITS = "OUT_OF_CREDITS"


class FileType(_StrEnum):
    PDF = "PDF"
    CSV = "CSV"
    IMG = "IMG"
    TXT = "TXT"
    DOCX = "DOCX"
    EXCEL = "EXCEL"
    XML = "XML"
    HTML = "HTML"


class BaseProcessor(_StrEnum):
    CLASSIFICATION_STANDARD = "classification_standard"
    CLASSIFICATION_PERFORMANCE = "classification_performance"
    CLASSIFICATION_LIGHT = "classification_light"


class RunSource(_StrEnum):
    ADMIN = "ADMIN"
    BATCH_PROCESSOR_RUN = "BATCH_PROCESSOR_RUN"
    PLAYGROUND = "PLAYGROUND"
    WORKFLOW_CONFIGURATION = "WORKFLOW_CONFIGURATION"
    WORKFLOW_RUN = "WORKFLOW_RUN"
    STUDIO = "STUDIO"
    API = "API"


class ClassifyContext(_StrEnum):
    """``advancedOptions.context``: how much of the document the classifier reads."""

    DEFAULT = "default"
    MAX = "max"


class ParseTarget(_StrEnum):
    MARKDOWN = "markdown"
    SPATIAL = "spatial"


class ParseEngine(_StrEnum):
    PARSE_PERFORMANCE = "parse_performance"
    PARSE_LIGHT = "parse_light"
    PARSE_AUTO = "parse_auto"


class ChunkingType(_StrEnum):
    PAGE = "page"
    DOCUMENT = "document"
    SECTION = "section"


class ExcelParsingMode(_StrEnum):
    BASIC = "basic"
    ADVANCED = "advanced"


class EnrichmentFormat(_StrEnum):
    XML = "xml"
    BRACKET = "bracket"


class ImageConversionQuality(_StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class TableTargetFormat(_StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"


class UsageRunType(_StrEnum):
    """The kind of run a usage breakdown entry charges for (its ``object``)."""

    EXTRACT_RUN = "extract_run"
    CLASSIFY_RUN = "classify_run"
    SPLIT_RUN = "split_run"
    PARSE_RUN = "parse_run"
    EDIT_RUN = "edit_run"
    FORM_DETECTION_RUN = "form_detection_run"


class UsageUnit(_StrEnum):
    """What a usage charge counts (its ``unit``)."""

    PAGE = "page"
    CELL = "cell"
    USD = "usd"

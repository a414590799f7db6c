"""Response models and request inputs, as frozen attrs classes with snake_case attributes.

The classify surface is written by hand (the modules beside this one); every other type of
the API is generated from its schema into ``_generated/`` (``scripts/generate_models.py``)
and imported on first use: ``from extend_async.types import ExtractRun`` loads the extract
group's module then, and ``import extend_async`` loads none of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._base import Model
from ._enums import (
    BaseProcessor,
    ChunkingType,
    ClassifyContext,
    EnrichmentFormat,
    ExcelParsingMode,
    FailureReason,
    FileType,
    ImageConversionQuality,
    ParseEngine,
    ParseTarget,
    RunSource,
    RunStatus,
    TableTargetFormat,
    UsageRunType,
    UsageUnit,
)
from .batch import BatchInput, BatchRun
from .classifiers import (
    Classifier,
    ClassifierRef,
    ClassifierSummary,
    ClassifierVersion,
    ClassifierVersionSummary,
    CreatedBy,
    ReleaseType,
)
from .classify_runs import (
    ClassifyOutput,
    ClassifyRun,
    ClassifyRunSummary,
    DeletedClassifyRun,
    Insight,
)
from .config import (
    AgenticOptions,
    BarcodeBlockOptions,
    BlockOptions,
    ChunkingStrategy,
    ChunkingStrategyOptions,
    Classification,
    ClassifyAdvancedOptions,
    ClassifyConfig,
    ClassifyOverrideConfig,
    FigureBlockOptions,
    FormattingDetection,
    FormulaBlockOptions,
    KeyValueBlockOptions,
    PageRange,
    ParseAdvancedOptions,
    ParseConfig,
    ReturnOcr,
    TableBlockOptions,
    TextBlockOptions,
)
from .files import (
    FileFromId,
    FileFromText,
    FileFromUrl,
    FileInput,
    FileMetadata,
    FileSettings,
    FileSummary,
    ParentSplit,
)
from .pagination import Page
from .params import (
    BatchInputDict,
    ClassificationDict,
    ClassifierRefDict,
    ClassifyConfigDict,
    ClassifyOverrideConfigDict,
    FileFromIdDict,
    FileFromTextDict,
    FileFromUrlDict,
    FileInputDict,
    FileSettingsDict,
)
from .stored_files import (
    DeletedFile,
    File,
    FileContents,
    FileContentsPage,
    FileContentsSection,
    FileContentsSheet,
)
from .usage import RunUsage, RunUsageSummary, UsageBreakdownItem, UsageCharge
from .webhooks import (
    BatchRunEvent,
    ClassifierEvent,
    ClassifierVersionEvent,
    ClassifyRunEvent,
    GenericEvent,
    SignedDataUrl,
    SignedUrlEvent,
    WebhookEventType,
)

if TYPE_CHECKING:
    from ._generated import *  # noqa: F403  (the generated models, for type checkers)

from ._generated import MODULE_OF as _GENERATED

__all__ = [
    "AgenticOptions",
    "BarcodeBlockOptions",
    "BaseProcessor",
    "BatchInput",
    "BatchInputDict",
    "BatchRun",
    "BatchRunEvent",
    "BlockOptions",
    "ChunkingStrategy",
    "ChunkingStrategyOptions",
    "ChunkingType",
    "Classification",
    "ClassificationDict",
    "Classifier",
    "ClassifierEvent",
    "ClassifierRef",
    "ClassifierRefDict",
    "ClassifierSummary",
    "ClassifierVersion",
    "ClassifierVersionEvent",
    "ClassifierVersionSummary",
    "ClassifyAdvancedOptions",
    "ClassifyConfig",
    "ClassifyConfigDict",
    "ClassifyContext",
    "ClassifyOutput",
    "ClassifyOverrideConfig",
    "ClassifyOverrideConfigDict",
    "ClassifyRun",
    "ClassifyRunEvent",
    "ClassifyRunSummary",
    "CreatedBy",
    "DeletedClassifyRun",
    "DeletedFile",
    "EnrichmentFormat",
    "ExcelParsingMode",
    "FailureReason",
    "FigureBlockOptions",
    "File",
    "FileContents",
    "FileContentsPage",
    "FileContentsSection",
    "FileContentsSheet",
    "FileFromId",
    "FileFromIdDict",
    "FileFromText",
    "FileFromTextDict",
    "FileFromUrl",
    "FileFromUrlDict",
    "FileInput",
    "FileInputDict",
    "FileMetadata",
    "FileSettings",
    "FileSettingsDict",
    "FileSummary",
    "FileType",
    "FormattingDetection",
    "FormulaBlockOptions",
    "GenericEvent",
    "ImageConversionQuality",
    "Insight",
    "KeyValueBlockOptions",
    "Model",
    "Page",
    "PageRange",
    "ParentSplit",
    "ParseAdvancedOptions",
    "ParseConfig",
    "ParseEngine",
    "ParseTarget",
    "ReleaseType",
    "ReturnOcr",
    "RunSource",
    "RunStatus",
    "RunUsage",
    "RunUsageSummary",
    "SignedDataUrl",
    "SignedUrlEvent",
    "TableBlockOptions",
    "TableTargetFormat",
    "TextBlockOptions",
    "UsageBreakdownItem",
    "UsageCharge",
    "UsageRunType",
    "UsageUnit",
    "WebhookEventType",
    *_GENERATED,
]


def __getattr__(name: str) -> Any:
    """A generated model, imported with its group's module on first use."""
    module = _GENERATED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}._generated.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_GENERATED})

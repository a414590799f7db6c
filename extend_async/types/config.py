"""``ClassifyConfig`` and everything nested in it.

Every field but ``classifications`` is optional, so the same classes describe a full
config (in responses), an inline config and a partial ``overrideConfig`` (in requests).
Fields left ``None`` are not sent. Every class is a ``Model``: keys this SDK does not name
yet are kept in ``extra_fields`` and sent back with the config.
"""

from __future__ import annotations

from attrs import frozen

from ._base import Model
from ._enums import (
    BaseProcessor,
    ChunkingType,
    ClassifyContext,
    EnrichmentFormat,
    ExcelParsingMode,
    ImageConversionQuality,
    ParseEngine,
    ParseTarget,
    TableTargetFormat,
)

__all__ = [
    "AgenticOptions",
    "BarcodeBlockOptions",
    "BlockOptions",
    "ChunkingStrategy",
    "ChunkingStrategyOptions",
    "Classification",
    "ClassifyAdvancedOptions",
    "ClassifyConfig",
    "ClassifyOverrideConfig",
    "FigureBlockOptions",
    "FormattingDetection",
    "FormulaBlockOptions",
    "KeyValueBlockOptions",
    "PageRange",
    "ParseAdvancedOptions",
    "ParseConfig",
    "ReturnOcr",
    "TableBlockOptions",
    "TextBlockOptions",
]


@frozen(kw_only=True)
class Classification(Model):
    id: str
    type: str
    description: str


@frozen(kw_only=True)
class PageRange(Model):
    start: int
    end: int


@frozen(kw_only=True)
class ClassifyAdvancedOptions(Model):
    context: ClassifyContext | str | None = None
    advanced_multimodal_enabled: bool | None = None
    memory_enabled: bool | None = None
    page_ranges: tuple[PageRange, ...] | None = None


@frozen(kw_only=True)
class ChunkingStrategyOptions(Model):
    min_characters: int | None = None
    max_characters: int | None = None


@frozen(kw_only=True)
class ChunkingStrategy(Model):
    type: ChunkingType | str | None = None
    options: ChunkingStrategyOptions | None = None


@frozen(kw_only=True)
class AgenticOptions(Model):
    enabled: bool | None = None
    custom_instructions: str | None = None


@frozen(kw_only=True)
class FigureBlockOptions(Model):
    enabled: bool | None = None
    figure_image_clipping_enabled: bool | None = None
    advanced_chart_extraction_enabled: bool | None = None
    custom_instructions: str | None = None


@frozen(kw_only=True)
class TableBlockOptions(Model):
    enabled: bool | None = None
    target_format: TableTargetFormat | str | None = None
    table_header_continuation_enabled: bool | None = None
    cell_blocks_enabled: bool | None = None
    agentic: AgenticOptions | None = None


@frozen(kw_only=True)
class TextBlockOptions(Model):
    signature_detection_enabled: bool | None = None
    agentic: AgenticOptions | None = None


@frozen(kw_only=True)
class KeyValueBlockOptions(Model):
    blank_field_formatting_enabled: bool | None = None


@frozen(kw_only=True)
class BarcodeBlockOptions(Model):
    image_clipping_enabled: bool | None = None
    reading_enabled: bool | None = None


@frozen(kw_only=True)
class FormulaBlockOptions(Model):
    enabled: bool | None = None


@frozen(kw_only=True)
class BlockOptions(Model):
    figures: FigureBlockOptions | None = None
    tables: TableBlockOptions | None = None
    text: TextBlockOptions | None = None
    key_value: KeyValueBlockOptions | None = None
    barcodes: BarcodeBlockOptions | None = None
    formulas: FormulaBlockOptions | None = None


@frozen(kw_only=True)
class ReturnOcr(Model):
    words: bool | None = None
    lines: bool | None = None


@frozen(kw_only=True)
class FormattingDetection(Model):
    type: str


@frozen(kw_only=True)
class ParseAdvancedOptions(Model):
    page_rotation_enabled: bool | None = None
    page_ranges: tuple[PageRange, ...] | None = None
    excel_parsing_mode: ExcelParsingMode | str | None = None
    excel_skip_hidden_content: bool | None = None
    excel_use_raw_cell_values: bool | None = None
    excel_skip_calculation: bool | None = None
    excel_include_cell_metadata: bool | None = None
    excel_include_cell_formatting: bool | None = None
    vertical_grouping_threshold: float | None = None
    return_ocr: ReturnOcr | None = None
    always_convert_to_pdf: bool | None = None
    enrichment_format: EnrichmentFormat | str | None = None
    image_conversion_quality: ImageConversionQuality | str | None = None
    formatting_detection: tuple[FormattingDetection, ...] | None = None


@frozen(kw_only=True)
class ParseConfig(Model):
    target: ParseTarget | str | None = None
    chunking_strategy: ChunkingStrategy | None = None
    engine: ParseEngine | str | None = None
    engine_version: str | None = None
    block_options: BlockOptions | None = None
    advanced_options: ParseAdvancedOptions | None = None


@frozen(kw_only=True)
class ClassifyConfig(Model):
    classifications: tuple[Classification, ...]
    base_processor: BaseProcessor | str | None = None
    base_version: str | None = None
    classification_rules: str | None = None
    advanced_options: ClassifyAdvancedOptions | None = None
    parse_config: ParseConfig | None = None


@frozen(kw_only=True)
class ClassifyOverrideConfig(Model):
    """A partial ``ClassifyConfig``: only the fields given override the classifier's."""

    classifications: tuple[Classification, ...] | None = None
    base_processor: BaseProcessor | str | None = None
    base_version: str | None = None
    classification_rules: str | None = None
    advanced_options: ClassifyAdvancedOptions | None = None
    parse_config: ParseConfig | None = None

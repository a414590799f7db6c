"""Realistic sample data: the configuration, files and outputs seeded runs carry.

Shapes follow the reference ``ClassifyRun`` page (classifications, advancedOptions and a
full parseConfig), so a run answered by the emulator weighs what a real one does (~3.5 KB).
"""

from __future__ import annotations

import zlib
from typing import Any

from ._outputs import classify_output

__all__ = [
    "DOCUMENT_KINDS",
    "FAILURE_MESSAGES",
    "default_classify_config",
    "file_type_for",
    "sample_file_name",
    "sample_output",
    "stable_number",
]

# (classification id, description); the id doubles as the stem of seeded file names.
DOCUMENT_KINDS: tuple[tuple[str, str], ...] = (
    (
        "invoice",
        "A bill from a vendor requesting payment for goods or services, listing line "
        "items, taxes and a total amount due.",
    ),
    (
        "receipt",
        "Proof of a completed payment, usually issued at the point of sale, showing the "
        "merchant, items and amount paid.",
    ),
    (
        "purchase_order",
        "A buyer-issued document authorising a purchase, with items, quantities, agreed "
        "prices and delivery terms.",
    ),
    (
        "bank_statement",
        "A periodic summary of the transactions and balances of one bank account.",
    ),
    ("other", "Any document that does not match one of the types above."),
)

FAILURE_MESSAGES: dict[str, str] = {
    "ABORTED": "The run was aborted by the user.",
    "INTERNAL_ERROR": "An unexpected error occurred while classifying the document.",
    "FAILED_TO_PROCESS_FILE": "The file could not be downloaded or opened.",
    "INVALID_PROCESSOR": "The classifier configuration is invalid.",
    "INVALID_CONFIGURATION": "The configuration is incompatible with the selected model.",
    "PARSING_ERROR": "The classification output could not be parsed.",
    "PRE_PROCESSING_FAILURE": "An error occurred while preparing the document.",
    "POST_PROCESSING_FAILURE": "An error occurred while finalising the output.",
    "OUT_OF_CREDITS": "The organization has run out of credits.",
}

_FILE_TYPES = {
    "pdf": "PDF",
    "csv": "CSV",
    "png": "IMG",
    "jpg": "IMG",
    "jpeg": "IMG",
    "gif": "IMG",
    "tif": "IMG",
    "tiff": "IMG",
    "webp": "IMG",
    "txt": "TXT",
    "doc": "DOCX",
    "docx": "DOCX",
    "xls": "EXCEL",
    "xlsx": "EXCEL",
    "xml": "XML",
    "htm": "HTML",
    "html": "HTML",
}


def file_type_for(name: str) -> str | None:
    """The API's ``FileSummary.type`` for a file name, ``None`` when unknown."""
    _, dot, extension = name.rpartition(".")
    return _FILE_TYPES.get(extension.lower()) if dot else None


def sample_file_name(index: int) -> str:
    kind = DOCUMENT_KINDS[index % len(DOCUMENT_KINDS)][0]
    return f"{kind}_{index:05d}.pdf"


def default_classify_config() -> dict[str, Any]:
    """A fresh copy of the configuration runs and classifiers get when none is given."""
    page_ranges = [{"start": 1, "end": 10}, {"start": 20, "end": 30}]
    return {
        "baseProcessor": "classification_performance",
        "baseVersion": "3.2.0",
        "classifications": [
            {"id": kind, "type": kind, "description": description}
            for kind, description in DOCUMENT_KINDS
        ],
        "classificationRules": (
            "When a document could be an invoice or a purchase order, look at who issued "
            "it and whether it requests payment: vendors issue invoices, buyers issue "
            "purchase orders."
        ),
        "advancedOptions": {
            "context": "default",
            "advancedMultimodalEnabled": True,
            "memoryEnabled": False,
            "pageRanges": page_ranges,
        },
        "parseConfig": {
            "target": "markdown",
            "chunkingStrategy": {
                "type": "page",
                "options": {"minCharacters": 500, "maxCharacters": 10000},
            },
            "engine": "parse_performance",
            "engineVersion": "latest",
            "blockOptions": {
                "figures": {
                    "enabled": True,
                    "figureImageClippingEnabled": True,
                    "advancedChartExtractionEnabled": False,
                },
                "tables": {
                    "enabled": True,
                    "targetFormat": "html",
                    "tableHeaderContinuationEnabled": False,
                    "cellBlocksEnabled": False,
                    "agentic": {
                        "enabled": False,
                        "customInstructions": "Keep merged header cells together.",
                    },
                },
                "text": {
                    "signatureDetectionEnabled": False,
                    "agentic": {
                        "enabled": False,
                        "customInstructions": "Preserve the reading order of columns.",
                    },
                },
                "keyValue": {"blankFieldFormattingEnabled": False},
                "barcodes": {"imageClippingEnabled": False, "readingEnabled": False},
                "formulas": {"enabled": False},
            },
            "advancedOptions": {
                "pageRotationEnabled": True,
                "pageRanges": page_ranges,
                "excelParsingMode": "basic",
                "excelSkipHiddenContent": False,
                "excelUseRawCellValues": False,
                "excelSkipCalculation": True,
                "verticalGroupingThreshold": 1,
                "returnOcr": {"words": False},
                "alwaysConvertToPdf": False,
                "enrichmentFormat": "xml",
                "imageConversionQuality": "medium",
                "formattingDetection": [{"type": "change_tracking"}],
            },
        },
    }


def stable_number(key: str) -> int:
    """A number that depends on ``key`` alone: the same in every process and every run of
    the emulator, whatever its seed (unlike ``hash``, which is salted per process)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass"))


def sample_output(config: dict[str, Any], file_name: str, text: str = "") -> dict[str, Any]:
    """A ``ClassifyOutput`` that echoes one of ``config``'s classifications.

    A file with text (inline ``text``, or an uploaded text file) gets the classification
    whose type and description words best match it, with a confidence from the share of
    those words found. Otherwise the classification whose id appears in the file name wins,
    so seeded ``invoice_00001.pdf`` is classified as an invoice, or one chosen by the name
    alone. Either way the same file and configuration always give the same output.
    """
    classifications = config.get("classifications") or [
        {"id": "other", "type": "other", "description": ""}
    ]
    if text.strip():
        output = classify_output(classifications, text)
        output["insights"] = [
            {
                "type": "reasoning",
                "content": f"The words of {file_name} best match {output['type']}.",
            }
        ]
        return output
    lowered = file_name.lower()
    chosen = (
        next(
            (c for c in classifications if str(c.get("id", "")).lower() in lowered),
            None,
        )
        or classifications[stable_number(file_name) % len(classifications)]
    )
    label = str(chosen.get("type", chosen.get("id", "other")))
    return {
        "id": chosen.get("id"),
        "type": chosen.get("type"),
        "confidence": round(0.8 + stable_number(f"confidence:{file_name}") % 20 / 100, 2),
        "insights": [
            {
                "type": "reasoning",
                "content": (
                    f"The layout, headings and key fields of {file_name} match the "
                    f"description of {label.replace('_', ' ')}."
                ),
            }
        ],
    }

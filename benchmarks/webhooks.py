"""Cost of receiving one webhook: verify the signature, parse a full ClassifyRun event.

``run(n)`` returns microseconds per operation (best of three rounds of ``n``), for
``verify`` alone, ``parse`` alone and ``verify_and_parse``. ``python -m
benchmarks.webhooks`` prints them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

from extend_async import webhooks

SECRET = "wss_benchmark_secret_0123456789"

_TS = "2026-03-01T12:00:00Z"
_CLASSIFICATIONS = [
    {"id": "invoice", "type": "invoice", "description": "An invoice with line items"},
    {"id": "receipt", "type": "receipt", "description": "A point-of-sale receipt"},
    {"id": "other", "type": "other", "description": "Anything else"},
]
# A PROCESSED run with every field filled, as the webhook delivers it (about 2.5 KB).
CLASSIFY_RUN: dict[str, Any] = {
    "object": "classify_run",
    "id": "clr_Xj8mK2pL9nR4vT7qY5wZ",
    "status": "PROCESSED",
    "output": {
        "id": "invoice",
        "type": "invoice",
        "confidence": 0.97,
        "insights": [{"type": "reasoning", "content": 'Titled "Freight Invoice", line items.'}],
    },
    "classifier": {
        "object": "classifier",
        "id": "cl_Xj8mK2pL9nR4vT7qY5wZ",
        "name": "Document Type Classifier",
        "createdAt": _TS,
        "updatedAt": _TS,
    },
    "classifierVersion": {
        "object": "classifier_version",
        "id": "clv_xK9mLPqRtN3vS8wF5hB2cQ",
        "description": "Q1 document types",
        "version": "1.0",
        "classifierId": "cl_Xj8mK2pL9nR4vT7qY5wZ",
        "createdAt": _TS,
        "createdBy": {"type": "api_key", "name": "production"},
    },
    "initialOutput": None,
    "reviewedOutput": None,
    "failureReason": None,
    "failureMessage": None,
    "metadata": {"customerId": "abc", "extend:usage_tags": ["prod"]},
    "reviewed": False,
    "edited": False,
    "config": {
        "baseProcessor": "classification_standard",
        "baseVersion": "3.2.0",
        "classifications": _CLASSIFICATIONS,
        "classificationRules": "Prefer invoice when both apply.",
        "advancedOptions": {"context": "default", "pageRanges": [{"start": 1, "end": 3}]},
        "parseConfig": {"target": "markdown", "engine": "parse_performance"},
    },
    "file": {
        "object": "file",
        "id": "file_xK9mLPqRtN3vS8wF5hB2cQ",
        "name": "freight_invoice.pdf",
        "type": "PDF",
        "parentFileId": None,
        "metadata": {"pageCount": 2},
        "createdAt": _TS,
        "updatedAt": _TS,
    },
    "parseRunId": "pr_3UZSj69pYZDKHFuuX57ic",
    "dashboardUrl": "https://dashboard.extend.ai/runs/clr_Xj8mK2pL9nR4vT7qY5wZ",
    "usage": {
        "credits": 9,
        "totalCredits": 9,
        "breakdown": [
            {
                "object": "classify_run",
                "id": "clr_Xj8mK2pL9nR4vT7qY5wZ",
                "credits": 9,
                "charges": [{"product": "classify", "unit": "page", "quantity": 2, "credits": 9}],
            }
        ],
    },
    "createdAt": _TS,
    "updatedAt": "2026-03-01T12:00:07Z",
}


def delivery() -> tuple[bytes, dict[str, str]]:
    """A signed ``classify_run.processed`` delivery: body and headers."""
    body = orjson.dumps(
        {"eventId": "event_1234", "eventType": "classify_run.processed", "payload": CLASSIFY_RUN}
    )
    return body, webhooks.sign(body, SECRET)


def _best_us(fn: Callable[[], object], n: int, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def run(n: int) -> dict[str, Any]:
    """Microseconds per verify, parse and verify+parse of a full ClassifyRun event."""
    body, headers = delivery()
    event = webhooks.verify_and_parse(body, headers, SECRET)
    assert isinstance(event, webhooks.ClassifyRunEvent)  # the path measured is the typed one
    return {
        "name": "webhooks.verify_and_parse",
        "n": n,
        "body_bytes": len(body),
        "verify_us": _best_us(lambda: webhooks.verify(body, headers, SECRET), n),
        "parse_us": _best_us(lambda: webhooks.parse(body), n),
        "verify_and_parse_us": _best_us(
            lambda: webhooks.verify_and_parse(body, headers, SECRET), n
        ),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    for key, value in run(count).items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")

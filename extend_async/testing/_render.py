"""JSON bodies, exactly as the 2026-02-09 API writes them: camelCase, every nullable key
present (as ``null`` when empty), RFC 3339 UTC timestamps.

A run's rendering is cached on the record until it changes, and its (large, static)
config is embedded as pre-serialised bytes, so answering a GET or a cancel costs almost
nothing beyond the socket write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from ._clock import rfc3339
from ._records import BatchRecord, ClassifierRecord, RunRecord, VersionRecord

__all__ = [
    "batch_status",
    "render_batch",
    "render_classifier",
    "render_classifier_summary",
    "render_list",
    "render_run",
    "render_run_summary",
    "render_version",
    "render_version_summary",
]


def render_run(run: RunRecord, dashboard_base: str) -> bytes:
    """The full ``ClassifyRun``."""
    cached = run._full_json
    if cached is None:
        cached = run._full_json = orjson.dumps(
            {
                "object": "classify_run",
                "id": run.id,
                "status": run.status,
                "output": run.output,
                "classifier": run.classifier,
                "classifierVersion": run.classifier_version,
                "initialOutput": None,
                "reviewedOutput": None,
                "failureReason": run.failure_reason,
                "failureMessage": run.failure_message,
                "metadata": run.metadata,
                "reviewed": False,
                "edited": False,
                "config": orjson.Fragment(run.config_json),
                "file": run.file,
                "parseRunId": run.parse_run_id,
                "dashboardUrl": f"{dashboard_base}/runs/{run.id}",
                "usage": run.usage,
                "createdAt": rfc3339(run.created_us),
                "updatedAt": rfc3339(run.updated_us),
            }
        )
    return cached


def render_run_summary(run: RunRecord, dashboard_base: str) -> bytes:
    """A ``ClassifyRunSummary``: no output, initial/reviewed output or config, and
    ``usage`` without its breakdown."""
    cached = run._summary_json
    if cached is None:
        usage = run.usage
        cached = run._summary_json = orjson.dumps(
            {
                "object": "classify_run",
                "id": run.id,
                "status": run.status,
                "classifier": run.classifier,
                "classifierVersion": run.classifier_version,
                "failureReason": run.failure_reason,
                "failureMessage": run.failure_message,
                "metadata": run.metadata,
                "reviewed": False,
                "edited": False,
                "file": run.file,
                "parseRunId": run.parse_run_id,
                "dashboardUrl": f"{dashboard_base}/runs/{run.id}",
                "usage": None
                if usage is None
                else {"credits": usage["credits"], "totalCredits": usage.get("totalCredits")},
                "createdAt": rfc3339(run.created_us),
                "updatedAt": rfc3339(run.updated_us),
            }
        )
    return cached


def render_list(items: Iterable[bytes], next_page_token: str | None) -> bytes:
    """A list page; ``nextPageToken`` is left out entirely on the last page."""
    page: dict[str, Any] = {"object": "list", "data": [orjson.Fragment(i) for i in items]}
    if next_page_token is not None:
        page["nextPageToken"] = next_page_token
    return orjson.dumps(page)


def classifier_summary(classifier: ClassifierRecord) -> dict[str, Any]:
    return {
        "object": "classifier",
        "id": classifier.id,
        "name": classifier.name,
        "createdAt": rfc3339(classifier.created_us),
        "updatedAt": rfc3339(classifier.updated_us),
    }


def version_summary(version: VersionRecord) -> dict[str, Any]:
    return {
        "object": "classifier_version",
        "id": version.id,
        "description": version.description,
        "version": version.version,
        "classifierId": version.classifier_id,
        "createdAt": rfc3339(version.created_us),
        "createdBy": version.created_by,
    }


def _version_full(version: VersionRecord) -> dict[str, Any]:
    full = version_summary(version)
    full["config"] = orjson.Fragment(version.config_json)
    return full


def render_version(version: VersionRecord) -> bytes:
    return orjson.dumps(_version_full(version))


def render_version_summary(version: VersionRecord) -> bytes:
    return orjson.dumps(version_summary(version))


def render_classifier(classifier: ClassifierRecord) -> bytes:
    """A ``Classifier``: the summary plus its full ``draftVersion``."""
    body = classifier_summary(classifier)
    body["draftVersion"] = _version_full(classifier.draft)
    return orjson.dumps(body)


def render_classifier_summary(classifier: ClassifierRecord) -> bytes:
    return orjson.dumps(classifier_summary(classifier))


def batch_status(statuses: Sequence[str]) -> str:
    """The status of a batch, aggregated over its runs.

    PENDING while every run waits, PROCESSING while any is unfinished, then CANCELLED if
    all were cancelled, FAILED if none succeeded and one failed, else PROCESSED.
    """
    if not statuses or all(s == "PENDING" for s in statuses):
        return "PENDING"
    if any(s in ("PENDING", "PROCESSING") for s in statuses):
        return "PROCESSING"
    if all(s == "CANCELLED" for s in statuses):
        return "CANCELLED"
    if "PROCESSED" not in statuses:
        return "FAILED"
    return "PROCESSED"


def render_batch(batch: BatchRecord, status: str) -> bytes:
    return orjson.dumps(
        {
            "object": "batch_run",
            "id": batch.id,
            "status": status,
            "runCount": len(batch.run_ids),
            "createdAt": rfc3339(batch.created_us),
        }
    )

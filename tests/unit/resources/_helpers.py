"""Payloads and small helpers for the classifier, version, batch and wait tests."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from aioresponses import aioresponses
from yarl import URL

from extend_async.types import ClassifyConfigDict

from .._helpers import recorded

__all__ = [
    "API_KEY",
    "BASE_URL",
    "BATCH_ID",
    "CLASSIFIER_ID",
    "RUN_ID",
    "FakeClock",
    "batch_run",
    "classifier",
    "classifier_summary",
    "classify_run",
    "requests_made",
    "sent_json",
    "url",
    "version",
    "version_summary",
]

API_KEY = "sk_surface_7pQ2xLw9_secret"
BASE_URL = "https://api.extend.test"
CLASSIFIER_ID = "cl_Xj8mK2pL9nR4vT7qY5wZ"
RUN_ID = "clr_Xj8mK2pL9nR4vT7qY5wZ"
BATCH_ID = "bpr_Xj8mK2pL9nR4vT7qY5wZ"
TS = "2026-03-01T12:00:00Z"

CONFIG: ClassifyConfigDict = {
    "baseProcessor": "classification_standard",
    "classifications": [
        {"id": "invoice", "type": "invoice", "description": "An invoice"},
        {"id": "other", "type": "other", "description": "Anything else"},
    ],
}


def version(number: str = "draft", id: str = "clv_draft000000000000001") -> dict[str, Any]:
    return {
        "object": "classifier_version",
        "id": id,
        "description": None,
        "version": number,
        "classifierId": CLASSIFIER_ID,
        "config": copy.deepcopy(CONFIG),
        "createdAt": TS,
        "createdBy": {"type": "api_key", "name": "ci"},
    }


def version_summary(number: str, id: str) -> dict[str, Any]:
    summary = version(number, id)
    del summary["config"]
    return summary


def classifier(name: str = "Doc types") -> dict[str, Any]:
    return {
        "object": "classifier",
        "id": CLASSIFIER_ID,
        "name": name,
        "createdAt": TS,
        "updatedAt": TS,
        "draftVersion": version(),
    }


def classifier_summary(id: str, name: str) -> dict[str, Any]:
    return {"object": "classifier", "id": id, "name": name, "createdAt": TS, "updatedAt": TS}


def batch_run(status: str = "PENDING", run_count: int = 2) -> dict[str, Any]:
    return {
        "object": "batch_run",
        "id": BATCH_ID,
        "status": status,
        "runCount": run_count,
        "createdAt": TS,
    }


def classify_run(status: str, id: str = RUN_ID) -> dict[str, Any]:
    """A run as the API sends it: every optional key present and null."""
    return {
        "object": "classify_run",
        "id": id,
        "status": status,
        "output": None,
        "classifier": None,
        "classifierVersion": None,
        "initialOutput": None,
        "reviewedOutput": None,
        "failureReason": "INTERNAL_ERROR" if status == "FAILED" else None,
        "failureMessage": None,
        "metadata": None,
        "reviewed": False,
        "edited": False,
        "config": copy.deepcopy(CONFIG),
        "file": None,
        "parseRunId": None,
        "dashboardUrl": f"https://dashboard.extend.ai/runs/{id}",
        "usage": None,
        "createdAt": TS,
        "updatedAt": TS,
    }


def url(path: str, **query: str) -> URL:
    full = URL(BASE_URL + path, encoded=True)
    return full.with_query(sorted(query.items())) if query else full


def requests_made(mock: aioresponses) -> list[tuple[str, URL]]:
    """(method, URL) of every request the mock saw, one entry per attempt."""
    return [(method, u) for (method, u), seen in recorded(mock).items() for _ in seen]


def sent_json(mock: aioresponses, method: str, path: str, index: int = 0) -> Any:
    """The JSON body of the ``index``-th ``method path`` request."""
    call = recorded(mock)[(method, url(path))][index]
    data = call.kwargs.get("data")
    return None if data is None else orjson.loads(data)


class FakeClock:
    """Time that moves only when a wait sleeps: every pause is recorded, none is waited."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay

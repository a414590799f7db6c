"""Deliveries for the webhook tests: events, bodies and signatures made from first principles."""

from __future__ import annotations

import copy
import hashlib
import hmac
import time
from typing import Any

import orjson

__all__ = [
    "SECRET",
    "batch_run",
    "body_of",
    "classifier",
    "classifier_version",
    "classify_run",
    "headers_for",
    "reference_signature",
]

SECRET = "wss_test_k3y_for_webhooks_9xQ"
TS = "2026-03-01T12:00:00Z"
CONFIG: dict[str, Any] = {
    "classifications": [{"id": "invoice", "type": "invoice", "description": "An invoice"}]
}


def reference_signature(secret: str, timestamp: str, body: str) -> str:
    """The documented algorithm, written independently of the code under test."""
    message = f"v0:{timestamp}:{body}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers_for(body: bytes | str, secret: str = SECRET, *, age: float = 0.0) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    text = body.decode() if isinstance(body, bytes) else body
    return {
        "x-extend-request-timestamp": timestamp,
        "x-extend-request-signature": reference_signature(secret, timestamp, text),
    }


def body_of(event_type: str, payload: Any, event_id: str = "event_1234") -> bytes:
    return orjson.dumps({"eventId": event_id, "eventType": event_type, "payload": payload})


def classify_run(status: str = "PROCESSED") -> dict[str, Any]:
    return {
        "object": "classify_run",
        "id": "clr_Xj8mK2pL9nR4vT7qY5wZ",
        "status": status,
        "output": {"id": "invoice", "type": "invoice", "confidence": 0.97, "insights": []},
        "classifier": None,
        "classifierVersion": None,
        "initialOutput": None,
        "reviewedOutput": None,
        "failureReason": "INTERNAL_ERROR" if status == "FAILED" else None,
        "failureMessage": None,
        "metadata": {"customerId": "abc"},
        "reviewed": False,
        "edited": False,
        "config": copy.deepcopy(CONFIG),
        "file": None,
        "parseRunId": None,
        "dashboardUrl": "https://dashboard.extend.ai/runs/clr_Xj8mK2pL9nR4vT7qY5wZ",
        "usage": {"credits": 9},
        "createdAt": TS,
        "updatedAt": TS,
    }


def classifier_version(number: str = "1.0") -> dict[str, Any]:
    return {
        "object": "classifier_version",
        "id": "clv_xK9mLPqRtN3vS8wF5hB2cQ",
        "description": None,
        "version": number,
        "classifierId": "cl_Xj8mK2pL9nR4vT7qY5wZ",
        "config": copy.deepcopy(CONFIG),
        "createdAt": TS,
        "createdBy": None,
    }


def classifier() -> dict[str, Any]:
    return {
        "object": "classifier",
        "id": "cl_Xj8mK2pL9nR4vT7qY5wZ",
        "name": "Doc types",
        "createdAt": TS,
        "updatedAt": TS,
        "draftVersion": classifier_version("draft"),
    }


def batch_run(status: str = "PROCESSED") -> dict[str, Any]:
    return {
        "object": "batch_run",
        "id": "bpr_Xj8mK2pL9nR4vT7qY5wZ",
        "status": status,
        "runCount": 50,
        "createdAt": TS,
    }

"""Shared constants and small helpers for the request-layer unit tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from aioresponses import aioresponses
from aioresponses.core import RequestCall
from yarl import URL

from extend_async import RetryPolicy

__all__ = [
    "API_KEY",
    "BASE_URL",
    "FAST_RETRY",
    "RUN_ID",
    "attempts",
    "calls",
    "seed_run",
    "seed_summary",
    "url",
]

# Distinctive enough that a substring search for it cannot hit anything by accident.
API_KEY = "sk_unit_S3cr3t_9fQ2xLw7"
BASE_URL = "https://api.extend.test"
RUN_ID = "clr_Xj8mK2pL9nR4vT7qY5wZ"

# Retries without waiting in tests that do not record the sleeps.
FAST_RETRY = RetryPolicy(initial_delay=0.001, max_delay=0.002)

SEED_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "classify_run_seed.json"


@cache
def _seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


def seed_run() -> dict[str, Any]:
    """A fresh copy of the documented cancel response (safe to mutate)."""
    data: dict[str, Any] = json.loads(_seed_text())
    return data


def seed_summary() -> dict[str, Any]:
    """The seed run as a list item: no outputs or config, usage without breakdown."""
    run = seed_run()
    for key in ("output", "initialOutput", "reviewedOutput", "config"):
        del run[key]
    del run["usage"]["breakdown"]
    return run


def url(path: str, **query: str) -> URL:
    """The URL aioresponses records for ``path`` on the test base URL."""
    full = URL(BASE_URL + path, encoded=True)
    return full.with_query(sorted(query.items())) if query else full


def recorded(mock: aioresponses) -> dict[tuple[str, URL], list[RequestCall]]:
    """The requests a started mock saw, grouped by method and URL."""
    assert mock.requests is not None, "the mock records nothing before it starts"
    return mock.requests


def calls(mock: aioresponses) -> list[tuple[str, URL, RequestCall]]:
    """Every request the mock saw, flattened (grouped by method and URL)."""
    return [(method, u, call) for (method, u), seen in recorded(mock).items() for call in seen]


def attempts(mock: aioresponses, method: str, path: str, **query: str) -> int:
    return len(recorded(mock).get((method, url(path, **query)), []))

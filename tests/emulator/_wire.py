"""A tiny raw-HTTP client for the emulator's tests: plain aiohttp, no SDK."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import orjson
from attrs import frozen
from multidict import CIMultiDictProxy

API_VERSION = "2026-02-09"
REQUEST_ID = re.compile(r"^req_[A-Za-z0-9_-]{21}$")
RUN_ID = re.compile(r"^clr_[A-Za-z0-9_-]{21}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
ENVELOPE_KEYS = {"code", "message", "retryable", "requestId"}


@frozen
class Reply:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-extend-request-id")

    def assert_error(self, status: int, code: str) -> dict[str, Any]:
        """Assert the flat envelope with this status and code; return it."""
        assert self.status == status, (self.status, self.body)
        envelope: dict[str, Any] = self.json
        assert set(envelope) == ENVELOPE_KEYS, envelope
        assert envelope["code"] == code
        assert isinstance(envelope["message"], str)
        assert envelope["message"]
        assert envelope["requestId"] == self.request_id
        assert REQUEST_ID.match(envelope["requestId"])
        return envelope


class Wire:
    """Sends requests with the emulator's default credentials unless told otherwise."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, api_key: str = "sk_test_emulator"
    ) -> None:
        self.session = session
        self.base_url = base_url
        self.api_key = api_key

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.api_key}",
            "x-extend-api-version": API_VERSION,
            **extra,
        }

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        body = orjson.dumps(json) if json is not None else data
        sent = self.headers() if headers is None else headers
        if json is not None:
            sent = {**sent, "Content-Type": "application/json"}
        async with self.session.request(
            method, self.base_url + path, data=body, params=params, headers=sent
        ) as response:
            return Reply(response.status, response.headers, await response.read())

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("POST", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("DELETE", path, **kwargs)

    async def cancel(self, run_id: str, **kwargs: Any) -> Reply:
        return await self.post(f"/classify_runs/{run_id}/cancel", **kwargs)

    async def list_all(self, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Every item of GET /classify_runs, following nextPageToken."""
        items: list[dict[str, Any]] = []
        query = dict(params or {})
        while True:
            reply = await self.get("/classify_runs", params=query)
            assert reply.status == 200, reply.body
            page = reply.json
            items.extend(page["data"])
            if "nextPageToken" not in page:
                return items
            query["nextPageToken"] = page["nextPageToken"]


INLINE_CONFIG = {
    "classifications": [
        {"id": "invoice", "type": "invoice", "description": "A bill requesting payment."},
        {"id": "other", "type": "other", "description": "Anything else."},
    ]
}


def create_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "file": {"url": "https://files.example.com/docs/invoice_42.pdf"},
        "config": INLINE_CONFIG,
    }
    body.update(overrides)
    return body

"""The emulator's files routes on the wire: shapes, limits, isolation, presigned URLs."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from extend_async.testing import ExtendEmulator

from ._wire import TIMESTAMP, Wire
from .conftest import MakeEmulator

FILE_ID = re.compile(r"^file_[A-Za-z0-9_-]{21}$")
FILE_KEYS = {
    "object",
    "id",
    "name",
    "type",
    "presignedUrl",
    "parentFileId",
    "contents",
    "metadata",
    "createdAt",
    "updatedAt",
}


def form(content: bytes, name: str = "doc.pdf", **fields: str) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("file", content, filename=name, content_type="application/pdf")
    for key, value in fields.items():
        data.add_field(key, value)
    return data


async def upload(wire: Wire, data: aiohttp.FormData, **params: str) -> tuple[int, dict[str, Any]]:
    async with wire.session.post(
        wire.base_url + "/files/upload", data=data, params=params, headers=wire.headers()
    ) as response:
        return response.status, await response.json()


async def test_an_upload_answers_every_key_of_a_file(wire: Wire) -> None:
    status, body = await upload(wire, form(b"%PDF", "a.pdf"))
    assert status == 200, body
    assert set(body) == FILE_KEYS
    assert FILE_ID.match(body["id"])
    assert body["object"] == "file"
    assert body["type"] == "PDF"
    assert body["contents"] is None
    assert body["parentFileId"] is None
    assert TIMESTAMP.match(body["createdAt"])
    summary = (await wire.get("/files")).json["data"][0]
    assert set(summary) == FILE_KEYS - {"presignedUrl", "contents"}


async def test_malformed_uploads_are_400s(wire: Wire, emulator: ExtendEmulator) -> None:
    reply = await wire.post("/files/upload", json={"file": "x"})
    reply.assert_error(400, "INVALID_REQUEST")
    status, body = await upload(wire, form(b"x"), convertToPdf="maybe")
    assert (status, body["code"]) == (400, "INVALID_REQUEST")
    no_file = aiohttp.FormData()
    no_file.add_field("password", "pw")
    no_file.add_field("other", b"x", filename="x.bin")
    status, body = await upload(wire, no_file)
    assert (status, body["code"]) == (400, "INVALID_REQUEST")
    assert "file" in body["message"]
    assert len(emulator.files) == 0


async def test_an_upload_over_the_limit_is_413_and_nothing_is_kept(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(max_upload_bytes=1000)
    wire = Wire(session, emulator.base_url)
    status, body = await upload(wire, form(b"x" * 1001))
    assert status == 413
    assert body["code"] == "FILE_TOO_LARGE"
    assert "1000 bytes" in body["message"]
    assert body["requestId"]
    assert len(emulator.files) == 0
    status, _ = await upload(wire, form(b"x" * 1000))
    assert status == 200


async def test_presigned_urls_need_no_key_and_expire(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(presigned_url_seconds=3600)
    wire = Wire(session, emulator.base_url)
    _, body = await upload(wire, form(b"%PDF-bytes"))
    async with session.get(body["presignedUrl"]) as answer:  # no Authorization at all
        assert answer.status == 200
        assert await answer.read() == b"%PDF-bytes"
    emulator.configure(presigned_url_seconds=0)
    fresh = (await wire.get(f"/files/{body['id']}")).json["presignedUrl"]
    async with session.get(fresh) as answer:
        assert answer.status == 403
        assert b"expired" in await answer.read()
    await wire.delete(f"/files/{body['id']}")
    async with session.get(body["presignedUrl"]) as answer:  # still valid, file gone
        assert answer.status == 404
    async with session.get(emulator.base_url + "/_files/made-up") as answer:
        assert answer.status == 403


async def test_a_run_from_an_uploaded_file_refers_to_it(wire: Wire) -> None:
    _, body = await upload(wire, form(b"%PDF", "statement.pdf"))
    created = await wire.post(
        "/classify_runs",
        json={
            "file": {"id": body["id"]},
            "config": {"classifications": [{"id": "a", "type": "a", "description": "A"}]},
        },
    )
    assert created.status == 200, created.body
    run_file = created.json["file"]
    assert run_file["id"] == body["id"]
    assert run_file["name"] == "statement.pdf"
    await wire.delete(f"/files/{body['id']}")
    again = await wire.post(
        "/classify_runs",
        json={
            "file": {"id": body["id"]},
            "config": {"classifications": [{"id": "a", "type": "a", "description": "A"}]},
        },
    )
    again.assert_error(404, "NOT_FOUND")


@pytest.mark.parametrize("bad", ["not-a-token", "YzE"])
async def test_a_bad_list_cursor_is_a_400(wire: Wire, bad: str) -> None:
    reply = await wire.get("/files", params={"nextPageToken": bad})
    reply.assert_error(400, "INVALID_REQUEST")

"""The emulator's files routes on the wire: shapes, limits, isolation, presigned URLs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


async def test_runs_read_the_text_of_an_uploaded_file(wire: Wire) -> None:
    text = b"Payment received, thank you.\nAmount paid: 42.00\nReceipt number: R-9\n"
    _, body = await upload(wire, form(text, "scan-0001.txt"))
    config = {
        "classifications": [
            {"id": "inv", "type": "invoice", "description": "A bill asking for payment"},
            {"id": "rec", "type": "receipt", "description": "Proof a payment was received"},
        ]
    }
    classified = await wire.post("/classify", json={"file": {"id": body["id"]}, "config": config})
    assert classified.status == 200, classified.body
    assert classified.json["output"]["id"] == "rec"  # the words, not the file's name
    schema = {"type": "object", "properties": {"receipt_number": {"type": "string"}}}
    extracted = await wire.post(
        "/extract", json={"file": {"id": body["id"]}, "config": {"schema": schema}}
    )
    assert extracted.json["output"]["value"] == {"receipt_number": "R-9"}


@pytest.mark.parametrize("bad", ["not-a-token", "YzE"])
async def test_a_bad_list_cursor_is_a_400(wire: Wire, bad: str) -> None:
    reply = await wire.get("/files", params={"nextPageToken": bad})
    reply.assert_error(400, "INVALID_REQUEST")


MULTIPART = "multipart/form-data; boundary=x"
# The head of a well-formed file part, up to its last header line's CRLF.
HEAD = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
LONG = b"b" * 200
MALFORMED = {
    "no boundary": ("multipart/form-data", HEAD + b"\r\nabc\r\n--x--\r\n"),
    "not multipart": (MULTIPART, b"this is not multipart at all"),
    "empty": (MULTIPART, b""),
    "wrong boundary": (MULTIPART, HEAD.replace(b"--x", b"--y") + b"\r\nabc\r\n--y--\r\n"),
    "truncated": (MULTIPART, HEAD + b"\r\nabc"),
    "headers never end": (MULTIPART, HEAD),
    "bad part header": (MULTIPART, b"--x\r\nthis header has no colon\r\n\r\nabc\r\n--x--\r\n"),
    "boundary too long": (
        "multipart/form-data; boundary=" + LONG.decode(),
        b"--" + LONG + b"\r\n\r\nabc\r\n--" + LONG + b"--\r\n",
    ),
    "unknown transfer encoding": (
        MULTIPART,
        HEAD + b"Content-Transfer-Encoding: rot13\r\n\r\nabc\r\n--x--\r\n",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_malformed_multipart_body_is_a_400_not_to_be_retried(
    wire: Wire, emulator: ExtendEmulator, case: str
) -> None:
    content_type, body = MALFORMED[case]
    reply = await wire.post(
        "/files/upload", data=body, headers=wire.headers(**{"Content-Type": content_type})
    )
    envelope = reply.assert_error(400, "INVALID_REQUEST")
    assert envelope["retryable"] is False
    assert "malformed" in envelope["message"]
    assert len(emulator.files) == 0
    assert emulator.unexpected_errors == []


def raw_upload(filename_param: str) -> tuple[dict[str, str], bytes]:
    """A multipart upload whose file name is given exactly as the header parameter."""
    body = (
        f'--x\r\nContent-Disposition: form-data; name="file"; {filename_param}\r\n\r\n'
        "%PDF\r\n--x--\r\n"
    ).encode()
    return {"Content-Type": "multipart/form-data; boundary=x"}, body


@pytest.mark.parametrize(
    "param",
    [
        "filename*=UTF-8''a%0D%0AX-Injected%3A%201.pdf",  # CR LF: would end the header
        "filename*=UTF-8''a%0Ab.pdf",
        "filename*=UTF-8''a%00b.pdf",  # NUL
        "filename*=UTF-8''a%7Fb.pdf",  # DEL
        "filename*=UTF-8''a%C2%85b.pdf",  # NEL, a C1 control
    ],
)
async def test_a_file_name_with_a_control_character_is_refused(
    wire: Wire, emulator: ExtendEmulator, param: str
) -> None:
    headers, body = raw_upload(param)
    reply = await wire.post("/files/upload", data=body, headers=wire.headers(**headers))
    envelope = reply.assert_error(400, "INVALID_REQUEST")
    assert envelope["retryable"] is False
    assert "control characters" in envelope["message"]
    assert len(emulator.files) == 0


names = st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), min_size=1, max_size=30)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=names)
async def test_any_other_file_name_is_kept_and_its_download_never_drops_the_connection(
    wire: Wire, emulator: ExtendEmulator, name: str
) -> None:
    headers, body = raw_upload(f"filename*=UTF-8''{quote(name, safe='')}")
    reply = await wire.post("/files/upload", data=body, headers=wire.headers(**headers))
    assert reply.status == 200, reply.body
    assert reply.json["name"] == name
    async with wire.session.get(reply.json["presignedUrl"]) as answer:
        assert answer.status == 200
        assert await answer.read() == b"%PDF"
        disposition = answer.headers["Content-Disposition"]
    assert disposition.isprintable()
    exact = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(exact) == name
    assert emulator.unexpected_errors == []


async def test_presigned_urls_are_evicted_when_they_expire_and_past_the_bound(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(presigned_url_seconds=3600)
    emulator.configure(max_presigned_urls=3)
    wire = Wire(session, emulator.base_url)
    _, body = await upload(wire, form(b"%PDF"))
    urls = [(await wire.get(f"/files/{body['id']}")).json["presignedUrl"] for _ in range(50)]
    assert emulator._files.grant_count == 3  # the table stays bounded
    for url, working in ((urls[-1], True), (urls[-3], True), (urls[-4], False), (urls[0], False)):
        async with session.get(url) as answer:
            assert (answer.status == 200) is working
    # Expired grants go as soon as new ones are made, whatever the bound: the three
    # hour-long grants stay, of the twenty that expire at once only the newest is left.
    emulator.configure(presigned_url_seconds=0, max_presigned_urls=1000)
    for _ in range(20):
        await wire.get(f"/files/{body['id']}")
    assert emulator._files.grant_count == 3 + 1


async def test_uploads_past_the_count_bound_are_refused_until_files_are_deleted(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator()
    emulator.configure(max_uploads=3)
    wire = Wire(session, emulator.base_url)
    ids = []
    for i in range(3):
        status, body = await upload(wire, form(b"%PDF", f"{i}.pdf"))
        assert status == 200
        ids.append(body["id"])
    status, body = await upload(wire, form(b"%PDF", "one-too-many.pdf"))
    assert status == 400
    assert body["code"] == "UPLOAD_LIMIT_REACHED"
    assert body["retryable"] is False
    assert "3 uploaded files" in body["message"]
    assert len(emulator.files) == 3
    for file_id in ids:  # deleting makes room; the records of deleted files stay bounded
        await wire.delete(f"/files/{file_id}")
        status, body = await upload(wire, form(b"%PDF", "again.pdf"))
        assert status == 200
        await wire.delete(f"/files/{body['id']}")
    assert len(emulator.files) <= 2 * 3

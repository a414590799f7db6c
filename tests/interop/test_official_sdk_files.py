"""The official ``extend-ai`` SDK's files client against the emulator's files routes: its
multipart upload is parsed, and its pydantic models accept every answer."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from extend_ai import Extend
from extend_ai.errors import NotFoundError

from extend_async.testing import ExtendEmulator

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64


@pytest.fixture
def emulator() -> Iterator[ExtendEmulator]:
    with ExtendEmulator(seed=4).run_in_thread() as emulator:
        yield emulator
        assert emulator.unexpected_errors == []


def test_upload_retrieve_list_download_delete(emulator: ExtendEmulator) -> None:
    client = Extend(token=emulator.api_key, base_url=emulator.base_url, timeout=10)
    uploaded = client.files.upload(
        file=("invoice.pdf", PDF, "application/pdf"), password="pw", convert_to_pdf=False
    )
    assert uploaded.id.startswith("file_")
    assert uploaded.name == "invoice.pdf"
    assert uploaded.type == "PDF"
    stored = emulator.files[uploaded.id]
    assert stored.read() == PDF
    assert stored.password == "pw"

    fetched = client.files.retrieve(uploaded.id)
    assert fetched.presigned_url is not None
    with urllib.request.urlopen(fetched.presigned_url, timeout=10) as answer:
        assert answer.read() == PDF

    listed = client.files.list(max_page_size=10)
    assert [f.id for f in listed.data] == [uploaded.id]

    assert client.files.delete(uploaded.id).id == uploaded.id
    with pytest.raises(NotFoundError):
        client.files.retrieve(uploaded.id)

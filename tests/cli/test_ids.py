"""Reading ids: one way for files and stdin, checked line by line, counted on the side."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extend_async.cli._common import UsageError
from extend_async.cli._ids import check_run_id, count_in_background, open_ids

RUN_IDS = st.from_regex(r"clr_[A-Za-z0-9_-]{1,30}", fullmatch=True)
FILLER = st.sampled_from(["", "   ", "# a comment", "  # indented comment"])


async def read_all(data: bytes, tmp_path: Path) -> tuple[list[str], list[str]]:
    listing = tmp_path / "ids.txt"
    listing.write_bytes(data)
    from_file = open_ids(str(listing), io.BytesIO(), allow_any=False)
    from_stdin = open_ids("-", io.BytesIO(data), allow_any=False)
    try:
        return [i async for i in from_file.ids()], [i async for i in from_stdin.ids()]
    finally:
        from_file.close()


@given(
    lines=st.lists(st.one_of(RUN_IDS, FILLER), max_size=40),
    bom=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_a_file_and_stdin_give_the_same_ids(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], bom: bool, newline: str
) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + newline.join(lines).encode()
    ids_file, ids_stdin = asyncio.run(read_all(data, tmp_path_factory.mktemp("ids")))
    expected = [line for line in lines if line.startswith("clr_")]
    assert ids_file == ids_stdin == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"clr_ok\n\xff\xfeclr_x\n", "line 2 of stdin is not valid UTF-8"),
        (b"clr_ok\n\nrun_123\n", "line 3 of stdin: 'run_123' is not a run id"),
        (b"clr_a,clr_b\n", "line 1 of stdin: 'clr_a,clr_b' is not a run id"),
        (b"\xef\xbb\xbf\xef\xbb\xbfclr_a\n", "line 1 of stdin: '\\ufeffclr_a' is not a run id"),
    ],
)
async def test_a_bad_line_is_named(data: bytes, message: str) -> None:
    source = open_ids("-", io.BytesIO(data), allow_any=False)
    with pytest.raises(UsageError) as raised:
        _ = [i async for i in source.ids()]
    assert str(raised.value).startswith(message)


def test_any_id_passes_with_allow_any_but_never_a_path_trick() -> None:
    assert check_run_id("run_123", "argument 1", allow_any=True) == "run_123"
    with pytest.raises(UsageError, match=r"argument 1: id 'clr_\.\./x' must not contain"):
        check_run_id("clr_../x", "argument 1", allow_any=True)


async def test_a_files_ids_are_counted_on_the_side(tmp_path: Path) -> None:
    listing = tmp_path / "ids.txt"
    listing.write_bytes(b"# header\nclr_a\n\nclr_b\r\n  # note\nclr_c")
    source = open_ids(str(listing), io.BytesIO(), allow_any=False)
    counted: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    count_in_background(source, counted.set_result)
    assert await asyncio.wait_for(counted, 30) == 3
    source.close()
    stdin = open_ids("-", io.BytesIO(b"clr_a\n"), allow_any=False)
    count_in_background(stdin, counted.set_result)  # stdin is never counted (nor re-read)
    assert stdin.path is None

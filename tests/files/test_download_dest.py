"""Where a download lands: ``dest`` checked before anything is sent, written through a
fresh temporary file that no planted link can redirect, replaced in one step, keeping
the permissions of the file it replaces."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from extend_async import AsyncExtend, InvalidInputError, LocalFileError, _download
from extend_async.cli._main import main
from extend_async.testing import ExtendEmulator

from .hostile import FILE_ID, HostileHost, reply_with

BODY = bytes(range(256)) * 8


def client(host: HostileHost) -> AsyncExtend:
    return AsyncExtend("sk_test", base_url=host.base_url, max_retries=0)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def bad_dests(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(dest, what the message says) for every dest refused up front."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "link-to-folder").symlink_to(tmp_path / "folder")
    yield str(tmp_path / "folder"), "folder"
    yield str(tmp_path / "link-to-folder"), "folder"
    yield str(tmp_path / "folder") + "/", "folder"
    yield "", "not a file path"
    yield ".", "folder"
    yield "..", "folder"
    yield "/", "folder"
    yield str(tmp_path / "missing" / "x.pdf"), "does not exist"
    yield str(tmp_path / "a\0b"), "not a file path"
    yield "/dev/null", "not a regular file"


async def test_bad_dests_are_refused_before_any_request(tmp_path: Path) -> None:
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        for dest, says in bad_dests(tmp_path):
            with pytest.raises(InvalidInputError, match=says):
                await api.files.download(FILE_ID, dest)
        with pytest.raises(InvalidInputError):
            await api.files.download(FILE_ID, b"/tmp/x")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError):
            await api.files.download(FILE_ID, 42)  # type: ignore[arg-type]
        assert host.paths == []
    assert leftovers(tmp_path / "folder") == []


async def test_an_unwritable_folder_is_refused_before_any_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access

    def access(path: object, mode: int, **kwargs: object) -> bool:
        # Root may write anywhere, so the folder's mode bits alone cannot show this.
        if Path(str(path)) == locked:
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        with pytest.raises(InvalidInputError, match="not writable"):
            await api.files.download(FILE_ID, locked / "x.pdf")
        assert host.paths == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
async def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        with pytest.raises(InvalidInputError, match="not writable"):
            await api.files.download(FILE_ID, locked / "x.pdf")
        assert host.paths == []


async def test_a_relative_dest_lands_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        assert await api.files.download(FILE_ID, "x.pdf") == len(BODY)
    assert leftovers(tmp_path) == ["x.pdf"]


async def test_a_link_planted_at_the_old_part_name_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    target = tmp_path / "x.pdf"
    (tmp_path / "x.pdf.part").symlink_to(victim)
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        await api.files.download(FILE_ID, target)
    assert victim.read_bytes() == b"precious"
    assert target.read_bytes() == BODY
    assert (tmp_path / "x.pdf.part").is_symlink()


async def test_a_link_planted_at_the_chosen_temporary_name_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    dangling = tmp_path / "nowhere"
    (tmp_path / ".x.pdf.planted.part").symlink_to(victim)
    (tmp_path / ".x.pdf.dangling.part").symlink_to(dangling)

    def names(name: str) -> Iterator[str]:
        # As if an attacker had guessed the first names: both are taken, the third is free.
        yield from (f".{name}.planted.part", f".{name}.dangling.part", f".{name}.free.part")

    monkeypatch.setattr(_download, "_temp_names", names)
    target = tmp_path / "x.pdf"
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        await api.files.download(FILE_ID, target)
    assert victim.read_bytes() == b"precious"
    assert not dangling.exists()
    assert target.read_bytes() == BODY
    assert leftovers(tmp_path) == [".x.pdf.dangling.part", ".x.pdf.planted.part", "victim", "x.pdf"]


async def test_every_name_taken_is_a_typed_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".x.pdf.taken.part").write_bytes(b"someone else's")
    monkeypatch.setattr(_download, "_temp_names", lambda name: iter([f".{name}.taken.part"] * 5))
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        with pytest.raises(LocalFileError):
            await api.files.download(FILE_ID, tmp_path / "x.pdf")
    assert (tmp_path / ".x.pdf.taken.part").read_bytes() == b"someone else's"
    assert leftovers(tmp_path) == [".x.pdf.taken.part"]


async def test_a_symlink_at_dest_is_replaced_and_its_target_left_alone(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    target = tmp_path / "x.pdf"
    target.symlink_to(victim)
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        await api.files.download(FILE_ID, target)
    assert not target.is_symlink()
    assert target.read_bytes() == BODY
    assert victim.read_bytes() == b"precious"


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
async def test_the_mode_of_a_replaced_file_is_kept(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "secret.pdf"
    target.write_bytes(b"old")
    target.chmod(mode)
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        await api.files.download(FILE_ID, target)
    assert target.read_bytes() == BODY
    assert stat.S_IMODE(target.stat().st_mode) == mode


async def test_a_new_file_gets_the_mode_open_would_give(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        async with HostileHost(reply_with(BODY)) as host, client(host) as api:
            await api.files.download(FILE_ID, tmp_path / "new.pdf")
        (tmp_path / "by-open").touch(mode=0o666)  # what open(path, "wb") would make
    finally:
        os.umask(previous)
    made = stat.S_IMODE((tmp_path / "new.pdf").stat().st_mode)
    assert made == 0o640 == stat.S_IMODE((tmp_path / "by-open").stat().st_mode)


def test_the_umask_is_read_without_changing_it() -> None:
    previous = os.umask(0o037)
    try:
        assert _download._current_umask() == 0o037
        assert os.umask(0o037) == 0o037
    finally:
        os.umask(previous)


async def test_two_downloads_to_one_dest_each_write_a_whole_file(tmp_path: Path) -> None:
    bodies = {"file_a": b"A" * 300_000, "file_b": b"B" * 200_000 + b"b" * 100_000}
    halfway = {"file_a": asyncio.Event(), "file_b": asyncio.Event()}

    async def interleaved(file_id: str, writer: asyncio.StreamWriter) -> None:
        # Each host sends half its body, then waits until the other has too: on a shared
        # temporary file the two writers would overwrite each other's bytes.
        body = bodies[file_id]
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        writer.write(body[: len(body) // 2])
        await writer.drain()
        halfway[file_id].set()
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in halfway.values())), 5)
        writer.write(body[len(body) // 2 :])

    target = tmp_path / "shared.bin"
    async with HostileHost(interleaved) as host, client(host) as api:
        written = await asyncio.gather(
            api.files.download("file_a", target), api.files.download("file_b", target)
        )
    assert list(written) == [300_000, 300_000]
    assert target.read_bytes() in bodies.values()
    assert leftovers(tmp_path) == ["shared.bin"]


async def test_a_disk_error_while_writing_is_typed_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("extend_async._download.os.write", full)
    target = tmp_path / "x.pdf"
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        with pytest.raises(LocalFileError) as caught:
            await api.files.download(FILE_ID, target)
    assert caught.value.errno == 28
    assert caught.value.path == str(target)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("case", ["folder", "empty", "missing parent", "dot"])
def test_the_cli_says_what_is_wrong_with_dest_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    (tmp_path / "folder").mkdir()
    dest = {
        "folder": str(tmp_path / "folder"),
        "empty": "",
        "missing parent": str(tmp_path / "nope" / "x.pdf"),
        "dot": ".",
    }[case]
    with ExtendEmulator(seed=3).run_in_thread() as emu:
        monkeypatch.setenv("EXTEND_BASE_URL", emu.base_url)
        monkeypatch.setenv("EXTEND_API_KEY", emu.api_key)
        code = main(["files", "download", "file_abc", dest])
        assert sum(emu.request_counts.values()) == 0
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "dest" in err


@pytest.mark.parametrize("name", ["é" * 120 + ".pdf", "x" * 250, "a b\tc.pdf"])
async def test_a_long_or_odd_name_still_gets_a_temporary_file(tmp_path: Path, name: str) -> None:
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        assert await api.files.download(FILE_ID, tmp_path / name) == len(BODY)
    assert leftovers(tmp_path) == [name]
    assert (tmp_path / name).read_bytes() == BODY

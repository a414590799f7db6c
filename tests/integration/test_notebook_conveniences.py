"""Conveniences for notebooks and services, against the emulator over loopback: ``create``
with a ``str`` path, the upload of a refused run cleaned up, ``wait_many``, and
``progress=True`` on the bulk calls."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from extend_async import (
    AsyncExtend,
    Classification,
    ClassifyConfig,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    PollPolicy,
    WaitTimeoutError,
)
from extend_async.testing import ExtendEmulator
from extend_sync import Extend

CONFIG = ClassifyConfig(
    classifications=(Classification(id="invoice", type="invoice", description="An invoice"),)
)
QUICK = PollPolicy(interval=0.01, fast_phase=0, jitter=0)


@pytest.fixture
def invoice(tmp_path: Path) -> Path:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(b"%PDF-1.4\n...")
    return path


async def test_create_takes_a_str_path_as_files_upload_does(
    emu: ExtendEmulator, api: AsyncExtend, invoice: Path
) -> None:
    run = await api.classify_runs.create(file=str(invoice), config=CONFIG)
    assert run.file is not None
    assert list(emu.files) == [run.file.id]
    assert emu.files[run.file.id].read() == invoice.read_bytes()


async def test_a_url_given_as_a_path_is_refused_before_anything_is_sent(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    with pytest.raises(InvalidInputError, match="FileFromUrl"):
        await api.classify_runs.create(file="https://example.com/a.pdf", config=CONFIG)
    assert sum(emu.request_counts.values()) == 0


async def test_the_upload_of_a_refused_run_is_deleted(
    emu: ExtendEmulator, api: AsyncExtend, invoice: Path
) -> None:
    with pytest.raises(NotFoundError):
        await api.classify_runs.create(file=invoice, classifier="cl_nope")
    # Uploaded, then deleted when the run was refused.
    assert [record.deleted for record in emu.files.values()] == [True]
    assert emu.request_counts["file_delete"] == 1


async def test_the_upload_is_kept_when_the_run_may_have_started(
    emu: ExtendEmulator, api: AsyncExtend, invoice: Path
) -> None:
    emu.faults.update(route="create", error_rate=1.0)  # a 500: the run's fate is unknown
    with pytest.raises(InternalServerError):
        await api.classify_runs.create(file=invoice, config=CONFIG)
    assert [record.deleted for record in emu.files.values()] == [False]
    assert emu.request_counts["file_delete"] == 0


async def test_wait_many_returns_the_runs_in_input_order(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    done = emu.seed_runs(3, status="PROCESSED")
    failed = emu.seed_runs(1, status="FAILED")
    ids = [done[2], failed[0], done[0], done[2], done[1]]  # a repeat too
    runs = await api.classify_runs.wait_many(ids, poll=QUICK, deadline=5)
    assert [run.id for run in runs] == ids
    assert [run.status for run in runs] == ["PROCESSED", "FAILED", *["PROCESSED"] * 3]
    assert await api.classify_runs.wait_many([]) == []


async def test_wait_many_at_the_deadline_gives_every_run_as_last_seen(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    (finished,) = emu.seed_runs(1, status="PROCESSED")
    (going,) = emu.seed_runs(1)
    with pytest.raises(WaitTimeoutError) as caught:
        await api.classify_runs.wait_many([going, finished], poll=QUICK, deadline=0.05)
    assert [(r.id, r.status) for r in caught.value.last] == [
        (going, "PROCESSING"),
        (finished, "PROCESSED"),
    ]
    assert emu.runs[going].status == "PROCESSING"  # the run goes on


async def test_wait_many_can_cancel_the_runs_still_going(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    (finished,) = emu.seed_runs(1, status="PROCESSED")
    going = emu.seed_runs(3)
    (pending,) = emu.seed_runs(1, status="PENDING")  # a cancel is refused: as it is
    runs = await api.classify_runs.wait_many(
        [going[0], finished, pending, *going[1:]],
        poll=QUICK,
        deadline=0.05,
        concurrency=2,
        cancel_on_timeout=True,
    )
    assert [(r.id, r.status) for r in runs] == [
        (going[0], "CANCELLED"),
        (finished, "PROCESSED"),
        (pending, "PENDING"),
        (going[1], "CANCELLED"),
        (going[2], "CANCELLED"),
    ]
    assert [emu.runs[id].status for id in going] == ["CANCELLED"] * 3


async def test_wait_many_raises_other_errors_and_checks_ids_first(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    (going,) = emu.seed_runs(1)
    with pytest.raises(NotFoundError):
        await api.classify_runs.wait_many([going, "clr_missing"], poll=QUICK, deadline=5)
    with pytest.raises(InvalidInputError):
        await api.classify_runs.wait_many([going, "a/b"], poll=QUICK)
    with pytest.raises(InvalidInputError, match="concurrency"):
        await api.classify_runs.wait_many([going], concurrency=0)
    with pytest.raises(InvalidInputError, match="not one string"):
        await api.classify_runs.wait_many(going)


def test_the_sync_client_waits_for_many_runs() -> None:
    with ExtendEmulator(seed=2).run_in_thread() as emu:
        ids = emu.seed_runs(4, status="PROCESSED")
        with Extend(emu.api_key, base_url=emu.base_url) as client:
            runs = client.classify_runs.wait_many(ids, poll=QUICK, deadline=5)
    assert [run.id for run in runs] == ids


async def test_progress_without_tqdm_is_a_line_on_stderr(
    emu: ExtendEmulator,
    api: AsyncExtend,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # as if not installed
    ids = emu.seed_runs(5)
    seen: list[int] = []
    result = await api.classify_runs.cancel_many(
        ids, progress=True, on_progress=lambda p: seen.append(p.done)
    )
    assert result.counts.cancelled == 5
    assert seen[-1] == 5  # the caller's callback still gets every report
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("cancel_many: 5/5 done")
    assert "cancelled 5" in err


async def test_progress_with_tqdm_is_a_bar(
    emu: ExtendEmulator, api: AsyncExtend, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm.auto")
    emu.seed_runs(4)
    result = await api.classify_runs.cancel_all(progress=True)
    assert result.counts.cancelled == 4
    err = capsys.readouterr().err
    assert "cancel_all" in err
    assert "cancelled 4" in err


async def test_progress_must_be_a_bool(emu: ExtendEmulator, api: AsyncExtend) -> None:
    with pytest.raises(InvalidInputError, match="progress"):
        await api.classify_runs.cancel_many(["clr_1"], progress="yes")  # type: ignore[arg-type]


def test_the_sync_client_shows_progress_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # as if not installed
    with ExtendEmulator(seed=4).run_in_thread() as emu:
        ids = emu.seed_runs(3)
        with Extend(emu.api_key, base_url=emu.base_url) as client:
            result = client.classify_runs.cancel_many(ids, progress=True)
    assert result.counts.cancelled == 3
    assert capsys.readouterr().err.splitlines()[-1].startswith("cancel_many: 3/3 done")
    assert "<td>cancelled</td><td>3</td>" in result._repr_html_()

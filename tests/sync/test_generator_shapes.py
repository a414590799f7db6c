"""The generator on a made-up resource with every shape it mirrors, run through a portal."""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extend_async._transport import SessionHolder
from extend_sync import PortalThreadError, SyncPager
from extend_sync._portal import Portal
from scripts import generate_sync

WIDGETS = '''\
"""Widgets: every shape the generator mirrors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from .._pagination import AsyncPager
from .._raw import with_raw
from ..types import Page

if TYPE_CHECKING:
    from ..types import ClassifyRun

__all__ = ["AsyncGears", "AsyncWidgets", "AsyncWidgetsWithRawResponse"]

Mode = Literal["fast", "slow"]
DEFAULT_SIZE = 3


class AsyncGears:
    """Gears: a sub-resource."""

    def __init__(self, log: list[str]) -> None:
        self._log = log

    async def turn(self, times: int = 1) -> str:
        """Turn the gears."""
        return "turned " * times


class AsyncWidgets:
    """Widgets of every kind."""

    def __init__(self, log: list[str]) -> None:
        self._log = log
        self.gears = AsyncGears(log)

    async def make(
        self, name: str, /, *parts: str, mode: Mode = "fast", size: int = DEFAULT_SIZE, **extra: int
    ) -> dict[str, object]:
        """Make a widget."""
        return {"name": name, "parts": parts, "mode": mode, "size": size, "extra": extra}

    async def latest(self) -> ClassifyRun | None:
        return None

    async def fail(self, message: str) -> None:
        raise KeyError(message)

    async def count_up(self, limit: int) -> AsyncIterator[int]:
        """``async for`` the numbers below ``limit``."""
        try:
            for number in range(limit):
                self._log.append(f"up {number}")
                yield number
        finally:
            self._log.append("up closed")

    def count_down(self, start: int) -> AsyncIterator[int]:
        if start < 0:
            raise ValueError("start must not be negative")
        return self._down(start)

    async def _down(self, start: int) -> AsyncIterator[int]:
        for number in range(start, 0, -1):
            yield number

    def numbers(self, *, page_size: int = 2) -> AsyncPager[int]:
        """``await`` the result for the first page, ``async for`` it for every number."""
        log = self._log

        async def fetch(token: str | None) -> Page[int]:
            start = int(token or 0)
            log.append(f"page {start}")
            following = str(start + page_size) if start + page_size < 5 else None
            data = tuple(range(start, min(start + page_size, 5)))
            return Page(data=data, next_page_token=following)

        return AsyncPager(fetch)

    def session(self, label: str) -> AbstractAsyncContextManager[str]:
        """``async with`` it."""
        return self._session(label)

    @asynccontextmanager
    async def _session(self, label: str) -> AsyncIterator[str]:
        self._log.append(f"enter {label}")
        try:
            yield label.upper()
        finally:
            self._log.append(f"exit {label}")

    @property
    def label(self) -> str:
        """A plain property, forwarded."""
        return "widgets"

    def spare_gears(self) -> AsyncGears:
        return AsyncGears(self._log)

    async def fetch_gears(self) -> AsyncGears:
        return self.gears

    @cached_property
    def with_raw_response(self) -> AsyncWidgetsWithRawResponse:
        return AsyncWidgetsWithRawResponse(self)


class AsyncWidgetsWithRawResponse:
    def __init__(self, widgets: AsyncWidgets) -> None:
        self.make = with_raw(widgets.make)
'''

RELATIVE = Path("extend_async/resources/widgets.py")


def render(tmp_path: Path, source_text: str) -> str:
    (tmp_path / RELATIVE).parent.mkdir(parents=True)
    (tmp_path / RELATIVE).write_text(source_text)
    source = generate_sync.Source.read(tmp_path, RELATIVE)
    out = generate_sync.OUT_DIR / RELATIVE.name
    targets = generate_sync.module_targets(source)
    text = generate_sync.Generator(targets).module(targets)
    return generate_sync.ruff_format({out: text})[out]


def load(name: str, text: str, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__package__ = name.rsplit(".", 1)[0]
    monkeypatch.setitem(sys.modules, name, module)
    exec(compile(text, name, "exec"), module.__dict__)
    return module


@pytest.fixture
def generated(tmp_path: Path) -> str:
    return render(tmp_path, WIDGETS)


@pytest.fixture
def widgets(generated: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[str]]]:
    async_module = load("extend_async.resources.widgets", WIDGETS, monkeypatch)
    sync_module = load("extend_sync._generated.widgets", generated, monkeypatch)
    log: list[str] = []
    portal = Portal(SessionHolder(connection_limit=1))
    yield sync_module.Widgets(portal, async_module.AsyncWidgets(log)), log
    portal.close()


def test_the_output_is_formatted_and_lint_clean(generated: str, tmp_path: Path) -> None:
    pytest.importorskip("ruff")
    path = tmp_path / "widgets_out.py"
    path.write_text(generated)
    for command in (["format", "--check"], ["check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--config", "pyproject.toml", str(path)],
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_signatures_and_docstrings_are_kept(generated: str) -> None:
    assert generated.startswith("# Generated by scripts/generate_sync.py")
    assert (
        'self, name: str, /, *parts: str, mode: Mode = "fast", size: int = DEFAULT_SIZE, '
        "**extra: int"
    ) in generated
    assert "from extend_async.resources.widgets import (" in generated
    assert "from extend_async.types import ClassifyRun\n" in generated
    assert '"""Make a widget."""' in generated
    # Async idioms in a docstring are reworded for the sync shape.
    assert '"""``for`` the numbers below ``limit``."""' in generated
    assert "call ``first_page()`` for the first page, iterate it for every number." in generated
    assert '"""``with`` it."""' in generated


def test_coroutines_become_blocking_calls(widgets: tuple[Any, list[str]]) -> None:
    sync, _ = widgets
    made = sync.make("w", "a", "b", mode="slow", colour=3)
    assert made == {
        "name": "w",
        "parts": ("a", "b"),
        "mode": "slow",
        "size": 3,
        "extra": {"colour": 3},
    }
    assert sync.latest() is None
    with pytest.raises(KeyError, match="boom"):
        sync.fail("boom")


def test_async_iterators_become_iterators_and_are_closed_when_left(
    widgets: tuple[Any, list[str]],
) -> None:
    sync, log = widgets
    assert list(sync.count_up(3)) == [0, 1, 2]
    assert log[-1] == "up closed"
    log.clear()
    numbers = sync.count_up(10)
    assert next(numbers) == 0
    numbers.close()
    assert log == ["up 0", "up closed"]
    assert list(sync.count_down(3)) == [3, 2, 1]
    with pytest.raises(ValueError, match="negative"):
        sync.count_down(-1)  # checked when called, as in the async method


def test_pagers_become_sync_pagers(widgets: tuple[Any, list[str]]) -> None:
    sync, log = widgets
    pager = sync.numbers()
    assert isinstance(pager, SyncPager)
    assert log == []
    assert list(pager) == [0, 1, 2, 3, 4]
    assert log == ["page 0", "page 2", "page 4"]


def test_async_context_managers_become_context_managers(
    widgets: tuple[Any, list[str]],
) -> None:
    sync, log = widgets
    with sync.session("s") as value:
        assert value == "S"
        assert log == ["enter s"]
    assert log == ["enter s", "exit s"]


def test_sub_resources_properties_and_raw_responses(widgets: tuple[Any, list[str]]) -> None:
    sync, _ = widgets
    assert sync.label == "widgets"
    assert sync.gears.turn(2) == "turned turned "
    assert sync.spare_gears().turn() == "turned "
    assert sync.fetch_gears().turn() == "turned "
    assert type(sync.gears).__name__ == "Gears"
    raw = sync.with_raw_response
    assert raw is sync.with_raw_response  # cached, as in the async class
    assert type(raw).__name__ == "WidgetsWithRawResponse"
    assert callable(raw.make)


def test_a_call_from_the_loop_thread_raises_a_clear_error(
    widgets: tuple[Any, list[str]],
) -> None:
    sync, _ = widgets
    portal: Portal = sync._portal

    async def from_inside() -> None:
        sync.label  # forwarding needs no crossing  # noqa: B018
        sync.make("x")

    with pytest.raises(PortalThreadError, match="AsyncExtend"):
        portal.call(from_inside)


@pytest.mark.parametrize(
    ("member", "message"),
    [
        ("    @staticmethod\n    def helper() -> int:\n        return 1\n", "decorators"),
        ("    async def many(self) -> list[AsyncGears]:\n        return []\n", "async type"),
        ("    async def untyped(self):\n        return 1\n", "return annotation"),
    ],
)
def test_a_shape_it_cannot_mirror_stops_the_generator(
    tmp_path: Path, member: str, message: str
) -> None:
    source = WIDGETS.replace("    @property\n", member + "\n    @property\n", 1)
    with pytest.raises(generate_sync.GenerationError, match=message):
        render(tmp_path, source)

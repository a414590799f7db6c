"""The generator's rules table, its unused-rule check, and each rule on a made-up resource
with the shapes the real source uses, run through a portal."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extend_async._transport import SessionHolder
from extend_sync import SyncPager
from extend_sync._portal import Portal
from scripts import generate_sync

ROOT = Path(__file__).resolve().parents[2]
RELATIVE = Path("extend_async/resources/widgets.py")

WIDGETS = '''\
"""Widgets: the shapes the generator mirrors."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from .._pagination import AsyncPager
from .._raw import with_raw
from ..types import Page

if TYPE_CHECKING:
    from ..types import ClassifyRun

__all__ = ["AsyncWidgets", "AsyncWidgetsWithRawResponse"]

Mode = Literal["fast", "slow"]
DEFAULT_SIZE = 3


class AsyncWidgets:
    """Widgets of every kind."""

    def __init__(self, log: list[str]) -> None:
        self._log = log

    async def make(
        self, name: str, /, *parts: str, mode: Mode = "fast", size: int = DEFAULT_SIZE, **extra: int
    ) -> dict[str, object]:
        """Make a widget."""
        return {"name": name, "parts": parts, "mode": mode, "size": size, "extra": extra}

    async def latest(self) -> ClassifyRun | None:
        return None

    def count(self, ids: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[str]:
        """Yield each id; ``async for`` it."""
        return self._count(ids)

    async def _count(self, ids: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[str]:
        for id in ids:  # type: ignore[union-attr]
            self._log.append(id)
            yield id

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

    @property
    def label(self) -> str:
        return "widgets"

    @cached_property
    def with_raw_response(self) -> AsyncWidgetsWithRawResponse:
        return AsyncWidgetsWithRawResponse(self)


class AsyncWidgetsWithRawResponse:
    def __init__(self, widgets: AsyncWidgets) -> None:
        self.make = with_raw(widgets.make)
'''


def render(tmp_path: Path, source_text: str) -> tuple[str, dict[str, int]]:
    (tmp_path / RELATIVE).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / RELATIVE).write_text(source_text)
    source = generate_sync.Source.read(tmp_path, RELATIVE)
    targets = generate_sync.module_targets(source)
    generator = generate_sync.Generator(targets, '"""The client."""')
    out = generate_sync.OUT_DIR / RELATIVE.name
    return generate_sync.ruff_format({out: generator.module(targets)})[out], generator.used


def load(name: str, text: str, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__package__ = name.rsplit(".", 1)[0]
    monkeypatch.setitem(sys.modules, name, module)
    exec(compile(text, name, "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, int]]:
    return render(tmp_path_factory.mktemp("widgets"), WIDGETS)


@pytest.fixture
def widgets(
    rendered: tuple[str, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, list[str]]]:
    async_module = load("extend_async.resources.widgets", WIDGETS, monkeypatch)
    sync_module = load("extend_sync._generated.widgets", rendered[0], monkeypatch)
    log: list[str] = []
    portal = Portal(SessionHolder(connection_limit=1))
    yield sync_module.Widgets(portal, async_module.AsyncWidgets(log)), log
    portal.close()


def test_every_rule_is_used_by_the_real_source_and_check_passes() -> None:
    _, used = generate_sync.generate(ROOT)
    assert [rule for rule in generate_sync.RULES if not used[rule]] == []
    assert generate_sync.main(["--check"]) == 0


def test_check_fails_naming_a_rule_nothing_uses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = {**generate_sync.RULES, "``async with``": ("doc", "``with``")}
    monkeypatch.setattr(generate_sync, "RULES", rules)
    assert generate_sync.main(["--check"]) == 1
    assert "rule '``async with``' is used by nothing" in capsys.readouterr().err


def test_signatures_imports_and_docstrings(rendered: tuple[str, dict[str, int]]) -> None:
    text, used = rendered
    assert text.startswith("# Generated by scripts/generate_sync.py")
    assert 'self, name: str, /, *parts: str, mode: Mode = "fast", size: int = DEFAULT_SIZE' in text
    names = "DEFAULT_SIZE,\n    AsyncWidgets,\n    AsyncWidgetsWithRawResponse,\n    Mode,\n)"
    assert f"from extend_async.resources.widgets import (\n    {names}" in text
    assert "from extend_async.types import ClassifyRun, Page\n" not in text  # Page is unused
    assert "from extend_async.types import ClassifyRun\n" in text
    assert "def count(self, ids: Iterable[str]) -> Iterator[str]:" in text
    assert '"""Yield each id; iterate it."""' in text
    assert "call ``first_page()`` for the first page, iterate it for every number." in text
    assert "-> RawResponse[dict[str, object]]:" in text
    assert {rule: used[rule] for rule in ("AsyncIterable", "AsyncIterator", "raw")} == {
        "AsyncIterable": 1,
        "AsyncIterator": 1,
        "raw": 1,
    }


def test_the_mirrored_shapes_run_through_the_portal(widgets: tuple[Any, list[str]]) -> None:
    sync, log = widgets
    made = sync.make("w", "a", mode="slow", colour=3)
    assert made == {"name": "w", "parts": ("a",), "mode": "slow", "size": 3, "extra": {"colour": 3}}
    assert sync.latest() is None
    assert list(sync.count(["a", "b"])) == ["a", "b"]
    pager = sync.numbers()
    assert isinstance(pager, SyncPager)
    assert list(pager) == [0, 1, 2, 3, 4]
    assert log == ["a", "b", "page 0", "page 2", "page 4"]
    assert sync.label == "widgets"
    raw = sync.with_raw_response
    assert raw is sync.with_raw_response  # cached, as in the async class
    assert type(raw).__name__ == "WidgetsWithRawResponse"
    with pytest.raises(TypeError, match="API resource"):  # reached with_raw's wrapper
        raw.make("w")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    @property\n", "    @staticmethod\n", "not mirrored"),
        ("-> dict[str, object]:", "-> list[AsyncWidgets]:", "cannot mirror the async type"),
        (
            "ids: Iterable[str] | AsyncIterable[str]) -> AsyncIterator",
            "ids: AsyncIterable[str]) ->" " AsyncIterator",
            "cannot mirror the async type AsyncIterable",
        ),
        ("async def latest(self) -> ClassifyRun | None:", "async def latest(self):", "annotation"),
        ("async def latest(self) -> ClassifyRun", "async def latest(self) -> Gadget", "Gadget"),
        ("with_raw(widgets.make)", "with_raw(widgets.numbers)", "with_raw"),
        ('__all__ = ["AsyncWidgets"', '__all__ = ["AsyncMissing", "AsyncWidgets"', "AsyncMissing"),
    ],
)
def test_a_source_it_cannot_mirror_stops_the_generator(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in WIDGETS
    with pytest.raises(generate_sync.GenerationError, match=message):
        render(tmp_path, WIDGETS.replace(old, new, 1))

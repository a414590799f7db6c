"""The split CONTRIBUTING.md describes: HTTP is mocked in tests/unit only, which opens no
socket."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
CONTRIBUTING = TESTS.parent / "CONTRIBUTING.md"

MOCKS_HTTP = re.compile(r"^\s*(from|import) aioresponses\b", re.MULTILINE)
REAL_SOCKETS = re.compile(
    r"\b(ExtendEmulator|extend_async\.testing|aiohttp\.web|TestServer|socket\.socket)\b"
)


def sources(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.py"))


def test_only_unit_tests_mock_http() -> None:
    mocking = {
        p.relative_to(TESTS).as_posix() for p in sources(TESTS) if MOCKS_HTTP.search(p.read_text())
    }
    assert mocking
    assert {p for p in mocking if not p.startswith("unit/")} == set()


def test_unit_tests_open_no_socket() -> None:
    unit = sources(TESTS / "unit")
    assert unit
    assert [p.name for p in unit if REAL_SOCKETS.search(p.read_text())] == []


def test_contributing_names_every_test_directory() -> None:
    text = CONTRIBUTING.read_text()
    directories = [p.name for p in TESTS.iterdir() if any(p.glob("test_*.py"))]
    assert directories
    assert [d for d in directories if f"`tests/{d}/`" not in text] == []

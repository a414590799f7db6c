"""Settings shared by every test directory."""

from __future__ import annotations

import pytest
from tooling._outside_reads import RECORDER


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's own Extend settings."""
    for name in ("EXTEND_API_KEY", "EXTEND_BASE_URL", "EXTEND_WORKSPACE_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_decode_warnings() -> None:
    """Each test sees the once-per-path decode warnings from the start."""
    from extend_async._lenient import forget_warnings

    forget_warnings()


# Every file a test opens must be inside the repository (tooling/_outside_reads.py): the
# hook is installed before collection, so imports that read files are watched as well.
def pytest_configure(config: pytest.Config) -> None:
    if not RECORDER.active:
        RECORDER.install()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    RECORDER.where = item.nodeid


def pytest_sessionfinish(session: pytest.Session) -> None:
    if RECORDER.found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if RECORDER.found:
        terminalreporter.section("files read outside the repository", red=True)
        for line in RECORDER.report():
            terminalreporter.line(line)
        terminalreporter.line("Tests read only what the repository holds (CONTRIBUTING.md).")

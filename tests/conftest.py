"""Settings shared by every test directory."""

from __future__ import annotations

import pytest


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

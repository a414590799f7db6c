"""Catches a test that reads a file beside the repository instead of inside it.

A clone on its own must pass ``make test``: a test that reads ``../something`` passes only
on a machine where that folder happens to exist. ``tests/conftest.py`` installs one
``sys.addaudithook`` hook for the session (an audit hook cannot be removed, so it is added
once and switched on and off); every ``open`` (``open``, ``io.open``, ``Path.open``,
``Path.read_text`` / ``read_bytes``) and directory listing of a path under the repository's
parent but not under the repository is written down with the test that did it, and the
session fails at the end listing them. Subprocesses are not watched: the static scan in
``test_reads_inside_repo.py`` covers their sources.
"""

from __future__ import annotations

import os
import site
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The audit events that read a path: ``open`` covers every way of opening a file.
EVENTS = frozenset({"open", "os.listdir", "os.scandir"})


def _prefix(path: str | Path) -> str:
    text = os.path.normpath(os.fspath(path))
    return text if text.endswith(os.sep) else text + os.sep


def allowed_places() -> tuple[str, ...]:
    """Places outside the repository any test may read, even when the repository's parent
    is the filesystem root: the interpreter, its packages, temporary files, the system.

    A repository cloned straight into the temporary folder therefore has its runtime check
    switched off (its siblings there cannot be told from temporary files); the source scan
    still runs."""
    places = [sys.prefix, sys.base_prefix, sys.exec_prefix, tempfile.gettempdir()]
    places += site.getsitepackages() if hasattr(site, "getsitepackages") else []
    places += ["/dev", "/proc", "/sys", "/etc", "/usr", "/lib", "/lib64", "/var", "/run"]
    return tuple(_prefix(p) for p in places)


class OutsideReads:
    """Records the paths beside ``repo`` that are opened while it is active."""

    def __init__(self, repo: Path = REPO, allowed: tuple[str, ...] | None = None) -> None:
        self.repo = _prefix(repo)
        self.parent = _prefix(repo.parent)
        self.allowed = allowed_places() if allowed is None else allowed
        self.active = False
        self.where = "collection"
        self.found: dict[str, str] = {}  # path -> the first test that read it

    def install(self) -> None:
        sys.addaudithook(self.hook)
        self.active = True

    def hook(self, event: str, args: tuple[object, ...]) -> None:
        # Called for every audit event of the process: the cheap test comes first, and
        # nothing here may raise into the code being audited.
        if event not in EVENTS or not self.active or not args:
            return
        try:
            self.check(args[0])
        except Exception:  # a path this cannot read is not a sibling's
            return

    def check(self, path: object) -> None:
        if not isinstance(path, str | bytes | os.PathLike):  # a file descriptor, or None
            return
        text = os.fsdecode(os.fspath(path))
        full = os.path.normpath(os.path.join(os.getcwd(), text))
        probe = full + os.sep
        if (
            probe.startswith(self.parent)
            and probe != self.parent  # the parent folder itself (a temporary file in it)
            and not probe.startswith(self.repo)
            and not probe.startswith(self.allowed)
        ):
            self.found.setdefault(full, self.where)

    def report(self) -> list[str]:
        return [f"{path} (read by {where})" for path, where in sorted(self.found.items())]


RECORDER = OutsideReads()

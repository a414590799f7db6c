"""Prints one ``name==version`` per runtime dependency, at the floor ``pyproject.toml`` declares.

``make test-matrix`` installs these together (the ``floors`` entry) so the lowest versions we
promise are the ones tested, all at once. A dependency without a ``>=`` floor is an error:
every runtime dependency must say the oldest release it works with.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

# The Makefile runs this with the main interpreter (3.11), which has tomllib; mypy checks the
# project as 3.10, so the module is looked up by name.
tomllib = importlib.import_module("tomllib")

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
# Runtime dependencies whose floor the test environment cannot install, with the reason: a
# dev dependency needs a newer release. They are left to pip (the newest the tests allow).
ABOVE_THE_FLOOR_IN_TESTS = {
    "typing_extensions": "extend-ai (dev) needs pydantic, which needs typing_extensions>=4.16",
}
FLOOR = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")


def floors(dependencies: list[str]) -> list[str]:
    pins = []
    for requirement in dependencies:
        requirement = requirement.split(";")[0]  # a marker: pinned for every Python all the same
        match = FLOOR.match(requirement)
        assert match is not None, requirement
        name, specifiers = match.groups()
        if name in ABOVE_THE_FLOOR_IN_TESTS:
            continue
        lower = [s.strip()[2:].strip() for s in specifiers.split(",") if s.strip().startswith(">=")]
        if len(lower) != 1:
            raise SystemExit(f"{requirement!r} declares no single '>=' floor")
        pins.append(f"{name}=={lower[0]}")
    return pins


def main() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    print(" ".join(floors(project["dependencies"])))


if __name__ == "__main__":
    main()

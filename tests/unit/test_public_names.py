"""Every public name of the models stays importable: a program written against an earlier
version keeps working when the models are generated again.

``tests/fixtures/public_names.txt`` lists the names (``module:Name`` or
``module:Enum.MEMBER``) as they were when the whole API's models were first generated. A
name the generator (or a hand edit) would drop or rename fails here by name: keep it as an
alias that emits a ``DeprecationWarning``, and add the new name to the list.
"""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "public_names.txt"


def _names() -> list[str]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_the_list_covers_the_packages_and_the_models() -> None:
    modules = {line.split(":")[0] for line in _names()}
    assert {"extend_async", "extend_async.types", "extend_sync", "extend_async.webhooks"} <= modules
    assert "extend_async.types:ClassifyRun" in _names()
    assert "extend_async.types:ExtractRun" in _names()
    assert "extend_async.types:RunStatus.PROCESSED" in _names()


def test_every_public_name_still_imports() -> None:
    missing = []
    for line in _names():
        module_name, _, dotted = line.partition(":")
        value: object = importlib.import_module(module_name)
        with warnings.catch_warnings():
            # An old name kept as an alias warns when used: it still counts as importable.
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                for part in dotted.split("."):
                    value = getattr(value, part)
            except AttributeError:
                missing.append(line)
    assert missing == [], (
        "public names that no longer import (keep each as an alias with a DeprecationWarning):"
        + "".join(f"\n  {name}" for name in missing)
    )


@pytest.mark.parametrize("name", ["Unknown", "ClassifyRunz"])
def test_a_name_never_public_is_an_attribute_error(name: str) -> None:
    from extend_async import types

    with pytest.raises(AttributeError):
        getattr(types, name)

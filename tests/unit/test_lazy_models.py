"""The generated models cost nothing until used: ``import extend_async`` loads none of the
group modules, and a name loads its own group's module (with ``common``), no other."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from extend_async import types
from extend_async.types._generated import MODULE_OF

GENERATED = "extend_async.types._generated"
# Loaded with the package: the name -> module index, and the event types (an enum).
ALWAYS = {GENERATED, f"{GENERATED}.webhook_event_types"}


def _generated_modules_after(code: str) -> set[str]:
    """The generated modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(done.stdout.splitlines()[-1])
    return {name for name in loaded if name.startswith(GENERATED)}


def test_importing_the_packages_loads_no_generated_group() -> None:
    code = "import extend_async, extend_async.webhooks, extend_async.types, extend_sync"
    assert _generated_modules_after(code) == ALWAYS


@pytest.mark.parametrize(
    ("name", "group"),
    [("Extractor", "extract"), ("WorkflowVersion", "workflows"), ("ExtractRun", "common")],
)
def test_a_generated_name_loads_its_group_and_no_other(name: str, group: str) -> None:
    assert MODULE_OF[name] == group
    loaded = _generated_modules_after(f"from extend_async.types import {name}")
    assert loaded - ALWAYS <= {f"{GENERATED}.{group}", f"{GENERATED}.common"}
    assert f"{GENERATED}.{group}" in loaded


def test_every_generated_name_resolves_to_the_class_of_its_module() -> None:
    for name, module in MODULE_OF.items():
        value = getattr(types, name)
        assert value is getattr(sys.modules[f"{GENERATED}.{module}"], name), name
    assert set(MODULE_OF) <= set(dir(types))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchModel"):
        types.NoSuchModel  # noqa: B018


def test_a_request_dict_loads_the_dicts_and_no_model_group() -> None:
    # The dicts name the models for type checkers only: using one loads no group module.
    assert MODULE_OF["WorkflowStepDefinitionExtractDict"] == "params"
    code = "from extend_async.types import WorkflowStepDefinitionExtractDict, ParseConfigDict"
    assert _generated_modules_after(code) - ALWAYS == {f"{GENERATED}.params"}

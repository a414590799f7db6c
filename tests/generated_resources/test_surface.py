"""Every endpoint of the schema is a method, async and sync; the client's resources are made
(and their modules imported) on first use; derived clients keep sharing one pool."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from schema._schema import endpoints
from unit.resources._schema_calls import method_name, owner

from extend_async import AsyncExtend
from extend_sync import Extend
from scripts import generate_resources
from scripts.generate_resources import HAND_WRITTEN, ROOT_NAMESPACE, attribute_of

ROOT = Path(__file__).resolve().parents[2]
ATTRIBUTES = sorted(
    {attribute_of(e["namespace"]) for e in endpoints() if e["namespace"] != ROOT_NAMESPACE}
    | set(HAND_WRITTEN)
)


def test_every_endpoint_of_the_schema_is_a_method_of_both_clients() -> None:
    async_client = AsyncExtend("sk_test", base_url="http://127.0.0.1:9")
    sync_client = Extend("sk_test", base_url="http://127.0.0.1:9")
    missing = [
        f"{type(client).__name__}: {e['namespace']}.{e['method']}"
        for e in endpoints()
        for client in (async_client, sync_client)
        if not callable(getattr(owner(client, e), method_name(e), None))
    ]
    sync_client.close()
    assert len(endpoints()) == 117
    assert missing == []


def test_the_clients_help_names_every_resource() -> None:
    for client in (AsyncExtend, Extend):
        doc = client.__doc__ or ""
        assert [name for name in ATTRIBUTES if f"``{name}``" not in doc] == []


def loaded_after(code: str) -> set[str]:
    """The modules of our packages loaded after ``code`` runs in a fresh interpreter."""
    script = (
        f"{code}\nimport sys\nprint('\\n'.join(m for m in sys.modules if m.startswith('extend_')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return set(done.stdout.split())


def resource_modules(modules: set[str]) -> set[str]:
    """The modules of resource classes, async or sync (not the helpers they share)."""
    found = set()
    for module in modules:
        package, _, name = module.rpartition(".")
        if name.startswith("_"):
            continue
        if package in {"extend_async.resources", "extend_async.resources._generated"}:
            found.add(module)
        if package == "extend_sync._generated":
            found.add(module)
    return found


def test_importing_the_packages_loads_no_resource_and_no_model_group() -> None:
    for code in ("import extend_async", "from extend_sync import Extend"):
        modules = loaded_after(code)
        assert resource_modules(modules) == set(), code
        groups = {m for m in modules if m.startswith("extend_async.types._generated.")}
        assert groups <= {"extend_async.types._generated.webhook_event_types"}, code


def test_a_resource_and_its_models_load_when_first_used() -> None:
    modules = loaded_after(
        "from extend_async import AsyncExtend\n"
        "AsyncExtend('sk', base_url='http://127.0.0.1:9').extract_runs"
    )
    assert "extend_async.resources._generated.extract_runs" in modules
    assert "extend_async.resources._generated.workflow_runs" not in modules
    assert "extend_async.types._generated.workflows" not in modules
    modules = loaded_after(
        "from extend_sync import Extend\n"
        "c = Extend('sk', base_url='http://127.0.0.1:9')\nc.workflow_runs\nc.close()"
    )
    assert "extend_sync._generated.workflow_runs" in modules
    assert "extend_sync._generated.extract_runs" not in modules


def test_a_resource_is_made_once_per_client_and_derived_clients_make_their_own() -> None:
    client = AsyncExtend("sk_test", base_url="http://127.0.0.1:9")
    runs: Any = client.extract_runs
    assert client.extract_runs is runs
    assert runs._requester is client._requester
    derived = client.with_options(timeout=5)
    assert derived.extract_runs is not runs
    assert derived.extract_runs._requester is derived._requester
    assert derived._requester.sessions is client._requester.sessions  # one pool
    assert type(AsyncExtend.extract_runs).__name__ == "LazyResource"  # on the class: itself


def test_the_sync_client_mirrors_resources_made_on_first_use() -> None:
    with Extend("sk_test", base_url="http://127.0.0.1:9") as client:
        runs: Any = client.workflow_runs
        assert client.workflow_runs is runs
        assert runs._async is client._async.workflow_runs
        derived = client.with_options(max_retries=0)
        assert derived.workflow_runs is not runs
        assert derived.workflow_runs._portal is client._portal


def test_the_generated_resources_are_what_the_generator_writes_now() -> None:
    files = generate_resources.generate(ROOT)
    assert generate_resources.stale(ROOT, files, write=False) == []
    assert all(text.startswith(generate_resources.HEADER) for text in files.values())


def test_each_run_kind_that_can_be_waited_for_has_wait_and_create_and_wait() -> None:
    client = AsyncExtend("sk_test", base_url="http://127.0.0.1:9")
    kinds = generate_resources.wait_kinds(ROOT)
    assert set(kinds) == {
        "extract_runs", "split_runs", "parse_runs", "workflow_runs", "verify_runs",
        "edit_runs", "form_detection_runs", "evaluation_set_runs", "processor_runs",
    }  # fmt: skip
    for attribute in kinds:
        resource = getattr(client, attribute)
        assert callable(resource.wait)
        assert callable(resource.create_and_wait)

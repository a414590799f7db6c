"""``scripts/extract_schema.py`` and the file it writes, ``api-schema/extend-api.json``.

Whether the file is current is ``make check-schema`` (part of ``make test``): it reads the
whole package, which takes seconds. These tests read the checked-in file and run the
script's parts on small inputs.
"""

from __future__ import annotations

import ast
import json
import re
import typing
from pathlib import Path
from typing import Any, Literal

import pytest

from scripts import extract_schema as script

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "api-schema" / "extend-api.json"
NAMED = re.compile(r"Extend\.([A-Za-z0-9_.]+)")


def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return loaded


def test_the_file_is_written_the_one_way_the_script_writes_it() -> None:
    text = SCHEMA.read_text(encoding="utf-8")
    assert script.render(json.loads(text)) == text  # sorted keys, two-space indent, newline


def test_it_comes_from_the_package_pinned_in_the_dev_dependencies() -> None:
    # (Read with a pattern: tomllib is not in Python 3.10.)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pins = set(re.findall(r'"(extend-ai\b[^"]*)"', pyproject))
    assert pins == {f"extend-ai=={data()['package']['version']}"}


def test_every_http_method_of_the_official_sdk_is_there() -> None:
    endpoints = data()["endpoints"]
    assert len(endpoints) == 117
    namespaces = {e["namespace"] for e in endpoints}
    assert len(namespaces - {"root"}) == 29
    assert len([e for e in endpoints if e["namespace"] != "root"]) == 110
    assert sorted(e["method"] for e in endpoints if e["namespace"] == "root") == [
        "classify",
        "detect_form",
        "edit",
        "extract",
        "parse",
        "split",
        "verify",
    ]
    keys = [(e["namespace"], e["method"]) for e in endpoints]
    assert len(set(keys)) == len(keys)


def find(namespace: str, method: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        e for e in data()["endpoints"] if (e["namespace"], e["method"]) == (namespace, method)
    ]
    assert len(found) == 1, found
    return found[0]


def test_known_endpoints_read_as_the_api_reference_states_them() -> None:
    cancel = find("classify_runs", "cancel")
    assert (cancel["http"], cancel["path"], cancel["response"]) == (
        "POST",
        "/classify_runs/{id}/cancel",
        "Extend.ClassifyRun",
    )
    assert cancel["pathParams"] == [{"name": "id", "required": True, "type": "string"}]
    assert (cancel["body"], cancel["query"], cancel["deprecated"]) == ([], [], False)

    version = find("classifier_versions", "retrieve")
    assert version["path"] == "/classifiers/{classifier_id}/versions/{version_id}"

    listing = find("classify_runs", "list")
    query = {p["name"]: p for p in listing["query"]}
    assert query["maxPageSize"] == {
        "name": "maxPageSize",
        "python": "max_page_size",
        "required": False,
        "nullable": False,
        "type": "Extend.MaxPageSize",
    }
    assert query["batchId"]["python"] == "batch_id"

    create = find("classify_runs", "create")
    body = {p["name"]: p for p in create["body"]}
    assert body["file"]["required"] is True
    assert body["file"]["type"] == "Extend.ClassifyRunsCreateRequestFile"  # not ...Params
    assert body["classifier"]["required"] is False

    upload = find("files", "upload")
    assert {p["name"]: p["type"] for p in upload["multipart"]} == {
        "file": "file",
        "password": "string",
    }
    assert [p["name"] for p in upload["query"]] == ["convertToPdf"]

    batch = find("workflow_runs", "create_batch")
    assert (batch["http"], batch["path"]) == ("POST", "/workflow_runs/batch")
    assert (find("root", "verify")["http"], find("root", "verify")["path"]) == ("POST", "/verify")


def test_the_deprecated_endpoints_are_marked() -> None:
    marked = sorted((e["namespace"], e["method"]) for e in data()["endpoints"] if e["deprecated"])
    assert marked == [("batch_processor_run", "get"), ("edit_schemas", "generate")]


def test_every_type_a_text_names_is_declared() -> None:
    types = data()["types"]
    texts = [e["response"] or "" for e in data()["endpoints"]]
    texts += [
        p["type"]
        for e in data()["endpoints"]
        for part in ("pathParams", "query", "headers", "body", "multipart")
        for p in e[part]
    ]
    for entry in types.values():
        texts += [entry.get("type", ""), *entry.get("extends", [])]
        texts += [f["type"] for f in entry.get("fields", [])]
    missing = sorted({n for text in texts for n in NAMED.findall(text)} - set(types))
    assert missing == []
    assert set(data()["roots"]) <= set(types)


def test_the_types_keep_the_shapes_the_package_declares() -> None:
    types = data()["types"]
    fields = {f["name"]: f for f in types["ClassifyRun"]["fields"]}
    assert fields["object"] == {
        "name": "object",
        "required": True,
        "nullable": False,
        "type": '"classify_run"',
    }
    assert fields["createdAt"]["type"] == "Extend.CreatedAt"  # the alias, not what it stands for
    assert types["CreatedAt"] == {"kind": "alias", "type": "datetime", "source": ANY_SOURCE}
    assert fields["output"] == {
        "name": "output",
        "required": False,
        "nullable": True,
        "type": "Extend.ClassifyOutput | null",
    }
    assert types["CreatedBy"]["discriminator"] == "type"
    assert types["CreatedBy"]["type"] == "Extend.CreatedBy.User | Extend.CreatedBy.ApiKey"
    assert types["WebhookEvent"]["discriminator"] == "eventType"
    assert types["ProcessorRunStatus"]["values"] == [
        "PENDING",
        "PROCESSING",
        "PROCESSED",
        "FAILED",
        "CANCELLED",
    ]
    assert types["ProcessorRunStatus"]["open"] is True
    assert types["ClassifyStepRun"]["extends"] == ["Extend.StepRunBase"]
    assert not any("description" in entry for entry in types.values())


class _AnySource:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.endswith(".py")


ANY_SOURCE: Any = _AnySource()


# The script's parts on small inputs.


def registry_with(**aliases: str) -> script.Registry:
    registry = script.Registry()
    for name in aliases:
        registry.markers[("m", name)] = script.alias_marker(name)
    return registry


class Model:
    pass


def test_type_texts() -> None:
    registry = registry_with(CreatedAt="CreatedAt")
    marker = registry.markers[("m", "CreatedAt")]
    entry = script.Declared("Model", "m", "Model", ast.parse("class Model: pass").body[0], "m.py")
    registry.classes[id(Model)] = entry
    cases: list[tuple[Any, str]] = [
        (str, "string"),
        (int, "integer"),
        (float, "number"),
        (bool, "boolean"),
        (Any, "unknown"),
        (marker, "Extend.CreatedAt"),
        (Model, "Extend.Model"),
        (Model | None, "Extend.Model | null"),
        (typing.Union[Model, None], "Extend.Model | null"),  # noqa: UP007 (what the package writes)
        (list[Model | str], "(Extend.Model | string)[]"),
        (typing.Sequence[Model], "Extend.Model[]"),
        (typing.Dict[str, Any], "Record<string, unknown>"),  # noqa: UP006
        (Literal["a", "b"], '"a" | "b"'),
        (typing.Annotated[str | None, "metadata"], "string | null"),
    ]
    for tp, text in cases:
        assert script.text_of(tp, registry) == text, tp
    forward = typing.List["Model"]  # noqa: UP006
    assert script.text_of(forward, registry, {"Model": Model}) == "Extend.Model[]"
    with pytest.raises(script.SchemaError):
        script.text_of(complex, registry)


def test_optional_means_the_key_may_be_absent_or_null() -> None:
    registry = registry_with()
    assert script.describe_field("a", int | None, registry, {}) == {
        "name": "a",
        "required": False,
        "nullable": True,
        "type": "integer | null",
    }
    assert script.describe_field("b", int, registry, {})["required"] is True


def test_paths_and_wire_keys_from_the_raw_client_source() -> None:
    call = ast.parse(
        'client.httpx_client.request(f"runs/{jsonable_encoder(run_id)}/items/{encode(item)}",'
        ' method="GET", params={"pageSize": page_size, "fixed": "x"})'
    ).body[0]
    assert isinstance(call, ast.Expr)
    assert isinstance(call.value, ast.Call)
    path, params = script.path_template(call.value.args[0])
    assert (path, params) == ("/runs/{run_id}/items/{item}", ["run_id", "item"])
    query = script.keyword(call.value, "params")
    assert script.wire_map(query, {"page_size"}) == [("pageSize", "page_size")]
    assert script.model_twin("p.requests.foo", "FooParams") == ("p.types.foo", "Foo")
    assert script.model_twin("p.types.foo", "Foo") == ("p.types.foo", "Foo")


def test_check_fails_on_a_stale_file_and_passes_on_a_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(script, "extract", lambda: {"types": {}, "roots": []})
    monkeypatch.setattr(script, "REPO_ROOT", tmp_path)
    output = tmp_path / "out.json"
    assert script.main(["--check", "--output", str(output)]) == 1  # missing
    assert "make schema" in capsys.readouterr().err
    assert script.main(["--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == '{\n  "roots": [],\n  "types": {}\n}\n'
    assert script.main(["--check", "--output", str(output)]) == 0
    output.write_text('{"roots": [], "types": {}}\n', encoding="utf-8")
    assert script.main(["--check", "--output", str(output)]) == 1  # same data, other layout

"""Writes ``api-schema/extend-api.json``: the shapes and endpoints of the whole Extend API, read
from the official Python package pinned in the dev dependencies (``extend-ai``).

    python scripts/extract_schema.py            # (re)write the file
    python scripts/extract_schema.py --check    # exit 1 when the file differs from the package

What is read, and how (the layout is described in ``api-schema/README.md``):

* Types: every module under ``extend_ai/types/`` and ``extend_ai/<namespace>/types/`` declares
  one type: a pydantic model, a ``StrEnum``, or an alias (a union, a list, a dict, a primitive;
  a discriminated union is an ``Annotated`` union of ``Union_Member`` models). A field's
  annotation is evaluated from the module's source in the module's own namespace, with every
  imported alias replaced by a marker class first, so ``CreatedAt`` stays ``Extend.CreatedAt``
  instead of turning into the ``datetime`` it stands for. The walk then runs over real
  ``typing`` objects (``get_origin`` / ``get_args``), never over pydantic's JSON schema, so the
  output does not change with the installed pydantic.
* Endpoints: every method of the synchronous ``Raw*Client`` classes in the ``raw_client.py``
  files, read with ``ast``: the one ``httpx_client.request(...)`` call gives the path, the HTTP
  method and the wire keys of the query, header, JSON body and multipart fields; the method's
  signature gives their Python names, types and whether they are required.

The ``requests/`` modules (the ``...Params`` TypedDicts) are the input twins of the models
with the same names: a body field typed ``FooParams`` is written as ``Extend.Foo``.

The output is sorted and formatted the same way on every supported Python (3.10-3.13).
"""

from __future__ import annotations

import argparse
import ast
import collections.abc
import datetime as dt
import enum
import importlib
import importlib.util
import json
import sys
import types as types_module
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "api-schema" / "extend-api.json"
PACKAGE = "extend_ai"
# The namespace of the client's own methods (``client.classify(...)``).
ROOT_NAMESPACE = "root"
DEPRECATED = "**Deprecated:**"

Json = dict[str, Any]


class SchemaError(Exception):
    """The package holds a shape this script does not know how to write down."""


# ---------------------------------------------------------------------------------------------
# Finding the type modules and what each declares


@dataclass
class Declared:
    """One type the package declares."""

    name: str  # the schema name (``CreatedBy.User`` for a union member)
    module: str
    attr: str  # the name in the module (``CreatedBy_User``)
    node: ast.stmt
    source: str  # the module's file, relative to the package


class AliasMarker:
    """Stands for a declared alias while annotations are evaluated (see ``namespace_of``)."""

    schema: str


def alias_marker(name: str) -> type[AliasMarker]:
    return type(f"Alias[{name}]", (AliasMarker,), {"schema": name})


@dataclass
class Registry:
    by_key: dict[tuple[str, str], Declared] = field(default_factory=dict)  # (module, attr)
    by_name: dict[str, Declared] = field(default_factory=dict)
    markers: dict[tuple[str, str], type[AliasMarker]] = field(default_factory=dict)
    classes: dict[int, Declared] = field(default_factory=dict)  # id(class) -> declared
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)  # module -> globals


def package_root() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise SchemaError(f"the {PACKAGE} package is not installed (make install)")
    return Path(spec.origin).parent


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts)


def type_modules(root: Path) -> list[Path]:
    found = list(root.glob("types/*.py")) + list(root.glob("*/types/*.py"))
    return sorted(p for p in found if p.name != "__init__.py")


def top_level(tree: ast.Module) -> list[tuple[str, ast.stmt]]:
    """The classes and module-level aliases a type module declares, in source order."""
    out: list[tuple[str, ast.stmt]] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            out.append((node.name, node))
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            # T_Result is the type variable of an enum's ``visit``.
            and node.targets[0].id != "T_Result"
        ):
            out.append((node.targets[0].id, node))
    return out


def build_registry(root: Path) -> Registry:
    registry = Registry()
    for path in type_modules(root):
        module = module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declared = top_level(tree)
        aliases = {attr for attr, node in declared if isinstance(node, ast.Assign)}
        for attr, node in declared:
            name = attr
            # ``CreatedBy_User`` beside the alias ``CreatedBy`` is the member ``CreatedBy.User``
            # (the longest such alias, should one name start another).
            unions = sorted((u for u in aliases if attr.startswith(u + "_")), key=len)
            if unions:
                name = unions[-1] + "." + attr[len(unions[-1]) + 1 :]
            entry = Declared(name, module, attr, node, path.relative_to(root).as_posix())
            if name in registry.by_name:
                other = registry.by_name[name]
                raise SchemaError(f"{name} is declared twice: {other.source} and {entry.source}")
            registry.by_name[name] = entry
            registry.by_key[(module, attr)] = entry
            if isinstance(node, ast.Assign):
                registry.markers[(module, attr)] = alias_marker(name)
    for entry in registry.by_name.values():
        value = getattr(importlib.import_module(entry.module), entry.attr)
        if isinstance(entry.node, ast.ClassDef):
            registry.classes[id(value)] = entry
    return registry


def namespace_of(module: str, registry: Registry) -> dict[str, Any]:
    """The module's globals, with every alias it declares or imports replaced by its marker."""
    if module not in registry.namespaces:
        registry.namespaces[module] = _namespace_of(module, registry)
    return registry.namespaces[module]


def _namespace_of(module: str, registry: Registry) -> dict[str, Any]:
    mod = importlib.import_module(module)
    namespace = dict(vars(mod))
    tree = ast.parse(Path(mod.__file__ or "").read_text(encoding="utf-8"))
    package = module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            source = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            for alias in node.names:
                key = model_twin(source, alias.name)
                local = alias.asname or alias.name
                if key in registry.markers:
                    namespace[local] = registry.markers[key]
                elif key != (source, alias.name) and key in registry.by_key:
                    namespace[local] = getattr(importlib.import_module(key[0]), key[1])
                elif key != (source, alias.name):
                    raise SchemaError(f"{source}.{alias.name} has no model twin")
    for (source, attr), marker in registry.markers.items():
        if source == module:
            namespace[attr] = marker
    return namespace


def model_twin(module: str, attr: str) -> tuple[str, str]:
    """A ``requests/`` TypedDict ``FooParams`` -> the ``types/`` model ``Foo`` it mirrors."""
    if ".requests." in module + "." and attr.endswith("Params"):
        return module.replace(".requests", ".types", 1), attr.removesuffix("Params")
    return module, attr


def evaluate(node: ast.expr, namespace: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a forward reference
        node = ast.parse(node.value, mode="eval").body
    expression = ast.Expression(body=node)
    return eval(compile(expression, "<annotation>", "eval"), namespace)


# ---------------------------------------------------------------------------------------------
# Type objects -> type texts

NONE = type(None)


class UploadedFile:
    """Stands for the package's ``core.File`` (the content of a multipart file part)."""


PRIMITIVES: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    Any: "unknown",
}


SEQUENCES = (list, set, frozenset, tuple, collections.abc.Sequence, collections.abc.Set)
MAPPINGS = (dict, collections.abc.Mapping)


def _type_name(tp: Any) -> str | None:
    if tp is dt.datetime:
        return "datetime"
    if tp is dt.date:
        return "date"
    return PRIMITIVES.get(tp)


def is_union(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Union or isinstance(tp, types_module.UnionType)


def strip_annotated(tp: Any) -> tuple[Any, list[Any]]:
    if typing.get_origin(tp) is typing.Annotated:
        inner, *extras = typing.get_args(tp)
        return inner, list(extras)
    return tp, []


def text_of(tp: Any, registry: Registry, namespace: dict[str, Any] | None = None) -> str:
    """The schema's text for a type object: ``string``, ``Extend.X``, ``X[]``, ``A | B``...

    ``namespace`` resolves a forward reference (``List["Field"]`` in a recursive type)."""
    tp, _ = strip_annotated(tp)
    if isinstance(tp, typing.ForwardRef):
        if namespace is None:
            raise SchemaError(f"{tp!r} with no namespace to resolve it in")
        tp = eval(tp.__forward_arg__, namespace)
    if isinstance(tp, type) and issubclass(tp, AliasMarker):
        return "Extend." + tp.schema
    if isinstance(tp, type) and id(tp) in registry.classes:
        return "Extend." + registry.classes[id(tp)].name
    simple = _type_name(tp)
    if simple is not None:
        return simple
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if is_union(tp):
        parts = [text_of(a, registry, namespace) for a in args if a is not NONE]
        return " | ".join(parts + (["null"] if NONE in args else []))
    if origin is typing.Literal:
        return " | ".join(json.dumps(a) for a in args)
    if origin in SEQUENCES:
        item = text_of(args[0], registry, namespace) if args else "unknown"
        return f"({item})[]" if " | " in item else f"{item}[]"
    if origin in MAPPINGS:
        key, value = (
            (text_of(a, registry, namespace) for a in args) if args else ("string", "unknown")
        )
        return f"Record<{key}, {value}>"
    if tp is NONE:
        return "null"
    if tp is UploadedFile:
        return "file"
    raise SchemaError(f"no type text for {tp!r}")


def without_none(tp: Any) -> Any:
    inner, _ = strip_annotated(tp)
    if is_union(inner) and NONE in typing.get_args(inner):
        kept = tuple(a for a in typing.get_args(inner) if a is not NONE)
        return kept[0] if len(kept) == 1 else typing.Union[kept]  # noqa: UP007
    return tp


def describe_field(wire: str, tp: Any, registry: Registry, namespace: dict[str, Any]) -> Json:
    """A field or parameter: ``{"name", "required", "nullable", "type"}``."""
    inner, _ = strip_annotated(tp)
    nullable = is_union(inner) and NONE in typing.get_args(inner)
    return {
        "name": wire,
        # The package writes ``Optional[...]`` for a key that may be absent and for a value
        # that may be null alike: it cannot tell them apart, so neither can this file.
        "required": not nullable,
        "nullable": nullable,
        "type": text_of(tp, registry, namespace),
    }


def alias_in(extras: list[Any]) -> str | None:
    for extra in extras:
        alias = getattr(extra, "alias", None)
        if isinstance(alias, str):
            return alias
    return None


# ---------------------------------------------------------------------------------------------
# Types


def describe_type(entry: Declared, registry: Registry) -> Json:
    namespace = namespace_of(entry.module, registry)
    value = getattr(importlib.import_module(entry.module), entry.attr)
    out: Json
    if isinstance(entry.node, ast.Assign):
        tp = evaluate(entry.node.value, namespace)
        inner, extras = strip_annotated(tp)
        out = {"kind": "alias", "type": text_of(inner, registry, namespace)}
        discriminant = next((e.discriminant for e in extras if hasattr(e, "discriminant")), None)
        if discriminant is not None:
            out["discriminator"] = wire_discriminator(inner, discriminant, registry)
    elif isinstance(value, type) and issubclass(value, enum.Enum):
        members = [m.value for name, m in value.__members__.items() if name != "_UNKNOWN"]
        out = {"kind": "enum", "values": members, "open": "_UNKNOWN" in value.__members__}
    else:
        assert isinstance(entry.node, ast.ClassDef)
        out = {
            "kind": "object",
            "fields": object_fields(entry.node, namespace, registry),
            "extends": [
                text_of(evaluate(b, namespace), registry) for b in own_bases(entry, registry)
            ],
        }
    out["source"] = entry.source
    return out


def own_bases(entry: Declared, registry: Registry) -> list[ast.expr]:
    """The bases that are declared types (``UncheckedBaseModel`` and friends are not)."""
    assert isinstance(entry.node, ast.ClassDef)
    module = importlib.import_module(entry.module)
    return [
        base
        for base in entry.node.bases
        if id(evaluate(base, dict(vars(module)))) in registry.classes
    ]


def object_fields(node: ast.ClassDef, namespace: dict[str, Any], registry: Registry) -> list[Json]:
    fields: list[Json] = []
    for statement in node.body:
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        tp = evaluate(statement.annotation, namespace)
        if typing.get_origin(tp) is typing.ClassVar:
            continue
        _, extras = strip_annotated(tp)
        wire = alias_in(extras) or field_alias(statement.value) or statement.target.id
        fields.append(describe_field(wire, tp, registry, namespace))
    return fields


def field_alias(value: ast.expr | None) -> str | None:
    """The ``alias=`` of a ``pydantic.Field(...)`` default, if any."""
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant):
                return str(keyword.value.value)
    return None


def wire_discriminator(union: Any, discriminant: str, registry: Registry) -> str:
    """The wire key of a union's discriminant (the package names it in Python or on the wire)."""
    for member in typing.get_args(union):
        entry = registry.classes.get(id(member))
        if entry is None or not isinstance(entry.node, ast.ClassDef):
            continue
        for statement in entry.node.body:
            if (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.target.id == discriminant
            ):
                namespace = namespace_of(entry.module, registry)
                _, extras = strip_annotated(evaluate(statement.annotation, namespace))
                return alias_in(extras) or field_alias(statement.value) or discriminant
    return discriminant


# ---------------------------------------------------------------------------------------------
# Endpoints


def raw_clients(root: Path) -> list[tuple[str, Path]]:
    found = [(ROOT_NAMESPACE, root / "raw_client.py")]
    found += [(p.parent.name, p) for p in sorted(root.glob("*/raw_client.py"))]
    return found


def the_request(function: ast.FunctionDef) -> ast.Call:
    calls = [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("request", "stream")
        and "httpx_client" in ast.unparse(node.func.value)
    ]
    if len(calls) != 1:
        raise SchemaError(f"{function.name}: {len(calls)} HTTP calls, expected one")
    return calls[0]


def path_template(node: ast.expr) -> tuple[str, list[str]]:
    """``f"classify_runs/{jsonable_encoder(id)}/cancel"`` -> ``/classify_runs/{id}/cancel``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "/" + node.value, []
    if not isinstance(node, ast.JoinedStr):
        raise SchemaError(f"a path that is not a string: {ast.unparse(node)}")
    text, params = "", []
    for part in node.values:
        if isinstance(part, ast.Constant):
            text += str(part.value)
        else:
            assert isinstance(part, ast.FormattedValue)
            names = [n.id for n in ast.walk(part.value) if isinstance(n, ast.Name)]
            param = names[-1]
            params.append(param)
            text += "{" + param + "}"
    return "/" + text, params


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def wire_map(node: ast.expr | None, arguments: set[str]) -> list[tuple[str, str]]:
    """``{"wireKey": <expression using python_name>}`` -> ``[(wire_key, python_name)]``."""
    if node is None:
        return []
    if not isinstance(node, ast.Dict):
        raise SchemaError(f"a request part that is not a dict: {ast.unparse(node)}")
    out = []
    for key, value in zip(node.keys, node.values, strict=True):
        if not isinstance(key, ast.Constant):
            raise SchemaError(f"a computed key: {ast.unparse(node)}")
        used = [n.id for n in ast.walk(value) if isinstance(n, ast.Name) and n.id in arguments]
        if not used:
            continue  # a constant header such as content-type
        out.append((str(key.value), used[0]))
    return out


def describe_endpoint(
    namespace_name: str,
    function: ast.FunctionDef,
    namespace: dict[str, Any],
    registry: Registry,
) -> Json:
    call = the_request(function)
    args = function.args
    all_args = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    positional_defaults = dict(
        zip(
            [a.arg for a in [*args.posonlyargs, *args.args]][::-1],
            args.defaults[::-1],
            strict=False,
        )
    )
    defaults: dict[str, ast.expr | None] = {
        **positional_defaults,
        **{a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)},
    }
    core_file = importlib.import_module(f"{PACKAGE}.core.file").File
    annotations = {
        a.arg: evaluate(a.annotation, namespace)
        for a in all_args
        if a.annotation is not None and a.arg != "self"
    }
    annotations = {
        name: UploadedFile if tp == core_file else tp for name, tp in annotations.items()
    }
    names = set(annotations) - {"request_options"}

    def params(part: str, *, none_is_absent: bool = False) -> list[Json]:
        described = []
        for wire, python in wire_map(keyword(call, part), names):
            tp = annotations[python]
            if none_is_absent:
                # A query parameter or header left at None is not sent at all.
                tp = without_none(tp)
            entry = describe_field(wire, tp, registry, namespace)
            # A parameter is required when the method gives it no default.
            entry["required"] = defaults.get(python) is None
            described.append({"python": python, **entry})
        return described

    path, path_params = path_template(call.args[0])
    method = keyword(call, "method")
    if not isinstance(method, ast.Constant):
        raise SchemaError(f"{function.name}: no HTTP method")
    returns = evaluate(function.returns, namespace) if function.returns else None
    response = typing.get_args(returns)[0] if typing.get_args(returns) else None
    docstring = ast.get_docstring(function) or ""
    out: Json = {
        "namespace": namespace_name,
        "method": function.name,
        "http": str(method.value),
        "path": path,
        "pathParams": [
            {"name": p, "type": text_of(annotations[p], registry), "required": True}
            for p in path_params
        ],
        "query": params("params", none_is_absent=True),
        "headers": params("headers", none_is_absent=True),
        "body": params("json"),
        "multipart": params("data", none_is_absent=True) + params("files", none_is_absent=True),
        "response": None if response is None else text_of(response, registry),
        "deprecated": DEPRECATED in docstring.split("Parameters\n---")[0],
    }
    if keyword(call, "json") is not None and not isinstance(keyword(call, "json"), ast.Dict):
        raise SchemaError(f"{function.name}: a JSON body that is not a dict")
    return out


def endpoints(root: Path, registry: Registry) -> list[Json]:
    found: list[Json] = []
    for namespace_name, path in raw_clients(root):
        module = module_name(path, root)
        namespace = namespace_of(module, registry)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in tree.body:
            if not isinstance(cls, ast.ClassDef) or cls.name.startswith("Async"):
                continue
            for function in cls.body:
                if isinstance(function, ast.FunctionDef) and function.name != "__init__":
                    found.append(describe_endpoint(namespace_name, function, namespace, registry))
    return found


# ---------------------------------------------------------------------------------------------
# The whole file


def extract() -> Json:
    root = package_root()
    registry = build_registry(root)
    types = {name: describe_type(entry, registry) for name, entry in registry.by_name.items()}
    calls = endpoints(root, registry)
    answered = {c["response"].removeprefix("Extend.") for c in calls if c["response"]}
    events = [n for n in types if n.startswith("WebhookEvent.")]
    roots = sorted((answered & set(types)) | {"ApiError", *events})
    version = importlib.import_module(f"{PACKAGE}.version").__version__
    return {
        "package": {"name": "extend-ai", "version": version},
        "roots": roots,
        "types": types,
        "endpoints": sorted(calls, key=lambda c: (c["namespace"], c["method"])),
    }


def render(data: Json) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail when the file is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    options = parser.parse_args(argv)
    text = render(extract())
    if options.check:
        current = options.output.read_text(encoding="utf-8") if options.output.is_file() else ""
        if current != text:
            print(
                f"{options.output.relative_to(REPO_ROOT)} differs from what the installed "
                "extend-ai package declares: run `make schema` and commit the result.",
                file=sys.stderr,
            )
            return 1
        return 0
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

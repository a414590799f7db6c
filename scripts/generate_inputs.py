"""The ``TypedDict`` form of every request input, for ``scripts/generate_models.py``.

``generate_models.py`` calls ``inputs_module`` and writes its text as
``extend_async/types/_generated/params.py`` (the index maps each name to it, so it loads on
first use like the models). The rules:

1. **Which types**: every object type reachable from an endpoint's JSON ``body``, through
   fields, lists, maps, unions and aliases (hand-written models included: ``ParseConfig``
   and its options are reached from the parse endpoints).
2. **Names**: ``<model class name>Dict``, the model class being the one
   ``generate_models.py`` writes (``ExtractConfigJsonDict``) or the hand-written one
   (``ParseConfigDict`` for ``ParseConfig``). Where ``extend_async/types/params.py`` already
   has that name (``ClassifyConfigDict``, ``FileFromUrlDict``...), the hand-written one is
   used and none is generated. A union of objects that ``generate_models.py`` writes as a
   module-level name (``ExtractConfig``) gets the union of its members' dicts
   (``ExtractConfigDict = ExtractConfigJsonDict | ExtractConfigLegacyDict``).
3. **Keys** are the wire keys, as the API takes them (camelCase). Required keys are those
   the schema marks required (a union member's tag among them): a dict is sent as it is,
   so nothing fills them in. The class is ``total=False`` and its required keys sit in a
   private base class without ``total=False`` (``typing.Required`` needs Python 3.11, the
   SDK supports 3.10). A type with a key that is not a Python identifier
   (``extend_edit:bbox``, ``if``) uses the functional syntax for that part, with its value
   types as strings.
4. **Values**: ``string`` ``str``, ``integer`` ``int``, ``number`` ``float``, ``boolean``
   ``bool``, ``datetime`` ``str | datetime`` (``as_body`` sends a datetime as RFC 3339, a
   naive one as UTC), ``unknown`` ``Any``, ``X[]`` ``Sequence[X]``, ``Record<string, X>``
   ``Mapping[str, X]``, an enum ``Literal[<its values>] | str`` (every enum is open: a value
   the API adds later is still accepted), a literal ``Literal[...]``, an object ``X | XDict``
   (the model, or its dict), a union of each member's form; ``| None`` where the schema
   says nullable.
5. Nothing is imported at run time but ``typing`` and the hand-written dicts: the models
   are imported for type checkers only, so loading the dicts loads no group module.
"""

from __future__ import annotations

import keyword
import re
from typing import TYPE_CHECKING, Any

from scripts.generate_sync import GenerationError

if TYPE_CHECKING:
    from scripts.generate_models import Generator

PRIMITIVES = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "datetime": "str | datetime",
    "date": "str",
    "unknown": "Any",
    "file": "bytes",
}


class InputsWriter:
    """The text of ``_generated/params.py`` from the models generator's schema and names."""

    def __init__(self, generator: Generator, taken: set[str]) -> None:
        from scripts import generate_models as gm  # imports this module: imported late

        self.gm = gm
        self.generator = generator
        self.schema = generator.schema
        self.taken = taken  # the names extend_async.types already exports by hand
        self.runtime: dict[str, set[str]] = {"typing": {"TypedDict"}}
        self.checking: dict[str, set[str]] = {}
        self.written: dict[str, str] = {}  # dict name -> the schema type written as it
        self.blocks: list[str] = []
        self.aliases: list[str] = []
        # An enum's Literal -> a private name for it, used where a value type is a string
        # (the functional syntax), which the formatter cannot wrap.
        self.literals: dict[str, str] = {}
        self.named_literals: dict[str, str] = {}
        self.models = {gm.class_name(name) for name in generator.group}  # generated names

    # --- which types ----------------------------------------------------------------------

    def body_types(self) -> list[str]:
        """Every object type and named union of objects a request body reaches (rule 1)."""
        texts = [p["type"] for e in self.schema.endpoints for p in e["body"]]
        seen: set[str] = set()
        todo = [n for text in texts for n in self.gm.NAMED.findall(text)]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += self.schema.named_in(name)
        return sorted(seen)

    # --- names ----------------------------------------------------------------------------

    def model_of(self, name: str) -> str:
        """The Python name of schema object ``name``'s model, imported for type checkers."""
        if name in self.gm.HAND_WRITTEN:
            module, expr = self.gm.HAND_WRITTEN[name]
            self._check(f"extend_async.types.{module}", expr)
            return expr
        py = self.gm.class_name(name)
        self._check(f"{self.gm.PACKAGE}.{self.generator.group[name]}", py)
        return py

    def dict_of(self, name: str) -> str:
        """The dict's name for schema object ``name``; a hand-written one is imported."""
        model = self.model_of(name)
        py = f"{model}Dict"
        if py in self.taken:  # loaded with extend_async.types anyway; unions name it
            self.runtime.setdefault("extend_async.types.params", set()).add(py)
        return py

    def _check(self, module: str, name: str) -> None:
        self.checking.setdefault(module, set()).add(name)

    # --- values ---------------------------------------------------------------------------

    def value(self, text: str) -> str:
        """The annotation of a value of schema type ``text`` (rule 4), ``null`` dropped."""
        parts = [p for p in self.gm.split_union(text) if p != "null"]
        flat: list[str] = []
        for part in parts:
            for piece in self.gm.split_union(self._one(part)):
                if piece not in flat:
                    flat.append(piece)
        return " | ".join(flat)

    def _one(self, text: str) -> str:
        text = text.strip()
        name = text.removeprefix("Extend.")
        entry = self.schema.types.get(name) if text.startswith("Extend.") else None
        if entry is not None and entry["kind"] == "alias":
            return self.value(entry["type"])
        if entry is not None and entry["kind"] == "enum":
            self.runtime["typing"].add("Literal")
            if not entry["values"]:
                return "str"
            literal = f"Literal[{', '.join(repr(v) for v in entry['values'])}]"
            self.literals.setdefault(literal, f"_{self.gm.class_name(name)}")
            return f"{literal} | str"
        if entry is not None:
            return f"{self.model_of(name)} | {self.dict_of(name)}"
        if text in PRIMITIVES:
            if text == "datetime":
                self._check("datetime", "datetime")
            if text == "unknown":
                self.runtime["typing"].add("Any")
            return PRIMITIVES[text]
        if self.gm.LITERAL.match(text):
            self.runtime["typing"].add("Literal")
            return f"Literal[{text}]"
        if text in ("true", "false"):
            self.runtime["typing"].add("Literal")
            return f"Literal[{text.title()}]"
        if text.endswith("[]"):
            item = text[:-2]
            if item.startswith("(") and item.endswith(")"):
                item = item[1:-1]
            self._check("collections.abc", "Sequence")
            return f"Sequence[{self.value(item)}]"
        record = re.fullmatch(r"Record<\s*string\s*,\s*(.+)>", text)
        if record:
            self._check("collections.abc", "Mapping")
            return f"Mapping[str, {self.value(record.group(1))}]"
        raise GenerationError(f"no TypedDict value type for the schema type {text!r}")

    # --- declarations ---------------------------------------------------------------------

    def write(self, name: str) -> None:
        entry = self.schema.types[name]
        if entry["kind"] == "alias":
            self.write_union(name, entry)
        elif entry["kind"] == "object" and self.generator.page_item(name) is None:
            self.write_object(name)

    def write_union(self, name: str, entry: dict[str, Any]) -> None:
        """A union of objects that has a module-level name gets one for its dicts too."""
        parts = self.gm.split_union(entry["type"])
        members = [p.removeprefix("Extend.") for p in parts if p != "null"]
        if name in self.gm.HAND_WRITTEN or len(members) < 2:
            return
        if any(self.schema.types.get(m, {}).get("kind") != "object" for m in members):
            return
        if self.gm.class_name(name) not in self.models:
            return
        py = f"{self.gm.class_name(name)}Dict"
        if py in self.taken:
            return
        self._claim(py, name)
        self.aliases.append(f"{py} = {' | '.join(self.dict_of(m) for m in members)}")

    def write_object(self, name: str) -> None:
        py = self.dict_of(name)
        if py in self.taken:  # hand-written (extend_async/types/params.py)
            return
        if py in self.written:  # two schema types, one hand-written model
            other = self.written[py]
            if self.schema.fields(other) != self.schema.fields(name):
                raise GenerationError(f"{name} and {other} are both {py}, with other keys")
            return
        self._claim(py, name)
        fields = self.schema.fields(name)
        required = [(f["name"], self._field(f)) for f in fields if f["required"]]
        optional = [(f["name"], self._field(f)) for f in fields if not f["required"]]
        doc = _doc(self.model_of(name))
        if required and optional:
            base = f"_{py}Required"
            self.blocks.append(self._typed_dict(base, required, total=True))
            if all(_plain(k) for k, _ in optional):
                self.blocks.append(_class(py, optional, doc, bases=f"{base}, total=False"))
            else:
                extra = f"_{py}Optional"
                self.blocks.append(self._typed_dict(extra, optional, total=False))
                self.blocks.append(f"\nclass {py}({base}, {extra}):\n    {doc}\n")
        else:
            keys = required or optional
            self.blocks.append(self._typed_dict(py, keys, total=bool(required), doc=doc))

    def _field(self, f: dict[str, Any]) -> str:
        hint = self.value(f["type"])
        return f"{hint} | None" if f["nullable"] else hint

    def _typed_dict(
        self, py: str, keys: list[tuple[str, str]], *, total: bool, doc: str | None = None
    ) -> str:
        if all(_plain(k) for k, _ in keys):
            bases = "TypedDict" if total else "TypedDict, total=False"
            return _class(py, keys, doc, bases=bases)
        items = "".join(f"        {k!r}: {self._named(v)!r},\n" for k, v in keys)
        tail = "" if total else ", total=False"
        return f'\n{py} = TypedDict(\n    "{py}",\n    {{\n{items}    }}{tail},\n)\n'

    def _named(self, value: str) -> str:
        """``value`` with each enum's ``Literal[...]`` replaced by its private name."""
        for literal, alias in self.literals.items():
            if literal in value:
                value = value.replace(literal, alias)
                self.named_literals[alias] = literal
        return value

    def _claim(self, py: str, name: str) -> None:
        if py in self.written:
            raise GenerationError(f"{name} and {self.written[py]} would both be {py}")
        if py in self.models:
            raise GenerationError(f"{name}: {py} is already a generated model's name")
        self.written[py] = name

    # --- output ---------------------------------------------------------------------------

    def text(self) -> tuple[str, list[str]]:
        """The module's text and its exported names."""
        for name in self.body_types():
            self.write(name)
        lines = [
            self.gm.HEADER,
            '"""Every request input as a ``TypedDict`` with the API\'s (camelCase) keys.\n\n'
            "A method that takes a model (``ExtractConfigJson``) also takes its dict\n"
            "(``ExtractConfigJsonDict``), sent as written. The models are imported for type\n"
            'checkers only: loading this module loads no group module."""\n',
            "from __future__ import annotations\n",
        ]
        for module, names in sorted(self.runtime.items()):
            lines.append(f"from {module} import {', '.join(sorted(names))}")
        lines.append("from typing import TYPE_CHECKING\n")
        lines.append("if TYPE_CHECKING:")
        for module, names in sorted(self.checking.items()):
            lines.append(f"    from {module} import {', '.join(sorted(names))}")
        exports = sorted(self.written)
        lines.append(f"\n__all__ = {exports!r}\n")
        lines += [f"{alias} = {literal}" for alias, literal in sorted(self.named_literals.items())]
        lines += self.blocks
        lines += self.aliases
        return "\n".join(lines) + "\n", exports


def _plain(key: str) -> bool:
    """Whether ``key`` can be a class-syntax TypedDict key."""
    return key.isidentifier() and not keyword.iskeyword(key)


def _doc(model: str) -> str:
    long = f'"""``{model}`` as a mapping, with the API\'s keys."""'
    return long if len(long) <= 96 else f'"""``{model}`` as a mapping."""'


def _class(py: str, keys: list[tuple[str, str]], doc: str | None, *, bases: str) -> str:
    body = [f"    {doc}\n"] if doc else []
    body += [f"    {k}: {v}" for k, v in keys]
    return f"\nclass {py}({bases}):\n" + "\n".join(body or ["    pass"]) + "\n"

"""Write ``extend_async/testing/_shapes.json`` from ``api-schema/extend-api.json``.

The emulator does not read the schema (the package does not ship it): it reads this
compact extract, which holds the endpoint list and every type an endpoint answers with,
directly or through its fields, nothing else. ``--check`` fails when the file is stale.

    python scripts/generate_emulator_shapes.py [--check]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "api-schema" / "extend-api.json"
TARGET = ROOT / "extend_async" / "testing" / "_shapes.json"
NAMED = re.compile(r"Extend\.([A-Za-z0-9_.]+)")


def _compact_type(entry: dict[str, Any]) -> dict[str, Any]:
    kind = entry["kind"]
    if kind == "object":
        return {
            "kind": "object",
            "extends": [e.removeprefix("Extend.") for e in entry.get("extends", [])],
            # [wire name, required, type text]: nullable is "| null" in the type text.
            "fields": [[f["name"], f["required"], f["type"]] for f in entry["fields"]],
        }
    if kind == "enum":
        return {"kind": "enum", "values": entry["values"]}
    compact = {"kind": "alias", "type": entry["type"]}
    if "discriminator" in entry:
        compact["discriminator"] = entry["discriminator"]
    return compact


def build() -> str:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    types = schema["types"]
    endpoints = [
        {
            "namespace": e["namespace"],
            "method": e["method"],
            "http": e["http"],
            "path": e["path"],
            "response": (e["response"] or "").removeprefix("Extend.") or None,
        }
        for e in schema["endpoints"]
    ]
    todo = [n for e in schema["endpoints"] for n in NAMED.findall(e["response"] or "")]
    todo += list(schema["roots"])
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        entry = types[name]
        inner = [entry.get("type", ""), *entry.get("extends", [])]
        inner += [f["type"] for f in entry.get("fields", [])]
        todo += [n for text in inner for n in NAMED.findall(text)]
    data = {
        "package": schema["package"],
        "endpoints": endpoints,
        "types": {name: _compact_type(types[name]) for name in sorted(seen)},
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        if not TARGET.is_file() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run `make emulator-shapes`")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

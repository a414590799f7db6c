"""README's "Coming from the official SDK" table maps every official method to this SDK's: it
lists exactly the schema's endpoints, and each name on the right is a method of the client."""

from __future__ import annotations

import re
from pathlib import Path

from schema._schema import endpoints

from extend_async import AsyncExtend
from scripts.generate_resources import ROOT_NAMESPACE

README = Path(__file__).resolve().parents[2] / "README.md"
CALL = re.compile(r"`client\.(?:(\w+)\.)?(\w+)\(")


def rows() -> list[tuple[str, str]]:
    """(official, ours) of every row of the section's tables that names a client method."""
    section = README.read_text(encoding="utf-8").split("## Coming from the official SDK")[1]
    section = section.split("\n## ")[0]
    found = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and CALL.search(cells[0]):
            found.append((cells[0], cells[1]))
    return found


def named(cell: str) -> tuple[str, str]:
    match = CALL.search(cell)
    assert match is not None, cell
    return match[1] or ROOT_NAMESPACE, match[2]


def test_the_table_maps_every_official_method_once() -> None:
    official = [named(left) for left, _ in rows()]
    schema = [(e["namespace"], e["method"]) for e in endpoints()]
    assert sorted(official) == sorted(schema)
    assert len(set(official)) == len(official)


def test_each_method_the_table_names_is_one_of_the_clients() -> None:
    client = AsyncExtend("sk_test", base_url="http://127.0.0.1:9")
    missing = []
    for _, right in rows():
        namespace, method = named(right)
        owner = client if namespace == ROOT_NAMESPACE else getattr(client, namespace, None)
        if not callable(getattr(owner, method, None)):
            missing.append(right)
    assert missing == []

"""Open enums look members up in a map the converter builds from each enum's public
members, never in ``Enum._value2member_map_`` (the enum module's private copy)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest

from extend_async import types as models
from extend_async._converter import converter, members_by_value
from extend_async.types import RunStatus


def test_the_map_holds_every_value_of_every_model_enum() -> None:
    enums = [v for v in vars(models).values() if isinstance(v, type) and issubclass(v, Enum)]
    assert RunStatus in enums
    for enum_cls in enums:
        members = members_by_value(enum_cls)
        assert members == {member.value: member for member in enum_cls}
        assert members is members_by_value(enum_cls)  # built once


def test_aliases_map_to_their_canonical_member() -> None:
    class Colour(str, Enum):
        RED = "RED"
        CRIMSON = "RED"  # an alias: the same member
        BLUE = "BLUE"

    members = members_by_value(Colour)
    assert members == {"RED": Colour.RED, "BLUE": Colour.BLUE}
    assert members["RED"] is Colour.CRIMSON


def test_decoding_does_not_read_the_private_map(monkeypatch: pytest.MonkeyPatch) -> None:
    class Shade(str, Enum):
        DARK = "DARK"

    monkeypatch.delattr(Shade, "_value2member_map_")
    open_shade: Any = Shade | str
    assert converter.structure("DARK", open_shade) is Shade.DARK
    assert converter.structure("LIGHT", open_shade) == "LIGHT"

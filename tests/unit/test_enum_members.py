"""Open enums look members up in ``Enum._value2member_map_``, a private detail of the enum
module, when it is there, and in a map built from the members when it is not."""

from __future__ import annotations

from enum import Enum

import pytest

from extend_async._converter import members_by_value
from extend_async.types import RunStatus


def test_the_enum_module_still_keeps_the_private_map() -> None:
    assert isinstance(RunStatus._value2member_map_, dict)
    assert members_by_value(RunStatus) is RunStatus._value2member_map_


def test_without_the_private_map_the_members_are_mapped_by_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Colour(str, Enum):
        RED = "RED"
        CRIMSON = "RED"  # an alias: the same member
        BLUE = "BLUE"

    monkeypatch.delattr(Colour, "_value2member_map_")
    members = members_by_value(Colour)
    assert members == {"RED": Colour.RED, "BLUE": Colour.BLUE}
    assert members["RED"] is Colour.CRIMSON

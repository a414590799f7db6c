"""The converter builds plain frozen models slot by slot, and anything else through __init__.

Setting slots directly skips ``__init__``, so it is only allowed when ``__init__`` would do
nothing more than store its arguments. These tests pin down both sides of that line.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from attrs import field, frozen

from extend_async._converter import _slot_setters, converter, structure_hook_for
from extend_async.types import ClassifyRun, ClassifyRunSummary


@frozen(kw_only=True)
class Plain:
    name: str
    count: int = 0


@frozen(kw_only=True)
class Validated:
    count: int = field(validator=attrs.validators.ge(0))


@frozen(kw_only=True)
class PostInit:
    name: str
    seen: list[str] = field(factory=list, eq=False)

    def __attrs_post_init__(self) -> None:
        self.seen.append(self.name)


def _upper(value: str) -> str:
    return value.upper()


@frozen(kw_only=True)
class Converted:
    name: str = field(converter=_upper)


@attrs.define(frozen=True, slots=False, kw_only=True)
class NotSlotted:
    name: str


@frozen(kw_only=True, cache_hash=True)
class CachedHash:
    name: str


# The attrs versions the slot path was checked against: it relies on attrs naming its
# generated code "attrs generated ..." and on slotted fields being member descriptors,
# neither of which is public API. On an upgrade, check that both still hold (the tests
# below do), measure the decode benchmark with and without the slot path, and add the
# version here.
CHECKED_ATTRS_VERSIONS = {"26.1"}


def test_the_installed_attrs_is_one_the_slot_path_was_checked_against() -> None:
    installed = ".".join(attrs.__version__.split(".")[:2])
    assert installed in CHECKED_ATTRS_VERSIONS, (
        f"attrs {attrs.__version__} is not one the converter's slot path "
        f"(extend_async._converter._slot_setters) was checked against: re-check it"
    )


def test_plain_models_take_the_slot_path() -> None:
    assert _slot_setters(Plain) is not None
    assert _slot_setters(ClassifyRun) is not None
    assert _slot_setters(ClassifyRunSummary) is not None


@pytest.mark.parametrize("cls", [Validated, PostInit, Converted, NotSlotted, CachedHash])
def test_models_with_more_in_init_take_the_init_path(cls: type[Any]) -> None:
    assert _slot_setters(cls) is None


def test_slot_path_builds_what_init_builds() -> None:
    decoded = structure_hook_for(Plain)({"name": "a", "count": 2}, Plain)
    assert decoded == Plain(name="a", count=2)
    assert hash(decoded) == hash(Plain(name="a", count=2))
    assert structure_hook_for(Plain)({"name": "a"}, Plain) == Plain(name="a")


def test_slot_path_keeps_the_instance_frozen() -> None:
    decoded = converter.structure({"name": "a"}, Plain)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        decoded.name = "b"  # type: ignore[misc]


def test_validators_still_run_when_decoding() -> None:
    with pytest.raises(ValueError, match="count"):
        converter.structure({"count": -1}, Validated)


def test_post_init_still_runs_when_decoding() -> None:
    decoded = converter.structure({"name": "a"}, PostInit)
    assert decoded.seen == ["a"]


def test_converters_still_run_when_decoding() -> None:
    assert converter.structure({"name": "a"}, Converted).name == "A"


def test_cached_hash_classes_still_hash_when_decoded() -> None:
    decoded = converter.structure({"name": "a"}, CachedHash)
    assert hash(decoded) == hash(CachedHash(name="a"))

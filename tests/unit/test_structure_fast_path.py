"""The converter builds plain frozen models slot by slot, and anything else through __init__.

Setting slots directly skips ``__init__``, so it is only allowed when ``__init__`` would do
nothing more than store its arguments. These tests pin down both sides of that line.
"""

from __future__ import annotations

import logging
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


def _hand_written_init(self: Any, *, name: str) -> None:
    object.__setattr__(self, "name", name)


def test_a_class_whose_init_is_not_attrs_generated_code_takes_the_init_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # What another attrs release might do: generate __init__ under another file name.
    @frozen(kw_only=True)
    class Regenerated:
        name: str

    Regenerated.__init__ = _hand_written_init  # type: ignore[method-assign]
    with caplog.at_level(logging.DEBUG, logger="extend_async"):
        assert _slot_setters(Regenerated) is None
        assert _slot_setters(Regenerated) is None
    notices = [r for r in caplog.records if "Regenerated through __init__" in r.getMessage()]
    assert len(notices) == 1  # said once per class, at DEBUG
    assert notices[0].levelno == logging.DEBUG
    assert structure_hook_for(Regenerated)({"name": "a"}, Regenerated) == Regenerated(name="a")


def test_a_class_whose_fields_are_not_slot_descriptors_takes_the_init_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @frozen(kw_only=True)
    class Wrapped:
        name: str

    # Another attrs might put its own descriptor in front of the slot.
    Wrapped.name = property(Wrapped.name.__get__)  # type: ignore[assignment,attr-defined]
    with caplog.at_level(logging.DEBUG, logger="extend_async"):
        assert _slot_setters(Wrapped) is None
    assert any("not slot descriptors" in r.getMessage() for r in caplog.records)


def test_every_model_decodes_the_same_through_the_slot_path_and_through_init() -> None:
    # Whatever attrs is installed: the fast path builds exactly what __init__ builds.
    classes: tuple[type[Any], ...] = (ClassifyRun, ClassifyRunSummary, Plain)
    for cls in classes:
        setters = _slot_setters(cls)
        if setters is None:
            continue  # this attrs took the fallback; the tests above cover it
        fields = attrs.fields(cls)
        values: dict[str, Any] = {
            f.name: (f.default if f.default is not attrs.NOTHING else None) for f in fields
        }
        built = object.__new__(cls)
        for name, value in values.items():
            setters[name](built, value)
        assert built == cls(**values)
        assert hash(built) == hash(cls(**values))


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


def test_a_model_that_holds_itself_has_a_strict_function_too() -> None:
    # A condition's ``if``/``not`` is a condition, ``allOf`` a list of them: generating the
    # function must not recurse without end (the answer would then be read leniently).
    from extend_async.types import EditConditionalClause

    hook = structure_hook_for(EditConditionalClause)
    data = {"if": {"not": {"required": ["a"]}}, "allOf": [{"then": {}}], "required": ["b"]}
    clause = hook(data, EditConditionalClause)
    assert clause.if_ is not None
    assert clause.if_.not_ is not None
    assert clause.if_.not_.required == ("a",)
    assert clause.all_of is not None
    assert clause.all_of[0].then is not None
    assert clause.required == ("b",)

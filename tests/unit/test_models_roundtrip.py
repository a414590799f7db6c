"""Every model survives the wire: structure(JSON bytes of unstructure(x)) == x.

Strategies are derived from the attrs classes themselves, so a field added to a model is
covered without touching this file.
"""

from __future__ import annotations

import types
import typing
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, TypeVar

import attrs
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extend_async import types as models
from extend_async._converter import converter, structure_hook_for
from extend_async.types._generated import MODULE_OF as GENERATED

JSON_INTS = st.integers(min_value=-(2**53), max_value=2**53)
JSON_FLOATS = st.floats(allow_nan=False, allow_infinity=False)
# orjson refuses lone surrogates, and so does every JSON peer.
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
OFFSETS = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
)
AWARE_DATETIMES = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(2200, 1, 1),
    timezones=st.one_of(st.just(timezone.utc), OFFSETS.map(timezone)),
)
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | JSON_INTS | JSON_FLOATS | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)


def strategy_for(tp: Any, bound: dict[Any, Any] | None = None) -> st.SearchStrategy[Any]:
    """A strategy for any type the models use, recursing into attrs classes."""
    bound = bound or {}
    if isinstance(tp, TypeVar):
        return strategy_for(bound[tp], bound)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([strategy_for(arg, bound) for arg in args])
    if origin is tuple:
        return st.lists(strategy_for(args[0], bound), max_size=2).map(tuple)
    if origin is dict:
        return st.dictionaries(TEXT, strategy_for(args[1], bound), max_size=3)
    if attrs.has(origin or tp):
        return st.deferred(lambda: builds_attrs(tp))  # lazily: some models nest themselves
    simple: dict[Any, st.SearchStrategy[Any]] = {
        type(None): st.none(),
        bool: st.booleans(),
        int: JSON_INTS,
        float: JSON_FLOATS,
        str: TEXT,
        datetime: AWARE_DATETIMES,
        Any: JSON_VALUES,
    }
    if tp in simple:
        return simple[tp]
    if isinstance(tp, type) and issubclass(tp, Enum):
        return st.sampled_from(list(tp))
    raise TypeError(f"no strategy for {tp!r}")


# Keys no model names ("zz" never starts a field's camelCase name), kept as delivered.
EXTRA_KEYS = st.dictionaries(TEXT.map(lambda key: "zz" + key), JSON_VALUES, max_size=2)


def builds_attrs(tp: Any) -> st.SearchStrategy[Any]:
    cls = typing.get_origin(tp) or tp
    bound = dict(zip(getattr(cls, "__parameters__", ()), typing.get_args(tp), strict=False))
    hints = typing.get_type_hints(cls)
    fields = {
        f.name: EXTRA_KEYS if f.name == "extra_fields" else strategy_for(hints[f.name], bound)
        for f in attrs.fields(cls)
    }
    return st.deferred(lambda: st.builds(cls, **fields))


def wire_round_trip(value: Any, tp: Any) -> Any:
    data = orjson.dumps(converter.unstructure(value, unstructure_as=tp))
    return structure_hook_for(tp)(orjson.loads(data), tp)


# The hand-written models. The generated ones (hundreds, some nesting themselves) are read
# from answers the schema allows, depth-bounded: tests/unit/test_answers_from_the_schema.py.
MODELS: list[Any] = sorted(
    (
        cls
        for cls in (getattr(models, name) for name in models.__all__ if name not in GENERATED)
        if attrs.has(cls) and not getattr(cls, "__parameters__", ())
    ),
    key=lambda cls: cls.__name__,
)
GENERICS: list[Any] = [
    models.Page[models.ClassifyRunSummary],
    models.Page[models.ClassifierSummary],
]
# The big ones get more examples: they nest everything else.
DEEP = {models.ClassifyRun, models.ClassifyRunSummary, models.ClassifyConfig, models.Classifier}


@pytest.mark.parametrize("tp", MODELS + GENERICS, ids=repr)
def test_models_round_trip_through_json_bytes(tp: Any) -> None:
    @settings(max_examples=40 if tp in DEEP else 12, deadline=None)
    @given(value=builds_attrs(tp))
    def round_trip(value: Any) -> None:
        assert wire_round_trip(value, tp) == value

    round_trip()


@given(run=builds_attrs(models.ClassifyRun))
@settings(max_examples=40, deadline=None)
def test_decoded_datetimes_are_aware_utc(run: models.ClassifyRun) -> None:
    decoded = wire_round_trip(run, models.ClassifyRun)
    assert decoded.created_at.tzinfo is timezone.utc
    assert decoded.created_at == run.created_at


@given(status=st.one_of(TEXT, st.sampled_from(list(models.RunStatus))))
@settings(max_examples=60, deadline=None)
def test_open_enum_decoding_is_member_or_the_same_string(status: str) -> None:
    run = models.ClassifyRun(
        id="clr_1",
        status=status,
        created_at=datetime(2024, 1, 1, tzinfo=timezone.utc),
        updated_at=datetime(2024, 1, 1, tzinfo=timezone.utc),
        config=models.ClassifyConfig(classifications=()),
        dashboard_url="https://dashboard.extend.ai/runs/clr_1",
    )
    decoded = wire_round_trip(run, models.ClassifyRun).status
    assert decoded == status
    known = {member.value for member in models.RunStatus}
    assert (type(decoded) is models.RunStatus) == (status in known)


def test_every_public_model_is_covered() -> None:
    covered = {typing.get_origin(tp) or tp for tp in MODELS + GENERICS}
    public = {getattr(models, name) for name in models.__all__ if name not in GENERATED}
    assert covered == {cls for cls in public if attrs.has(cls)}

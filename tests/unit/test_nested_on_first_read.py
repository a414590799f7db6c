"""A decoded answer leaves its nested models as JSON until first read (``_first_read``), and no
one can tell: every read, comparison, repr, dict, pickle or copy sees what decoding the
whole answer at once gives, and a nested value that deviates from the schema is read
leniently, with the same warnings, when it is first read."""

from __future__ import annotations

import copy
import logging
import pickle
import threading
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extend_async import ClassifyRun, ResponseDecodeError
from extend_async._converter import converter, decode_response, structure_response
from extend_async._first_read import ReadThrough, is_undecoded
from extend_async._lenient import forget_warnings, structure_leniently
from extend_async.types import ClassifyConfig, ClassifyOutput, FileSummary

from ._helpers import seed_run

NESTED = ("config", "output", "classifier", "classifier_version", "initial_output",
          "reviewed_output", "file", "usage")  # fmt: skip


def decode(data: Any) -> ClassifyRun:
    body = orjson.dumps(data)
    return decode_response(body, ClassifyRun, status=200, request_id="req_1", method="GET",
                           path="/classify_runs/clr_1")  # fmt: skip


def eager(data: Any) -> ClassifyRun:
    """The whole answer decoded at once: the converter's own (nested) function."""
    run: ClassifyRun = converter.structure(data, ClassifyRun)
    return run


def stored(model: object, name: str) -> Any:
    """What the slot holds, without reading it through."""
    descriptor = type(model).__dict__[name]
    assert isinstance(descriptor, ReadThrough)
    return descriptor.slot.__get__(model, type(model))


def test_nested_models_stay_json_until_first_read_then_are_kept() -> None:
    run = decode(seed_run())
    assert all(is_undecoded(stored(run, name)) for name in NESTED)
    config = run.config
    assert isinstance(config, ClassifyConfig)
    assert stored(run, "config") is config
    assert run.config is config  # decoded once
    assert is_undecoded(stored(run, "output"))  # the others still wait


def test_a_lazily_decoded_run_is_the_eagerly_decoded_one() -> None:
    data = seed_run()
    lazy, whole = decode(data), eager(data)
    assert all(getattr(lazy, a.name) == getattr(whole, a.name) for a in attrs.fields(ClassifyRun))
    for reader in (repr, lambda r: r.to_dict(), lambda r: r.to_dict(mode="python"), str):
        assert reader(decode(data)) == reader(whole)
    assert decode(data) == whole
    assert whole == decode(data)
    assert attrs.evolve(decode(data), status="CANCELLED") == attrs.evolve(whole, status="CANCELLED")


@pytest.mark.parametrize("clone", [lambda r: pickle.loads(pickle.dumps(r)), copy.copy,
                                   copy.deepcopy])  # fmt: skip
def test_pickles_and_copies_carry_decoded_values(clone: Any) -> None:
    data = seed_run()
    cloned = clone(decode(data))
    assert cloned == eager(data)
    assert not any(is_undecoded(stored(cloned, name)) for name in NESTED)


def test_hash_of_a_lazily_decoded_nested_model() -> None:
    data = seed_run()["file"]
    lazy = structure_response(data, FileSummary)
    assert is_undecoded(stored(lazy, "metadata"))
    assert hash(lazy) == hash(converter.structure(data, FileSummary))


def test_unknown_keys_of_a_nested_model_are_kept() -> None:
    data = seed_run()
    data["config"]["brandNew"] = {"x": 1}
    data["config"]["classifications"][0]["alsoNew"] = 2
    run = decode(data)
    assert run.config.extra_fields == {"brandNew": {"x": 1}}
    assert run.config.classifications[0].extra_fields == {"alsoNew": 2}
    assert run == eager(data)


def test_a_nested_deviation_is_read_leniently_and_logged_at_first_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = seed_run()
    data["config"]["classifications"][0]["type"] = 42
    data["output"]["confidence"] = "high"
    forget_warnings()
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        whole = structure_leniently(data, ClassifyRun, fallback=converter.structure)
    expected = sorted(r.getMessage() for r in caplog.records)
    assert len(expected) == 2
    caplog.clear()
    forget_warnings()
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        run = decode(data)
        assert caplog.records == []  # nothing read yet, nothing said
        assert run.config == whole.config
        assert run.output == whole.output
        assert run == whole
    assert sorted(r.getMessage() for r in caplog.records) == expected
    assert "ClassifyRun: config.classifications[].type is a number" in expected[0]


def test_a_nested_value_of_the_wrong_json_type_is_read_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = seed_run()
    data["output"] = "not an object"
    forget_warnings()
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        run = decode(data)
        assert [r.getMessage() for r in caplog.records] == [
            "ClassifyRun: output is a string, not what the API schema promises; it reads as None"
        ]
    assert stored(run, "output") is None
    assert run.config == eager(seed_run()).config


def test_an_answer_that_names_nothing_is_still_a_decode_error_at_once() -> None:
    data = seed_run()
    del data["id"]
    with pytest.raises(ResponseDecodeError, match=r"ClassifyRun\.id is missing"):
        decode(data)


def test_a_model_built_by_hand_reads_as_given() -> None:
    whole = eager(seed_run())
    built = attrs.evolve(whole)
    assert stored(built, "config") is whole.config
    assert built.output is whole.output


def test_reads_from_threads_at_once_agree() -> None:
    data = seed_run()
    run = decode(data)
    seen: list[ClassifyOutput | None] = []
    threads = [threading.Thread(target=lambda: seen.append(run.output)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(seen) == 4
    assert all(output == eager(data).output for output in seen)


@settings(max_examples=40, deadline=None)
@given(
    dropped=st.sets(
        st.sampled_from(
            [
                "output",
                "classifier",
                "classifierVersion",
                "initialOutput",
                "reviewedOutput",
                "file",
                "usage",
            ]
        )
    ),  # fmt: skip
    nulled=st.sets(st.sampled_from(["output", "classifier", "file", "usage"])),
    extra=st.dictionaries(
        st.sampled_from(["a", "b"]), st.integers(-(2**63), 2**63 - 1), max_size=2
    ),
)
def test_any_mix_of_absent_null_and_extra_decodes_as_at_once(
    dropped: set[str], nulled: set[str], extra: dict[str, int]
) -> None:
    data = seed_run()
    for key in dropped:
        del data[key]
    for key in nulled:
        data[key] = None
    data["usage" if data.get("usage") else "config"].update(extra)
    assert decode(data) == eager(data)


@attrs.frozen(slots=False)
class _Unslotted:
    id: str
    file: FileSummary | None = None


@attrs.frozen
class _Base:
    id: str
    file: FileSummary | None = None


@attrs.frozen
class _Derived(_Base):
    name: str = ""


@pytest.mark.parametrize("cls", [_Unslotted, _Derived])
def test_a_field_not_in_a_slot_of_its_own_class_is_decoded_at_once(cls: type[Any]) -> None:
    # The read-through relies on attrs keeping each field in a member descriptor of the
    # class that declares it; where that does not hold, the field is decoded at once.
    file = seed_run()["file"]
    model = structure_response({"id": "x", "file": file}, cls)
    assert isinstance(vars(cls).get("file"), ReadThrough) is False
    assert model.file == converter.structure(file, FileSummary)
    assert type(object.__getattribute__(model, "file")) is FileSummary

"""A decoded answer keeps its fields but ``id`` and ``status`` as JSON until first read, and
each nested model until it is read itself (``_first_read``), and no one can tell: every
read, comparison, repr, dict, pickle or copy sees what decoding the whole answer at once
gives, and a value that deviates from the schema is read leniently, with the same
warnings, when it is first read."""

from __future__ import annotations

import copy
import inspect
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
from extend_async._first_read import complete
from extend_async._lenient import forget_warnings, structure_leniently
from extend_async.types import ClassifyConfig, ClassifyOutput, FileSummary, Page

from ._helpers import seed_run

NESTED = ("config", "output", "classifier", "classifier_version", "initial_output",
          "reviewed_output", "file", "usage")  # fmt: skip
SCALARS = ("created_at", "updated_at", "dashboard_url", "object", "failure_reason",
           "failure_message", "metadata", "reviewed", "edited", "parse_run_id")  # fmt: skip


def decode(data: Any) -> ClassifyRun:
    return decode_body(orjson.dumps(data))


def decode_body(body: bytes) -> ClassifyRun:
    return decode_response(body, ClassifyRun, status=200, request_id="req_1", method="GET",
                           path="/classify_runs/clr_1")  # fmt: skip


def eager(data: Any) -> ClassifyRun:
    """The whole answer decoded at once: the converter's own (nested) function."""
    run: ClassifyRun = converter.structure(data, ClassifyRun)
    return run


def waiting(model: object, name: str) -> bool:
    """Whether the field's slot is still unset, found without reading the field."""
    slot = inspect.getattr_static(type(model), name)
    try:
        slot.__get__(model, type(model))
    except AttributeError:
        return True
    return False


def test_fields_wait_until_first_read_and_nested_models_until_their_own() -> None:
    run = decode(seed_run())
    assert (run.id, run.status) == ("clr_Xj8mK2pL9nR4vT7qY5wZ", "PROCESSING")
    assert all(waiting(run, name) for name in NESTED + SCALARS)
    assert run.reviewed is False  # the first read of another field decodes the others ...
    assert not any(waiting(run, name) for name in SCALARS)
    assert all(waiting(run, name) for name in NESTED)  # ... but not the nested models
    config = run.config
    assert isinstance(config, ClassifyConfig)
    assert not waiting(run, "config")
    assert run.config is config  # decoded once
    assert waiting(run, "output")  # the others still wait


def test_a_nested_model_read_first_decodes_the_fields_too() -> None:
    run = decode(seed_run())
    assert run.output == eager(seed_run()).output
    assert not any(waiting(run, name) for name in SCALARS)
    assert waiting(run, "config")


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
    assert not any(waiting(cloned, name) for name in NESTED + SCALARS)


def test_hash_of_a_lazily_decoded_nested_model() -> None:
    data = seed_run()["file"]
    lazy = structure_response(data, FileSummary)
    assert waiting(lazy, "metadata")
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


def test_a_nested_value_of_the_wrong_json_type_is_read_with_the_fields(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = seed_run()
    data["output"] = "not an object"
    forget_warnings()
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        run = decode(data)
        assert run.status == "PROCESSING"
        assert caplog.records == []  # nothing but id and status read yet
        assert run.created_at == eager(seed_run()).created_at
        assert [r.getMessage() for r in caplog.records] == [
            "ClassifyRun: output is a string, not what the API schema promises; it reads as None"
        ]
    assert not waiting(run, "output")
    assert run.output is None
    assert run.config == eager(seed_run()).config


def test_a_field_that_deviates_is_read_leniently_at_first_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = seed_run()
    data["reviewed"] = "yes"
    forget_warnings()
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        whole = structure_leniently(data, ClassifyRun, fallback=converter.structure)
    expected = [r.getMessage() for r in caplog.records]
    assert len(expected) == 1
    caplog.clear()
    forget_warnings()
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        run = decode(data)
        assert caplog.records == []
        assert run.extra_fields == {}  # any field's first read decodes them all
    assert [r.getMessage() for r in caplog.records] == expected
    assert run == whole
    assert not any(waiting(run, name) for name in NESTED + SCALARS)  # all read leniently


def test_unknown_keys_read_first_are_there() -> None:
    data = seed_run()
    data["brandNew"] = [1, 2]
    run = decode(data)
    assert run.extra_fields == {"brandNew": [1, 2]}
    assert run == eager(data)


def test_long_integers_are_exact_when_first_read() -> None:
    long = 123456789012345678901234567890
    data = seed_run()
    data["metadata"] = {"big": long, "negative": -(2**64) - 1, "small": 7}
    body = orjson.dumps(data | {"metadata": {}})
    assert orjson.loads(b'{"big": %d}' % long)["big"] != long  # orjson alone: a float
    body = body.replace(b'"metadata":{}', b'"metadata":{"big":%d,"negative":%d,"small":7}'
                        % (long, -(2**64) - 1))  # fmt: skip
    run = decode_body(body)
    assert run.status == "PROCESSING"
    assert run.metadata == {"big": long, "negative": -(2**64) - 1, "small": 7}
    assert type(run.metadata["big"]) is int
    assert run == eager(data)


def test_names_that_are_no_field_raise_attribute_error_as_usual() -> None:
    run = decode(seed_run())
    assert not hasattr(run, "no_such_field")
    with pytest.raises(AttributeError, match="'ClassifyRun' object has no attribute 'statu'"):
        run.statu  # type: ignore[attr-defined]  # noqa: B018
    assert getattr(run, "__getnewargs_ex__", None) is None
    assert all(waiting(run, name) for name in SCALARS)  # a name that is no field decodes nothing


def test_a_page_of_answers_waits_too() -> None:
    data = {"object": "list", "data": [seed_run(), seed_run()], "nextPageToken": "tok"}
    body = orjson.dumps(data)
    page = decode_response(body, Page[ClassifyRun], status=200, request_id=None, method="GET",
                           path="/classify_runs")  # fmt: skip
    assert waiting(page, "data")
    assert page.next_page_token == "tok"
    assert page.data == (eager(seed_run()), eager(seed_run()))


def test_an_answer_that_names_nothing_is_still_a_decode_error_at_once() -> None:
    data = seed_run()
    del data["id"]
    with pytest.raises(ResponseDecodeError, match=r"ClassifyRun\.id is missing"):
        decode(data)


def test_a_model_built_by_hand_reads_as_given() -> None:
    whole = eager(seed_run())
    built = attrs.evolve(whole)
    assert not any(waiting(built, name) for name in NESTED + SCALARS)
    assert built.config is whole.config
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
def test_a_class_that_is_not_a_slotted_model_is_decoded_at_once(cls: type[Any]) -> None:
    # Fields wait in unset slots, read through ``Model.__getattr__``: a class without
    # either is decoded at once.
    file = seed_run()["file"]
    model = structure_response({"id": "x", "file": file}, cls)
    assert model.file == converter.structure(file, FileSummary)
    assert type(object.__getattribute__(model, "file")) is FileSummary


def test_only_the_json_of_nested_models_still_unread_is_kept() -> None:
    run = decode(seed_run())
    run.config  # noqa: B018 - decodes the fields, then config
    _, source, waiting = object.__getattribute__(run, "_wire")
    assert source is None  # neither the body nor the answer's object is kept any longer ...
    assert set(waiting) == set(NESTED) - {"config"}  # ... only the unread nested JSON
    for name in NESTED:
        getattr(run, name)
    assert object.__getattribute__(run, "_wire")[2] == {}  # read all the way down: none


def test_two_first_reads_at_once_keep_one_record_of_what_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another thread finishes decoding the fields while this one is still at it: what it
    # published stays, so the nested model read next is dropped from the record that is kept.
    run = decode(seed_run())
    plan = object.__getattribute__(run, "_wire")[0]
    fill = plan.fill
    published: list[Any] = []

    def fill_while_another_thread_finishes_first(model: Any, raw: Any) -> None:
        fill(model, raw)
        if not published:
            published.append(None)
            complete(model)  # the other thread: decodes the fields and publishes first
            published.append(object.__getattribute__(model, "_wire")[2])

    monkeypatch.setattr(plan, "fill", fill_while_another_thread_finishes_first)
    assert run.config == eager(seed_run()).config
    kept = object.__getattribute__(run, "_wire")[2]
    assert kept is published[1]
    assert set(kept) == set(NESTED) - {"config"}

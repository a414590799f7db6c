"""``_json.head``: an answer's ``id`` and ``status`` read without parsing the rest, and the
decode built on it: JSON is still checked at call time, the rest parsed at first read."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from extend_async import ResponseDecodeError
from extend_async import _first_read as first_read
from extend_async._converter import converter, decode_response
from extend_async._json import head, loads, loads_leniently
from extend_async._lenient import forget_warnings
from extend_async.types import ClassifyRun

from ._helpers import seed_run

finite = st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
json_objects = st.dictionaries(
    st.sampled_from(["id", "status", "object", "id ", "Status", "output"]) | st.text(),
    json_values,
    max_size=8,
)


def decode_body(body: bytes) -> ClassifyRun:
    return decode_response(body, ClassifyRun, status=200, request_id="req_1", method="POST",
                           path="/classify_runs/clr_1/cancel")  # fmt: skip


def wire(run: ClassifyRun) -> tuple[Any, ...]:
    value: tuple[Any, ...] = object.__getattribute__(run, "_wire")
    return value


@given(json_objects)
def test_head_is_the_objects_own_id_and_status(data: dict[str, Any]) -> None:
    body = json.dumps(data).encode()
    assert head(body) == {k: data[k] for k in ("id", "status") if k in data}


@given(json_values.filter(lambda v: not isinstance(v, dict)))
def test_head_of_json_that_is_no_object_is_none(value: Any) -> None:
    assert head(json.dumps(value).encode()) is None


@given(st.binary(max_size=64))
def test_head_vouches_only_for_what_loads_reads(body: bytes) -> None:
    # Whatever head takes for a JSON object, the first read can parse: never a body that
    # the parse at call time would have refused.
    if head(body) is not None:
        assert isinstance(loads_leniently(body), dict)


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "clr_1", "status": "CANCELLED", "x": [1, 2',  # truncated
        b'{"id": "clr_1", "x": tru}',
        b'{"id": "clr_1", "x": NaN}',
        b'\xef\xbb\xbf{"id": "clr_1"}',  # a byte-order mark
        b'{"id": "clr_1", "note": "\xff"}',  # not UTF-8, in a value msgspec skips
        b'{"id": "clr_1", "note": "\\ud800"}',  # a lone surrogate
    ],
)
def test_head_leaves_every_doubtful_body_to_loads(body: bytes) -> None:
    assert head(body) is None


@pytest.mark.parametrize("depth", [1_000, 2_000, 5_000, 100_000])
def test_a_deep_body_is_left_to_loads_or_read_at_first_read(depth: int) -> None:
    # How deep msgspec, orjson (1,024) and the standard library follow differs, and moves
    # with the Python version (3.12 raised the C stack's limit): whatever head vouches for
    # is read at first read, by one parser or the other.
    body = b'{"id": "clr_1", "x": ' + b"[" * depth + b"]" * depth + b"}"
    if head(body) is not None:
        assert isinstance(loads_leniently(body), dict)


def test_a_body_no_parser_follows_at_first_read_reads_as_none_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(body: bytes) -> Any:
        raise ValueError("nests too deeply")

    run = decode_body(orjson.dumps(seed_run()))
    monkeypatch.setattr(first_read, "loads_leniently", refuse)
    forget_warnings()
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        assert run.created_at is None
    assert (run.id, run.status) == (seed_run()["id"], seed_run()["status"])
    assert run.config is None
    assert "could not be parsed past its id and status (nests too deeply)" in caplog.text


@pytest.mark.parametrize(
    "body", [b"", b"not json", b'{"id": "clr_1",}', b'{"id": "clr_1", "x": "\xff"}', b"[1]"]
)
def test_a_body_that_is_no_json_object_is_still_refused_at_call_time(body: bytes) -> None:
    with pytest.raises(ResponseDecodeError):
        decode_body(body)


def test_an_answer_read_for_its_id_and_status_keeps_only_its_body() -> None:
    body = orjson.dumps(seed_run())
    run = decode_body(body)
    assert (run.id, run.status) == (seed_run()["id"], seed_run()["status"])
    _, kept, waiting = wire(run)
    assert waiting is None
    assert kept is body  # nothing parsed beyond the head: the body itself, not a copy
    run.created_at  # noqa: B018 - the first read parses it
    assert wire(run)[1] is None
    assert run == converter.structure(seed_run(), ClassifyRun)


def test_a_number_beyond_a_float_is_read_at_first_read() -> None:
    # The one body head takes and orjson refuses: the standard library reads it.
    with pytest.raises(orjson.JSONDecodeError):
        loads(b'{"x": 1e999}')
    data = seed_run()
    data["metadata"] = {"placeholder": 0}
    body = orjson.dumps(data).replace(b'"placeholder":0', b'"huge":1e999', 1)
    assert b"1e999" in body
    run = decode_body(body)
    assert run.id == data["id"]
    assert run.metadata is not None
    assert math.isinf(run.metadata["huge"])


def test_an_answer_without_a_string_id_is_read_leniently_or_refused() -> None:
    data = seed_run()
    data["status"] = "SOMETHING_NEW"
    run = decode_body(orjson.dumps(data))  # an unknown status: the lenient walk, as before
    assert run.id == data["id"]
    del data["id"]
    with pytest.raises(ResponseDecodeError, match="id"):
        decode_body(orjson.dumps(data))

"""The run kinds table: an id's kind from its prefix or ``kind=``, and what is final."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extend_async import InvalidInputError
from extend_async.resources._run_kinds import (
    RUN_KINDS,
    check_kind,
    check_kinds,
    is_final,
    is_stopping,
    kind_from_id,
    resolve_kind,
)
from extend_async.types import ClassifyRun, ExtractRun, WorkflowRun

BODIES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
                 min_size=1, max_size=30)  # fmt: skip
KINDS = st.sampled_from(sorted(RUN_KINDS))


@given(kind=KINDS, body=BODIES)
def test_a_prefixed_id_is_of_its_prefixs_kind_whatever_its_body(kind: str, body: str) -> None:
    row = RUN_KINDS[kind]
    run_id = row.id_prefix + body
    assert kind_from_id(run_id) is row
    assert resolve_kind(run_id, None) is row
    assert resolve_kind(run_id, row) is row


@given(kind=KINDS, other=KINDS, body=BODIES)
def test_a_kind_given_wins_only_where_the_prefix_does_not_disagree(
    kind: str, other: str, body: str
) -> None:
    run_id = RUN_KINDS[kind].id_prefix + body
    if kind == other:
        assert resolve_kind(run_id, RUN_KINDS[other]) is RUN_KINDS[kind]
    else:
        with pytest.raises(InvalidInputError, match="has the prefix of"):
            resolve_kind(run_id, RUN_KINDS[other])


@given(body=BODIES, kind=KINDS)
def test_an_id_of_no_known_prefix_takes_the_kind_given_or_is_refused(body: str, kind: str) -> None:
    run_id = "zz_" + body
    assert kind_from_id(run_id) is None
    assert resolve_kind(run_id, RUN_KINDS[kind]) is RUN_KINDS[kind]
    assert resolve_kind(run_id, None, RUN_KINDS[kind]) is RUN_KINDS[kind]
    with pytest.raises(InvalidInputError, match="give kind="):
        resolve_kind(run_id, None)


def test_kinds_are_named_by_name_or_namespace_and_bad_ones_refused() -> None:
    assert check_kind("extract_runs") is check_kind("extract") is RUN_KINDS["extract"]
    for bad in ("extraction", 3, None, ""):
        with pytest.raises(InvalidInputError, match="kind must be one of"):
            check_kind(bad)
    assert [k.name for k in check_kinds(["split", "split_runs", "verify"], default=())] == [
        "split",
        "verify",
    ]
    assert [k.name for k in check_kinds(None, default=("parse",))] == ["parse"]
    with pytest.raises(InvalidInputError, match="must not be empty"):
        check_kinds([], default=())


def test_what_is_final_and_what_is_stopping_follows_each_kind() -> None:
    extract = ExtractRun.__new__(ExtractRun)
    object.__setattr__(extract, "status", "PROCESSED")
    assert is_final(extract)
    workflow = WorkflowRun.__new__(WorkflowRun)
    for status, final in (("NEEDS_REVIEW", True), ("CANCELLING", False), ("PENDING", False)):
        object.__setattr__(workflow, "status", status)
        assert is_final(workflow) is final
    classify = ClassifyRun.__new__(ClassifyRun)
    object.__setattr__(classify, "status", "SOMETHING_NEW")  # a status this SDK does not know
    assert not is_final(classify)
    assert is_stopping("CANCELLING")
    assert is_stopping("CANCELLED")
    assert not is_stopping("PROCESSED")
    assert not is_stopping(None)

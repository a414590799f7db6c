"""Answers at the edges of what a parser or ``datetime`` can hold give typed results.

A deeply nested body with a run of 19 digits (anywhere, even inside a string) is parsed
by the standard library, which recurses once per level; a timestamp near the limits of
``datetime`` with a non-UTC offset overflows when turned to UTC. Neither may escape as
``RecursionError`` or ``OverflowError``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from aioresponses import aioresponses
from hypothesis import given
from hypothesis import strategies as st

from extend_async import (
    AsyncExtend,
    BadRequestError,
    InternalServerError,
    ResponseDecodeError,
)
from extend_async._json import loads
from extend_async._lenient import forget_warnings
from extend_async._scalars import TimestampRangeError, structure_datetime

from ._helpers import RUN_ID, seed_run, url

GET_URL = str(url(f"/classify_runs/{RUN_ID}"))
DEPTH = 100_000
# Nested far past the recursion limit, and holding a 19-digit run: the standard library's
# path (the one that keeps big integers exact).
DEEP = b'{"id": "1234567890123456789", "x": ' + b"[" * DEPTH + b"]" * DEPTH + b"}"
LATE = "9999-12-31T23:59:59-05:00"  # past datetime.max once in UTC
EARLY = "0001-01-01T00:00:00+05:00"  # before datetime.min once in UTC


def test_a_deep_body_with_nineteen_digits_is_a_parse_error() -> None:
    with pytest.raises(ValueError, match="nests too deeply"):
        loads(DEEP)


def test_a_deep_body_without_them_is_read_or_a_parse_error() -> None:
    # orjson refuses past its own depth limit (a ValueError), or reads it (older releases
    # had none): never a RecursionError.
    try:
        value = loads(b"[" * DEPTH + b"]" * DEPTH)
    except ValueError:
        return
    depth = 1
    while value:
        (value,) = value
        depth += 1
    assert depth == DEPTH


async def test_a_deep_2xx_body_is_a_response_decode_error_or_read_leniently(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    # orjson refuses it past its depth limit (recent releases), or reads it (older ones):
    # then the fields are read from orjson's parse (the standard library cannot follow
    # it), leniently, and never raise.
    mock_api.get(GET_URL, body=DEEP, status=200, content_type="application/json")
    if _orjson_limits_depth():
        with pytest.raises(ResponseDecodeError, match="the body is not JSON") as caught:
            await client.classify_runs.get(RUN_ID)
        assert caught.value.status_code == 200
    else:
        run = await client.classify_runs.get(RUN_ID)
        assert run.id == "1234567890123456789"
        assert run.created_at is None
        assert set(run.extra_fields) == {"x"}


def _orjson_limits_depth() -> bool:
    try:
        orjson.loads(b"[" * 2000 + b"]" * 2000)
    except orjson.JSONDecodeError:
        return True
    return False


@pytest.mark.parametrize(("status", "error"), [(400, BadRequestError), (500, InternalServerError)])
async def test_a_deep_error_body_still_gives_the_status_error(
    client: AsyncExtend, mock_api: aioresponses, status: int, error: type[Exception]
) -> None:
    mock_api.get(GET_URL, body=DEEP, status=status, content_type="application/json")
    with pytest.raises(error) as caught:
        await client.classify_runs.get(RUN_ID, max_retries=0)
    assert caught.value.status_code == status  # type: ignore[attr-defined]


@pytest.mark.parametrize("wire", [LATE, EARLY])
async def test_a_timestamp_past_the_limits_reads_as_none_and_is_logged_once(
    client: AsyncExtend, mock_api: aioresponses, caplog: pytest.LogCaptureFixture, wire: str
) -> None:
    forget_warnings()
    body = orjson.dumps({**seed_run(), "updatedAt": wire})
    mock_api.get(GET_URL, body=body, status=200, content_type="application/json", repeat=True)
    with caplog.at_level(logging.WARNING, logger="extend_async"):
        first = await client.classify_runs.get(RUN_ID)
        second = await client.classify_runs.get(RUN_ID)
    assert first.updated_at is None
    assert second.updated_at is None
    assert first.created_at == datetime(2024, 3, 21, 16, 45, tzinfo=timezone.utc)
    warnings = [r.getMessage() for r in caplog.records if "updatedAt" in r.getMessage()]
    assert warnings == ["ClassifyRun: updatedAt is a timestamp outside years 1-9999 in UTC, "
                        "not what the API schema promises; it reads as None"]  # fmt: skip


@given(
    moment=st.one_of(
        st.datetimes(min_value=datetime(9999, 12, 30), max_value=datetime.max),
        st.datetimes(min_value=datetime.min, max_value=datetime(1, 1, 2)),
    ),
    minutes=st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1),
)
def test_any_timestamp_near_the_limits_decodes_or_is_out_of_range(
    moment: datetime, minutes: int
) -> None:
    offset = timezone(timedelta(minutes=minutes))
    wire = moment.replace(tzinfo=offset).isoformat()
    try:
        decoded: Any = structure_datetime(wire, datetime)
    except TimestampRangeError:
        return
    assert decoded.tzinfo is timezone.utc
    assert decoded == moment.replace(tzinfo=offset)

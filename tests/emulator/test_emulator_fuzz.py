"""Whatever arrives, the answer is an API answer: never a 500, never a traceback."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extend_async.testing import ExtendEmulator

from ._wire import ENVELOPE_KEYS, REQUEST_ID, Wire

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
known_keys = st.sampled_from(
    [
        "file",
        "config",
        "classifier",
        "metadata",
        "priority",
        "inputs",
        "name",
        "cloneClassifierId",
        "releaseType",
        "description",
    ]
)
bodies = st.one_of(
    st.dictionaries(known_keys, json_values, max_size=4).map(orjson.dumps),
    json_values.map(orjson.dumps),
    st.binary(max_size=64),
    st.sampled_from([b'{"priority": 123456789012345678901234567890}', b'{"metadata": 1e999}']),
)
segments = st.one_of(
    st.sampled_from(["classify_runs", "classifiers", "batch_runs", "versions", "cancel", "batch"]),
    st.sampled_from(["draft", "latest", "1.0", "0.1", "cl_fuzz", "clr_missing", ""]),
    st.text(alphabet=st.characters(codec="ascii", exclude_characters="/?#%"), max_size=8),
)
paths = st.lists(segments, min_size=0, max_size=4).map(lambda parts: "/" + "/".join(parts))
queries = st.dictionaries(
    st.sampled_from(
        ["maxPageSize", "nextPageToken", "status", "source", "sortBy", "sortDir", "batchId"]
    ),
    st.text(max_size=12),
    max_size=3,
)
methods = st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH"])


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(method=methods, path=paths, query=queries, body=bodies)
async def test_random_requests_get_envelopes_not_crashes(
    wire: Wire, emulator: ExtendEmulator, method: str, path: str, query: dict[str, str], body: bytes
) -> None:
    if not emulator.runs:
        emulator.seed_runs(3, status=["PROCESSING", "PROCESSED"])
        emulator.create_classifier("Fuzzed", classifier_id="cl_fuzz")
    reply = await wire.request(method, path, params=query, data=body)
    assert reply.status in {200, 400, 404}, (reply.status, reply.body)
    assert reply.request_id is not None
    assert REQUEST_ID.match(reply.request_id)
    payload: Any = reply.json
    if reply.status != 200:
        assert set(payload) == ENVELOPE_KEYS
        assert payload["requestId"] == reply.request_id
    assert emulator.unexpected_errors == []

"""GET /classify_runs: filters, sorting, page sizes and cursors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extend_async.testing import RUN_SOURCES, RUN_STATUSES, ExtendEmulator, RunRecord

from ._wire import Wire, create_body

CLASSIFIERS = ("cl_alpha", "cl_beta")
BATCH = "bpr_nightly"


@pytest.fixture
async def population(wire: Wire, emulator: ExtendEmulator) -> ExtendEmulator:
    """A varied set of runs, plus some that must never show up."""
    emulator.seed_runs(40, status=["PROCESSING", "PROCESSED", "FAILED"])
    emulator.seed_runs(30, status=list(RUN_STATUSES), classifier_id=CLASSIFIERS[0])
    emulator.seed_runs(20, status=["PENDING", "CANCELLED"], classifier_id=CLASSIFIERS[1])
    emulator.seed_runs(15, batch_id=BATCH, classifier_id=CLASSIFIERS[0])
    emulator.seed_runs(10, source="WORKFLOW_RUN", source_id="workflow_run_7")
    emulator.seed_runs(5, file_name="Quarterly Bank_Statement.PDF", status="PROCESSED")
    for _ in range(5):
        assert (await wire.post("/classify_runs", json=create_body())).status == 200
    # Invisible to the default key: deleted, and another workspace's.
    (gone,) = emulator.seed_runs(1, status="PROCESSED")
    assert (await wire.delete(f"/classify_runs/{gone}")).status == 200
    emulator.seed_runs(7, workspace_id="ws_other")
    return emulator


def expected_ids(emulator: ExtendEmulator, query: dict[str, str]) -> list[str]:
    """What the endpoint should answer, computed independently from the records."""

    def keep(run: RunRecord) -> bool:
        contains = query.get("fileNameContains")
        return (
            run.workspace_id == emulator.workspace_id
            and not run.deleted
            and query.get("status", run.status) == run.status
            and query.get("classifierId", run.classifier_id) == run.classifier_id
            and query.get("batchId", run.batch_id) == run.batch_id
            and query.get("sourceId", run.source_id) == run.source_id
            and query.get("source", run.source) == run.source
            and (contains is None or contains.lower() in run.file_name.lower())
        )

    by_created = query.get("sortBy") == "createdAt"
    runs = sorted(
        (r for r in emulator.runs.values() if keep(r)),
        key=lambda r: (r.created_us if by_created else r.updated_us, r.id),
        reverse=query.get("sortDir", "desc") == "desc",
    )
    return [r.id for r in runs]


queries = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(RUN_STATUSES),
        "classifierId": st.sampled_from([*CLASSIFIERS, "cl_unknown"]),
        "batchId": st.sampled_from([BATCH, "bpr_unknown"]),
        "sourceId": st.sampled_from(["workflow_run_7", BATCH]),
        "source": st.sampled_from(RUN_SOURCES),
        "fileNameContains": st.sampled_from(["invoice", "RECEIPT", "bank_statement", "_0001", "x"]),
        "sortBy": st.sampled_from(["updatedAt", "createdAt"]),
        "sortDir": st.sampled_from(["asc", "desc"]),
        "maxPageSize": st.one_of(st.integers(1, 12), st.integers(13, 1000)).map(str),
    },
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries)
async def test_any_filter_sort_and_page_size_walks_the_exact_set(
    wire: Wire, population: ExtendEmulator, query: dict[str, str]
) -> None:
    expected = expected_ids(population, query)
    walked: list[str] = []
    params = dict(query)
    page_size = int(query.get("maxPageSize", "10"))
    while True:
        reply = await wire.get("/classify_runs", params=params)
        assert reply.status == 200, reply.body
        page = reply.json
        assert len(page["data"]) <= page_size
        walked.extend(item["id"] for item in page["data"])
        if "nextPageToken" not in page:
            break
        assert len(page["data"]) == page_size  # only the last page may be short
        params["nextPageToken"] = page["nextPageToken"]
    assert walked == expected  # every matching run, once, in order


async def test_every_run_appears_exactly_once(wire: Wire, population: ExtendEmulator) -> None:
    walked = [item["id"] for item in await wire.list_all({"maxPageSize": "7"})]
    visible = [
        r.id
        for r in population.runs.values()
        if r.workspace_id == population.workspace_id and not r.deleted
    ]
    assert len(walked) == len(set(walked)) == len(visible) == 125
    assert set(walked) == set(visible)


async def test_default_page_is_ten_newest_updated_first(
    wire: Wire, population: ExtendEmulator
) -> None:
    page = (await wire.get("/classify_runs")).json
    assert len(page["data"]) == 10
    assert isinstance(page["nextPageToken"], str)
    assert page["nextPageToken"]
    stamps = [item["updatedAt"] for item in page["data"]]
    assert stamps == sorted(stamps, reverse=True)
    assert [i["id"] for i in page["data"]] == expected_ids(population, {})[:10]


async def test_walks_survive_runs_created_meanwhile(wire: Wire, population: ExtendEmulator) -> None:
    before = expected_ids(population, {"sortBy": "createdAt"})
    params = {"sortBy": "createdAt", "maxPageSize": "9"}
    walked: list[str] = []
    while True:
        page = (await wire.get("/classify_runs", params=params)).json
        walked.extend(item["id"] for item in page["data"])
        assert (await wire.post("/classify_runs", json=create_body())).status == 200
        if "nextPageToken" not in page:
            break
        params["nextPageToken"] = page["nextPageToken"]
    assert walked == before


@pytest.mark.parametrize("size", ["0", "1001", "-1", "ten", "1.5", "", "²", "٣"])
async def test_out_of_range_page_sizes_are_400(wire: Wire, size: str) -> None:
    reply = await wire.get("/classify_runs", params={"maxPageSize": size})
    envelope = reply.assert_error(400, "INVALID_REQUEST")
    assert "maxPageSize" in envelope["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "DONE"},
        {"source": "EMAIL"},
        {"sortBy": "name"},
        {"sortDir": "up"},
        {"nextPageToken": "garbage!"},
        {"nextPageToken": "eyJhIjoxfQ"},
    ],
)
async def test_invalid_list_parameters_are_400(wire: Wire, params: dict[str, Any]) -> None:
    (await wire.get("/classify_runs", params=params)).assert_error(400, "INVALID_REQUEST")


async def test_page_size_bounds_are_inclusive(wire: Wire, emulator: ExtendEmulator) -> None:
    emulator.seed_runs(3)
    one = (await wire.get("/classify_runs", params={"maxPageSize": "1"})).json
    assert len(one["data"]) == 1
    assert "nextPageToken" in one
    most = (await wire.get("/classify_runs", params={"maxPageSize": "1000"})).json
    assert len(most["data"]) == 3
    assert "nextPageToken" not in most

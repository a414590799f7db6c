"""``client.runs``: runs of every kind through one resource, and bulk cancel across kinds,
against the emulator."""

from __future__ import annotations

from typing import get_args

import pytest

from extend_async import AsyncExtend, BadRequestError, InvalidInputError, OutcomeKind
from extend_async.resources import _run_kinds
from extend_async.resources._run_kinds import CANCELLABLE_KINDS, RUN_KINDS, kind_from_id
from extend_async.testing import ExtendEmulator, RateLimit
from extend_async.testing._kinds import RUN_KINDS as EMULATED_KINDS

K = OutcomeKind
# Every kind but classify is served by the emulator's generic table, under its namespace.
NAMESPACES = {
    "extract": "extract_runs",
    "split": "split_runs",
    "parse": "parse_runs",
    "workflow": "workflow_runs",
    "verify": "verify_runs",
    "processor": "processor_run",
    "edit": "edit_runs",
    "form_detection": "form_detection_runs",
}
MODELS = {
    "classify": "ClassifyRun",
    "extract": "ExtractRun",
    "split": "SplitRun",
    "parse": "ParseRun",
    "workflow": "WorkflowRun",
    "verify": "VerifyRun",
    "processor": "LegacyProcessorRun",
    "edit": "EditRun",
    "form_detection": "FormDetectionRun",
}


def seed_every_kind(
    emu: ExtendEmulator, n: int = 2, status: str = "PROCESSING"
) -> dict[str, list[str]]:
    return {kind: emu.seed_runs(n, kind=kind, status=status) for kind in RUN_KINDS}


def cancels_sent(emu: ExtendEmulator) -> int:
    return sum(n for route, n in emu.request_counts.items() if route.endswith("cancel"))


def test_the_kind_table_agrees_with_the_ids_the_emulator_issues() -> None:
    assert set(RUN_KINDS) == set(get_args(_run_kinds.RunKindName))
    assert RUN_KINDS["classify"].id_prefix == "clr_"
    for name, namespace in NAMESPACES.items():
        emulated = EMULATED_KINDS[namespace]
        assert RUN_KINDS[name].id_prefix == emulated.prefix, name
        plural = namespace if namespace.endswith("s") else namespace + "s"  # processor_run
        assert RUN_KINDS[name].path == "/" + plural, name
        assert RUN_KINDS[name].cancellable == bool(emulated.cancellable), name
        assert set(RUN_KINDS[name].statuses) <= set(emulated.statuses), name
    # The documented prefixes.
    documented = {"clr_": "classify", "exr_": "extract", "splr_": "split", "pr_": "parse",
                  "edr_": "edit", "workflow_run_": "workflow"}  # fmt: skip
    for prefix, name in documented.items():
        found = kind_from_id(prefix + "Xj8mK2pL9nR4vT7qY5wZ")
        assert found is not None
        assert found.name == name
    assert kind_from_id("bpr_x") is None


async def test_get_finds_each_kind_by_its_prefix_or_by_kind(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = seed_every_kind(emu, n=1)
    for kind, (run_id,) in ids.items():
        run = await client.runs.get(run_id)
        assert type(run).__name__ == MODELS[kind]
        assert run.id == run_id
        assert str(run.status) == "PROCESSING"
        again = await client.runs.get(run_id, kind=kind)
        assert again.id == run_id
    namespace_given = await client.runs.get(ids["extract"][0], kind="extract_runs")
    assert type(namespace_given).__name__ == "ExtractRun"


async def test_an_unknown_prefix_or_a_mismatched_kind_is_refused_before_a_request(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    (extract_id,) = emu.seed_runs(1, kind="extract")
    before = sum(emu.request_counts.values())
    with pytest.raises(InvalidInputError, match="give kind="):
        await client.runs.get("run_123")
    with pytest.raises(InvalidInputError, match="prefix of extract runs"):
        await client.runs.get(extract_id, kind="split")
    with pytest.raises(InvalidInputError, match="kind must be one of"):
        await client.runs.get(extract_id, kind="extraction")
    with pytest.raises(InvalidInputError, match="cannot be cancelled"):
        await client.runs.cancel(emu.seed_runs(1, kind="parse")[0])
    with pytest.raises(InvalidInputError, match="cannot be cancelled"):
        await client.runs.cancel(emu.seed_runs(1, kind="edit")[0])
    assert sum(emu.request_counts.values()) == before


async def test_cancel_follows_each_kinds_rules(emu: ExtendEmulator, client: AsyncExtend) -> None:
    ids = seed_every_kind(emu, n=1)
    for kind in ("classify", "extract", "split", "processor", "verify"):
        run = await client.runs.cancel(ids[kind][0])
        assert str(run.status) == "CANCELLED", kind
        assert type(run).__name__ == MODELS[kind]
    workflow = await client.runs.cancel(ids["workflow"][0])
    assert str(workflow.status) == "CANCELLING"  # CANCELLED once its steps stop
    # A finished verify run answers a cancel with the run; another kind refuses.
    (done_verify,) = emu.seed_runs(1, kind="verify", status="PROCESSED")
    assert str((await client.runs.cancel(done_verify)).status) == "PROCESSED"
    (done_extract,) = emu.seed_runs(1, kind="extract", status="PROCESSED")
    with pytest.raises(BadRequestError):
        await client.runs.cancel(done_extract)


async def test_list_walks_every_kind_in_turn_across_pages(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = seed_every_kind(emu, n=3)
    emu.seed_runs(2, kind="extract", status="PROCESSED")
    listed = [run.id async for run in client.runs.list(max_page_size=2)]
    listable = [kind for kind in RUN_KINDS if RUN_KINDS[kind].listable]
    assert len(listed) == len(set(listed)) == 3 * len(listable) + 2  # + the two PROCESSED
    assert {i for kind in listable for i in ids[kind]} <= set(listed)
    assert not set(ids["form_detection"]) & set(listed)  # the API lists none
    # Kind by kind, in the order given; a status only where a kind has it.
    pager = client.runs.list(kinds=["split", "workflow"], status="PROCESSING", max_page_size=2)
    first = await pager
    assert [r.id for r in first.data]
    assert first.next_page_token
    both = [run.id async for run in pager]
    assert sorted(both[:3]) == sorted(ids["split"])
    assert sorted(both[3:]) == sorted(ids["workflow"])
    cancelling = [
        r.id async for r in client.runs.list(kinds=["verify", "workflow"], status="CANCELLING")
    ]
    assert cancelling == []
    processed = [r.id async for r in client.runs.list(kinds="extract", status=["PROCESSED"])]
    assert len(processed) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kinds": "form_detection"}, "cannot list"),
        ({"kinds": []}, "must not be empty"),
        ({"kinds": "nope"}, "kinds must be one of"),
        ({"status": "DONE"}, "status must be one of"),
        ({"kinds": "verify", "batch_id": "bpr_x"}, "filters by batch"),
    ],
)
def test_list_refuses_bad_input_at_the_call(
    client: AsyncExtend, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        client.runs.list(**kwargs)  # type: ignore[arg-type]


async def test_cancel_many_across_kinds_one_outcome_per_id_with_its_kind(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = seed_every_kind(emu, n=2)
    (done,) = emu.seed_runs(1, kind="split", status="FAILED")
    everything = [i for group in ids.values() for i in group]
    given = [*everything, done, "run_unknown1", ids["extract"][0], ids["parse"][0]]
    result = await client.runs.cancel_many(given, concurrency=4)
    assert [o.id for o in result] == given
    by_id = {o.id: o for o in result if o.duplicate_of is None}
    for kind, group in ids.items():
        for run_id in group:
            outcome = by_id[run_id]
            assert outcome.run_kind == kind
            if RUN_KINDS[kind].cancellable:
                assert outcome.kind is K.CANCELLED, outcome
                assert outcome.run is not None
                assert type(outcome.run).__name__ == MODELS[kind]
            else:
                assert outcome.kind is K.FAILED
                assert outcome.attempts == 0
                assert isinstance(outcome.error, InvalidInputError)
                assert "cannot be cancelled" in str(outcome.error)
    assert by_id[ids["workflow"][0]].status == "CANCELLING"
    assert by_id[done].kind is K.ALREADY_TERMINAL
    assert by_id[done].status == "FAILED"
    unknown = by_id["run_unknown1"]
    assert unknown.kind is K.FAILED
    assert unknown.run_kind is None
    assert unknown.attempts == 0
    assert "give kind=" in str(unknown.error)
    # Nothing was sent for the ids that cannot be cancelled, or whose kind is unknown.
    assert cancels_sent(emu) == sum(len(ids[k]) for k in CANCELLABLE_KINDS) + 1
    counts = result.counts_by_kind
    assert counts["extract"].cancelled == 3  # a repeat mirrors its first position
    assert counts["parse"].failed == 3
    assert counts["edit"].failed == 2
    assert counts["split"].already_terminal == 1
    assert counts["unknown"].failed == 1
    assert sum(c.total for c in counts.values()) == len(given)


async def test_one_kind_for_ids_without_a_known_prefix(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    (run_id,) = emu.seed_runs(1, kind="verify")
    (other,) = emu.seed_runs(1, kind="extract")
    result = await client.runs.cancel_many([run_id, other], kind="verify")
    assert result.outcomes[0].kind is K.CANCELLED
    assert result.outcomes[0].run_kind == "verify"
    assert result.outcomes[1].kind is K.FAILED  # an extract run's id, not a verify run's
    assert "prefix of extract runs" in str(result.outcomes[1].error)


async def test_cancel_iter_across_kinds(emu: ExtendEmulator, client: AsyncExtend) -> None:
    ids = seed_every_kind(emu, n=1)
    seen = {o.id: o async for o in client.runs.cancel_iter([i for g in ids.values() for i in g])}
    assert {seen[i].run_kind for g in ids.values() for i in g} == set(RUN_KINDS)
    assert all(seen[ids[k][0]].ok for k in CANCELLABLE_KINDS)


async def test_cancel_all_stops_every_running_run_across_kinds_under_a_rate_limit(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    running = seed_every_kind(emu, n=6)
    finished = {
        kind: emu.seed_runs(2, kind=kind, status="PROCESSED") for kind in ("extract", "verify")
    }
    emu.rate_limit = RateLimit(200, burst=5)
    result = await client.runs.cancel_all(concurrency=8)
    emu.rate_limit = None
    assert result.complete
    assert result.ok
    assert sorted(o.id for o in result) == sorted(
        i for kind in CANCELLABLE_KINDS for i in running[kind]
    )
    assert {kind: c.cancelled for kind, c in result.counts_by_kind.items()} == dict.fromkeys(
        CANCELLABLE_KINDS, 6
    )
    # The runs that cannot be cancelled and the finished ones are left as they were.
    for kind in ("parse", "edit", "form_detection"):
        assert [str((await client.runs.get(i)).status) for i in running[kind]] == ["PROCESSING"] * 6
    for group in finished.values():
        assert [str((await client.runs.get(i)).status) for i in group] == ["PROCESSED"] * 2


async def test_cancel_all_of_some_kinds_and_refusals(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    running = seed_every_kind(emu, n=2)
    result = await client.runs.cancel_all(kinds=["split", "workflow"])
    assert sorted(o.id for o in result) == sorted(running["split"] + running["workflow"])
    assert set(result.counts_by_kind) == {"split", "workflow"}
    with pytest.raises(InvalidInputError, match="cannot be cancelled"):
        await client.runs.cancel_all(kinds="parse")
    with pytest.raises(InvalidInputError, match="status must be one of"):
        await client.runs.cancel_all(kinds="verify", status="PENDING")


async def test_classify_runs_own_bulk_cancel_is_unchanged(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = emu.seed_runs(3)
    (extract_id,) = emu.seed_runs(1, kind="extract")
    result = await client.classify_runs.cancel_many([*ids, extract_id])
    assert [o.kind for o in result] == [K.CANCELLED] * 3 + [K.NOT_FOUND]
    assert {o.run_kind for o in result} == {None}
    assert set(result.counts_by_kind) == {"unknown"}


async def test_a_default_kind_for_ids_whose_prefix_names_none(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    (extract_id,) = emu.seed_runs(1, kind="extract")
    result = await client.runs.cancel_many(["run_123", extract_id], default_kind="classify")
    unknown, extract = result.outcomes
    assert (unknown.kind, unknown.run_kind) == (K.NOT_FOUND, "classify")  # sent as classify
    assert (extract.kind, extract.run_kind) == (K.CANCELLED, "extract")
    assert emu.request_counts["cancel"] == 1

"""``extend-client runs list|get|watch|cancel|delete`` for every type of run (``--type``, or the
id's prefix), ``cancel --all`` across types and its dry run's counts per type."""

from __future__ import annotations

import orjson
import pytest

from extend_async.testing import ExtendEmulator

from .conftest import run_cli

TYPES = ("classify", "extract", "split", "workflow", "verify", "parse", "edit")


def seed(emu: ExtendEmulator, n: int = 2) -> dict[str, list[str]]:
    return {kind: emu.seed_runs(n, kind=kind) for kind in TYPES}


def cancels_sent(emu: ExtendEmulator) -> int:
    return sum(n for route, n in emu.request_counts.items() if route.endswith("cancel"))


def json_lines(text: str) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in text.splitlines()]


def test_get_finds_a_run_of_any_type_by_its_prefix(emu: ExtendEmulator) -> None:
    ids = seed(emu, 1)
    for kind in ("extract", "workflow", "parse"):
        done = run_cli(["runs", "get", ids[kind][0]], emu)
        assert done.returncode == 0, done.stderr
        assert orjson.loads(done.stdout)["id"] == ids[kind][0]
    typed = run_cli(["runs", "get", "--type", "verify", ids["verify"][0], "-o", "id"], emu)
    assert typed.stdout == ids["verify"][0] + "\n"
    table = run_cli(["runs", "get", ids["split"][0], "-o", "table"], emu)
    assert table.stdout.split()[:3] == [ids["split"][0], "split", "PROCESSING"]


def test_a_type_that_does_not_match_the_id_is_a_usage_error(emu: ExtendEmulator) -> None:
    ids = seed(emu, 1)
    done = run_cli(["runs", "get", "--type", "split", ids["extract"][0]], emu)
    assert done.returncode == 2
    assert "prefix of extract runs" in done.stderr
    unknown = run_cli(["runs", "get", "--type", "frobnicate", ids["extract"][0]], emu)
    assert unknown.returncode == 2
    assert "is not a run type" in unknown.stderr
    assert sum(emu.request_counts.values()) == 0


def test_list_every_type_in_every_output_form(emu: ExtendEmulator) -> None:
    ids = seed(emu, 2)
    table = run_cli(["runs", "list", "--type", "all", "--limit", "0"], emu)
    assert table.returncode == 0
    rows = [line.split() for line in table.stdout.splitlines()]
    assert sorted(row[0] for row in rows) == sorted(i for group in ids.values() for i in group)
    assert {row[1] for row in rows} == set(TYPES)
    assert table.stderr == f"{2 * len(TYPES)} runs\n"
    as_json = run_cli(["list", "--type", "workflow", "--type", "verify", "-o", "json"], emu)
    assert {line["id"] for line in json_lines(as_json.stdout)} == {*ids["workflow"], *ids["verify"]}
    markdown = run_cli(["runs", "list", "--type", "split", "-o", "markdown"], emu)
    assert markdown.stdout.splitlines()[0] == "| ID | TYPE | STATUS | UPDATED |"
    only_ids = run_cli(["runs", "list", "--type", "edit", "-o", "id"], emu)
    assert sorted(only_ids.stdout.split()) == sorted(ids["edit"])
    yaml = run_cli(["runs", "list", "--type", "extract", "-o", "yaml"], emu)
    assert yaml.stdout.count("---") == 2


def test_list_refuses_what_no_type_has(emu: ExtendEmulator) -> None:
    assert (
        run_cli(["runs", "list", "--type", "extract", "--classifier", "cl_x"], emu).returncode == 2
    )
    done = run_cli(["runs", "list", "--type", "verify", "--batch", "bpr_x"], emu)
    assert done.returncode == 2
    assert "filters by batch" in done.stderr
    assert sum(emu.request_counts.values()) == 0


def test_cancel_ids_of_mixed_types(emu: ExtendEmulator) -> None:
    ids = seed(emu, 1)
    given = [ids[kind][0] for kind in TYPES]
    done = run_cli(["runs", "cancel", "-o", "json", *given], emu)
    assert done.returncode == 1  # the parse and edit runs cannot be cancelled
    lines = {line["id"]: line for line in json_lines(done.stdout)}
    for kind in TYPES:
        line = lines[ids[kind][0]]
        assert line["runType"] == kind
        if kind in ("parse", "edit"):
            assert line["kind"] == "failed"
            assert line["attempts"] == 0
            assert "cannot be cancelled" in str(line["error"])
        else:
            assert line["kind"] == "cancelled"
    assert lines[ids["workflow"][0]]["status"] == "CANCELLING"
    assert "by type:" in done.stderr
    assert cancels_sent(emu) == 5


def test_cancel_ids_with_one_type_and_ids_from_stdin(emu: ExtendEmulator) -> None:
    ids = seed(emu, 2)
    done = run_cli(
        ["runs", "cancel", "--type", "split", "--from-file", "-", "-o", "id"],
        emu,
        stdin="".join(i + "\n" for i in ids["split"]),
    )
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.split()) == sorted(ids["split"])
    wrong = run_cli(["runs", "cancel", "--type", "split", ids["extract"][0], "-o", "json"], emu)
    assert wrong.returncode == 1
    assert json_lines(wrong.stdout)[0]["kind"] == "failed"
    two = run_cli(
        ["runs", "cancel", "--type", "split", "--type", "extract", ids["extract"][0]], emu
    )
    assert two.returncode == 2


def test_dry_run_of_ids_counts_them_per_type_and_sends_nothing(emu: ExtendEmulator) -> None:
    ids = seed(emu, 2)
    given = [*ids["extract"], *ids["parse"], ids["classify"][0], ids["extract"][0]]
    done = run_cli(["runs", "cancel", "--dry-run", *given], emu)
    assert done.returncode == 0
    assert done.stderr == (
        "6 ids (5 distinct) would be cancelled; by type: classify 1, extract 2, parse 2 "
        "(cannot be cancelled); nothing was sent (dry run)\n"
    )
    assert sum(emu.request_counts.values()) == 0


def test_cancel_all_dry_run_counts_per_type(emu: ExtendEmulator) -> None:
    ids = seed(emu, 2)
    emu.seed_runs(3, kind="extract", status="PROCESSED")
    done = run_cli(["runs", "cancel", "--all", "--dry-run", "-o", "id"], emu)
    assert done.returncode == 0
    cancellable = ("classify", "extract", "split", "workflow", "verify")
    assert sorted(done.stdout.split()) == sorted(i for k in cancellable for i in ids[k])
    assert done.stderr.startswith("10 runs match (every PENDING or PROCESSING run of type ")
    assert done.stderr.endswith(
        ": classify 2, extract 2, split 2, workflow 2, verify 2; nothing was cancelled (dry run)\n"
    )
    assert cancels_sent(emu) == 0


def test_cancel_all_stops_every_type_in_one_command(emu: ExtendEmulator) -> None:
    ids = seed(emu, 3)
    done = run_cli(["runs", "cancel", "--all", "--yes"], emu)
    assert done.returncode == 0, done.stderr
    assert "by type:" in done.stderr
    for kind in ("classify", "extract", "split", "workflow", "verify"):
        assert f"  {kind}" in done.stderr
    statuses = {
        kind: {orjson.loads(run_cli(["runs", "get", i], emu).stdout)["status"] for i in ids[kind]}
        for kind in TYPES
    }
    assert statuses["extract"] == statuses["classify"] == {"CANCELLED"}
    assert statuses["workflow"] <= {"CANCELLING", "CANCELLED"}
    assert statuses["parse"] == statuses["edit"] == {"PROCESSING"}


def test_a_filter_of_some_types(emu: ExtendEmulator) -> None:
    ids = seed(emu, 2)
    done = run_cli(
        ["runs", "cancel", "--type", "extract", "--status", "processing", "--yes", "-o", "id"], emu
    )
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.split()) == sorted(ids["extract"])
    refused = run_cli(["runs", "cancel", "--all", "--type", "parse", "--yes"], emu)
    assert refused.returncode == 2
    assert "parse runs cannot be cancelled" in refused.stderr
    asks = run_cli(["runs", "cancel", "--all"], emu)  # stdin is no terminal: no prompt
    assert asks.returncode == 2
    assert "without --yes" in asks.stderr


@pytest.mark.parametrize(
    ("kind", "final", "code"), [("extract", "PROCESSED", 0), ("workflow", "NEEDS_REVIEW", 1)]
)
def test_watch_a_run_of_another_type_until_final(
    emu: ExtendEmulator, kind: str, final: str, code: int
) -> None:
    (run_id,) = emu.seed_runs(1, kind=kind)
    assert emu.advance(run_id, final)
    done = run_cli(["runs", "watch", run_id, "--interval", "0.05", "-o", "json"], emu)
    assert done.returncode == code
    assert orjson.loads(done.stdout)["status"] == final


def test_delete_a_run_of_any_type_by_its_prefix_or_type(emu: ExtendEmulator) -> None:
    emu.configure(allow_delete_active=True)
    ids = {kind: emu.seed_runs(1, kind=kind, status="PROCESSED") for kind in ("extract", "edit")}
    ids["workflow"] = emu.seed_runs(1, kind="workflow", status="PROCESSED")
    ids["processor"] = emu.seed_runs(1, kind="processor", status="PROCESSED")
    by_prefix = run_cli(["runs", "delete", ids["extract"][0]], emu)
    assert (by_prefix.returncode, by_prefix.stderr) == (0, f"deleted {ids['extract'][0]}\n")
    typed = run_cli(["runs", "delete", "--type", "edit", ids["edit"][0], "-o", "json"], emu)
    assert typed.returncode == 0, typed.stderr
    assert orjson.loads(typed.stdout)["id"] == ids["edit"][0]
    legacy = run_cli(["runs", "delete", ids["processor"][0], "-o", "id"], emu)
    assert (legacy.returncode, legacy.stdout) == (0, ids["processor"][0] + "\n"), legacy.stderr
    for kind in ("extract", "edit", "processor"):
        assert run_cli(["runs", "get", ids[kind][0]], emu).returncode == 1  # gone
    # A type that does not match the id, or one the API cannot delete: nothing sent.
    before = dict(emu.request_counts)
    wrong = run_cli(["runs", "delete", "--type", "split", ids["workflow"][0]], emu)
    assert wrong.returncode == 2
    assert "prefix of workflow runs" in wrong.stderr
    never = run_cli(["runs", "delete", "--type", "form_detection", "fdr_x1"], emu)
    assert never.returncode == 2
    assert "cannot be deleted" in never.stderr
    assert emu.request_counts == before

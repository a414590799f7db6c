"""``runs watch``, ``batches get|watch``, ``webhooks verify``, ``-o``, ``NO_COLOR``,
``--version``, and the ``runs`` group beside the old top-level names."""

from __future__ import annotations

import subprocess
import sys

import orjson

from extend_async import __version__
from extend_async.testing import ExtendEmulator
from extend_async.webhooks import sign

from .conftest import cli_env, run_cli


def start(args: list[str], emu: ExtendEmulator) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "extend_async.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(emu),
    )


def test_runs_watch_follows_a_run_until_final_and_exits_by_its_status(
    emu: ExtendEmulator,
) -> None:
    done_run, failed_run = emu.seed_runs(2)
    for run_id, final, code in ((done_run, "PROCESSED", 0), (failed_run, "FAILED", 1)):
        process = start(["runs", "watch", run_id, "--interval", "0.05", "-o", "json"], emu)
        assert process.stderr is not None
        first = process.stderr.readline()  # the first poll: still going
        assert first.split()[:2] == [run_id, "PROCESSING"]
        emu.advance(run_id, final)
        out, err = process.communicate(timeout=30)
        assert process.returncode == code
        assert orjson.loads(out)["status"] == final
        assert err.split()[:2] == [run_id, final]  # a line per change, not per poll
        assert "\x1b[" not in err  # not a terminal: no colour, no redrawing


def test_batches_get_and_watch(emu: ExtendEmulator) -> None:
    (run_id,) = emu.seed_runs(1, batch_id="bpr_" + "b" * 21)
    batch_id = "bpr_" + "b" * 21
    got = run_cli(["batches", "get", batch_id], emu)
    assert got.returncode == 0, got.stderr
    assert orjson.loads(got.stdout)["id"] == batch_id
    emu.advance(run_id, "PROCESSED")
    watched = run_cli(["batches", "watch", batch_id, "--interval", "0.05", "-o", "id"], emu)
    assert watched.stdout == f"{batch_id}\n"
    assert watched.stderr.split()[:2] == [batch_id, "PROCESSED"]
    assert watched.returncode == 0


def test_every_command_that_prints_runs_takes_o(emu: ExtendEmulator) -> None:
    ids = emu.seed_runs(3)
    listed = run_cli(["runs", "list", "-o", "id"], emu)
    assert sorted(listed.stdout.split()) == sorted(ids)
    assert listed.stderr == "3 runs\n"  # status on stderr, data on stdout
    as_json = run_cli(["list", "-o", "json"], emu)
    assert sorted(orjson.loads(line)["id"] for line in as_json.stdout.splitlines()) == sorted(ids)
    table = run_cli(["runs", "get", ids[0], "-o", "table"], emu)
    assert table.stdout.split()[:2] == [ids[0], "PROCESSING"]
    only_ids = run_cli(["get", ids[0], "-o", "id"], emu)
    assert only_ids.stdout == f"{ids[0]}\n"
    dry = run_cli(["cancel", "--status", "PROCESSING", "--dry-run", "-o", "id"], emu)
    assert sorted(dry.stdout.split()) == sorted(ids)
    cancelled = run_cli(["runs", "cancel", "-o", "id", ids[0], "clr_" + "n" * 21], emu)
    assert cancelled.returncode == 1
    assert cancelled.stdout == f"{ids[0]}\n"  # the ids that ended cancelled
    assert "total" in cancelled.stderr


def test_dry_run_by_filter_honours_json(emu: ExtendEmulator) -> None:
    ids = emu.seed_runs(2)
    done = run_cli(["cancel", "--status", "PROCESSING", "--dry-run", "--json"], emu)
    assert done.returncode == 0
    runs = [orjson.loads(line) for line in done.stdout.splitlines()]
    assert sorted(run["id"] for run in runs) == sorted(ids)
    assert done.stderr == "2 runs match (every PROCESSING run); nothing was cancelled (dry run)\n"
    one = run_cli(["cancel", ids[0], "--dry-run"], emu)
    assert one.stdout == ""
    assert one.stderr.startswith("1 id (1 distinct) would be cancelled")  # no "1 ids"


def test_colour_on_a_terminal_only_and_never_with_no_color(emu: ExtendEmulator) -> None:
    (run_id,) = emu.seed_runs(1)
    script = (
        "import sys; sys.stdout.isatty = lambda: True; "
        "from extend_async.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    for no_color, painted in (("", True), ("1", False)):
        env = {**cli_env(emu), "NO_COLOR": no_color}
        done = subprocess.run(
            [sys.executable, "-c", script, "list"],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0
        assert ("\x1b[36mPROCESSING" in done.stdout) is painted
        assert run_id in done.stdout


def test_webhooks_verify_checks_a_delivery_from_stdin_or_a_file(tmp_path: object) -> None:
    secret = "wss_" + "s" * 28
    body = b'{"eventId":"evt_1","eventType":"classify_run.processed","payload":{}}'
    headers = sign(body, secret)
    flags = [
        "--signature", headers["x-extend-request-signature"],
        "--timestamp", headers["x-extend-request-timestamp"],
    ]  # fmt: skip
    env = {**cli_env(None), "EXTEND_WEBHOOK_SECRET": secret}

    def verify(args: list[str], body_in: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "extend_async.cli", "webhooks", "verify", *args],
            input=body_in, capture_output=True, env=env, timeout=60, check=False,
        )  # fmt: skip

    good = verify(flags, body)
    assert good.returncode == 0, good.stderr
    assert good.stdout == body  # only a verified body reaches stdout
    as_headers = verify([f"-H{name}: {value}" for name, value in headers.items()], body)
    assert as_headers.returncode == 0
    tampered = verify(flags, body.replace(b"evt_1", b"evt_2"))
    assert tampered.returncode == 1
    assert tampered.stdout == b""
    assert tampered.stderr.decode().startswith("extend-client: not verified:")
    no_secret = subprocess.run(
        [sys.executable, "-m", "extend_async.cli", "webhooks", "verify", *flags],
        input=body, capture_output=True, env=cli_env(None), timeout=60, check=False,
    )  # fmt: skip
    assert no_secret.returncode == 2
    assert b"EXTEND_WEBHOOK_SECRET" in no_secret.stderr
    assert secret.encode() not in good.stderr + tampered.stderr


def test_version_and_help_name_the_real_program() -> None:
    version = run_cli(["--version"], None)
    assert version.stdout == f"extend-client {__version__}\n"
    helped = run_cli(["emulator", "--help"], None)
    assert helped.stdout.startswith("usage: extend-client emulator")
    remote = run_cli(["emulator", "--host", "0.0.0.0"], None)
    assert remote.returncode == 2
    assert "--allow-remote" in remote.stderr
    assert "allow_remote=True" not in remote.stderr
    top = run_cli(["--help"], None)
    assert "prompt was declined" in " ".join(top.stdout.split())


def test_bad_numbers_and_clashing_inputs_get_plain_words() -> None:
    deadline = run_cli(["cancel", "--deadline", "abc", "clr_" + "a" * 21], None)
    assert deadline.returncode == 2
    assert "--deadline: must be a number of seconds, got 'abc'" in deadline.stderr
    assert "_positive_float" not in deadline.stderr
    both = run_cli(["cancel", "clr_" + "a" * 21, "--status", "PENDING"], None)
    assert both.returncode == 2
    assert "give only one of: run ids, --from-file, or filters" in both.stderr

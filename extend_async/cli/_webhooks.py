"""``extend-client webhooks verify``: check a delivery's signature from a shell.

The body comes from a file or stdin (exactly as received), the two signature headers as
flags, the signing secret from an environment variable (never a flag: it would show in
the process list and shell history). A valid delivery's body is written to stdout, so
``... | extend-client webhooks verify ... | jq`` reads only verified events.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import BinaryIO, TextIO

from ..webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookVerificationError, verify
from ._common import EXIT_FAILED, EXIT_OK, PROG, UsageError, notice

__all__ = ["DEFAULT_SECRET_ENV", "verify_command"]

DEFAULT_SECRET_ENV = "EXTEND_WEBHOOK_SECRET"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SECRET_PREFIXES = ("wss_", "whsec_", "sk_")


def verify_command(
    args: argparse.Namespace, *, stdin: BinaryIO | None, stdout: BinaryIO, stderr: TextIO
) -> int:
    if not _ENV_NAME.fullmatch(args.secret_env) or args.secret_env.startswith(_SECRET_PREFIXES):
        # Never echoed: this is where a secret lands when pasted in place of a name.
        raise UsageError(
            "--secret-env takes the name of an environment variable holding the secret, "
            "not the secret itself"
        )
    secret = os.environ.get(args.secret_env)
    if not secret:
        raise UsageError(f"no signing secret: set {args.secret_env} (or name another variable "
                         "with --secret-env)")  # fmt: skip
    headers = {SIGNATURE_HEADER: args.signature, TIMESTAMP_HEADER: args.timestamp}
    for header in args.header or ():
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header takes 'Name: value', got {header!r}")
        headers[name.strip().lower()] = value.strip()
    if not headers.get(SIGNATURE_HEADER) or not headers.get(TIMESTAMP_HEADER):
        raise UsageError(
            "give the delivery's signature and timestamp: --signature and --timestamp "
            f"(or --header '{SIGNATURE_HEADER}: ...' and --header '{TIMESTAMP_HEADER}: ...')"
        )
    body = _read_body(args.body, stdin)
    try:
        verify(body, headers, secret, tolerance=args.tolerance)
    except WebhookVerificationError as exc:
        notice(f"{PROG}: not verified: {exc}", stderr)
        return EXIT_FAILED
    stdout.write(body)
    stdout.flush()
    notice("verified: signed with the secret, within the tolerance", stderr)
    return EXIT_OK


def _read_body(name: str, stdin: BinaryIO | None) -> bytes:
    if name == "-":
        if stdin is None:  # started with stdin closed (`0<&-`)
            raise UsageError("stdin is closed: no body to read (give it with --body FILE)")
        try:
            return stdin.read()
        except OSError as exc:
            raise UsageError(f"cannot read the body from stdin: {exc.strerror or exc}") from None
    try:
        with open(name, "rb") as file:
            return file.read()
    except OSError as exc:
        raise UsageError(f"cannot read the body from {name}: {exc.strerror or exc}") from None


def binary_streams() -> tuple[BinaryIO | None, BinaryIO]:
    """stdin and stdout as bytes; stdin is ``None`` when the process has none."""
    stdin = sys.stdin.buffer if sys.stdin is not None else None
    return stdin, sys.stdout.buffer

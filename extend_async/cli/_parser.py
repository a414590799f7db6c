"""The argument parser every ``extend-client`` command (and the emulator's) is built on.

Two differences from ``argparse.ArgumentParser``:

- no abbreviations: ``--secret wss_...`` must never be taken for ``--secret-env``, nor any
  prefix for an option added later;
- a usage error never shows a secret: values given to an option whose name says key,
  secret, password or token, tokens that look like Extend keys or secrets, and the
  userinfo of any URL are masked, and the rest is escaped for the terminal.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, NoReturn

from ._escape import printable

__all__ = ["Parser", "hide_secrets_of", "parse_arguments", "safe_message", "secret_values"]

_SECRET_OPTION = re.compile(r"key|secret|password|passwd|token|auth", re.IGNORECASE)
# API keys and webhook signing secrets as Extend issues them.
_SECRET_PREFIXES = ("sk_", "wss_", "whsec_")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/@\s'\"]+@")
_MASK = "***"

_secrets: ContextVar[tuple[str, ...]] = ContextVar("extend_client_secrets", default=())


def secret_values(argv: Sequence[str]) -> tuple[str, ...]:
    """The tokens of ``argv`` that are, or may be, secrets."""
    found: list[str] = []
    for position, token in enumerate(argv):
        if token.startswith("-"):
            name, equals, value = token.partition("=")
            # `--secret-env NAME`, `--password-env NAME`: a variable's name, no secret.
            if not _SECRET_OPTION.search(name) or name.endswith("-env"):
                continue
            if equals:
                found.append(value)
            elif position + 1 < len(argv) and not argv[position + 1].startswith("-"):
                found.append(argv[position + 1])
        elif token.startswith(_SECRET_PREFIXES):
            found.append(token)
    return tuple(value for value in found if value)


def safe_message(message: str, secrets: Sequence[str] | None = None) -> str:
    """``message`` with every secret from the command line and any URL userinfo masked,
    and control characters escaped."""
    for value in sorted(set(_secrets.get() if secrets is None else secrets), key=len)[::-1]:
        message = message.replace(value, _MASK)
    return printable(_USERINFO.sub(lambda m: f"{m.group(1)}{_MASK}@", message))


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` without abbreviations and with safe usage errors;
    ``add_subparsers`` makes its sub-parsers of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {safe_message(message)}\n")


def hide_secrets_of(argv: Sequence[str]) -> None:
    """From now on (in this context), ``safe_message`` masks the secrets ``argv`` holds:
    the CLI calls it once, so its error lines never show them either."""
    _secrets.set(secret_values(argv))


def parse_arguments(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """``parser.parse_args(argv)``, its usage errors masking the secrets ``argv`` holds."""
    token = _secrets.set(secret_values(argv))
    try:
        return parser.parse_args(list(argv))
    finally:
        _secrets.reset(token)

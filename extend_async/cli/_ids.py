"""Reading the ids to cancel from arguments, a file or stdin, and checking every one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .._errors import InvalidInputError
from .._paths import validate_id
from ._common import UsageError

__all__ = ["read_ids"]


def read_ids(args: Sequence[str], from_file: str | None, stdin: TextIO) -> list[str]:
    """The ids to cancel, in order; any malformed one is a ``UsageError`` naming where.

    A file (or ``-`` for stdin) holds one id per line; blank lines and ``#`` comments are
    skipped. Everything is read and checked before anything is sent.
    """
    if from_file is None:
        return [_checked(value, f"argument {n}") for n, value in enumerate(args, 1)]
    name = "stdin" if from_file == "-" else from_file
    try:
        text = stdin.read() if from_file == "-" else Path(from_file).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read ids from {name}: {reason}") from None
    ids = []
    for number, line in enumerate(text.splitlines(), 1):
        value = line.strip()
        if value and not value.startswith("#"):
            ids.append(_checked(value, f"line {number} of {name}"))
    return ids


def _checked(value: str, where: str) -> str:
    try:
        return validate_id(value)
    except InvalidInputError as exc:
        raise UsageError(f"{where}: {exc}") from None

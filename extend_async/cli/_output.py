"""Printing runs on stdout as ``-o table`` (aligned rows), ``json`` or ``id``.

Colour only for a terminal, and never when ``NO_COLOR`` is set (https://no-color.org).
"""

from __future__ import annotations

import argparse
import os
from typing import Any, TextIO

import orjson

from .._converter import unstructure_request

__all__ = ["FORMATS", "RunPrinter", "add_output_option", "colour_enabled", "paint"]

FORMATS = ("table", "json", "id")

_COLOURS = {
    "PROCESSED": "32",  # green
    "CANCELLED": "33",  # yellow
    "FAILED": "31",  # red
    "PROCESSING": "36",  # cyan
    "PENDING": "36",
}


def add_output_option(parser: argparse.ArgumentParser, *, default: str = "table") -> None:
    parser.add_argument(
        "-o",
        "--output",
        choices=FORMATS,
        default=default,
        help="table, json (one object per line) or id (one id per line); " "default %(default)s",
    )


def colour_enabled(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, status: str, *, colour: bool) -> str:
    code = _COLOURS.get(status)
    return f"\x1b[{code}m{text}\x1b[0m" if colour and code else text


class RunPrinter:
    """Prints runs (or run summaries, or batches) in the chosen form, one per line."""

    def __init__(self, stream: TextIO, form: str, *, indent: bool = False) -> None:
        self._stream = stream
        self._form = form
        self._indent = indent
        self._colour = colour_enabled(stream)

    def show(self, run: Any) -> None:
        if self._form == "id":
            self._stream.write(f"{run.id}\n")
        elif self._form == "json":
            option = orjson.OPT_INDENT_2 if self._indent else 0
            self._stream.write(orjson.dumps(unstructure_request(run), option=option).decode())
            self._stream.write("\n")
        else:
            self._stream.write(self.row(run) + "\n")

    def row(self, run: Any) -> str:
        status = str(run.status)
        classifier = getattr(run, "classifier", None)
        updated = getattr(run, "updated_at", None) or getattr(run, "created_at", None)
        cells = [
            run.id,
            paint(f"{status:<10}", status, colour=self._colour),
            classifier.id if classifier is not None else "-",
            updated.isoformat(timespec="seconds") if updated is not None else "-",
        ]
        return "  ".join(cells)

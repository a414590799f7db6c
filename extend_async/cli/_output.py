"""Printing results on stdout: ``-o table|json|id|yaml|markdown``, the same for every command.

- ``json``: JSON Lines, one compact object per line, in the API's wire form (camelCase
  keys) for runs, batches and files alike, and for cancel outcomes.
- ``id``: one id per line, for pipes.
- ``table``: aligned columns; a header row when stdout is a terminal (so a pipe counts
  rows, ``| wc -l``, without an extra line).
- ``yaml``: one YAML document (``---``) per item.
- ``markdown``: a table with its header row.

Every human-readable cell goes through ``printable``. Colour only for a terminal, and
never when ``NO_COLOR`` is set (https://no-color.org).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TextIO

import attrs
import orjson
from attrs import frozen

from .._converter import to_camel, unstructure_request
from ._escape import printable
from ._yaml import yaml_document

__all__ = [
    "DELETED_COLUMNS",
    "FILE_COLUMNS",
    "FORMATS",
    "OUTCOME_COLUMNS",
    "RUN_COLUMNS",
    "TYPED_RUN_COLUMNS",
    "Column",
    "OutputError",
    "Printer",
    "add_output_option",
    "colour_enabled",
    "deleted_id",
    "json_line",
    "paint",
]

FORMATS = ("table", "json", "id", "yaml", "markdown")

_COLOURS = {
    "PROCESSED": "32",  # green
    "CANCELLED": "33",  # yellow
    "FAILED": "31",  # red
    "PROCESSING": "36",  # cyan
    "PENDING": "36",
    "CANCELLING": "33",
    "NEEDS_REVIEW": "35",  # magenta
    "REJECTED": "31",
}


class OutputError(Exception):
    """An answer that cannot be written in the chosen form; one error line, exit 1."""


@frozen
class Column:
    header: str
    width: int
    cell: Callable[[Any], object]
    coloured: bool = False


def _when(value: object) -> str:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else "-"


def _text(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _classifier(run: Any) -> object:
    classifier = getattr(run, "classifier", None)
    return getattr(classifier, "id", None)


def _run_type(run: Any) -> object:
    from ..resources._run_kinds import kind_of_run

    kind = kind_of_run(run)
    return None if kind is None else kind.name


def _updated(item: Any) -> object:
    return getattr(item, "updated_at", None) or getattr(item, "created_at", None)


RUN_COLUMNS = (
    Column("ID", 25, lambda run: run.id),
    Column("STATUS", 10, lambda run: run.status, coloured=True),
    Column("CLASSIFIER", 25, _classifier),
    Column("UPDATED", 0, lambda run: _when(_updated(run))),
)
# Runs of several types: the type instead of the classifier.
TYPED_RUN_COLUMNS = (
    Column("ID", 36, lambda run: run.id),
    Column("TYPE", 14, lambda run: _run_type(run)),
    Column("STATUS", 12, lambda run: run.status, coloured=True),
    Column("UPDATED", 0, lambda run: _when(_updated(run))),
)
FILE_COLUMNS = (
    Column("ID", 26, lambda file: file.id),
    Column("TYPE", 5, lambda file: file.type),
    Column("NAME", 30, lambda file: file.name),
    Column("CREATED", 0, lambda file: _when(getattr(file, "created_at", None))),
)


def deleted_id(deleted: Any) -> str:
    """An item's id; a legacy processor run's delete answer names it
    ``document_processor_run_id``."""
    return str(getattr(deleted, "id", None) or getattr(deleted, "document_processor_run_id", ""))


DELETED_COLUMNS = (Column("DELETED", 0, deleted_id),)
OUTCOME_COLUMNS = (
    Column("INDEX", 6, lambda row: row["index"]),
    Column("ID", 25, lambda row: row["id"]),
    Column("KIND", 16, lambda row: row["kind"]),
    Column("TYPE", 14, lambda row: row["runType"]),
    Column("STATUS", 10, lambda row: row["status"], coloured=True),
    Column("ATTEMPTS", 8, lambda row: row["attempts"]),
    Column("ERROR", 0, lambda row: row["error"]),
)


def add_output_option(parser: argparse.ArgumentParser, *, default: str = "table") -> None:
    parser.add_argument(
        "-o",
        "--output",
        choices=FORMATS,
        default=default,
        help="table, json (JSON Lines: one compact object per line, camelCase), id (one "
        "id per line), yaml (a document per item) or markdown; default %(default)s",
    )


def colour_enabled(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return _is_terminal(stream)


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed
        return False


def paint(text: str, status: str, *, colour: bool) -> str:
    code = _COLOURS.get(status)
    return f"\x1b[{code}m{text}\x1b[0m" if colour and code else text


def wire_form(item: Any) -> Any:
    """An answer as the API sends it (camelCase keys, unknown fields kept); a dict as is."""
    if isinstance(item, dict):
        return item
    try:
        return unstructure_request(item)
    except (AttributeError, TypeError, ValueError):
        # An answer read leniently (a field the schema requires came as null): the
        # converter's compiled function expects every field; write field by field.
        return _field_by_field(item)


def _field_by_field(value: Any) -> Any:
    if not attrs.has(type(value)):
        if isinstance(value, list | tuple):
            return [_field_by_field(v) for v in value]
        if isinstance(value, dict):
            return {k: _field_by_field(v) for k, v in value.items()}
        try:
            return unstructure_request(value)
        except (AttributeError, TypeError, ValueError):
            return str(value)
    data: dict[str, Any] = dict(getattr(value, "extra_fields", None) or {})
    for field in attrs.fields(type(value)):
        if field.name != "extra_fields":
            data[to_camel(field.name)] = _field_by_field(getattr(value, field.name))
    return data


def json_line(data: Any) -> str:
    """``data`` as one compact JSON line (no newline). orjson first; the standard library
    for what orjson refuses (nesting past its depth limit, integers past 64 bits)."""
    try:
        return orjson.dumps(data).decode()
    except orjson.JSONEncodeError:
        pass
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except RecursionError:
        raise OutputError("the answer is nested too deeply to write as JSON") from None
    except (TypeError, ValueError) as exc:
        raise OutputError(f"the answer cannot be written as JSON: {exc}") from None


class Printer:
    """Prints items (runs, batches, files, outcome rows) in the chosen form, one at a time,
    so a listing streams."""

    def __init__(
        self,
        stream: TextIO,
        form: str,
        columns: Sequence[Column] = RUN_COLUMNS,
        *,
        header: bool | None = None,
    ) -> None:
        self._stream = stream
        self._form = form
        self._columns = tuple(columns)
        self._colour = colour_enabled(stream)
        # A table's header only for a person; markdown always has one.
        self._header = _is_terminal(stream) if header is None else header
        self._started = False

    @property
    def form(self) -> str:
        return self._form

    def show(self, item: Any) -> None:
        if self._form == "id":
            self._stream.write(printable(str(_get_id(item))) + "\n")
        elif self._form == "json":
            self._stream.write(json_line(wire_form(item)) + "\n")
        elif self._form == "yaml":
            try:
                self._stream.write(yaml_document(wire_form(item)))
            except RecursionError:
                raise OutputError("the answer is nested too deeply to write as YAML") from None
        elif self._form == "markdown":
            if not self._started:
                self._stream.write(self._markdown([c.header for c in self._columns]))
                self._stream.write(self._markdown(["---"] * len(self._columns)))
            self._stream.write(self._markdown([self._cell(c, item) for c in self._columns]))
        else:
            if not self._started and self._header:
                self._stream.write(self._row([(c, c.header) for c in self._columns], False))
            cells = [(c, self._cell(c, item)) for c in self._columns]
            self._stream.write(self._row(cells, self._colour))
        self._started = True

    @staticmethod
    def _cell(column: Column, item: Any) -> str:
        return printable(_text(column.cell(item)))

    def _row(self, cells: list[tuple[Column, str]], colour: bool) -> str:
        parts = []
        for column, text in cells:
            padded = f"{text:<{column.width}}" if column.width else text
            parts.append(paint(padded, text, colour=colour) if column.coloured else padded)
        return "  ".join(parts).rstrip() + "\n"

    @staticmethod
    def _markdown(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |\n"


def _get_id(item: Any) -> object:
    return item["id"] if isinstance(item, dict) else deleted_id(item)

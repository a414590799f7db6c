"""A bulk result as a small HTML table, for a notebook cell (``_repr_html_``).

Counts per outcome, the time taken, the requests sent, why it stopped, and the first few
failures. Every piece of text is HTML-escaped: ids and error messages come from the caller
and the server.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .outcomes import BulkCancelResult

__all__ = ["FIRST_FAILURES", "result_html"]

# Failures listed in the table; the rest are in ``result.outcomes``.
FIRST_FAILURES = 5


def _row(*cells: object, head: bool = False) -> str:
    tag = "th" if head else "td"
    return "<tr>" + "".join(f"<{tag}>{escape(str(c))}</{tag}>" for c in cells) + "</tr>"


def _error_text(error: BaseException | None) -> str:
    return "" if error is None else f"{type(error).__name__}: {error}"


def result_html(result: BulkCancelResult) -> str:
    counts = result.counts.as_dict()
    stopped = "no (every id was tried)" if result.stop_reason is None else result.stop_reason
    parts = [
        "<div>",
        f"<strong>{escape(type(result).__name__)}</strong>: {len(result)} ids, "
        f"{result.elapsed:.2f} s, {result.requests} requests, "
        f"{result.throttled} answered 429, stopped early: {escape(str(stopped))}",
        "<table>",
        _row("outcome", "count", head=True),
        *(_row(kind, n) for kind, n in counts.items()),
        "</table>",
    ]
    if result.error is not None:
        parts.append(f"<p>error: {escape(_error_text(result.error))}</p>")
    failures = [o for o in result.outcomes if not o.ok][:FIRST_FAILURES]
    if failures:
        parts += ["<table>", _row("index", "id", "outcome", "error", head=True)]
        parts += [_row(o.index, o.id, o.kind, _error_text(o.error)) for o in failures]
        parts.append("</table>")
        not_ok = sum(1 for o in result.outcomes if not o.ok)
        if not_ok > len(failures):
            parts.append(f"<p>… and {not_ok - len(failures)} more not ok</p>")
    parts.append("</div>")
    return "\n".join(parts)

"""Which of the API's three budgets a request spends: ``category_of(method, path)``.

The API limits requests per organization and per category (its rate-limits page): GET,
WRITE and RUN requests each have one budget, 10 / 25+ / 75+ per second by plan, and
processing is limited separately in files per minute.

========================================================  ========  =========================
request                                                   category  why
========================================================  ========  =========================
any ``GET`` (retrieve, list, batch status, file listing)  GET       reads change nothing
``POST /{kind}_runs`` for a run kind (classify, extract,  RUN       it starts processing: a
parse, split, workflow, edit, verify, processor,                    run per file, counted
evaluation set, form detection)                                     against the run budget
``POST /{kind}_runs/batch``                               RUN       up to 1,000 runs at once
``POST /classify``, ``/extract``, ``/parse``, ``/split``, RUN       synchronous processing:
``/edit``, ``/detect_form``, ``/verify``                            a run the caller awaits
every other ``POST``/``PUT``/``PATCH``/``DELETE``         WRITE     changes state without
(cancel, delete, update a run, create or update a                   processing a file
processor, publish a version, upload a file, webhook
endpoints and subscriptions, evaluation set items)
========================================================  ========  =========================

A cancel is a WRITE, not a RUN: it stops processing rather than starting it. An upload
is a WRITE: the file is stored, and only a run over it is processing. A path the table
does not know (an endpoint newer than this SDK) counts as WRITE for a write method: it
changes something, and nothing says it processes a file; it is paced rather than not.

The files-per-minute processing limit is not a request budget: a batch of 1,000 inputs
is one RUN request here, and the API queues its runs (by ``priority``) on its own.
"""

from __future__ import annotations

from ._protocol import Category

__all__ = ["RUN_COLLECTIONS", "SYNC_RUN_PATHS", "category_of"]

# Collections whose POST creates a run (and whose ``/batch`` creates many).
RUN_COLLECTIONS = frozenset(
    {
        "classify_runs",
        "extract_runs",
        "parse_runs",
        "split_runs",
        "workflow_runs",
        "edit_runs",
        "verify_runs",
        "processor_runs",
        "evaluation_set_runs",
        "form_detection_runs",
    }
)
# The synchronous root calls: one request, one run processed while the caller waits.
SYNC_RUN_PATHS = frozenset(
    {"classify", "extract", "parse", "split", "edit", "detect_form", "verify"}
)

_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def category_of(method: str, path: str) -> Category:
    """The budget a ``method`` request to the API ``path`` (``/classify_runs/…``) spends."""
    method = method.upper()
    if method in _READS:
        return "GET"
    if method != "POST":
        return "WRITE"
    segments = path.partition("?")[0].strip("/").split("/")
    if len(segments) == 1:
        name = segments[0]
        if name in RUN_COLLECTIONS or name in SYNC_RUN_PATHS:
            return "RUN"
    elif len(segments) == 2 and segments[1] == "batch" and segments[0] in RUN_COLLECTIONS:
        return "RUN"
    return "WRITE"

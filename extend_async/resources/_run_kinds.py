"""Every kind of run, in one table: where its routes are, how its ids start, whether it
can be cancelled, which statuses are final, and the models its answers decode into.

``client.runs`` and the bulk operations across kinds read this table; nothing here sends
a request. The id prefixes are what the API issues today (``clr_``, ``exr_``, ``splr_``,
``pr_``, ``edr_``, ``workflow_run_``; ``dpr_`` for legacy processor runs) and what the
emulator issues for the kinds no public source names (``vr_`` verify, ``fdr_`` form
detection). The API calls prefixes opaque, so every call that takes an id also takes
``kind=``, which wins.

The models are named, not imported: the generated models load on first use, so
``import extend_async`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from attrs import frozen

from .._errors import InvalidInputError

if TYPE_CHECKING:
    from ..types import (
        ClassifyRun,
        ClassifyRunSummary,
        DeletedClassifyRun,
        EditRun,
        EditRunsDeleteResponse,
        EditRunSummary,
        ExtractRun,
        ExtractRunsDeleteResponse,
        ExtractRunSummary,
        FormDetectionRun,
        LegacyProcessorRun,
        LegacyProcessorRunSummary,
        ParseRun,
        ParseRunsDeleteResponse,
        ParseRunSummary,
        ProcessorRunDeleteResponse,
        SplitRun,
        SplitRunsDeleteResponse,
        SplitRunSummary,
        VerifyRun,
        VerifyRunsDeleteResponse,
        VerifyRunSummary,
        WorkflowRun,
        WorkflowRunsDeleteResponse,
        WorkflowRunSummary,
    )

__all__ = [
    "CANCELLABLE_KINDS",
    "LISTABLE_KINDS",
    "RUN_KINDS",
    "AnyDeletedRun",
    "AnyRun",
    "AnyRunSummary",
    "RunKind",
    "RunKindName",
    "check_kind",
    "check_kinds",
    "is_final",
    "is_stopping",
    "kind_from_id",
    "kind_of_id",
    "kind_of_run",
    "model_named",
    "resolve_kind",
]

RunKindName = Literal[
    "classify",
    "extract",
    "split",
    "parse",
    "workflow",
    "verify",
    "processor",
    "edit",
    "form_detection",
]

AnyRun: TypeAlias = (
    "ClassifyRun | ExtractRun | SplitRun | ParseRun | WorkflowRun | VerifyRun"
    " | LegacyProcessorRun | EditRun | FormDetectionRun"
)
AnyDeletedRun: TypeAlias = (
    "DeletedClassifyRun | ExtractRunsDeleteResponse | SplitRunsDeleteResponse"
    " | ParseRunsDeleteResponse | WorkflowRunsDeleteResponse | VerifyRunsDeleteResponse"
    " | ProcessorRunDeleteResponse | EditRunsDeleteResponse"
)
AnyRunSummary: TypeAlias = (
    "ClassifyRunSummary | ExtractRunSummary | SplitRunSummary | ParseRunSummary"
    " | WorkflowRunSummary | VerifyRunSummary | LegacyProcessorRunSummary | EditRunSummary"
)

# A run in one of these has been stopped, or is being stopped (a workflow run goes
# through CANCELLING to CANCELLED on its own).
_STOPPING = frozenset({"CANCELLED", "CANCELLING"})
_ENDS = frozenset({"PROCESSED", "FAILED", "CANCELLED"})
_RUN_STATUSES = ("PENDING", "PROCESSING", "PROCESSED", "FAILED", "CANCELLED")


@frozen
class Envelope:
    """Legacy answers wrap the run: ``{"success": true, "processorRun": {...}}``."""

    get: str  # the model of a GET's and a cancel's answer
    cancel: str
    list: str
    run: str  # the attribute holding the run
    runs: str  # the attribute holding a page's runs


@frozen
class RunKind:
    """One kind of run.

    ``cancel_refusal`` is ``None`` for a kind that can be cancelled, else why not (the
    message of the ``failed`` outcome or the ``InvalidInputError``, sent before any
    request). ``summary`` is ``None`` for a kind the API cannot list, ``deleted`` for one
    it cannot delete.
    """

    name: RunKindName
    path: str  # "/extract_runs": the run is at path/{id}, its cancel at path/{id}/cancel
    id_prefix: str
    label: str  # "extract run"
    model: str  # the full run's model in ``extend_async.types``
    summary: str | None  # a list item's model
    statuses: tuple[str, ...]
    final: frozenset[str]
    cancel_refusal: str | None = None
    envelope: Envelope | None = None
    deleted: str | None = None  # a delete's answer model; None: the API cannot delete it
    list_filters: frozenset[str] = frozenset({"batchId", "fileNameContains", "sort"})

    @property
    def cancellable(self) -> bool:
        return self.cancel_refusal is None

    @property
    def listable(self) -> bool:
        return self.summary is not None

    def model_type(self) -> type[Any]:
        return model_named(self.model)

    def summary_type(self) -> type[Any]:
        assert self.summary is not None
        return model_named(self.summary)


def model_named(name: str) -> type[Any]:
    """A model of ``extend_async.types`` by name."""
    from .. import types  # loads the model's group on first use

    model: type[Any] = getattr(types, name)
    return model


_NO_BATCH = frozenset({"fileNameContains", "sort"})

RUN_KINDS: dict[str, RunKind] = {
    kind.name: kind
    for kind in (
        RunKind(
            "classify", "/classify_runs", "clr_", "classify run", "ClassifyRun",
            "ClassifyRunSummary", _RUN_STATUSES, _ENDS, deleted="DeletedClassifyRun",
        ),
        RunKind(
            "extract", "/extract_runs", "exr_", "extract run", "ExtractRun",
            "ExtractRunSummary", _RUN_STATUSES, _ENDS, deleted="ExtractRunsDeleteResponse",
        ),
        RunKind(
            "split", "/split_runs", "splr_", "split run", "SplitRun", "SplitRunSummary",
            _RUN_STATUSES, _ENDS, deleted="SplitRunsDeleteResponse",
        ),
        RunKind(
            "parse", "/parse_runs", "pr_", "parse run", "ParseRun", "ParseRunSummary",
            ("PENDING", "PROCESSING", "PROCESSED", "FAILED"), frozenset({"PROCESSED", "FAILED"}),
            cancel_refusal="parse runs cannot be cancelled (the API has no CANCELLED parse run)",
            list_filters=frozenset({"batchId", "fileNameContains"}),
            deleted="ParseRunsDeleteResponse",
        ),
        RunKind(
            "workflow", "/workflow_runs", "workflow_run_", "workflow run", "WorkflowRun",
            "WorkflowRunSummary",
            ("PENDING", "PROCESSING", "NEEDS_REVIEW", "REJECTED", "PROCESSED", "FAILED",
             "CANCELLED", "CANCELLING"),
            _ENDS | {"NEEDS_REVIEW", "REJECTED"}, deleted="WorkflowRunsDeleteResponse",
        ),
        RunKind(
            "verify", "/verify_runs", "vr_", "verify run", "VerifyRun", "VerifyRunSummary",
            ("PROCESSING", "PROCESSED", "FAILED", "CANCELLED"), _ENDS, list_filters=_NO_BATCH,
            deleted="VerifyRunsDeleteResponse",
        ),
        RunKind(
            "processor", "/processor_runs", "dpr_", "processor run", "LegacyProcessorRun",
            "LegacyProcessorRunSummary", _RUN_STATUSES, _ENDS,
            envelope=Envelope(
                get="ProcessorRunGetResponse", cancel="ProcessorRunCancelResponse",
                list="ProcessorRunListResponse", run="processor_run", runs="processor_runs",
            ),
            list_filters=_NO_BATCH, deleted="ProcessorRunDeleteResponse",
        ),
        RunKind(
            "edit", "/edit_runs", "edr_", "edit run", "EditRun", "EditRunSummary",
            ("PROCESSING", "PROCESSED", "FAILED"), frozenset({"PROCESSED", "FAILED"}),
            cancel_refusal="edit runs cannot be cancelled (the API has no cancel for them)",
            list_filters=_NO_BATCH, deleted="EditRunsDeleteResponse",
        ),
        RunKind(
            "form_detection", "/form_detection_runs", "fdr_", "form detection run",
            "FormDetectionRun", None, ("PROCESSING", "PROCESSED", "FAILED"),
            frozenset({"PROCESSED", "FAILED"}),
            cancel_refusal="form detection runs cannot be cancelled (the API has no cancel "
            "for them)",
        ),
    )
}  # fmt: skip

CANCELLABLE_KINDS: tuple[str, ...] = tuple(k.name for k in RUN_KINDS.values() if k.cancellable)
LISTABLE_KINDS: tuple[str, ...] = tuple(k.name for k in RUN_KINDS.values() if k.listable)

# Longest prefix first: no prefix may hide a longer one.
_BY_PREFIX = sorted(RUN_KINDS.values(), key=lambda k: len(k.id_prefix), reverse=True)
_BY_MODEL = {kind.model: kind for kind in RUN_KINDS.values()}
_BY_MODEL.update({kind.summary: kind for kind in RUN_KINDS.values() if kind.summary})


def kind_from_id(id: str) -> RunKind | None:
    """The kind an id's prefix names, if any."""
    for kind in _BY_PREFIX:
        if id.startswith(kind.id_prefix):
            return kind
    return None


def check_kind(kind: object, *, name: str = "kind") -> RunKind:
    """A kind's name (``"extract"``) or its namespace (``"extract_runs"``) as its row."""
    if isinstance(kind, str):
        row = RUN_KINDS.get(kind) or RUN_KINDS.get(kind.removesuffix("_runs"))
        if row is not None:
            return row
    raise InvalidInputError(f"{name} must be one of {', '.join(RUN_KINDS)}, got {kind!r}")


def check_kinds(kinds: object, *, default: Iterable[str], name: str = "kinds") -> list[RunKind]:
    """``kinds=``: one kind, several, or ``None`` for ``default``; each once, in order."""
    if kinds is None:
        return [RUN_KINDS[k] for k in default]
    if isinstance(kinds, str):
        return [check_kind(kinds, name=name)]
    if not isinstance(kinds, Iterable):
        raise InvalidInputError(f"{name} must be a kind or a list of kinds, got {kinds!r}")
    rows = list(dict.fromkeys(check_kind(k, name=name) for k in kinds))
    if not rows:
        raise InvalidInputError(f"{name} must not be empty")
    return rows


def resolve_kind(id: str, kind: RunKind | None, default: RunKind | None = None) -> RunKind:
    """The kind of run ``id`` is: the one given, else the one its prefix names, else
    ``default``.

    An id whose prefix names another kind than the one given is refused: sent to the
    wrong route it would only meet a 404."""
    named = kind_from_id(id)
    if kind is None:
        named = named or default
        if named is None:
            raise InvalidInputError(
                f"cannot tell which kind of run {id!r} is from its prefix "
                f"(known: {', '.join(k.id_prefix for k in RUN_KINDS.values())}); give kind="
            )
        return named
    if named is not None and named is not kind:
        raise InvalidInputError(
            f"{id!r} has the prefix of {named.label}s ({named.id_prefix}), not of {kind.label}s"
        )
    return kind


def kind_of_id(kind: RunKind | None, default: RunKind | None = None) -> Callable[[str], str | None]:
    """For the bulk engine: the name of each id's kind, ``None`` when it cannot tell."""

    def name(id: str) -> str | None:
        try:
            return resolve_kind(id, kind, default).name
        except InvalidInputError:
            return None

    return name


def kind_of_run(run: object) -> RunKind | None:
    """The kind of a run or a list item, by its model."""
    return _BY_MODEL.get(type(run).__name__)


def is_final(run: Any) -> bool:
    """Whether ``run`` can no longer change: its status is one of its kind's final ones
    (a status this SDK does not know is not final)."""
    kind = kind_of_run(run)
    if kind is None:  # not a run model of the table: the official helpers' rule
        return str(run.status) not in {"PENDING", "PROCESSING", "CANCELLING"}
    return str(run.status) in kind.final


def is_stopping(status: object) -> bool:
    """CANCELLED, or CANCELLING (a workflow run a cancel reached)."""
    return status is not None and str(status) in _STOPPING

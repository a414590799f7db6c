"""The table of what the emulator serves beyond the classify surface: one row per run kind
and per configurable resource. Handlers (``_resources.py``) are generic over these rows;
routes come from the schema's endpoint list (``_shapes.endpoints()``)."""

from __future__ import annotations

from attrs import frozen

__all__ = ["PARENTS", "RESOURCE_KINDS", "RUN_KINDS", "ResourceKind", "RunKind"]


@frozen
class RunKind:
    """One kind of run.

    ``cancellable``: the statuses a cancel stops; ``cancel_to``: where it moves the run
    (``CANCELLING`` for workflow runs, which reach ``CANCELLED`` on their own).
    ``finished_cancel``: what a cancel of any other status answers: ``"conflict"`` (the
    error envelope) or ``"run"`` (the run, unchanged: verify runs).
    ``parent``: the body key naming the configured resource the run uses, if any, and the
    namespace of that resource.
    ``file_input``: what a create must say about its input: ``"file"`` (required, as the
    schema marks it), ``"file_or_package"`` (exactly one of ``file`` and a multi-file
    ``package``, as the official SDKs document it), ``"optional"`` (a legacy processor run
    may give ``rawText`` instead) or ``"none"`` (an evaluation set run reads its set).
    """

    namespace: str  # the schema's namespace: "extract_runs"
    type: str  # the full object: "ExtractRun"
    prefix: str  # id prefix
    label: str  # for messages: "Extract run"
    start: str  # the status a created run starts in
    cancellable: frozenset[str] = frozenset()
    cancel_to: str = "CANCELLED"
    finished_cancel: str = "conflict"
    event: str | None = None  # webhook event prefix: "extract_run"
    output: str | None = None  # the output builder: "extract", "split", ...
    parent_key: str | None = None
    parent: str | None = None
    sync_path: str | None = None  # the synchronous root call: "/extract"
    statuses: tuple[str, ...] = ("PENDING", "PROCESSING", "PROCESSED", "FAILED", "CANCELLED")
    file_input: str = "file"


@frozen
class ResourceKind:
    """A configurable resource with a draft and published versions (or without)."""

    namespace: str
    type: str
    prefix: str
    label: str
    event: str | None = None
    version_type: str | None = None
    version_prefix: str | None = None
    owner_key: str | None = None  # the version's key naming its owner: "extractorId"
    config_key: str = "config"


_RUNNING = frozenset({"PROCESSING"})

RUN_KINDS: dict[str, RunKind] = {
    kind.namespace: kind
    for kind in (
        RunKind(
            "extract_runs",
            "ExtractRun",
            "exr_",
            "Extract run",
            "PROCESSING",
            _RUNNING,
            event="extract_run",
            output="extract",
            parent_key="extractor",
            parent="extractors",
            sync_path="/extract",
            file_input="file_or_package",
        ),
        RunKind(
            "split_runs",
            "SplitRun",
            "splr_",
            "Split run",
            "PROCESSING",
            _RUNNING,
            event="split_run",
            output="split",
            parent_key="splitter",
            parent="splitters",
            sync_path="/split",
        ),
        RunKind(
            "parse_runs",
            "ParseRun",
            "pr_",
            "Parse run",
            "PROCESSING",
            event="parse_run",
            output="parse",
            sync_path="/parse",
            statuses=("PENDING", "PROCESSING", "PROCESSED", "FAILED"),
        ),
        RunKind(
            "workflow_runs",
            "WorkflowRun",
            "workflow_run_",
            "Workflow run",
            "PROCESSING",
            frozenset({"PENDING", "PROCESSING"}),
            cancel_to="CANCELLING",
            event="workflow_run",
            parent_key="workflow",
            parent="workflows",
            file_input="file_or_package",
            statuses=(
                "PENDING",
                "PROCESSING",
                "NEEDS_REVIEW",
                "REJECTED",
                "PROCESSED",
                "FAILED",
                "CANCELLED",
                "CANCELLING",
            ),
        ),
        RunKind(
            "verify_runs",
            "VerifyRun",
            "vr_",
            "Verify run",
            "PROCESSING",
            _RUNNING,
            finished_cancel="run",
            output="verify",
            sync_path="/verify",
            statuses=("PROCESSING", "PROCESSED", "FAILED", "CANCELLED"),
        ),
        RunKind(
            "processor_run",
            "LegacyProcessorRun",
            "dpr_",
            "Processor run",
            "PROCESSING",
            _RUNNING,
            parent_key="processorId",
            parent="processor",
            file_input="optional",
        ),
        RunKind(
            "edit_runs",
            "EditRun",
            "edr_",
            "Edit run",
            "PROCESSING",
            event="edit_run",
            output="edit",
            sync_path="/edit",
            statuses=("PROCESSING", "PROCESSED", "FAILED"),
        ),
        RunKind(
            "form_detection_runs",
            "FormDetectionRun",
            "fdr_",
            "Form detection run",
            "PROCESSING",
            event="form_detection_run",
            output="form",
            sync_path="/detect_form",
            statuses=("PROCESSING", "PROCESSED", "FAILED"),
        ),
        RunKind(
            "evaluation_set_runs",
            "EvaluationSetRun",
            "evr_",
            "Evaluation set run",
            "PROCESSING",
            file_input="none",
        ),
    )
}

RESOURCE_KINDS: dict[str, ResourceKind] = {
    kind.namespace: kind
    for kind in (
        ResourceKind(
            "extractors",
            "Extractor",
            "ex_",
            "Extractor",
            event="extractor",
            version_type="ExtractorVersion",
            version_prefix="exv_",
            owner_key="extractorId",
        ),
        ResourceKind(
            "splitters",
            "Splitter",
            "spl_",
            "Splitter",
            event="splitter",
            version_type="SplitterVersion",
            version_prefix="splv_",
            owner_key="splitterId",
        ),
        ResourceKind(
            "workflows",
            "Workflow",
            "workflow_",
            "Workflow",
            event="workflow",
            version_type="WorkflowVersion",
            version_prefix="workflow_version_",
            config_key="steps",
        ),
        ResourceKind(
            "processor",
            "LegacyProcessor",
            "dp_",
            "Processor",
            version_type="LegacyProcessorVersion",
            version_prefix="dpv_",
            owner_key="processorId",
        ),
        ResourceKind("evaluation_sets", "EvaluationSet", "ev_", "Evaluation set"),
        ResourceKind("evaluation_set_items", "EvaluationSetItem", "evi_", "Evaluation set item"),
        ResourceKind("webhook_endpoints", "WebhookEndpoint", "wh_", "Webhook endpoint"),
        ResourceKind(
            "webhook_subscriptions", "WebhookSubscription", "whs_", "Webhook subscription"
        ),
        ResourceKind("edit_templates", "EditTemplate", "edt_", "Edit template"),
    )
}

# Version namespaces -> the resource they belong to.
PARENTS = {
    "extractor_versions": "extractors",
    "splitter_versions": "splitters",
    "workflow_versions": "workflows",
    "processor_version": "processor",
}

"""Every route beyond the classify surface and files, generic over the rows of ``_kinds``.

Routes come from the schema's endpoint list (``_shapes.endpoints()``): the route for
``extract_runs.cancel`` is the generic run cancel with the extract row, and so on. Answers
are rendered with ``_shapes.fit`` from a record's wire values, so every answer has exactly
the keys of its schema type. State lives under the classify store's lock.

Memory: at most ``Settings.max_runs`` runs of these kinds are kept; past it the oldest
finished runs are dropped (a later GET answers 404), active runs never are. Batches past the
same bound drop oldest first; configurable resources are kept until deleted.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from aiohttp import web

from ._clock import rfc3339
from ._errors import ConflictProblem, ValidationProblem, not_found
from ._kinds import PARENTS, RESOURCE_KINDS, RUN_KINDS, ResourceKind, RunKind
from ._outputs import extract_value, split_output
from ._paging import decode_cursor, encode_cursor
from ._render import batch_status
from ._routing import Call, Handler, Route
from ._settings import Settings
from ._store import FileSpec, Store
from ._validation import file_spec, json_object, legacy_file_spec, metadata, page_size

__all__ = ["Record", "Resources", "template_of"]

_JSON = {"Content-Type": "application/json"}
_ACTIVE = frozenset({"PENDING", "PROCESSING", "CANCELLING"})
_PARENT_FILTERS = {
    "extractors": "extractorId",
    "splitters": "splitterId",
    "workflows": "workflowId",
    "processor": "processorId",
}


def template_of(path: str) -> str:
    """``/extract_runs/{id}/cancel`` -> ``/extract_runs/{}/cancel``."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def _ok(payload: Any) -> web.Response:
    return web.Response(body=orjson.dumps(payload), headers=_JSON)


class Record:
    """One run, resource, version or batch of the generic kinds.

    ``values`` holds its wire values (rendered through its schema type); the rest is what
    the emulator needs to move and find it.
    """

    __slots__ = (
        "batch_id",
        "cancel_count",
        "children",
        "created_us",
        "draft",
        "history",
        "id",
        "namespace",
        "pages",
        "parent_id",
        "secret",
        "status",
        "text",
        "updated_us",
        "values",
        "versions",
        "workspace_id",
    )

    def __init__(
        self, *, id: str, namespace: str, workspace_id: str, created_us: int, status: str = ""
    ) -> None:
        self.id = id
        self.namespace = namespace
        self.workspace_id = workspace_id
        self.created_us = created_us
        self.updated_us = created_us
        self.status = status
        self.history = [status] if status else []
        self.values: dict[str, Any] = {}
        self.batch_id: str | None = None
        self.parent_id: str | None = None
        self.text = ""
        self.pages = 1
        self.cancel_count = 0
        self.secret: str | None = None
        self.draft: dict[str, Any] | None = None
        self.versions: list[dict[str, Any]] = []
        self.children: list[str] = []

    def __repr__(self) -> str:
        return f"Record({self.namespace} {self.id} {self.status})"


def endpoint_routes(served: Iterable[tuple[str, str]]) -> list[tuple[str, dict[str, Any]]]:
    """(route name, endpoint) for every endpoint of the schema not in ``served`` (method,
    template): its name is the official SDK's ``namespace.method``."""
    from ._shapes import endpoints

    skip = set(served)
    return [
        (f"{endpoint['namespace']}.{endpoint['method']}", endpoint)
        for endpoint in endpoints()
        if (endpoint["http"], template_of(endpoint["path"])) not in skip
    ]


class Resources:
    """The generic handlers and their state (runs bounded, see the module docstring)."""

    def __init__(
        self,
        store: Store,
        settings: Callable[[], Settings],
        lifecycle: Callable[[], Any],
        emit: Callable[[str, str, Callable[[], bytes], str, dict[str, Any] | None, Any], None],
    ) -> None:
        self._store = store
        self._settings = settings
        self._lifecycle = lifecycle
        self._emit_event = emit
        self.lock = store.lock
        self.runs: OrderedDict[str, Record] = OrderedDict()
        self.resources: dict[str, Record] = {}
        self.batches: OrderedDict[str, Record] = OrderedDict()
        self.evicted = 0
        self._timers: dict[str, asyncio.TimerHandle] = {}

    # --- the route table -------------------------------------------------------------

    def routes(self, served: Iterable[tuple[str, str]]) -> list[Route]:
        """A route for every endpoint of the schema not in ``served`` (method, template)."""
        return [
            Route(name, endpoint["http"], template_of(endpoint["path"]), self._handler(endpoint))
            for name, endpoint in endpoint_routes(served)
        ]

    def _handler(self, endpoint: dict[str, Any]) -> Handler:
        namespace, method, response = (
            endpoint["namespace"],
            endpoint["method"],
            endpoint["response"],
        )
        if namespace == "root":
            kind = next(k for k in RUN_KINDS.values() if k.sync_path == endpoint["path"])
            return lambda call: self.sync_run(kind, call, response)
        if namespace in RUN_KINDS:
            kind = RUN_KINDS[namespace]
            run_handlers: dict[str, Callable[[RunKind, Call, str], Any]] = {
                "create": self.create_run,
                "list": self.list_runs,
                "retrieve": self.get_run,
                "get": self.get_run,
                "delete": self.delete_run,
                "cancel": self.cancel_run,
                "create_batch": self.create_batch,
                "update": self.update_run,
            }
            run_handler = run_handlers[method]
            return lambda call: run_handler(kind, call, response)
        if namespace in PARENTS:
            owner = RESOURCE_KINDS[PARENTS[namespace]]
            version_handlers: dict[str, Callable[[ResourceKind, Call, str], Any]] = {
                "create": self.publish_version,
                "list": self.list_versions,
                "retrieve": self.get_version,
                "get": self.get_version,
            }
            version_handler = version_handlers[method]
            return lambda call: version_handler(owner, call, response)
        if namespace in RESOURCE_KINDS:
            rkind = RESOURCE_KINDS[namespace]
            resource_handlers: dict[str, Callable[[ResourceKind, Call, str], Any]] = {
                "create": self.create_resource,
                "list": self.list_resources,
                "retrieve": self.get_resource,
                "update": self.update_resource,
                "delete": self.delete_resource,
            }
            resource_handler = resource_handlers[method]
            return lambda call: resource_handler(rkind, call, response)
        if namespace == "batch_processor_run":
            return lambda call: self.get_legacy_batch(call, response)
        if namespace == "edit_schemas":
            return lambda call: self.generate_edit_schema(call, response)
        raise LookupError(f"no handler for {namespace}.{method}")

    # --- rendering ---------------------------------------------------------------------

    def _dashboard(self, record: Record) -> str:
        return f"{self._settings().dashboard_url}/runs/{record.id}"

    def values(self, record: Record) -> dict[str, Any]:
        stamp_created, stamp_updated = rfc3339(record.created_us), rfc3339(record.updated_us)
        values = {
            "id": record.id,
            "createdAt": stamp_created,
            "updatedAt": stamp_updated,
            **record.values,
        }
        if record.status:
            values["status"] = record.status
        if record.namespace in RUN_KINDS:
            values["dashboardUrl"] = self._dashboard(record)
            values["url"] = self._dashboard(record)
            values["batchId"] = record.batch_id
        return values

    def render(self, record: Record, type_name: str) -> dict[str, Any]:
        from ._shapes import fit

        return fit(type_name, self.values(record))

    def answer(self, response: str, record: Record, own_type: str) -> web.Response:
        """``record`` as ``response``: itself, or wrapped in a legacy ``{success, ...}``."""
        return _ok(self.shape(response, self.render(record, own_type), own_type))

    @staticmethod
    def shape(response: str, rendered: Any, own_type: str) -> Any:
        from ._shapes import fields, fit, object_names

        if response == own_type:
            return rendered
        wrapped: dict[str, Any] = {"success": True}
        for key, _, text in fields(response):
            if own_type in object_names(text):
                wrapped[key] = rendered
        return fit(response, wrapped)

    def list_answer(
        self, response: str, rendered: list[dict[str, Any]], next_token: str | None
    ) -> web.Response:
        from ._shapes import fields, fit, list_member

        values: dict[str, Any] = {"success": True, "nextPageToken": next_token}
        for key, _, text in fields(response):
            if list_member(text) is not None:
                values[key] = rendered
        return _ok(fit(response, values))

    @staticmethod
    def list_item_type(response: str) -> str:
        from ._shapes import fields, item_type, list_member, object_names

        for _, _, text in fields(response):
            member = list_member(text)
            if member is not None:
                return object_names(item_type(member))[0]
        raise LookupError(response)

    # --- state helpers -----------------------------------------------------------------

    def _new(self, namespace: str, prefix: str, workspace_id: str, status: str = "") -> Record:
        store = self._store
        return Record(
            id=store.ids.new(prefix),
            namespace=namespace,
            workspace_id=workspace_id,
            created_us=store.now(),
            status=status,
        )

    def add_edit_template(
        self, workspace_id: str, name: str, description: str | None, file: FileSpec
    ) -> str:
        """An edit template, as the dashboard makes one (the API only reads them)."""
        with self.lock:
            record = self._new("edit_templates", "edt_", workspace_id)
            summary, _, _ = self._file(file, workspace_id)
            record.values.update({"name": name, "description": description, "file": summary})
            self.resources[record.id] = record
            return record.id

    def find(self, record_id: str) -> Record | None:
        return self.runs.get(record_id) or self.resources.get(record_id)

    def _visible(self, namespace: str, label: str, call: Call, record_id: str) -> Record:
        record = self.runs.get(record_id) or self.resources.get(record_id)
        if (
            record is None
            or record.namespace != namespace
            or (record.workspace_id != call.workspace_id)
        ):
            raise not_found(label, record_id)
        return record

    def _add_run(self, run: Record) -> None:
        self.runs[run.id] = run
        bound = self._settings().max_runs
        excess = len(self.runs) - bound
        if excess <= 0:
            return
        # The oldest finished runs go first; active runs are kept whatever their age.
        # Lazily, from the oldest: usually the first ``excess`` runs, not a full pass.
        finished = (r.id for r in self.runs.values() if r.status not in _ACTIVE)
        dropped = list(itertools.islice(finished, excess))
        for run_id in dropped:
            del self.runs[run_id]
        self.evicted += len(dropped)
        while len(self.batches) > bound:
            self.batches.popitem(last=False)

    def _file(self, spec: FileSpec, workspace_id: str) -> tuple[dict[str, Any], str, int]:
        """(file summary, its text, its page count) of a run's input."""
        store = self._store
        summary, _ = store._file_summary(spec, store.now(), workspace_id)
        text = store.file_text(spec)
        pages = 1
        meta = summary.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("pageCount"), int):
            pages = meta["pageCount"]
        return summary, text, pages

    def _parent(self, kind: RunKind, call: Call, body: dict[str, Any]) -> dict[str, Any]:
        """The wire values a run takes from its configured resource (and its version)."""
        assert kind.parent is not None
        assert kind.parent_key is not None
        owner_kind = RESOURCE_KINDS[kind.parent]
        ref = body.get(kind.parent_key)
        wanted: str | None = None
        if isinstance(ref, dict):
            owner_id, wanted = ref.get("id"), ref.get("version")
        else:
            owner_id = ref
        if not isinstance(owner_id, str):
            raise ValidationProblem(f"{kind.parent_key}.id must be a string")
        owner = self._visible(owner_kind.namespace, owner_kind.label, call, owner_id)
        version = self._resolve(owner, wanted if isinstance(wanted, str) else None)
        if version is None:
            raise not_found(f"Version of {owner_kind.label.lower()} {owner.id}", str(wanted))
        summary = self.render(owner, owner_kind.type)
        singular = owner_kind.namespace.removesuffix("s")
        values = {
            singular: summary,
            f"{singular}Version": version,
            "processorId": owner.id,
            "processorVersionId": version["id"],
            "processorName": owner.values.get("name", ""),
        }
        if kind.namespace == "processor_run":
            values["type"] = owner.values.get("type")  # a run has its processor's type
        config = version.get(owner_kind.config_key)
        if owner_kind.config_key == "config" and config is not None:
            values["config"] = config
        return values

    @staticmethod
    def _resolve(owner: Record, wanted: str | None) -> dict[str, Any] | None:
        if wanted in (None, "latest"):
            return owner.versions[-1] if owner.versions else owner.draft
        if wanted == "draft":
            return owner.draft
        for version in [owner.draft, *owner.versions]:
            if version is not None and wanted in (version["id"], version["version"]):
                return version
        return None

    # --- runs --------------------------------------------------------------------------

    def _build_run(
        self,
        kind: RunKind,
        call: Call,
        body: dict[str, Any],
        status: str,
        file_value: Any = None,
        meta: dict[str, Any] | None = None,
    ) -> Record:
        """A new run (not yet stored): validate, then call with the lock held."""
        run = self._new(kind.namespace, kind.prefix, call.workspace_id, status)
        values = run.values
        if kind.parent_key is not None:
            has_parent = body.get(kind.parent_key) is not None
            # A processor run's config overrides its processor's; a workflow run has none.
            has_config = body.get("config") is not None and kind.namespace not in (
                "processor_run",
                "workflow_runs",
            )
            if has_parent == has_config:
                wanted = f"One of `{kind.parent_key}` or `config` must be provided, not both"
                if kind.namespace in ("workflow_runs", "processor_run"):
                    wanted = f"{kind.parent_key} is required"
                raise ValidationProblem(wanted)
        if kind.parent_key is not None and body.get(kind.parent_key) is not None:
            values.update(self._parent(kind, call, body))
        elif body.get("config") is not None:
            values["config"] = body["config"]
        if kind.namespace == "evaluation_set_runs":
            target = body.get("evaluationSetId")
            if not isinstance(target, str):
                raise ValidationProblem("evaluationSetId is required")
            self._visible("evaluation_sets", "Evaluation set", call, target)
            values["evaluationSetId"] = target
        if file_value is None:
            file_value = body.get("file")
        package = body.get("package") if kind.file_input == "file_or_package" else None
        if kind.file_input == "file_or_package" and (file_value is None) == (package is None):
            raise ValidationProblem("Exactly one of `file` or `package` must be provided")
        if package is not None:
            specs = _package_files(package, minimum=2 if kind.namespace == "workflow_runs" else 1)
            inputs = [self._file(spec, call.workspace_id) for spec in specs]
            values["file"] = inputs[0][0]
            values["files"] = [summary for summary, _, _ in inputs]
            run.text = "\n".join(text for _, text, _ in inputs if text)
            run.pages = sum(pages for _, _, pages in inputs)
        elif file_value is not None or kind.file_input == "file":
            legacy = kind.namespace == "processor_run"
            spec = legacy_file_spec(file_value) if legacy else file_spec(file_value)
            summary, run.text, run.pages = self._file(spec, call.workspace_id)
            values["file"] = summary
            values["files"] = [summary]
        elif body.get("rawText") is not None:
            run.text = str(body["rawText"])
        values["metadata"] = meta if meta is not None else {}
        if kind.namespace == "processor_run":
            values["object"] = "document_processor_run"
        values["failureReason"] = values["failureMessage"] = None
        if isinstance(body.get("name"), str):
            values["name"] = body["name"]
        return run

    def seed_runs(
        self,
        namespace: str,
        n: int,
        *,
        statuses: list[str],
        workspace_id: str,
        batch_id: str | None = None,
        file_name: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> list[Record]:
        """``n`` runs of one kind made directly, cycling through ``statuses`` (lock held).

        Seeded runs stay in their status until a request or ``advance`` moves them; as
        with classify runs, seeding drops nothing, and seeded runs count toward
        ``max_runs`` when runs are created afterwards."""
        kind = RUN_KINDS[namespace]
        for status in statuses:
            if status not in kind.statuses:
                raise ValueError(f"{kind.label} has no status {status!r}: {kind.statuses}")
        spec = FileSpec("text", f"Seeded {kind.label.lower()}", file_name or "seeded.txt")
        made = []
        for i in range(n):
            run = self._new(kind.namespace, kind.prefix, workspace_id, statuses[i % len(statuses)])
            summary, run.text, run.pages = self._file(spec, workspace_id)
            run.values.update(
                file=summary,
                files=[summary],
                metadata=dict(metadata or {}),
                failureReason=None,
                failureMessage=None,
            )
            if kind.namespace == "processor_run":
                run.values["object"] = "document_processor_run"
            if run.status == "PROCESSED":
                output = self._output(kind, run)
                if output is not None:
                    run.values["output"] = run.values["initialOutput"] = output
            elif run.status == "FAILED":
                run.values["failureReason"] = "INTERNAL_ERROR"
                run.values["failureMessage"] = "The run failed."
            run.batch_id = batch_id
            self.runs[run.id] = run  # seeding drops nothing; later creations do
            made.append(run)
        return made

    def _start(self, run: Record) -> None:
        """Store ``run`` and give it its timers (on the emulator's loop)."""
        self._add_run(run)
        self._schedule(run)

    def _schedule(self, run: Record) -> None:
        lifecycle = self._lifecycle()
        delay = lifecycle.pending_delay if run.status == "PENDING" else None
        if run.status == "PROCESSING":
            delay = lifecycle.processing_seconds
        if delay is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timers[run.id] = loop.call_later(delay, self._fire, run.id, run.status)

    def _fire(self, run_id: str, expected: str) -> None:
        self._timers.pop(run_id, None)
        with self.lock:
            run = self.runs.get(run_id)
            if run is None or run.status != expected:
                return
            if expected == "PENDING":
                self.set_status(run, "PROCESSING")
                self._schedule(run)
            else:
                self.complete(run)

    def detach(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def complete(self, run: Record) -> None:
        """Finish ``run`` as the lifecycle and settings say (lock held)."""
        lifecycle = self._lifecycle()
        kind = RUN_KINDS[run.namespace]
        if lifecycle.failure_rate and self._store.rng.random() < lifecycle.failure_rate:
            self.set_status(run, "FAILED", failure_reason=lifecycle.failure_reason)
        elif kind.namespace == "workflow_runs":
            self.set_status(run, self._settings().workflow_outcome)
        else:
            self.set_status(run, "PROCESSED")

    def set_status(
        self,
        run: Record,
        status: str,
        *,
        failure_reason: str | None = None,
        failure_message: str | None = None,
    ) -> None:
        """Move ``run``; PROCESSED fills the output, FAILED the reason (lock held)."""
        kind = RUN_KINDS[run.namespace]
        if status not in kind.statuses:
            raise ValueError(f"{kind.label} has no status {status!r}: {kind.statuses}")
        run.status = status
        run.history.append(status)
        run.updated_us = self._store.now()
        if status == "FAILED":
            run.values["failureReason"] = failure_reason or "INTERNAL_ERROR"
            run.values["failureMessage"] = failure_message or "The run failed."
        if status == "PROCESSED":
            output = self._output(kind, run)
            if output is not None:
                run.values["output"] = output
                run.values["initialOutput"] = output
        if status not in _ACTIVE:
            self._announce(kind, run)

    def _output(self, kind: RunKind, run: Record) -> Any:
        from ._shapes import skeleton

        config = run.values.get("config")
        config = config if isinstance(config, dict) else {}
        if kind.output == "extract":
            schema = config.get("schema")
            return {"value": extract_value(schema, run.text) or {}, "metadata": {}}
        if kind.output == "split":
            classes = config.get("splitClassifications")
            classes = (
                [c for c in classes if isinstance(c, dict)] if isinstance(classes, list) else []
            )
            file = run.values.get("file") or {}
            return {
                "splits": split_output(classes, run.pages, str(file.get("id", ""))),
                "isExternal": False,
            }
        if kind.output == "parse":
            # One document chunk holding the file's text (empty for a file without text).
            chunk = {
                "object": "chunk",
                "type": "document",
                "content": run.text,
                "metadata": {"pageRange": {"start": 1, "end": run.pages}},
                "blocks": [],
            }
            return {**skeleton("Extend.ParseRunOutput"), "chunks": [chunk]}
        if kind.output == "form":
            return skeleton("Extend.EditSchemaGenerationResponse")
        if kind.output == "verify":
            return skeleton("Extend.VerifyOutput")
        if kind.output == "edit":
            return skeleton("Extend.EditRunOutput")
        return None

    def _announce(self, kind: RunKind, run: Record) -> None:
        if kind.event is None:
            return
        suffix = {"PROCESSED": "completed"} if kind.namespace == "workflow_runs" else {}
        event_type = f"{kind.event}.{suffix.get(run.status, run.status.lower())}"
        self._emit_event(
            run.workspace_id,
            event_type,
            lambda: orjson.dumps(self.render(run, kind.type)),
            run.id,
            run.values.get("metadata") or None,
            run.parent_id,
        )
        batch = self.batches.get(run.batch_id) if run.batch_id else None
        if batch is not None:
            status = self._batch_status(batch)
            if status in ("PROCESSED", "FAILED"):
                prefix = "batch_parse_run" if kind.namespace == "parse_runs" else None
                prefix = prefix or "batch_processor_run"
                self._emit_event(
                    batch.workspace_id,
                    f"{prefix}.{status.lower()}",
                    lambda: orjson.dumps(self._render_batch(batch)),
                    batch.id,
                    None,
                    None,
                )

    async def create_run(self, kind: RunKind, call: Call, response: str) -> web.Response:
        body = json_object(await call.request.read())
        meta = metadata(body.get("metadata"))
        lifecycle = self._lifecycle()
        start = "PENDING" if lifecycle.queue and "PENDING" in kind.statuses else kind.start
        with self.lock:
            run = self._build_run(kind, call, body, start, meta=meta)
            if kind.parent_key is not None and body.get(kind.parent_key) is not None:
                run.parent_id = self._parent_id(body.get(kind.parent_key))
            self._start(run)
            if body.get("sync") is True:
                self.complete(run)
            return self.answer(response, run, kind.type)

    @staticmethod
    def _parent_id(ref: Any) -> str | None:
        value = ref.get("id") if isinstance(ref, dict) else ref
        return value if isinstance(value, str) else None

    async def sync_run(self, kind: RunKind, call: Call, response: str) -> web.Response:
        """A synchronous root call: answers once the run is finished (a cancel meanwhile
        wins), after ``processing_seconds`` when the lifecycle sets it."""
        body = json_object(await call.request.read())
        meta = metadata(body.get("metadata"))
        with self.lock:
            run = self._build_run(kind, call, body, "PROCESSING", meta=meta)
            run.parent_id = self._parent_id(body.get(kind.parent_key or ""))
            self._add_run(run)
        seconds = self._lifecycle().processing_seconds
        if seconds:
            await asyncio.sleep(seconds)
        with self.lock:
            if run.status == "PROCESSING":
                self.complete(run)
            return self.answer(response, run, kind.type)

    async def get_run(self, kind: RunKind, call: Call, response: str) -> web.Response:
        with self.lock:
            run = self._visible(kind.namespace, kind.label, call, call.params[0])
            return self.answer(response, run, kind.type)

    async def update_run(self, kind: RunKind, call: Call, response: str) -> web.Response:
        body = json_object(await call.request.read())
        meta = metadata(body.get("metadata"))
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise ValidationProblem("name must be a string")
        with self.lock:
            run = self._visible(kind.namespace, kind.label, call, call.params[0])
            if meta is not None:
                run.values["metadata"] = meta
            if name is not None:
                run.values["name"] = name
            run.updated_us = self._store.now()
            return self.answer(response, run, kind.type)

    async def cancel_run(self, kind: RunKind, call: Call, response: str) -> web.Response:
        json_object(await call.request.read(), allow_empty=True)
        settings = self._settings()
        with self.lock:
            run = self._visible(kind.namespace, kind.label, call, call.params[0])
            run.cancel_count += 1
            cancellable = set(kind.cancellable)
            if settings.cancel_pending and "PENDING" in kind.statuses:
                cancellable.add("PENDING")
            if kind.namespace == "parse_runs" and settings.parse_cancel == "fail":
                cancellable |= {"PENDING", "PROCESSING"}
            if run.status not in cancellable:
                if kind.finished_cancel == "run" and run.status not in _ACTIVE:
                    return self.answer(response, run, kind.type)
                raise ConflictProblem(f"{kind.label} cannot be cancelled in status {run.status}")
            if kind.namespace == "parse_runs":
                self.set_status(run, "FAILED", failure_reason="CANCELLED")
            else:
                self.set_status(run, kind.cancel_to)
            answer = self.answer(response, run, kind.type)
        if kind.cancel_to == "CANCELLING":
            # The workflow stops its steps, then the run is CANCELLED.
            loop = asyncio.get_running_loop()
            loop.call_later(settings.workflow_cancel_seconds, self._finish_cancel, run.id)
        return answer

    def _finish_cancel(self, run_id: str) -> None:
        with self.lock:
            run = self.runs.get(run_id)
            if run is not None and run.status == "CANCELLING":
                self.set_status(run, "CANCELLED")

    async def delete_run(self, kind: RunKind, call: Call, response: str) -> web.Response:
        from ._shapes import fit

        with self.lock:
            run = self._visible(kind.namespace, kind.label, call, call.params[0])
            if run.status in _ACTIVE and not self._settings().allow_delete_active:
                raise ConflictProblem(
                    f"{kind.label} cannot be deleted in status {run.status}; "
                    "cancel it or wait until it finishes"
                )
            del self.runs[run.id]
        return _ok(
            fit(
                response,
                {
                    "id": run.id,
                    "success": True,
                    "documentProcessorRunId": run.id,
                    "message": "Deleted",
                },
            )
        )

    async def list_runs(self, kind: RunKind, call: Call, response: str) -> web.Response:
        query = call.request.query
        filters: list[Callable[[Record], bool]] = []
        status = query.get("status")
        if status is not None:
            if status not in kind.statuses:
                raise ValidationProblem(f"status must be one of {', '.join(kind.statuses)}")
            filters.append(lambda r: r.status == status)
        batch_id = query.get("batchId")
        if batch_id is not None:
            filters.append(lambda r: r.batch_id == batch_id)
        parent_filter = _PARENT_FILTERS.get(kind.parent or "")
        if parent_filter and query.get(parent_filter) is not None:
            wanted = query[parent_filter]
            filters.append(lambda r: r.parent_id == wanted)
        name_part = query.get("fileNameContains")
        if name_part is not None:
            filters.append(
                lambda r: name_part.lower()
                in str((r.values.get("file") or {}).get("name", "")).lower()
            )
        with self.lock:
            mine = [
                r
                for r in self.runs.values()
                if r.namespace == kind.namespace
                and r.workspace_id == call.workspace_id
                and all(f(r) for f in filters)
            ]
            return self._page(mine, call, response)

    def _page(self, records: list[Record], call: Call, response: str) -> web.Response:
        """One page of ``records`` (lock held): ``sortBy``/``sortDir``, cursor pagination."""
        query = call.request.query
        limit = page_size(query)
        descending = query.get("sortDir", "desc") != "asc"
        if query.get("sortDir") not in (None, "asc", "desc"):
            raise ValidationProblem("sortDir must be one of asc, desc")
        by_updated = query.get("sortBy") == "updatedAt"

        def key(r: Record) -> tuple[int, str]:
            return (r.updated_us if by_updated else r.created_us, r.id)

        ordered = sorted(records, key=key, reverse=descending)
        token = query.get("nextPageToken")
        if token:
            stamp, last = decode_cursor(token, arity=2)
            after = (stamp, last)
            ordered = [r for r in ordered if (key(r) < after if descending else key(r) > after)]
        page = ordered[:limit]
        item = self.list_item_type(response)
        rendered = [self.render(r, item) for r in page]
        more = len(ordered) > limit
        return self.list_answer(response, rendered, encode_cursor(*key(page[-1])) if more else None)

    async def create_batch(self, kind: RunKind, call: Call, response: str) -> web.Response:
        body = json_object(await call.request.read())
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not 1 <= len(inputs) <= 1000:
            raise ValidationProblem("inputs must be an array of 1 to 1000 items")
        if kind.parent_key is not None and body.get(kind.parent_key) is None:
            raise ValidationProblem(f"{kind.parent_key} is required")
        for index, item in enumerate(inputs):
            if not isinstance(item, dict):
                raise ValidationProblem(f"inputs[{index}] must be an object")
        with self.lock:
            batch = self._new("batch_runs", "bpr_", call.workspace_id, "PENDING")
            batch.values["kind"] = kind.namespace
            runs = []
            for index, item in enumerate(inputs):
                meta = metadata(item.get("metadata"), f"inputs[{index}].metadata")
                start = "PENDING" if "PENDING" in kind.statuses else kind.start
                run = self._build_run(kind, call, body, start, item.get("file"), meta)
                run.batch_id = batch.id
                run.parent_id = self._parent_id(body.get(kind.parent_key or ""))
                runs.append(run)
            for run in runs:
                batch.children.append(run.id)
                self._start(run)
            self.batches[batch.id] = batch
            if response == "BatchRun":
                return _ok(self._render_batch(batch))
            from ._shapes import fit

            return _ok(fit(response, {"batchId": batch.id}))

    def _batch_status(self, batch: Record) -> str:
        statuses = [self.runs[i].status for i in batch.children if i in self.runs]
        statuses = ["PROCESSING" if s == "CANCELLING" else s for s in statuses]
        statuses = ["PROCESSED" if s in ("NEEDS_REVIEW", "REJECTED") else s for s in statuses]
        return batch_status(statuses) if statuses else "PROCESSED"

    def _render_batch(self, batch: Record) -> dict[str, Any]:
        from ._shapes import fit

        return fit(
            "BatchRun",
            {
                "id": batch.id,
                "status": self._batch_status(batch),
                "runCount": len(batch.children),
                "createdAt": rfc3339(batch.created_us),
            },
        )

    def batch_answer(self, workspace_id: str, batch_id: str) -> bytes | None:
        """``GET /batch_runs/{id}`` for a batch of these kinds, else ``None``."""
        with self.lock:
            batch = self.batches.get(batch_id)
            if batch is None or batch.workspace_id != workspace_id:
                return None
            return orjson.dumps(self._render_batch(batch))

    async def get_legacy_batch(self, call: Call, response: str) -> web.Response:
        """``GET /batch_processor_runs/{id}``: a batch in the legacy shape."""
        from ._shapes import fields, fit, object_names, type_entry

        with self.lock:
            batch = self.batches.get(call.params[0])
            if batch is None or batch.workspace_id != call.workspace_id:
                raise not_found("Batch processor run", call.params[0])
            status = self._batch_status(batch)
            values: dict[str, Any] = {
                "object": "batch_processor_run",
                "id": batch.id,
                "runCount": len(batch.children),
                "createdAt": rfc3339(batch.created_us),
                "updatedAt": rfc3339(batch.updated_us),
            }
        legacy = type_entry("LegacyBatchProcessorRunStatus").get("values", [])
        values["status"] = status if status in legacy else legacy[0]
        inner = next(
            object_names(text)[0] for key, _, text in fields(response) if key == "batchProcessorRun"
        )
        return _ok(fit(response, {"success": True, "batchProcessorRun": fit(inner, values)}))

    async def generate_edit_schema(self, call: Call, response: str) -> web.Response:
        from ._shapes import fit

        body = json_object(await call.request.read())
        file_spec(body.get("file"))
        return _ok(fit(response, {}))

    # --- configurable resources ----------------------------------------------------------

    def _version(
        self,
        kind: ResourceKind,
        owner: Record,
        number: str,
        config: Any,
        description: str | None,
    ) -> dict[str, Any]:
        from ._shapes import fit

        assert kind.version_type is not None
        assert kind.version_prefix is not None
        stamp = rfc3339(self._store.now())
        version_id = self._store.ids.new(kind.version_prefix)
        values: dict[str, Any] = {
            "id": version_id,
            "version": number,
            "description": description,
            "createdAt": stamp,
            "updatedAt": stamp,
            "processorName": owner.values.get("name"),
            "processorType": owner.values.get("type"),
            "name": owner.values.get("name"),
        }
        if kind.owner_key:
            values[kind.owner_key] = owner.id
        if kind.namespace == "processor":
            # A legacy version's config is the variant of its processor's type.
            values["object"] = "document_processor_version"
            given = config if isinstance(config, dict) else {}
            config = {**given, "type": given.get("type") or owner.values.get("type")}
        if config is not None:
            values[kind.config_key] = config
        return fit(kind.version_type, values)

    def _sync_draft(self, kind: ResourceKind, owner: Record) -> None:
        if kind.version_type is not None:
            owner.values["draftVersion"] = owner.draft
            versions = [
                {"id": v["id"], "version": v["version"]}
                for v in [owner.draft, *owner.versions]
                if v is not None
            ]
            owner.values["versions"] = versions if kind.namespace == "processor" else None
            if owner.values["versions"] is None:
                del owner.values["versions"]

    async def create_resource(self, kind: ResourceKind, call: Call, response: str) -> web.Response:
        body = json_object(await call.request.read())
        if kind.namespace == "evaluation_set_items":
            return await self._create_items(call, body, response)
        required = {
            "webhook_endpoints": ("url", "name", "enabledEvents", "apiVersion"),
            "webhook_subscriptions": (
                "webhookEndpointId",
                "resourceType",
                "resourceId",
                "enabledEvents",
            ),
            "evaluation_sets": ("name", "entityId"),
            "processor": ("name", "type"),
        }.get(kind.namespace, ("name",))
        for key in required:
            if body.get(key) is None:
                raise ValidationProblem(f"{key} is required")
        with self.lock:
            record = self._new(kind.namespace, kind.prefix, call.workspace_id)
            values = record.values
            for key, value in body.items():
                if key not in ("config", "steps", "cloneClassifierId") and value is not None:
                    values[key] = value
            if kind.namespace == "processor":
                values["object"] = "document_processor"
            if kind.namespace == "webhook_endpoints":
                values.setdefault("status", "enabled")
                record.secret = self._store.ids.new("wss_")
            if kind.namespace == "webhook_subscriptions":
                self._visible(
                    "webhook_endpoints", "Webhook endpoint", call, body["webhookEndpointId"]
                )
            if kind.namespace == "evaluation_sets":
                values.setdefault("description", "")
                record.parent_id = body["entityId"]
            if kind.version_type is not None:
                config = body.get(kind.config_key)
                clone_key = next((k for k in body if k.startswith("clone")), None)
                if clone_key is not None and body[clone_key] is not None:
                    source = self._visible(kind.namespace, kind.label, call, body[clone_key])
                    assert source.draft is not None
                    config = source.draft.get(kind.config_key)
                record.draft = self._version(kind, record, "draft", config, None)
                self._sync_draft(kind, record)
            self.resources[record.id] = record
            self._announce_resource(kind, record, "created")
            rendered = self.render(record, kind.type)
            if kind.namespace == "webhook_endpoints":
                rendered = self.render(record, "WebhookEndpointCreate")
                rendered["signingSecret"] = record.secret
                return _ok(rendered)
            return _ok(self.shape(response, rendered, kind.type))

    async def _create_items(self, call: Call, body: dict[str, Any], response: str) -> web.Response:
        from ._shapes import fit

        items = body.get("items")
        if not isinstance(items, list) or not items:
            raise ValidationProblem("items must be a non-empty array")
        with self.lock:
            owner = self._visible("evaluation_sets", "Evaluation set", call, call.params[0])
            created = []
            for index, item in enumerate(items):
                if not isinstance(item, dict) or not isinstance(item.get("expectedOutput"), dict):
                    raise ValidationProblem(f"items[{index}].expectedOutput must be an object")
                record = self._new("evaluation_set_items", "evi_", call.workspace_id)
                record.parent_id = owner.id
                record.values.update(
                    {"evaluationSetId": owner.id, "expectedOutput": item["expectedOutput"]}
                )
                file_id = item.get("fileId")
                if isinstance(file_id, str):
                    summary, _, _ = self._file(FileSpec("id", file_id), call.workspace_id)
                    record.values["file"] = summary
                self.resources[record.id] = record
                created.append(self.render(record, "EvaluationSetItem"))
        return _ok(fit(response, {"evaluationSetItems": created}))

    def _owned(self, kind: ResourceKind, call: Call) -> Record:
        """The record a path names; items are looked up under their evaluation set."""
        if kind.namespace == "evaluation_set_items":
            owner = self._visible("evaluation_sets", "Evaluation set", call, call.params[0])
            item = self._visible(kind.namespace, kind.label, call, call.params[1])
            if item.parent_id != owner.id:
                raise not_found(kind.label, call.params[1])
            return item
        return self._visible(kind.namespace, kind.label, call, call.params[0])

    async def get_resource(self, kind: ResourceKind, call: Call, response: str) -> web.Response:
        with self.lock:
            return self.answer(response, self._owned(kind, call), kind.type)

    async def update_resource(self, kind: ResourceKind, call: Call, response: str) -> web.Response:
        body = json_object(await call.request.read())
        with self.lock:
            record = self._owned(kind, call)
            for key, value in body.items():
                if value is None or key in ("config", "steps"):
                    continue
                record.values[key] = value
            config = body.get(kind.config_key)
            if config is not None and record.draft is not None:
                record.draft[kind.config_key] = config
                self._sync_draft(kind, record)
                self._announce_resource(kind, record, "draft.updated")
            record.updated_us = self._store.now()
            self._announce_resource(kind, record, "updated")
            return self.answer(response, record, kind.type)

    async def delete_resource(self, kind: ResourceKind, call: Call, response: str) -> web.Response:
        from ._shapes import fit

        with self.lock:
            record = self._owned(kind, call)
            del self.resources[record.id]
            self._announce_resource(kind, record, "deleted")
        return _ok(fit(response, {"id": record.id, "success": True}))

    async def list_resources(self, kind: ResourceKind, call: Call, response: str) -> web.Response:
        query = call.request.query
        filters: dict[str, str] = {}
        for key in ("status", "webhookEndpointId", "resourceId", "type"):
            if query.get(key) is not None:
                filters[key] = query[key]
        name_part = query.get("nameContains")
        entity = query.get("entityId")
        with self.lock:
            parent = None
            if kind.namespace == "evaluation_set_items":
                parent = self._visible("evaluation_sets", "Evaluation set", call, call.params[0])
            mine = [
                r
                for r in self.resources.values()
                if r.namespace == kind.namespace
                and r.workspace_id == call.workspace_id
                and (parent is None or r.parent_id == parent.id)
                and (entity is None or r.parent_id == entity)
                and all(r.values.get(k) == v for k, v in filters.items())
                and (
                    name_part is None or name_part.lower() in str(r.values.get("name", "")).lower()
                )
            ]
            return self._page(mine, call, response)

    def _announce_resource(self, kind: ResourceKind, record: Record, change: str) -> None:
        if kind.event is None:
            return
        event_type = f"{kind.event}.{change}"
        if kind.event == "workflow" and change not in ("created", "deleted"):
            return
        self._emit_event(
            record.workspace_id,
            event_type,
            lambda: orjson.dumps(self.render(record, kind.type)),
            record.id,
            None,
            record.id,
        )

    # --- versions ----------------------------------------------------------------------

    async def publish_version(self, kind: ResourceKind, call: Call, response: str) -> web.Response:
        from ._shapes import fit

        body = json_object(await call.request.read(), allow_empty=True)
        release_type = body.get("releaseType", "major" if kind.namespace == "workflows" else None)
        if release_type not in ("major", "minor"):
            raise ValidationProblem("releaseType must be one of major, minor")
        description = body.get("description")
        if description is not None and not isinstance(description, str):
            raise ValidationProblem("description must be a string")
        with self.lock:
            owner = self._visible(kind.namespace, kind.label, call, call.params[0])
            assert owner.draft is not None
            config = body.get(kind.config_key)
            if config is None:
                config = owner.draft.get(kind.config_key)
            else:
                owner.draft[kind.config_key] = config
            current = owner.versions[-1]["version"] if owner.versions else "0.0"
            major, minor = (int(p) for p in current.split("."))
            number = f"{major + 1}.0" if release_type == "major" else f"{major}.{minor + 1}"
            version = self._version(kind, owner, number, config, description)
            if kind.namespace == "workflows" and isinstance(body.get("name"), str):
                version["name"] = body["name"]
            owner.versions.append(version)
            self._sync_draft(kind, owner)
            owner.updated_us = self._store.now()
            if kind.event is not None:
                event = (
                    "workflow.deployed"
                    if kind.namespace == "workflows"
                    else (f"{kind.event}.version.published")
                )
                self._emit_event(
                    owner.workspace_id,
                    event,
                    lambda: orjson.dumps(version),
                    version["id"],
                    None,
                    owner.id,
                )
        assert kind.version_type is not None
        return _ok(self.shape(response, fit(kind.version_type, version), kind.version_type))

    async def get_version(self, kind: ResourceKind, call: Call, response: str) -> web.Response:
        assert kind.version_type is not None
        with self.lock:
            owner = self._visible(kind.namespace, kind.label, call, call.params[0])
            version = self._resolve(owner, call.params[1])
            if version is None:
                raise not_found(f"Version of {kind.label.lower()} {owner.id}", call.params[1])
        return _ok(self.shape(response, version, kind.version_type))

    async def list_versions(self, kind: ResourceKind, call: Call, response: str) -> web.Response:
        """The draft first, then published versions newest first (``sortDir=asc``: oldest
        first); cursor by version id."""
        query = call.request.query
        limit = page_size(query)
        with self.lock:
            owner = self._visible(kind.namespace, kind.label, call, call.params[0])
            published = list(owner.versions)
            if query.get("sortDir") != "asc":
                published.reverse()
            ordered = [v for v in [owner.draft, *published] if v is not None]
        start = 0
        token = query.get("nextPageToken")
        if token:
            (last_id,) = decode_cursor(token, arity=1)
            ids = [v["id"] for v in ordered]
            if last_id not in ids:
                raise ValidationProblem("nextPageToken is invalid")
            start = ids.index(last_id) + 1
        page = ordered[start : start + limit]
        more = start + limit < len(ordered)
        return self.list_answer(
            response, page, encode_cursor(page[-1]["id"]) if more and page else None
        )


MAX_PACKAGE_FILES = 50


def _package_files(package: Any, *, minimum: int) -> list[FileSpec]:
    """A multi-file ``package``: ``{files: [{url} | {id}, ...]}``, ``minimum`` to 50 of them
    (a workflow run's package holds 2 to 50 files, as the official SDKs document)."""
    if not isinstance(package, dict):
        raise ValidationProblem("package must be an object")
    files = package.get("files")
    if not isinstance(files, list) or not minimum <= len(files) <= MAX_PACKAGE_FILES:
        raise ValidationProblem(
            f"package.files must be an array of {minimum} to {MAX_PACKAGE_FILES} files"
        )
    specs = [file_spec(item, f"package.files[{index}]") for index, item in enumerate(files)]
    if any(spec.kind == "text" for spec in specs):
        raise ValidationProblem("package.files items must have a 'url' or an 'id'")
    return specs

"""The endpoint handlers: parse the request, change the store under its lock, render.

Handlers raise ``ApiProblem`` for every error answer; the dispatcher renders it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from ._errors import NOT_FOUND, ApiProblem, ConflictProblem, ValidationProblem, not_found
from ._lifecycle import Lifecycle, Scheduler, complete
from ._paging import decode_cursor, encode_cursor
from ._records import ACTIVE_STATUSES, ClassifierRecord, RunRecord, VersionRecord
from ._render import (
    batch_status,
    render_batch,
    render_classifier,
    render_classifier_summary,
    render_list,
    render_run,
    render_run_summary,
    render_version,
    render_version_summary,
)
from ._routing import Call, Route
from ._settings import Settings
from ._store import FileSpec, Store
from ._validation import (
    MAX_BATCH_INPUTS,
    classifier_ref,
    classify_config,
    file_spec,
    json_object,
    metadata,
    optional_string,
    page_size,
    priority,
    run_filter,
    sort_order,
)

__all__ = ["Api"]

_JSON_HEADERS = {"Content-Type": "application/json"}


def _sort_key_cursor(token: str) -> tuple[int, str]:
    stamp, item_id = decode_cursor(token, arity=2)
    if not isinstance(stamp, int) or not isinstance(item_id, str):
        raise ValidationProblem("nextPageToken is invalid or was issued by another endpoint")
    return stamp, item_id


def json_response(body: bytes) -> web.Response:
    return web.Response(body=body, headers=_JSON_HEADERS)


# The classify routes: (route name, method, path template, handler). Route names key
# per-route faults and ``request_counts`` (``ROUTE_NAMES`` lists every route's).
ROUTES: tuple[tuple[str, str, str, str], ...] = (
    ("classify", "POST", "/classify", "classify"),
    ("create", "POST", "/classify_runs", "create_run"),
    ("list", "GET", "/classify_runs", "list_runs"),
    ("batch_create", "POST", "/classify_runs/batch", "create_batch"),
    ("get", "GET", "/classify_runs/{}", "get_run"),
    ("delete", "DELETE", "/classify_runs/{}", "delete_run"),
    ("cancel", "POST", "/classify_runs/{}/cancel", "cancel_run"),
    ("batch_get", "GET", "/batch_runs/{}", "get_batch"),
    ("classifier_create", "POST", "/classifiers", "create_classifier"),
    ("classifier_list", "GET", "/classifiers", "list_classifiers"),
    ("classifier_get", "GET", "/classifiers/{}", "get_classifier"),
    ("classifier_update", "POST", "/classifiers/{}", "update_classifier"),
    ("version_create", "POST", "/classifiers/{}/versions", "create_version"),
    ("version_list", "GET", "/classifiers/{}/versions", "list_versions"),
    ("version_get", "GET", "/classifiers/{}/versions/{}", "get_version"),
)


class Api:
    def __init__(
        self,
        store: Store,
        scheduler: Scheduler,
        settings: Callable[[], Settings],
        lifecycle: Callable[[], Lifecycle],
    ) -> None:
        self._store = store
        self._scheduler = scheduler
        self._settings = settings
        self._lifecycle = lifecycle
        # Batches of the other run kinds (``_resources``): their answer, or None.
        self.other_batch: Callable[[str, str], bytes | None] = lambda workspace, batch: None

    def routes(self) -> list[Route]:
        return [
            Route(name, method, path, getattr(self, handler))
            for name, method, path, handler in ROUTES
        ]

    # --- helpers ---------------------------------------------------------------------------

    @property
    def _dashboard(self) -> str:
        return self._settings().dashboard_url

    def _created_by(self) -> dict[str, Any]:
        return {"type": "api_key", "name": self._settings().created_by_name}

    def _run(self, call: Call) -> RunRecord:
        run = self._store.visible_run(call.workspace_id, call.params[0])
        if run is None:
            raise not_found("Classify run", call.params[0])
        return run

    def _classifier(self, call: Call, classifier_id: str | None = None) -> ClassifierRecord:
        wanted = classifier_id or call.params[0]
        classifier = self._store.visible_classifier(call.workspace_id, wanted)
        if classifier is None:
            raise not_found("Classifier", wanted)
        return classifier

    def _target(
        self, call: Call, body: dict[str, Any]
    ) -> tuple[VersionRecord | None, dict[str, Any] | None, dict[str, Any] | None]:
        """(classifier version, inline config, override config) of a run request.

        Parsing happens here, lookups need the store lock: call with it held.
        """
        has_classifier = body.get("classifier") is not None
        has_config = body.get("config") is not None
        if has_classifier == has_config:
            raise ValidationProblem("One of `classifier` or `config` must be provided, not both")
        if has_config:
            return None, classify_config(body["config"]), None
        classifier_id, wanted, override = classifier_ref(body["classifier"])
        classifier = self._classifier(call, classifier_id)
        version = self._store.resolve_version(classifier, wanted)
        if version is None:
            raise ApiProblem(
                404, NOT_FOUND, f"Version {wanted} of classifier {classifier_id} was not found"
            )
        return version, None, override

    def _new_run(self, call: Call, body: dict[str, Any], file: FileSpec, **extra: Any) -> RunRecord:
        meta = metadata(body.get("metadata"))
        version, config, override = self._target(call, body)
        return self._store.create_run(
            workspace_id=call.workspace_id,
            file=file,
            config=config,
            version=version,
            override_config=override,
            metadata=meta,
            **extra,
        )

    # --- classify runs -----------------------------------------------------------------

    async def create_run(self, call: Call) -> web.StreamResponse:
        body = json_object(await call.request.read())
        file = file_spec(body.get("file"))
        run_priority = priority(body.get("priority"))
        store = self._store
        with store.lock:
            run = self._new_run(
                call, body, file, status=self._lifecycle().start_status, priority=run_priority
            )
            payload = render_run(run, self._dashboard)
        self._scheduler.schedule([run.id])
        return json_response(payload)

    async def classify(self, call: Call) -> web.StreamResponse:
        """The synchronous endpoint: answers once the run is finished.

        It waits ``processing_seconds`` when set, else finishes at once; a cancel that
        lands meanwhile wins.
        """
        body = json_object(await call.request.read())
        file = file_spec(body.get("file"))
        lifecycle = self._lifecycle()
        store = self._store
        with store.lock:
            run = self._new_run(call, body, file, status="PROCESSING")
        if lifecycle.processing_seconds:
            await asyncio.sleep(lifecycle.processing_seconds)
        with store.lock:
            if run.status == "PROCESSING":
                complete(store, run, lifecycle)
            payload = render_run(run, self._dashboard)
        return json_response(payload)

    async def get_run(self, call: Call) -> web.StreamResponse:
        with self._store.lock:
            run = self._run(call)
            run.get_count += 1
            payload = render_run(run, self._dashboard)
        return json_response(payload)

    async def cancel_run(self, call: Call) -> web.StreamResponse:
        # No body (the official SDK) and ``{}`` (the CLI) are both fine.
        json_object(await call.request.read(), allow_empty=True)
        store = self._store
        with store.lock:
            run = self._run(call)
            run.cancel_count += 1
            if run.status not in ACTIVE_STATUSES or (
                run.status == "PENDING" and not self._settings().cancel_pending
            ):
                raise ConflictProblem(f"Classify run cannot be cancelled in status {run.status}")
            store.set_status(run, "CANCELLED")
            payload = render_run(run, self._dashboard)
        return json_response(payload)

    async def delete_run(self, call: Call) -> web.StreamResponse:
        store = self._store
        with store.lock:
            run = self._run(call)
            if run.status in ACTIVE_STATUSES and not self._settings().allow_delete_active:
                raise ConflictProblem(
                    f"Classify run cannot be deleted in status {run.status}; "
                    "cancel it or wait until it finishes"
                )
            store.delete_run(run)
        return json_response(orjson.dumps({"id": run.id}))

    async def list_runs(self, call: Call) -> web.StreamResponse:
        query = call.request.query
        limit = page_size(query)
        sort_by, descending = sort_order(query)
        run_filter_ = run_filter(query)
        token = query.get("nextPageToken")
        after = _sort_key_cursor(token) if token else None
        dashboard = self._dashboard
        with self._store.lock:
            runs, next_key = self._store.list_runs(
                workspace_id=call.workspace_id,
                run_filter=run_filter_,
                sort_by=sort_by,
                descending=descending,
                after=after,
                limit=limit,
            )
            items = [render_run_summary(run, dashboard) for run in runs]
        next_token = None if next_key is None else encode_cursor(*next_key)
        return json_response(render_list(items, next_token))

    # --- batches ---------------------------------------------------------------------------

    async def create_batch(self, call: Call) -> web.StreamResponse:
        """Batch runs start PENDING: the batch is a queue worked off at the lifecycle's pace."""
        body = json_object(await call.request.read())
        if body.get("config") is not None:
            raise ValidationProblem(
                "Batch runs take a `classifier`; inline `config` is not supported"
            )
        if body.get("classifier") is None:
            raise ValidationProblem("classifier is required")
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not 1 <= len(inputs) <= MAX_BATCH_INPUTS:
            raise ValidationProblem(f"inputs must be an array of 1 to {MAX_BATCH_INPUTS} items")
        parsed: list[tuple[FileSpec, dict[str, Any] | None]] = []
        for index, item in enumerate(inputs):
            if not isinstance(item, dict):
                raise ValidationProblem(f"inputs[{index}] must be an object")
            parsed.append(
                (
                    file_spec(item.get("file"), f"inputs[{index}].file"),
                    metadata(item.get("metadata"), f"inputs[{index}].metadata"),
                )
            )
        run_priority = priority(body.get("priority"))
        store = self._store
        with store.lock:
            version, _, override = self._target(call, {"classifier": body["classifier"]})
            batch = store.create_batch(call.workspace_id)
            for file, meta in parsed:
                run = store.create_run(
                    workspace_id=call.workspace_id,
                    file=file,
                    version=version,
                    override_config=override,
                    metadata=meta,
                    priority=run_priority,
                    status="PENDING",
                    source="BATCH_PROCESSOR_RUN",
                    source_id=batch.id,
                    batch_id=batch.id,
                )
                batch.run_ids.append(run.id)
            payload = render_batch(batch, "PENDING")
        self._scheduler.schedule(batch.run_ids)
        return json_response(payload)

    async def get_batch(self, call: Call) -> web.StreamResponse:
        store = self._store
        with store.lock:
            batch = store.batches.get(call.params[0])
            if batch is None or batch.workspace_id != call.workspace_id:
                other = self.other_batch(call.workspace_id, call.params[0])
                if other is None:
                    raise not_found("Batch run", call.params[0])
                return json_response(other)
            payload = render_batch(batch, batch_status(store.batch_statuses(batch)))
        return json_response(payload)

    # --- classifiers -----------------------------------------------------------------------

    async def create_classifier(self, call: Call) -> web.StreamResponse:
        body = json_object(await call.request.read())
        name = optional_string(body, "name")
        if name is None:
            raise ValidationProblem("name is required")
        clone_id = optional_string(body, "cloneClassifierId")
        if clone_id is not None and body.get("config") is not None:
            raise ValidationProblem("cloneClassifierId and config are mutually exclusive")
        config = classify_config(body["config"]) if body.get("config") is not None else None
        store = self._store
        with store.lock:
            if clone_id is not None:
                config = dict(self._classifier(call, clone_id).draft.config)
            classifier = store.create_classifier(
                workspace_id=call.workspace_id,
                name=name,
                config=config,
                created_by=self._created_by(),
            )
            payload = render_classifier(classifier)
        return json_response(payload)

    async def get_classifier(self, call: Call) -> web.StreamResponse:
        with self._store.lock:
            payload = render_classifier(self._classifier(call))
        return json_response(payload)

    async def update_classifier(self, call: Call) -> web.StreamResponse:
        body = json_object(await call.request.read())
        name = optional_string(body, "name")
        config = classify_config(body["config"]) if body.get("config") is not None else None
        store = self._store
        with store.lock:
            classifier = self._classifier(call)
            store.update_classifier(classifier, name=name, config=config)
            payload = render_classifier(classifier)
        return json_response(payload)

    async def list_classifiers(self, call: Call) -> web.StreamResponse:
        query = call.request.query
        limit = page_size(query)
        sort_by, descending = sort_order(query)
        token = query.get("nextPageToken")
        after = _sort_key_cursor(token) if token else None

        def key(c: ClassifierRecord) -> tuple[int, str]:
            return (c.created_us if sort_by == "createdAt" else c.updated_us, c.id)

        with self._store.lock:
            classifiers = self._store.classifiers.values()
            mine = [c for c in classifiers if c.workspace_id == call.workspace_id]
            ordered = sorted(mine, key=key, reverse=descending)
            if after is not None:
                ordered = [c for c in ordered if (key(c) < after if descending else key(c) > after)]
            page = ordered[:limit]
            items = [render_classifier_summary(c) for c in page]
        more = len(ordered) > limit
        next_token = encode_cursor(*key(page[-1])) if more else None
        return json_response(render_list(items, next_token))

    # --- classifier versions -----------------------------------------------------------

    async def create_version(self, call: Call) -> web.StreamResponse:
        body = json_object(await call.request.read())
        release_type = body.get("releaseType")
        if release_type not in ("major", "minor"):
            raise ValidationProblem("releaseType must be one of major, minor")
        description = body.get("description")
        if description is not None and not isinstance(description, str):
            raise ValidationProblem("description must be a string")
        config = classify_config(body["config"]) if body.get("config") is not None else None
        store = self._store
        with store.lock:
            version = store.publish_version(
                self._classifier(call),
                release_type=release_type,
                description=description,
                config=config,
                created_by=self._created_by(),
            )
            payload = render_version(version)
        return json_response(payload)

    async def get_version(self, call: Call) -> web.StreamResponse:
        wanted = call.params[1]
        with self._store.lock:
            classifier = self._classifier(call)
            version = self._store.resolve_version(classifier, wanted)
            if version is None:
                raise not_found(f"Version of classifier {classifier.id}", wanted)
            payload = render_version(version)
        return json_response(payload)

    async def list_versions(self, call: Call) -> web.StreamResponse:
        """The draft first, then published versions newest first (``sortDir=asc``:
        oldest first)."""
        query = call.request.query
        limit = page_size(query)
        _, descending = sort_order(query, with_sort_by=False)
        token = query.get("nextPageToken")
        with self._store.lock:
            classifier = self._classifier(call)
            published = sorted(classifier.versions, key=lambda v: (v.created_us, v.id))
            if descending:
                published.reverse()
            ordered = [classifier.draft, *published]
            start = 0
            if token:
                (last_id,) = decode_cursor(token, arity=1)
                ids = [v.id for v in ordered]
                if last_id not in ids:
                    raise ValidationProblem("nextPageToken is invalid")
                start = ids.index(last_id) + 1
            page = ordered[start : start + limit]
            items = [render_version_summary(v) for v in page]
        more = start + limit < len(ordered)
        next_token = encode_cursor(page[-1].id) if more else None
        return json_response(render_list(items, next_token))

"""The emulator's state and every change to it.

All methods expect ``store.lock`` to be held by the caller: a handler holds it across
"look up, change, render", and the test-facing control surface holds it from whichever
thread calls it, so the two never see each other half-way.
"""

from __future__ import annotations

import itertools
import random
import sys
import threading
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import orjson
from attrs import frozen

from ._clock import Ticker, rfc3339
from ._errors import not_found
from ._ids import IdFactory
from ._records import (
    ACTIVE_STATUSES,
    RUN_SOURCES,
    RUN_STATUSES,
    BatchRecord,
    ClassifierRecord,
    RunRecord,
    VersionRecord,
)
from ._render import batch_status, classifier_summary, version_summary
from ._samples import (
    FAILURE_MESSAGES,
    default_classify_config,
    file_type_for,
    sample_file_name,
    sample_output,
    stable_number,
)

if TYPE_CHECKING:
    from ._files import FileRecord
    from ._webhooks import EventSink

__all__ = ["FileSpec", "RunFilter", "Store"]

# The statuses a webhook announces, for runs and batches alike (none for CANCELLED).
_ANNOUNCED = frozenset({"PROCESSED", "FAILED"})

SortKey = tuple[int, str]


@frozen
class FileSpec:
    """A validated ``file`` input: ``kind`` is ``"url"``, ``"id"`` or ``"text"``."""

    kind: str
    value: str
    name: str | None = None


@frozen(kw_only=True)
class RunFilter:
    """The filters of ``GET /classify_runs``; ``None`` means "any"."""

    status: str | None = None
    classifier_id: str | None = None
    batch_id: str | None = None
    source_id: str | None = None
    source: str | None = None
    file_name_contains: str | None = None

    def matches(self, run: RunRecord) -> bool:
        return (
            (self.status is None or run.status == self.status)
            and (self.classifier_id is None or run.classifier_id == self.classifier_id)
            and (self.batch_id is None or run.batch_id == self.batch_id)
            and (self.source_id is None or run.source_id == self.source_id)
            and (self.source is None or run.source == self.source)
            and (
                self.file_name_contains is None
                # Case-insensitive substring match (an emulator choice).
                or self.file_name_contains.lower() in run.file_name.lower()
            )
        )


def _sort_key(sort_by: str) -> Callable[[RunRecord], SortKey]:
    if sort_by == "createdAt":
        return lambda run: (run.created_us, run.id)
    return lambda run: (run.updated_us, run.id)


_MAX_TEXT = 1 << 20


def _bump_version(current: str | None, release_type: str) -> str:
    major, minor = (int(p) for p in (current or "0.0").split("."))
    return f"{major + 1}.0" if release_type == "major" else f"{major}.{minor + 1}"


class Store:
    """Runs, classifiers and batches of every workspace, plus the ways they change."""

    def __init__(self, *, ids: IdFactory, rng: random.Random) -> None:
        self.lock = threading.RLock()
        self.ids = ids
        self.rng = rng
        self.now = Ticker()  # strictly increasing microseconds: no two events tie
        self.runs: dict[str, RunRecord] = {}
        self.classifiers: dict[str, ClassifierRecord] = {}
        self.batches: dict[str, BatchRecord] = {}
        self.files: dict[str, FileRecord] = {}  # uploads (``_files.py`` serves them)
        # Uploads stay readable after the emulator stops (tests assert on them), so their
        # spooled contents are closed when the store itself goes away.
        weakref.finalize(self, _close_uploads, self.files)
        self._default_config = default_classify_config()
        self._default_config_json = orjson.dumps(self._default_config)
        self._seeded = 0
        # Sorted run indexes per (workspace, sortBy), rebuilt after any change to a run.
        self._generation = 0
        self._indexes: dict[tuple[str, str], tuple[int, list[SortKey], list[RunRecord]]] = {}
        # Told about the changes webhooks announce (the emulator's sender). Seeding
        # builds history rather than making it happen, so it tells nothing.
        self.events: EventSink | None = None
        # How many classify runs created through the API are kept (``Settings.max_runs``);
        # ``evicted`` counts those dropped to keep it.
        self.run_bound: Callable[[], int] = lambda: sys.maxsize
        self.evicted = 0

    # --- runs: creation ---------------------------------------------------------------

    def _file_summary(
        self, spec: FileSpec, now: int, workspace_id: str
    ) -> tuple[dict[str, Any], str]:
        uploaded = self.files.get(spec.value) if spec.kind == "id" else None
        if uploaded is not None:
            # A run from an uploaded file refers to it: its id, name, type and pages.
            if uploaded.deleted or uploaded.workspace_id != workspace_id:
                raise not_found("File", spec.value)
            return uploaded.summary(), uploaded.name
        if spec.kind == "id":
            file_id, name = spec.value, spec.name or f"{spec.value}.pdf"
        elif spec.kind == "text":
            file_id, name = self.ids.new("file_"), spec.name or "document.txt"
        else:
            file_id, name = self.ids.new("file_"), spec.name or "document.pdf"
        # A file the emulator cannot read has 1 to 30 pages, chosen by its URL (or id)
        # alone: the same input splits into the same page ranges in every test.
        paged = file_type_for(name) in ("PDF", "DOCX", "EXCEL")
        pages = stable_number(spec.value) % 30 + 1 if paged else 1
        return _file_summary(file_id, name, pages, now), name

    def create_run(
        self,
        *,
        workspace_id: str,
        file: FileSpec,
        status: str,
        config: dict[str, Any] | None = None,
        version: VersionRecord | None = None,
        override_config: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        priority: int | None = None,
        source: str = "API",
        source_id: str | None = None,
        batch_id: str | None = None,
    ) -> RunRecord:
        """A new run from an inline ``config`` or a resolved classifier ``version``."""
        now = self.now()
        classifier = version_dict = classifier_id = None
        if version is not None:
            owner = self.classifiers[version.classifier_id]
            classifier, classifier_id = classifier_summary(owner), owner.id
            version_dict = version_summary(version)
            if override_config:
                config = {**version.config, **override_config}
                config_json = orjson.dumps(config)
            else:
                config, config_json = version.config, version.config_json
        else:
            assert config is not None
            config_json = orjson.dumps(config)
        file_summary, file_name = self._file_summary(file, now, workspace_id)
        run = RunRecord(
            id=self.ids.new("clr_"),
            workspace_id=workspace_id,
            status=status,
            created_us=now,
            updated_us=now,
            config=config,
            config_json=config_json,
            file=file_summary,
            file_name=file_name,
            classifier=classifier,
            classifier_version=version_dict,
            classifier_id=classifier_id,
            metadata=metadata,
            batch_id=batch_id,
            source=source,
            source_id=source_id,
            priority=priority,
        )
        run.text = self.file_text(file)
        self.runs[run.id] = run
        self._generation += 1
        self._evict()
        return run

    def _evict(self) -> None:
        """Keep at most ``run_bound()`` runs: past it the oldest finished or deleted runs
        are dropped (active runs are kept whatever their age), and the oldest batches past
        the same bound."""
        bound = self.run_bound()
        excess = len(self.runs) - bound
        if excess <= 0:
            return
        # Lazily, from the oldest: usually the first ``excess`` runs, not a full pass.
        finished = (
            run_id
            for run_id, run in self.runs.items()
            if run.deleted or run.status not in ACTIVE_STATUSES
        )
        dropped = list(itertools.islice(finished, excess))
        for run_id in dropped:
            del self.runs[run_id]
        self.evicted += len(dropped)
        while len(self.batches) > bound:
            del self.batches[next(iter(self.batches))]

    def file_text(self, spec: FileSpec) -> str:
        """The text of a run's input: an inline ``text`` file's, or an uploaded file's
        first MiB when it is UTF-8 text; else empty."""
        if spec.kind == "text":
            return spec.value
        uploaded = self.files.get(spec.value) if spec.kind == "id" else None
        if uploaded is None:
            return ""
        try:
            uploaded.content.seek(0)
            return uploaded.content.read(_MAX_TEXT).decode("utf-8")
        except (UnicodeDecodeError, OSError, ValueError):
            return ""

    def seed_runs(
        self,
        n: int,
        *,
        statuses: Sequence[str],
        workspace_id: str,
        classifier_id: str | None = None,
        batch_id: str | None = None,
        source: str | None = None,
        source_id: str | None = None,
        file_name: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> list[RunRecord]:
        """``n`` runs spread over the past, statuses cycling through ``statuses``.

        Built directly (no request parsing), so tens of thousands take a fraction of a
        second; ``updatedAt`` differs from ``createdAt`` so the two sorts disagree.
        """
        bad = [s for s in statuses if s not in RUN_STATUSES]
        if bad or not statuses:
            raise ValueError(f"status must be one of {RUN_STATUSES}, got {list(statuses)}")
        if batch_id is not None:
            source = source or "BATCH_PROCESSOR_RUN"
            source_id = source_id or batch_id
        source = source or "API"
        if source not in RUN_SOURCES:
            raise ValueError(f"source must be one of {RUN_SOURCES}, got {source!r}")
        classifier = version_dict = None
        config, config_json = self._default_config, self._default_config_json
        if classifier_id is not None:
            owner = self.classifiers.get(classifier_id) or self.create_classifier(
                workspace_id=workspace_id,
                name=f"Classifier {classifier_id}",
                classifier_id=classifier_id,
                announce=False,
            )
            version = owner.latest
            classifier, version_dict = classifier_summary(owner), version_summary(version)
            config, config_json = version.config, version.config_json
        batch = None
        if batch_id is not None:
            batch = self.batches.get(batch_id)
            if batch is None:
                batch = self.batches[batch_id] = BatchRecord(
                    id=batch_id, workspace_id=workspace_id, created_us=self.now()
                )
        draw, new_id = self.rng.random, self.ids.new  # plain floats: the fast draw
        base = self.now()
        runs: list[RunRecord] = []
        for i in range(n):
            # One second apart, oldest first; updated up to ten minutes later, never
            # in the future.
            created = base - (n - i) * 1_000_000 - int(draw() * 1_000_000)
            updated = min(created + int(draw() * 600_000_000), base - int(draw() * 1_000_000))
            name = file_name or sample_file_name(self._seeded + i)
            pages = 1 + int(draw() * 30)
            run = RunRecord(
                id=new_id("clr_"),
                workspace_id=workspace_id,
                status=statuses[i % len(statuses)],
                created_us=created,
                updated_us=updated,
                config=config,
                config_json=config_json,
                file=_file_summary(new_id("file_"), name, pages, created),
                file_name=name,
                classifier=classifier,
                classifier_version=version_dict,
                classifier_id=classifier_id,
                metadata=metadata,
                batch_id=batch_id,
                source=source,
                source_id=source_id,
            )
            if run.status not in ("PENDING", "PROCESSING"):
                self._fill_outcome(run, run.status, None, None)
            runs.append(run)
        self._seeded += n
        self.runs.update((run.id, run) for run in runs)
        if batch is not None:
            batch.run_ids.extend(run.id for run in runs)
        self._generation += 1
        return runs

    # --- runs: lookups and changes -------------------------------------------------------

    def visible_run(self, workspace_id: str, run_id: str) -> RunRecord | None:
        """The run, unless it is deleted or belongs to another workspace."""
        run = self.runs.get(run_id)
        if run is None or run.deleted or run.workspace_id != workspace_id:
            return None
        return run

    def set_status(
        self,
        run: RunRecord,
        status: str,
        *,
        failure_reason: str | None = None,
        failure_message: str | None = None,
    ) -> None:
        """Move ``run`` to ``status``, filling what that status makes present.

        A run that becomes PROCESSED or FAILED is announced (``classify_run.*``), and so
        is its batch when this change finishes it (``batch_processor_run.*``).
        """
        if status not in RUN_STATUSES:
            raise ValueError(f"status must be one of {RUN_STATUSES}, got {status!r}")
        previous = run.status
        run.status = status
        run.history.append(status)
        self._fill_outcome(run, status, failure_reason, failure_message)
        run.touch(self.now())
        self._generation += 1
        events = self.events
        if events is not None and events.active:
            if status != previous and status in _ANNOUNCED:
                events.run_finished(run)
            self._announce_batch(run, previous)

    def _announce_batch(self, run: RunRecord, previous: str | None) -> None:
        """Announce ``run``'s batch if the change just made finished it. ``previous`` is
        the run's status before the change, ``None`` when the change deleted it."""
        events = self.events
        batch = self.batches.get(run.batch_id) if run.batch_id is not None else None
        if events is None or batch is None:
            return
        # Runs finish roughly in creation order, so an unfinished one, if any, is usually
        # found at once from the end: no full pass for every run of a large batch.
        for run_id in reversed(batch.run_ids):
            other = self.runs.get(run_id)
            if other is not None and not other.deleted and other.status in ACTIVE_STATUSES:
                return
        after = self.batch_statuses(batch)
        status = batch_status(after)
        if status not in _ANNOUNCED:
            return
        before = list(after)  # the same runs, this one as it was
        if previous is None:
            before.append(run.status)
        elif not run.deleted:  # a deleted run counts neither before nor after
            before.remove(run.status)
            before.append(previous)
        if batch_status(before) != status:
            events.batch_finished(batch, status)

    def _fill_outcome(
        self,
        run: RunRecord,
        status: str,
        failure_reason: str | None,
        failure_message: str | None,
    ) -> None:
        run.output = run.usage = run.parse_run_id = None
        run.failure_reason = run.failure_message = None
        if status == "PROCESSED":
            run.output = sample_output(run.config, run.file_name, run.text)
            run.parse_run_id = parse_id = self.ids.new("pr_")
            pages = int((run.file or {}).get("metadata", {}).get("pageCount", 1))
            classify_credits, parse_credits = max(1, pages // 2), pages
            run.usage = {
                "credits": classify_credits,
                "totalCredits": classify_credits + parse_credits,
                "breakdown": [
                    {"object": "classify_run", "id": run.id, "credits": classify_credits},
                    {"object": "parse_run", "id": parse_id, "credits": parse_credits},
                ],
            }
        elif status == "FAILED":
            reason = failure_reason or "INTERNAL_ERROR"
            run.failure_reason = reason
            run.failure_message = failure_message or FAILURE_MESSAGES.get(reason, "The run failed.")

    def delete_run(self, run: RunRecord) -> None:
        run.deleted = True
        run.touch(self.now())
        self._generation += 1
        if self.events is not None and self.events.active:
            # Deleting a batch's last unfinished run (allow_delete_active) finishes it.
            self._announce_batch(run, None)

    # --- runs: listing --------------------------------------------------------------------

    def _index(self, workspace_id: str, sort_by: str) -> tuple[list[SortKey], list[RunRecord]]:
        cached = self._indexes.get((workspace_id, sort_by))
        if cached is not None and cached[0] == self._generation:
            return cached[1], cached[2]
        key = _sort_key(sort_by)
        visible = sorted(
            (r for r in self.runs.values() if r.workspace_id == workspace_id and not r.deleted),
            key=key,
        )
        keys = [key(r) for r in visible]
        self._indexes[(workspace_id, sort_by)] = (self._generation, keys, visible)
        return keys, visible

    def list_runs(
        self,
        *,
        workspace_id: str,
        run_filter: RunFilter,
        sort_by: str,
        descending: bool,
        after: SortKey | None,
        limit: int,
    ) -> tuple[list[RunRecord], SortKey | None]:
        """One page of runs and the sort key to continue after (``None``: last page)."""
        keys, ordered = self._index(workspace_id, sort_by)
        positions: Iterator[int]
        if descending:
            start = len(keys) if after is None else bisect_left(keys, after)
            positions = iter(range(start - 1, -1, -1))
        else:
            start = 0 if after is None else bisect_right(keys, after)
            positions = iter(range(start, len(keys)))
        page: list[RunRecord] = []
        for position in positions:
            run = ordered[position]
            if run_filter.matches(run):
                if len(page) == limit:
                    last = page[-1]
                    return page, _sort_key(sort_by)(last)
                page.append(run)
        return page, None

    # --- classifiers ---------------------------------------------------------------------

    def create_classifier(
        self,
        *,
        workspace_id: str,
        name: str,
        config: dict[str, Any] | None = None,
        classifier_id: str | None = None,
        created_by: dict[str, Any] | None = None,
        announce: bool = True,
    ) -> ClassifierRecord:
        """A classifier with a draft; ``announce=False`` (seeding) sends no webhook."""
        now = self.now()
        config = config if config is not None else default_classify_config()
        classifier_id = classifier_id or self.ids.new("cl_")
        draft = VersionRecord(
            id=self.ids.new("clv_"),
            classifier_id=classifier_id,
            version="draft",
            config=config,
            config_json=orjson.dumps(config),
            created_us=now,
            created_by=created_by,
        )
        classifier = ClassifierRecord(
            id=classifier_id, workspace_id=workspace_id, name=name, created_us=now, draft=draft
        )
        self.classifiers[classifier.id] = classifier
        if announce and self.events is not None and self.events.active:
            self.events.classifier_changed("classifier.created", classifier)
        return classifier

    def visible_classifier(self, workspace_id: str, classifier_id: str) -> ClassifierRecord | None:
        classifier = self.classifiers.get(classifier_id)
        if classifier is None or classifier.workspace_id != workspace_id:
            return None
        return classifier

    def update_classifier(
        self, classifier: ClassifierRecord, *, name: str | None, config: dict[str, Any] | None
    ) -> None:
        """Rename and/or reconfigure the draft. Announces ``classifier.updated``, then
        ``classifier.draft.updated`` when the config differs from the draft's."""
        draft_changed = config is not None and config != classifier.draft.config
        if name is not None:
            classifier.name = name
        if config is not None:
            classifier.draft.config = config
            classifier.draft.config_json = orjson.dumps(config)
        classifier.updated_us = self.now()
        events = self.events
        if events is not None and events.active:
            events.classifier_changed("classifier.updated", classifier)
            if draft_changed:
                events.classifier_changed("classifier.draft.updated", classifier)

    def publish_version(
        self,
        classifier: ClassifierRecord,
        *,
        release_type: str,
        description: str | None,
        config: dict[str, Any] | None,
        created_by: dict[str, Any] | None,
    ) -> VersionRecord:
        """Snapshot ``config`` (default: the draft's) as the next major or minor version."""
        current = classifier.versions[-1].version if classifier.versions else None
        snapshot = config if config is not None else classifier.draft.config
        version = VersionRecord(
            id=self.ids.new("clv_"),
            classifier_id=classifier.id,
            version=_bump_version(current, release_type),
            config=snapshot,
            config_json=orjson.dumps(snapshot),
            created_us=self.now(),
            description=description,
            created_by=created_by,
        )
        classifier.versions.append(version)
        classifier.updated_us = self.now()
        if self.events is not None and self.events.active:
            self.events.version_published(version, classifier.workspace_id)
        return version

    @staticmethod
    def resolve_version(classifier: ClassifierRecord, wanted: str | None) -> VersionRecord | None:
        """``None``/``"latest"``: newest published, else the draft; ``"draft"``; a number
        such as ``"1.0"``; or a version id."""
        if wanted is None or wanted == "latest":
            return classifier.latest
        if wanted == "draft" or wanted == classifier.draft.id:
            return classifier.draft
        return next((v for v in classifier.versions if wanted in (v.version, v.id)), None)

    # --- batches -----------------------------------------------------------------------------

    def create_batch(self, workspace_id: str) -> BatchRecord:
        batch = BatchRecord(
            id=self.ids.new("bpr_"), workspace_id=workspace_id, created_us=self.now()
        )
        self.batches[batch.id] = batch
        return batch

    def batch_statuses(self, batch: BatchRecord) -> list[str]:
        runs = (self.runs.get(run_id) for run_id in batch.run_ids)
        return [run.status for run in runs if run is not None and not run.deleted]


def _file_summary(file_id: str, name: str, pages: int, created_us: int) -> dict[str, Any]:
    stamp = rfc3339(created_us)
    return {
        "object": "file",
        "id": file_id,
        "name": name,
        "type": file_type_for(name),
        "parentFileId": None,
        "metadata": {"pageCount": pages},
        "createdAt": stamp,
        "updatedAt": stamp,
    }


def _close_uploads(files: dict[str, FileRecord]) -> None:
    for record in files.values():
        record.content.close()

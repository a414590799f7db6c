"""Models in a notebook or a service: a short repr, ``to_dict()``/``to_json()``, the bulk
result as an HTML table, and ``help()`` on the clients naming the resources."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from extend_async import AsyncExtend, InvalidInputError
from extend_async import types as models
from extend_async._converter import structure_response, unstructure_request
from extend_async.bulk.outcomes import BulkCancelResult, CancelOutcome, OutcomeKind
from extend_async.types import ClassifyRun, Model
from extend_sync import Extend

from ._helpers import seed_run
from .test_models_roundtrip import builds_attrs

RESOURCES = ("classify_runs", "classifiers", "classifier_versions", "batch_runs", "files",
             "webhooks")  # fmt: skip


def full_run(**changes: Any) -> ClassifyRun:
    data = seed_run()
    data.update(status="PROCESSED", costCenter="emea-7", **changes)
    return structure_response(data, ClassifyRun)


def test_a_full_run_has_a_short_repr_naming_id_and_status() -> None:
    run = full_run()
    text = repr(run)
    assert text.startswith(f"ClassifyRun(id='{run.id}', status='PROCESSED'")
    assert len(text) < 300, text
    assert "output=ClassifyOutput(id=" in text  # nested models by class and id
    assert "extra_fields" not in text
    assert "emea-7" not in text
    assert "…+" in text  # the fields left out are counted


def test_repr_cuts_long_text_and_counts_collections() -> None:
    run = full_run(failureMessage="x" * 5000, metadata={str(i): i for i in range(300)})
    text = repr(run)
    assert "x" * 50 not in text
    assert len(text) < 300


def test_fields_kept_out_of_repr_stay_out() -> None:
    @attrs.frozen(kw_only=True)
    class WithSecret(Model):
        id: str
        token: str = attrs.field(repr=False)

    assert repr(WithSecret(id="x_1", token="sk_live_secret")) == "WithSecret(id='x_1')"


def test_a_class_with_its_own_repr_keeps_it() -> None:
    @attrs.frozen(kw_only=True)
    class Own(Model):
        id: str

        def __repr__(self) -> str:
            return "mine"

    assert repr(Own(id="1")) == "mine"


def test_to_dict_is_the_wire_format_the_cli_prints() -> None:
    run = full_run()
    data = run.to_dict()
    assert data == unstructure_request(run)  # one implementation
    assert data["id"] == run.id
    assert data["createdAt"] == "2024-03-21T16:45:00Z"
    assert data["dashboardUrl"] == run.dashboard_url
    assert data["status"] == "PROCESSED"
    assert type(data["status"]) is str
    assert data["costCenter"] == "emea-7"  # unknown keys kept, in place
    assert "extra_fields" not in data
    assert "created_at" not in data
    json.dumps(data)  # plain data, JSON-ready


def test_to_json_round_trips() -> None:
    run = full_run()
    assert structure_response(json.loads(run.to_json()), ClassifyRun) == run
    assert '\n  "id": ' in run.to_json(indent=2)


@given(run=builds_attrs(models.ClassifyRun))
@settings(max_examples=10, deadline=None)
def test_to_json_round_trips_any_run(run: ClassifyRun) -> None:
    assert structure_response(json.loads(run.to_json()), ClassifyRun) == run


def test_python_mode_keeps_python_values_and_snake_case() -> None:
    run = full_run()
    data = run.to_dict(mode="python")
    assert data["created_at"] == datetime(2024, 3, 21, 16, 45, tzinfo=timezone.utc)
    assert data["status"] is models.RunStatus.PROCESSED
    assert data["extra_fields"] == {"costCenter": "emea-7"}
    assert data["output"]["id"] == run.output.id if run.output else True
    assert data["object"] == "classify_run"  # every field, defaults included
    with pytest.raises(InvalidInputError, match="mode"):
        run.to_dict(mode="yaml")  # type: ignore[arg-type]


def test_bulk_result_shows_as_an_escaped_html_table() -> None:
    outcomes = [
        CancelOutcome(id="clr_ok", index=0, kind=OutcomeKind.CANCELLED, attempts=1),
        *(
            CancelOutcome(
                id=f"<script>{i}",
                index=i,
                kind=OutcomeKind.FAILED,
                error=InvalidInputError("bad & <b>worse</b>"),
            )  # fmt: skip
            for i in range(1, 9)
        ),
    ]
    html = BulkCancelResult(outcomes=outcomes, elapsed=1.5, requests=9)._repr_html_()
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;1" in html
    assert "bad &amp; &lt;b&gt;worse&lt;/b&gt;" in html
    assert "<td>cancelled</td><td>1</td>" in html
    assert "<td>failed</td><td>8</td>" in html
    assert "1.50 s" in html
    assert html.count("&lt;script&gt;") == 5  # the first few failures
    assert "3 more not ok" in html


@pytest.mark.parametrize("client", [AsyncExtend, Extend])
def test_help_on_the_clients_names_every_resource(client: type[Any]) -> None:
    doc = client.__doc__ or ""
    assert [name for name in RESOURCES if f"``{name}``" not in doc] == []
    declared = {name for cls in client.__mro__ for name in vars(cls).get("__annotations__", {})}
    assert set(RESOURCES) <= declared

"""Every route of the emulator, in every run status and with every error, answers what the
API's schema describes: required keys present, the documented types and enum values, and
no key the schema lacks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import orjson
import pytest

from extend_async.testing import ExtendEmulator, RateLimit
from extend_async.testing._api import ROUTES as CLASSIFY_ROUTES
from extend_async.testing._files import ROUTES as FILE_ROUTES

from ._schema import types, validate

STATUSES = ["PENDING", "PROCESSING", "PROCESSED", "FAILED", "CANCELLED"]
CONFIG = {
    "classifications": [
        {"id": "invoice", "type": "invoice", "description": "A bill requesting payment."},
        {"id": "other", "type": "other", "description": "Anything else."},
    ]
}
FILE = {"url": "https://files.example.com/docs/invoice_42.pdf"}


class Checked:
    """Sends requests to the emulator and checks each answer against the schema."""

    def __init__(self, session: aiohttp.ClientSession, emu: ExtendEmulator) -> None:
        self.session = session
        self.emu = emu
        self.problems: list[str] = []
        self.seen: set[tuple[str, int]] = set()

    async def send(
        self,
        method: str,
        path: str,
        expect: str,
        status: int = 200,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        key: str | None = None,
        headers: Mapping[str, str | None] | None = None,
    ) -> Any:
        """``headers`` are added to the usual ones; a ``None`` value leaves one out."""
        wanted: dict[str, str | None] = {
            "Authorization": f"Bearer {key or self.emu.api_key}",
            "x-extend-api-version": "2026-02-09",
            "Content-Type": "application/json",
            **(headers or {}),
        }
        sent = {name: text for name, text in wanted.items() if text is not None}
        data = orjson.dumps(json) if json is not None else None
        async with self.session.request(
            method, self.emu.base_url + path, data=data, params=params, headers=sent
        ) as response:
            body = orjson.loads(await response.read())
            assert response.status == status, (method, path, response.status, body)
        self.seen.add((f"{method} {path}", status))
        for problem in validate(expect, body):
            self.problems.append(f"{method} {path} -> {status} ({expect}): {problem}")
        return body

    def succeeded(self) -> set[str]:
        """The names of the routes that answered a 200 (literal segments win over
        parameters, as in the emulator's router)."""
        routes = sorted(self.emu.routes, key=lambda route: route[1].count("{}"))
        names = set()
        for seen, status in self.seen:
            method, path = seen.split(" ", 1)
            segments = path.split("/")
            for route_method, template, name in routes:
                wanted = template.split("/")
                if (
                    status == 200
                    and route_method == method
                    and len(wanted) == len(segments)
                    and all(w in ("{}", s) for w, s in zip(wanted, segments, strict=True))
                ):
                    names.add(name)
                    break
        return names


@pytest.fixture
async def wire() -> AsyncIterator[Checked]:
    async with ExtendEmulator(seed=10) as emu, aiohttp.ClientSession() as session:
        yield Checked(session, emu)


async def test_every_route_answers_what_the_schema_describes(wire: Checked) -> None:
    emu = wire.emu
    runs = {status: emu.seed_runs(1, status=status)[0] for status in STATUSES}
    for status, run_id in runs.items():
        body = await wire.send("GET", f"/classify_runs/{run_id}", "ClassifyRun")
        assert body["status"] == status

    await wire.send(
        "GET", "/classify_runs", "ClassifyRunsListResponse", params={"maxPageSize": "2"}
    )
    await wire.send("GET", "/classify_runs", "ClassifyRunsListResponse")
    created = await wire.send(
        "POST", "/classify_runs", "ClassifyRun", json={"file": FILE, "config": CONFIG}
    )
    await wire.send("POST", "/classify", "ClassifyRun", json={"file": FILE, "config": CONFIG})

    # Cancel: PROCESSING answers the run; any other status the error envelope.
    await wire.send("POST", f"/classify_runs/{created['id']}/cancel", "ClassifyRun")
    for status in ["PENDING", "PROCESSED", "FAILED", "CANCELLED"]:
        await wire.send("POST", f"/classify_runs/{runs[status]}/cancel", "ApiError", 400)
    await wire.send("DELETE", f"/classify_runs/{runs['PROCESSED']}", "ClassifyRunsDeleteResponse")
    await wire.send("DELETE", f"/classify_runs/{runs['PROCESSING']}", "ApiError", 400)
    await wire.send("GET", f"/classify_runs/{runs['PROCESSED']}", "ApiError", 404)

    classifier = await wire.send(
        "POST", "/classifiers", "Classifier", json={"name": "Invoices", "config": CONFIG}
    )
    cl = classifier["id"]
    await wire.send("GET", f"/classifiers/{cl}", "Classifier")
    await wire.send("POST", f"/classifiers/{cl}", "Classifier", json={"name": "Bills"})
    await wire.send("GET", "/classifiers", "ClassifiersListResponse")
    version = await wire.send(
        "POST", f"/classifiers/{cl}/versions", "ClassifierVersion", json={"releaseType": "minor"}
    )
    await wire.send("GET", f"/classifiers/{cl}/versions/{version['version']}", "ClassifierVersion")
    await wire.send("GET", f"/classifiers/{cl}/versions", "ClassifierVersionsListResponse")
    await wire.send(
        "POST", "/classify_runs", "ClassifyRun", json={"file": FILE, "classifier": {"id": cl}}
    )
    batch = await wire.send(
        "POST",
        "/classify_runs/batch",
        "BatchRun",
        json={"classifier": {"id": cl}, "inputs": [{"file": FILE}, {"file": {"text": "hi"}}]},
    )
    await wire.send("GET", f"/batch_runs/{batch['id']}", "BatchRun")

    # Errors: validation, not found, authentication, rate limit.
    await wire.send("POST", "/classify_runs", "ApiError", 400, json={"file": FILE})
    await wire.send("GET", "/classifiers/cl_missing", "ApiError", 404)
    await wire.send("GET", "/batch_runs/bpr_missing", "ApiError", 404)
    await wire.send("GET", "/classify_runs", "ApiError", 401, key="sk_wrong")
    emu.rate_limit = RateLimit(0.001, burst=1)
    await wire.send("GET", "/classify_runs", "ClassifyRunsListResponse")
    await wire.send("GET", "/classify_runs", "ApiError", 429)

    assert wire.problems == [], "\n".join(wire.problems)
    assert wire.succeeded() >= {name for name, *_ in CLASSIFY_ROUTES}


async def test_the_files_routes_answer_what_the_schema_describes(wire: Checked) -> None:
    emu = wire.emu
    form = aiohttp.FormData()
    form.add_field(
        "file", b"%PDF-1.4 emulator", filename="invoice.pdf", content_type="application/pdf"
    )
    headers = {"Authorization": f"Bearer {emu.api_key}", "x-extend-api-version": "2026-02-09"}
    async with wire.session.post(
        emu.base_url + "/files/upload", data=form, headers=headers
    ) as response:
        uploaded = orjson.loads(await response.read())
        assert response.status == 200, uploaded
    wire.problems += [f"POST /files/upload: {p}" for p in validate("File", uploaded)]
    file_id = uploaded["id"]
    assert file_id.startswith("file_")

    await wire.send("GET", f"/files/{file_id}", "File")
    await wire.send("GET", "/files", "FilesListResponse", params={"maxPageSize": "1"})
    await wire.send("DELETE", f"/files/{file_id}", "FilesDeleteResponse")
    await wire.send("GET", f"/files/{file_id}", "ApiError", status=404)
    assert wire.problems == []
    wire.seen.add(("POST /files/upload", 200))  # sent above, as multipart
    assert wire.succeeded() >= {name for name, *_ in FILE_ROUTES}


def test_the_emulator_accepts_the_base_processors_the_schema_lists() -> None:
    from extend_async.testing._validation import BASE_PROCESSORS

    assert sorted(BASE_PROCESSORS) == sorted(types()["ClassifyBaseProcessor"]["values"])

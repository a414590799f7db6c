"""OpenTelemetry's aiohttp client instrumentation, through ``trace_configs``: one client
span per attempt, with the method, URL and status of that attempt."""

from __future__ import annotations

from typing import Any

import pytest

from extend_async import AsyncExtend, RetryPolicy
from extend_async.testing import ExtendEmulator, FaultConfig

aiohttp_client = pytest.importorskip("opentelemetry.instrumentation.aiohttp_client")
trace_sdk = pytest.importorskip("opentelemetry.sdk.trace")
export = pytest.importorskip("opentelemetry.sdk.trace.export")
in_memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")
trace_api = pytest.importorskip("opentelemetry.trace")


def _attribute(span: Any, *names: str) -> Any:
    """The first of ``names`` the span carries (old and stable HTTP semantic conventions)."""
    for name in names:
        if name in span.attributes:
            return span.attributes[name]
    raise AssertionError(f"span {span.name} has none of {names}: {dict(span.attributes)}")


async def test_one_span_per_attempt_with_the_attempts_status() -> None:
    exporter = in_memory.InMemorySpanExporter()
    provider = trace_sdk.TracerProvider()
    provider.add_span_processor(export.SimpleSpanProcessor(exporter))
    tracing = aiohttp_client.create_trace_config(tracer_provider=provider)
    async with ExtendEmulator(seed=2) as emu:
        (run_id,) = emu.seed_runs(1)

        def after_attempt(event: object) -> None:
            emu.faults.clear()  # only the first attempt meets the fault

        emu.faults.config = FaultConfig(routes={"get": {"error_rate": 1.0}})
        async with AsyncExtend(
            emu.api_key,
            base_url=emu.base_url,
            retry_policy=RetryPolicy(initial_delay=0.001, max_delay=0.004),
            trace_configs=[tracing],
            on_response=after_attempt,
        ) as api:
            run = await api.classify_runs.get(run_id)
        assert run.id == run_id
        assert emu.request_counts["get"] == 2
    spans = exporter.get_finished_spans()
    assert len(spans) == 2
    for span in spans:
        assert span.kind == trace_api.SpanKind.CLIENT
        assert _attribute(span, "http.request.method", "http.method") == "GET"
        assert _attribute(span, "url.full", "http.url").endswith(f"/classify_runs/{run_id}")
    statuses = [_attribute(s, "http.response.status_code", "http.status_code") for s in spans]
    assert statuses == [500, 200]
    assert spans[0].status.status_code == trace_api.StatusCode.ERROR
    assert spans[1].status.status_code != trace_api.StatusCode.ERROR
    # Neither span records the API key (the instrumentation records no request headers).
    for span in spans:
        assert emu.api_key not in repr(dict(span.attributes))

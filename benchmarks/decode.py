"""Decoding one full ClassifyRun (the reference page's, ~4.2 KB) from bytes.

- ours: ``decode_response`` (``orjson.loads`` + the converter's compiled strict structure
  function, the lenient walk only if that fails), what ``Requester.request`` does with
  every 2xx body, then every field read: nested models are decoded on first read, so
  reading them all is what makes this a whole decode, comparable with pydantic's.
  ``ours_first_read_us`` is the same without the reads: what a request costs whose
  caller never looks inside the nested models;
- official (compared): pydantic's ``ClassifyRun.model_validate_json`` in lax mode.
  Strict mode cannot decode any ClassifyRun: the SDK's base model has a ``mode="before"``
  validator, so validation runs on Python objects and strict mode then refuses every
  datetime string, "Z" or "+00:00" alike. ``strict_error`` records what pydantic says;
- official_sdk_path (reported, not compared): what the official client really runs per
  response, ``json.loads`` + ``construct_type``;
- raw: ``orjson.loads`` alone, the floor.

Each figure is the best of many short rounds, in microseconds per decode.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from operator import attrgetter
from typing import Any

import attrs
import orjson

from ._common import SEED_PATH, Goal, Row, run_child

__all__ = ["measure", "rows"]


def _best_us(fn: Callable[[], object], n: int, rounds: int) -> float:
    for _ in range(min(n, 200)):
        fn()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def measure(n: int, rounds: int) -> dict[str, Any]:
    """Run in a child process: microseconds per decode for each decoder."""
    from extend_ai.core.unchecked_base_model import construct_type
    from extend_ai.types import ClassifyRun as OfficialClassifyRun

    from extend_async._converter import decode_response
    from extend_async.types import ClassifyRun

    body = SEED_PATH.read_bytes()

    def decode() -> ClassifyRun:
        return decode_response(
            body, ClassifyRun, status=200, request_id=None, method="POST", path="/classify_runs"
        )

    read_every_field = attrgetter(*(a.name for a in attrs.fields(ClassifyRun)))

    def decode_whole() -> object:
        return read_every_field(decode())

    ours = decode()
    official = OfficialClassifyRun.model_validate_json(body)
    assert ours.id == official.id  # both decoded the same run
    assert ours.config is not None

    strict_error = ""
    try:
        OfficialClassifyRun.model_validate_json(body.replace(b'Z"', b'+00:00"'), strict=True)
    except Exception as exc:
        lines = str(exc).splitlines()
        strict_error = "; ".join(line.strip() for line in lines[:3])

    return {
        "body_bytes": len(body),
        "ours_us": _best_us(decode_whole, n, rounds),
        "ours_first_read_us": _best_us(decode, n, rounds),
        "official_lax_us": _best_us(
            lambda: OfficialClassifyRun.model_validate_json(body), n, rounds
        ),
        "official_sdk_path_us": _best_us(
            lambda: construct_type(type_=OfficialClassifyRun, object_=json.loads(body)),
            max(n // 4, 1),
            rounds,
        ),
        "orjson_us": _best_us(lambda: orjson.loads(body), n, rounds),
        "strict_error": strict_error,
    }


def rows(smoke: bool) -> list[Row]:
    """Workload 3."""
    result = run_child("decode:measure", n=50 if smoke else 2000, rounds=3 if smoke else 6)
    return [
        Row(
            key="decode.classify_run",
            workload="decode one ClassifyRun from bytes: µs",
            unit="µs",
            ours=result["ours_us"],
            official=result["official_lax_us"],
            raw=result["orjson_us"],
            goals=(Goal("official", "<=", 0.5),),
            note="official = pydantic lax model_validate_json (strict rejects every timestamp); "
            f"ours = decode and read every field; nested models left unread: "
            f"{result['ours_first_read_us']:.1f} µs",
            details=result,
        ),
        Row(
            key="decode.official_sdk_path",
            workload="decode as the official client does (json.loads + construct_type): µs",
            unit="µs",
            ours=result["ours_us"],
            official=result["official_sdk_path_us"],
            details={"official_sdk_path_us": result["official_sdk_path_us"]},
        ),
    ]

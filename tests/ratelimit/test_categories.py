"""Which budget each request spends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extend_async.ratelimit import category_of


@pytest.mark.parametrize(
    ("method", "path", "category"),
    [
        ("GET", "/classify_runs", "GET"),
        ("GET", "/classify_runs/clr_1", "GET"),
        ("GET", "/batch_runs/bpr_1", "GET"),
        ("GET", "/files", "GET"),
        ("POST", "/classify_runs", "RUN"),
        ("POST", "/extract_runs", "RUN"),
        ("POST", "/parse_runs", "RUN"),
        ("POST", "/split_runs", "RUN"),
        ("POST", "/workflow_runs", "RUN"),
        ("POST", "/edit_runs", "RUN"),
        ("POST", "/classify_runs/batch", "RUN"),
        ("POST", "/workflow_runs/batch", "RUN"),
        ("POST", "/classify", "RUN"),
        ("POST", "/extract", "RUN"),
        ("POST", "/parse", "RUN"),
        ("POST", "/split", "RUN"),
        ("POST", "/detect_form", "RUN"),
        ("POST", "/classify_runs/clr_1/cancel", "WRITE"),
        ("DELETE", "/classify_runs/clr_1", "WRITE"),
        ("POST", "/workflow_runs/workflow_run_1", "WRITE"),
        ("POST", "/classifiers", "WRITE"),
        ("POST", "/classifiers/cl_1", "WRITE"),
        ("POST", "/classifiers/cl_1/versions", "WRITE"),
        ("POST", "/files/upload", "WRITE"),
        ("DELETE", "/files/file_1", "WRITE"),
        ("POST", "/webhook_endpoints", "WRITE"),
        ("PUT", "/something_new", "WRITE"),
        ("PATCH", "/classify_runs/clr_1", "WRITE"),
        ("post", "/classify_runs", "RUN"),
        ("POST", "/classify_runs?x=1", "RUN"),
    ],
)
def test_the_table(method: str, path: str, category: str) -> None:
    assert category_of(method, path) == category


@given(st.text(max_size=60))
def test_every_read_is_get(path: str) -> None:
    assert category_of("GET", "/" + path) == "GET"


@given(st.sampled_from(["PUT", "PATCH", "DELETE"]), st.text(max_size=60))
def test_other_writes_never_run(method: str, path: str) -> None:
    assert category_of(method, "/" + path) == "WRITE"


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_/", max_size=40))
def test_a_post_is_run_or_write(path: str) -> None:
    assert category_of("POST", "/" + path) in ("RUN", "WRITE")

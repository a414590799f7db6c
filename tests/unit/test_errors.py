"""Every non-2xx answer becomes its typed exception, whatever the body looks like."""

from __future__ import annotations

import pickle
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

import extend_async
from extend_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncExtend,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ExtendError,
    InternalServerError,
    InvalidInputError,
    MissingAPIKeyError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResponseDecodeError,
    ResponseTooLargeError,
    UnprocessableEntityError,
)
from extend_async._errors import error_class_for_status

from ._helpers import RUN_ID, recorded, url

GET_PATH = f"/classify_runs/{RUN_ID}"

STATUS_CLASSES: list[tuple[int, type[APIStatusError]]] = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (402, PaymentRequiredError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (408, RequestTimeoutError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (502, InternalServerError),
    (503, InternalServerError),
    (504, InternalServerError),
    (599, InternalServerError),
    (405, APIStatusError),
    (418, APIStatusError),
]


def envelope(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "SOME_CODE",
        "message": "something went wrong",
        "retryable": False,
        "requestId": "req_from_body",
        "docUrl": "https://docs.extend.ai/errors#some-code",
    }
    body.update(overrides)
    return body


async def _failing_get(client: AsyncExtend) -> APIStatusError:
    with pytest.raises(APIStatusError) as caught:
        await client.classify_runs.get(RUN_ID, max_retries=0)
    return caught.value


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
async def test_each_status_maps_to_its_class(
    client: AsyncExtend, mock_api: aioresponses, status: int, cls: type[APIStatusError]
) -> None:
    mock_api.get(
        str(url(GET_PATH)),
        status=status,
        payload=envelope(code=f"CODE_{status}"),
        headers={"x-extend-request-id": "req_from_header"},
    )
    error = await _failing_get(client)
    assert type(error) is cls
    assert isinstance(error, ExtendError)
    assert error.status_code == status
    assert error.code == f"CODE_{status}"
    assert error.message == "something went wrong"
    assert error.retryable is False
    assert error.request_id == "req_from_header"  # the header wins over the body
    assert error.doc_url == "https://docs.extend.ai/errors#some-code"
    assert error.body == envelope(code=f"CODE_{status}")
    assert (
        str(error) == f"{status} CODE_{status}: something went wrong (request id req_from_header)"
    )


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_status_table(status: int, cls: type[APIStatusError]) -> None:
    assert error_class_for_status(status) is cls


async def test_request_id_falls_back_to_the_body(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(str(url(GET_PATH)), status=404, payload=envelope(code="NOT_FOUND"))
    error = await _failing_get(client)
    assert isinstance(error, NotFoundError)
    assert error.request_id == "req_from_body"


async def test_wrapped_envelope_is_unwrapped(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(str(url(GET_PATH)), status=400, payload={"error": envelope(code="INVALID")})
    error = await _failing_get(client)
    assert isinstance(error, BadRequestError)
    assert error.code == "INVALID"
    assert error.message == "something went wrong"


async def test_envelope_fields_of_the_wrong_type_are_dropped(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(
        str(url(GET_PATH)),
        status=400,
        payload={"code": 7, "message": ["x"], "retryable": "no", "requestId": 9, "docUrl": {}},
        reason="Bad Request",
    )
    error = await _failing_get(client)
    assert isinstance(error, BadRequestError)
    assert (error.code, error.retryable, error.request_id, error.doc_url) == (None,) * 4
    assert error.message == "Bad Request"


async def test_rate_limit_error_carries_retry_after(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(
        str(url(GET_PATH)),
        status=429,
        payload=envelope(code="RATE_LIMIT_EXCEEDED", retryable=True),
        headers={"Retry-After": "7"},
    )
    error = await _failing_get(client)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0
    assert error.retryable is True
    assert error.headers["retry-after"] == "7"


async def test_rate_limit_error_without_a_hint(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(str(url(GET_PATH)), status=429, payload=envelope())
    error = await _failing_get(client)
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
    + "<p>"
    + "filler text " * 5000
    + "</p></body></html>"
)


async def test_html_error_page_maps_to_the_status_class_cut_short(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(
        str(url(GET_PATH)),
        status=502,
        body=HTML_PAGE,
        content_type="text/html",
        reason="Bad Gateway",
    )
    error = await _failing_get(client)
    assert type(error) is InternalServerError
    assert error.status_code == 502
    assert error.code is None
    assert error.retryable is None
    assert error.message.startswith("Bad Gateway: 502 Bad Gateway")
    assert "<" not in error.message  # tags stripped
    assert len(str(error)) < 300  # a 60 KB page does not flood the message
    assert error.message.endswith("…")
    assert isinstance(error.body, str)
    assert error.body.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("status", [500, 503])
async def test_empty_error_body_uses_the_reason(
    client: AsyncExtend, mock_api: aioresponses, status: int
) -> None:
    mock_api.get(str(url(GET_PATH)), status=status, body=b"", reason="Service Unavailable")
    error = await _failing_get(client)
    assert type(error) is InternalServerError
    assert error.message == "Service Unavailable"
    assert error.body is None


async def test_json_that_is_not_an_object_is_kept_as_text(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(str(url(GET_PATH)), status=403, body=b'["denied"]', reason="Forbidden")
    error = await _failing_get(client)
    assert type(error) is PermissionDeniedError
    assert error.body == '["denied"]'
    assert error.message == 'Forbidden: ["denied"]'


async def test_non_utf8_error_body_does_not_break_mapping(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    mock_api.get(str(url(GET_PATH)), status=500, body=b"\xff\xfe oops \x80", reason="Oops")
    error = await _failing_get(client)
    assert type(error) is InternalServerError
    assert "oops" in error.message


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"<html>not json</html>", "not JSON"),
        (b"", "empty"),
        (b'{"object": "classify_run"}', "missing required keys"),
        (b'{"id": 5, "status": 3, "createdAt": [], "updatedAt": null}', "wrong types"),
        (b"[]", "not an object"),
    ],
)
async def test_a_2xx_body_that_breaks_the_promise_is_a_decode_error(
    client: AsyncExtend, mock_api: aioresponses, body: bytes, what: str
) -> None:
    mock_api.get(str(url(GET_PATH)), body=body, headers={"x-extend-request-id": "req_dec"})
    with pytest.raises(ResponseDecodeError) as caught:
        await client.classify_runs.get(RUN_ID)
    error = caught.value
    assert isinstance(error, ExtendError), what
    assert error.status_code == 200
    assert error.request_id == "req_dec"
    assert "ClassifyRun" in str(error)
    assert len(error.body) <= 201


async def test_decode_errors_are_not_retried(client: AsyncExtend, mock_api: aioresponses) -> None:
    mock_api.get(str(url(GET_PATH)), body=b"nope", repeat=True)
    with pytest.raises(ResponseDecodeError):
        await client.classify_runs.get(RUN_ID)
    assert len(recorded(mock_api)[("GET", url(GET_PATH))]) == 1


def test_the_hierarchy_is_exported_and_rooted() -> None:
    exported = {
        name: getattr(extend_async, name)
        for name in extend_async.__all__
        if isinstance(getattr(extend_async, name), type)
        # Cancellation signals (asyncio.CancelledError subclasses) are not errors.
        and issubclass(getattr(extend_async, name), Exception)
    }
    assert set(exported) >= {
        "ExtendError",
        "APIStatusError",
        "BadRequestError",
        "AuthenticationError",
        "PaymentRequiredError",
        "PermissionDeniedError",
        "NotFoundError",
        "UnprocessableEntityError",
        "RateLimitError",
        "InternalServerError",
        "APIConnectionError",
        "APITimeoutError",
        "ResponseDecodeError",
        "InvalidInputError",
        "MissingAPIKeyError",
    }
    assert all(issubclass(cls, ExtendError) for cls in exported.values())
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(MissingAPIKeyError, InvalidInputError)
    assert issubclass(InvalidInputError, ValueError)
    for _, cls in STATUS_CLASSES:
        assert issubclass(cls, APIStatusError)


async def test_errors_survive_pickling(client: AsyncExtend, mock_api: aioresponses) -> None:
    # Worker pools and task queues pickle exceptions to send them to another process.
    mock_api.get(
        str(url(GET_PATH)),
        status=429,
        payload=envelope(code="RATE_LIMIT_EXCEEDED", retryable=True),
        headers={"Retry-After": "90", "x-extend-request-id": "req_p"},
    )
    mock_api.get(str(url(GET_PATH)), exception=aiohttp.ServerDisconnectedError())
    mock_api.get(str(url(GET_PATH)), body=b"{}")
    errors: list[ExtendError] = []
    for _ in range(3):
        with pytest.raises(ExtendError) as caught:
            await client.classify_runs.get(RUN_ID, max_retries=0)
        errors.append(caught.value)
    errors.append(MissingAPIKeyError("no key"))
    errors.append(ResponseTooLargeError("too large", method="GET", path=GET_PATH, limit=5))
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert {k: v for k, v in vars(copy).items() if k != "headers"} == {
            k: v for k, v in vars(error).items() if k != "headers"
        }
    limited = pickle.loads(pickle.dumps(errors[0]))
    assert isinstance(limited, RateLimitError)
    assert (limited.retry_after, limited.request_id) == (90.0, "req_p")
    assert limited.headers["retry-after"] == "90"


def test_the_official_sdks_error_names_are_the_same_classes() -> None:
    import extend_async
    import extend_sync

    for module in (extend_async, extend_sync):
        assert module.UnauthorizedError is extend_async.AuthenticationError
        assert module.ForbiddenError is extend_async.PermissionDeniedError
        assert module.TooManyRequestsError is extend_async.RateLimitError

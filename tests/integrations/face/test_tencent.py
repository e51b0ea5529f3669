"""The Tencent adapter on its own: what it sends, and how it reads every shape of answer
Tencent FaceID can give (served here by a stub transport, for answers the reference never
gives: 5xx, garbage, contradictions, Tencent's own BizTokenExpired error)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from integrations.face import tc3
from integrations.face.models import FaceProviderError, FaceStatus
from integrations.face.tencent import TencentFaceId
from tests.integrations.face.support import CALLBACK_URL, SUBJECT, Clock

TOKEN = "CE661F1A-0F1E-45BD-BE13-34C05CEA7681"
SECRET_ID = "AKIDtest0000000000000000000000000000"
SECRET_KEY = "test-secret-key-0123456789abcdef"

Handler = Callable[[httpx.Request], httpx.Response]


class Stub:
    """A Tencent endpoint answering what the test says; keeps every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answer: Handler = lambda request: _ok({})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def respond(self, fields: dict[str, Any]) -> None:
        self.answer = lambda request: _ok(fields)


def _ok(fields: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"Response": {**fields, "RequestId": "rid-1"}})


def _error(code: str, message: str = "错误") -> dict[str, Any]:
    return {"Error": {"Code": code, "Message": message}}


@pytest.fixture
def stub() -> Stub:
    return Stub()


@pytest.fixture
async def tencent(stub: Stub) -> AsyncIterator[TencentFaceId]:
    adapter = TencentFaceId(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        rule_id="7",
        callback_key="callback-key",
        callback_url=CALLBACK_URL,
        client=httpx.AsyncClient(transport=httpx.MockTransport(stub)),
        now=Clock(),
    )
    yield adapter
    await adapter.aclose()


async def test_each_call_is_signed_with_tc3_as_tencent_documents(
    tencent: TencentFaceId, stub: Stub
) -> None:
    stub.respond({"BizToken": TOKEN, "Url": "https://faceid.qq.com/h5"})

    await tencent.start(flow_id="flow-1", subject=SUBJECT, return_url=CALLBACK_URL)

    (request,) = stub.requests
    assert str(request.url) == "https://faceid.tencentcloudapi.com/"
    assert request.method == "POST"
    headers = request.headers
    assert headers["host"] == "faceid.tencentcloudapi.com"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-tc-action"] == "DetectAuth"
    assert headers["x-tc-version"] == "2018-03-01"
    assert headers["x-tc-region"] == "ap-guangzhou"
    timestamp = int(headers["x-tc-timestamp"])
    assert timestamp == int(Clock()().timestamp())
    expected = tc3.signature(
        secret_key=SECRET_KEY,
        service="faceid",
        timestamp=timestamp,
        method="POST",
        uri="/",
        query="",
        headers={"content-type": headers["content-type"], "host": headers["host"]},
        payload=request.content,
    )
    assert headers["authorization"] == (
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/2026-03-02/faceid/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={expected}"
    )
    assert json.loads(request.content) == {
        "RuleId": "7",
        "IdCard": SUBJECT.id_number,
        "Name": SUBJECT.name,
        "RedirectUrl": CALLBACK_URL,
        "Extra": "flow-1",
    }


async def test_start_falls_back_to_the_configured_callback_url(
    tencent: TencentFaceId, stub: Stub
) -> None:
    stub.respond({"BizToken": TOKEN, "Url": ""})
    started = await tencent.start(flow_id="flow-1", subject=SUBJECT, return_url="")
    assert json.loads(stub.requests[0].content)["RedirectUrl"] == CALLBACK_URL
    assert started.redirect_url is None and started.sdk_token == TOKEN


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"flow_id": "", "return_url": CALLBACK_URL}, "flow_id"),
        ({"flow_id": "f" * 1001, "return_url": CALLBACK_URL}, "flow_id"),
        ({"flow_id": "flow-1", "return_url": "javascript:alert(1)"}, "return_url"),
    ],
)
async def test_start_refuses_bad_arguments_before_calling(
    tencent: TencentFaceId, stub: Stub, kwargs: dict[str, str], error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        await tencent.start(subject=SUBJECT, **kwargs)
    assert stub.requests == []


async def test_start_without_a_biz_token_is_a_provider_error(
    tencent: TencentFaceId, stub: Stub
) -> None:
    stub.respond({"Url": "https://faceid.qq.com/h5"})
    with pytest.raises(FaceProviderError) as failed:
        await tencent.start(flow_id="flow-1", subject=SUBJECT, return_url=CALLBACK_URL)
    assert failed.value.retryable is False


def _text(**fields: Any) -> dict[str, Any]:
    return {"Text": fields, "IdCardData": None, "BestFrame": None}


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        (_text(ErrCode=0, LiveStatus=0, Comparestatus=0, Sim="88.12"), FaceStatus.PASSED, None),
        (_text(ErrCode="0", Sim="88.12"), FaceStatus.PASSED, None),
        (_text(ErrCode=0, LiveStatus=1002, Comparestatus=None), FaceStatus.FAILED, "1002"),
        (_text(ErrCode=0, LiveStatus=0, Comparestatus=2015), FaceStatus.FAILED, "2015"),
        (_text(ErrCode=2006, ErrMsg="姓名和身份证号不一致"), FaceStatus.FAILED, "2006"),
        (_text(ErrCode=16), FaceStatus.FAILED, "16"),
        (_text(ErrCode=15), FaceStatus.EXPIRED, "15"),
        (_text(ErrCode=17), FaceStatus.PENDING, None),
        (_text(ErrCode=None), FaceStatus.PENDING, None),
        ({"Text": None}, FaceStatus.PENDING, None),
        ({}, FaceStatus.PENDING, None),
        (_error("InvalidParameterValue.BizTokenExpired", "BizToken过期"), FaceStatus.EXPIRED, "15"),
    ],
)
async def test_answers_map_to_statuses(
    tencent: TencentFaceId,
    stub: Stub,
    answer: dict[str, Any],
    status: FaceStatus,
    code: str | None,
) -> None:
    stub.respond(answer)
    result = await tencent.fetch_result(TOKEN)
    assert (result.status, result.error_code) == (status, code)
    assert result.provider_ref == TOKEN


async def test_a_pass_reports_score_identity_and_time(tencent: TencentFaceId, stub: Stub) -> None:
    stub.respond(
        _text(
            ErrCode=0,
            ErrMsg="成功",
            IdCard=SUBJECT.id_number.lower(),
            Name=SUBJECT.name,
            Sim="91.50",
            Extra="flow-9",
            LivenessDetail=[{"ReqTime": "1700000000000"}, {"ReqTime": "1772415000123"}],
        )
    )
    result = await tencent.fetch_result(TOKEN)
    assert result.similarity == 91.5
    assert result.id_number == SUBJECT.id_number  # upper-case X, as the subject's
    assert result.name == SUBJECT.name and result.flow_id == "flow-9"
    assert result.verified_at == datetime.fromtimestamp(1772415000.123, UTC)


@pytest.mark.parametrize(
    ("sim", "expected"),
    [
        ("69.99", 69.99),
        (90, 90.0),
        ("101", None),
        ("-1", None),
        ("abc", None),
        (None, None),
        (True, None),
    ],
)
async def test_a_score_outside_0_to_100_or_not_a_number_is_none(
    tencent: TencentFaceId, stub: Stub, sim: Any, expected: float | None
) -> None:
    stub.respond(_text(ErrCode=2016, Sim=sim))
    assert (await tencent.fetch_result(TOKEN)).similarity == expected


@pytest.mark.parametrize(
    ("response", "retryable"),
    [
        (httpx.Response(502, text="bad gateway"), True),
        (httpx.Response(429, text="slow down"), True),
        (httpx.Response(403, text="forbidden"), False),
        (httpx.Response(200, text="<html>"), True),
        (httpx.Response(200, json={"NotResponse": {}}), True),
        (httpx.Response(200, json=["Response"]), True),
        (httpx.Response(200, json={"Response": {"Text": {"ErrCode": "x"}}}), False),
        (httpx.Response(200, json={"Response": {"Text": "oops"}}), False),
    ],
)
async def test_unusable_answers_are_provider_errors(
    tencent: TencentFaceId, stub: Stub, response: httpx.Response, retryable: bool
) -> None:
    stub.answer = lambda request: response
    with pytest.raises(FaceProviderError) as failed:
        await tencent.fetch_result(TOKEN)
    assert failed.value.retryable is retryable


async def test_a_network_failure_is_retryable_and_carries_no_request(
    tencent: TencentFaceId, stub: Stub
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    stub.answer = refuse
    with pytest.raises(FaceProviderError) as failed:
        await tencent.start(flow_id="flow-1", subject=SUBJECT, return_url=CALLBACK_URL)
    assert failed.value.retryable is True
    assert failed.value.__cause__ is None and failed.value.__context__ is None
    assert SUBJECT.id_number not in str(failed.value)


@pytest.mark.parametrize(
    ("code", "retryable", "level"),
    [
        ("InternalError", True, logging.WARNING),
        ("InternalError.UnKnown", True, logging.WARNING),
        ("RequestLimitExceeded", True, logging.WARNING),
        ("FailedOperation.RequestLimitExceeded", True, logging.WARNING),
        ("FailedOperation.IdNameMisMatch", False, logging.WARNING),
        ("UnauthorizedOperation.Arrears", False, logging.ERROR),
        ("AuthFailure.SignatureFailure", False, logging.ERROR),
        ("InvalidParameterValue.RuleIdNotExist", False, logging.ERROR),
    ],
)
async def test_error_answers_are_classified_and_logged(
    tencent: TencentFaceId,
    stub: Stub,
    caplog: pytest.LogCaptureFixture,
    code: str,
    retryable: bool,
    level: int,
) -> None:
    stub.respond(_error(code, f"{code} for 41010519520315122X"))
    with (
        caplog.at_level(logging.INFO, logger="integrations.face"),
        pytest.raises(FaceProviderError) as failed,
    ):
        await tencent.start(flow_id="flow-1", subject=SUBJECT, return_url=CALLBACK_URL)
    assert failed.value.upstream_code == code
    assert failed.value.retryable is retryable
    (record,) = [r for r in caplog.records if r.name == "integrations.face.tencent"]
    assert record.levelno == level and code in record.getMessage()
    # Tencent's message is passed on, scrubbed: an ID number in it is masked.
    assert "4101**********122X" in str(failed.value)
    for shown in (record.getMessage(), str(failed.value)):
        assert SUBJECT.id_number not in shown and SECRET_KEY not in shown


async def test_a_malformed_ref_is_refused_before_calling(
    tencent: TencentFaceId, stub: Stub
) -> None:
    for ref in ("", "short", "../../etc", "A" * 129):
        with pytest.raises(FaceProviderError):
            await tencent.fetch_result(ref)
    assert stub.requests == []


async def test_photo_mode_is_refused_by_the_real_tencent_adapter(
    tencent: TencentFaceId, stub: Stub
) -> None:
    assert tencent.photo_mode_supported is False
    with pytest.raises(FaceProviderError) as refused:
        await tencent.submit_photo(TOKEN, b"\xff\xd8\xff")
    assert refused.value.retryable is False
    assert stub.requests == []


async def test_the_repr_shows_no_secret(tencent: TencentFaceId) -> None:
    assert SECRET_KEY not in repr(tencent) and "callback-key" not in repr(tencent)
    assert SECRET_ID in repr(tencent)

"""The reference FaceID server: TC3 authentication, the actions, the H5 page, photo mode,
fault injection and latency."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis

from integrations.face.models import FaceProviderError, FaceStatus
from tests.integrations.face.support import (
    CALLBACK_URL,
    KEYS,
    OTHER_ID_NUMBER,
    SUBJECT,
    Clock,
    Face,
    jpeg,
    make_face,
    signed_post,
)

# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"secret_key": "a-wrong-secret-key"}, "AuthFailure.SignatureFailure"),
        ({"secret_id": "AKIDunknown0000000000000000000000"}, "AuthFailure.SecretIdNotFound"),
    ],
)
async def test_a_request_signed_with_wrong_credentials_is_refused(
    face: Face, options: dict[str, str], code: str
) -> None:
    wrong = face.adapter_with(**options)

    with pytest.raises(FaceProviderError) as refused:
        await wrong.start(flow_id="flow-1", subject=SUBJECT, return_url=CALLBACK_URL)

    assert refused.value.upstream_code == code
    assert refused.value.retryable is False
    assert refused.value.provider == "tencent"


async def test_a_request_from_a_clock_five_minutes_off_is_refused(face: Face) -> None:
    behind = Clock(face.clock() - timedelta(minutes=6))
    late = face.adapter_with(now=behind)

    with pytest.raises(FaceProviderError) as refused:
        await late.fetch_result("0A0B0C0D-0000-4000-8000-000000000000")

    assert refused.value.upstream_code == "AuthFailure.SignatureExpire"
    assert refused.value.retryable is False


async def test_a_body_changed_after_signing_is_refused(face: Face) -> None:
    now = int(face.clock().timestamp())
    signed = json.dumps({"BizToken": "A" * 36, "RuleId": "1", "InfoType": "1"}).encode()
    sent = json.dumps({"BizToken": "B" * 36, "RuleId": "1", "InfoType": "0"}).encode()

    answer = await signed_post(
        face.reference, "GetDetectInfoEnhanced", {}, timestamp=now, body=sent, signed_body=signed
    )

    assert answer["Error"]["Code"] == "AuthFailure.SignatureFailure"


async def test_an_unsigned_request_is_refused(face: Face) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=face.reference)) as client:
        answer = await client.post(
            "http://faceid.reference.invalid/",
            json={"RuleId": "1"},
            headers={"X-TC-Action": "DetectAuth", "X-TC-Version": "2018-03-01"},
        )
    assert answer.json()["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"


@pytest.mark.parametrize(
    ("action", "version", "params", "code"),
    [
        ("DescribeInstances", "2018-03-01", {}, "InvalidAction"),
        ("DetectAuth", "2017-01-01", {}, "NoSuchVersion"),
        ("DetectAuth", "2018-03-01", {"RuleId": "9"}, "InvalidParameterValue.RuleIdNotExist"),
        ("DetectAuth", "2018-03-01", {"RuleId": "1"}, "MissingParameter"),
        (
            "DetectAuth",
            "2018-03-01",
            {"RuleId": "1", "IdCard": "4101051952031", "Name": "张三", "RedirectUrl": CALLBACK_URL},
            "FailedOperation.IdFormatError",
        ),
        (
            "DetectAuth",
            "2018-03-01",
            {
                "RuleId": "1",
                "IdCard": OTHER_ID_NUMBER,
                "Name": "李明",
                "RedirectUrl": "javascript:x",
            },
            "InvalidParameterValue",
        ),
        (
            "GetDetectInfoEnhanced",
            "2018-03-01",
            {"RuleId": "1", "BizToken": "0A0B0C0D-0000-4000-8000-000000000000"},
            "InvalidParameterValue.BizTokenIllegal",
        ),
    ],
)
async def test_the_api_answers_tencent_errors(
    face: Face, action: str, version: str, params: dict[str, str], code: str
) -> None:
    answer = await signed_post(
        face.reference, action, params, timestamp=int(face.clock().timestamp()), version=version
    )
    assert answer["Error"]["Code"] == code
    assert answer["Error"]["Message"]


async def test_an_unknown_biz_token_is_a_provider_error(face: Face) -> None:
    with pytest.raises(FaceProviderError) as refused:
        await face.adapter.fetch_result("0A0B0C0D-0000-4000-8000-000000000000")
    assert refused.value.upstream_code == "InvalidParameterValue.BizTokenIllegal"
    assert refused.value.retryable is False


# --- faults and latency -----------------------------------------------------------------------


async def test_fault_injection_answers_internal_error_which_is_retryable(
    face_redis: Redis, prefix: str, clock: Clock
) -> None:
    flaky = make_face(face_redis, prefix=prefix, clock=clock, fail_rate=1.0)
    try:
        with pytest.raises(FaceProviderError) as failed:
            await flaky.start()
        assert failed.value.upstream_code == "InternalError"
        assert failed.value.retryable is True
        assert [key async for key in face_redis.scan_iter(match=prefix + "*")] == []
    finally:
        await flaky.aclose()


async def test_latency_delays_each_api_answer(face_redis: Redis, prefix: str, clock: Clock) -> None:
    slow = make_face(face_redis, prefix=prefix, clock=clock, latency=0.05)
    try:
        began = time.perf_counter()
        await slow.start()
        assert time.perf_counter() - began >= 0.05
    finally:
        await slow.aclose()


async def test_an_adapter_timeout_is_retryable(
    face_redis: Redis, prefix: str, clock: Clock
) -> None:
    slow = make_face(face_redis, prefix=prefix, clock=clock, latency=0.2)
    impatient = slow.adapter_with(timeout=0.02)
    try:
        with pytest.raises(FaceProviderError) as failed:
            await impatient.start(flow_id="flow-1", subject=SUBJECT, return_url=CALLBACK_URL)
        assert failed.value.retryable is True and failed.value.upstream_code is None
    finally:
        await slow.aclose()


# --- the H5 page ------------------------------------------------------------------------------


async def test_the_h5_page_shows_masked_identity_and_the_simulated_outcomes(face: Face) -> None:
    started = await face.start()

    page = await face.open_page(started)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    text = page.text
    assert '<html lang="zh-CN">' in text
    assert "张**" in text and "4101**********122X" in text
    assert SUBJECT.name not in text and SUBJECT.id_number not in text
    assert SUBJECT.id_number[4:14] not in text
    assert "开始刷脸" in text
    for label in ("通过", "活体检测未通过 (1002)", "非本人 (2015)", "比对分数过低 (2016)"):
        assert label in text


async def test_the_h5_page_of_an_unknown_expired_or_finished_check(face: Face) -> None:
    missing = await face.browser.get(
        "http://haoban.test/reference/face/h5/0A0B0C0D-0000-4000-8000-000000000000"
    )
    assert missing.status_code == 404

    done = await face.start()
    await face.reference.complete(done.provider_ref)
    finished = await face.open_page(done)
    assert finished.status_code == 200 and "已完成" in finished.text

    late = await face.start()
    face.clock.advance(7200)
    expired = await face.open_page(late)
    assert expired.status_code == 410 and "已过期" in expired.text
    assert SUBJECT.id_number not in expired.text + finished.text


async def test_the_h5_form_refuses_an_unknown_outcome(face: Face) -> None:
    started = await face.start()
    assert started.redirect_url is not None

    answer = await face.browser.post(started.redirect_url, data={"outcome": "0"})

    assert answer.status_code == 400
    assert (await face.adapter.fetch_result(started.provider_ref)).status is FaceStatus.PENDING


async def test_the_return_keeps_the_redirect_urls_own_query(face: Face) -> None:
    started = await face.adapter.start(
        flow_id="flow-1", subject=SUBJECT, return_url=CALLBACK_URL + "?lang=zh&token=forged"
    )

    query = await face.choose(started, "pass")

    assert query["lang"] == "zh"
    assert query["token"] == started.provider_ref
    assert await face.adapter.parse_callback(query, {}) == started.provider_ref


# --- photo mode -------------------------------------------------------------------------------


async def test_a_usable_photo_passes(face: Face) -> None:
    started = await face.start()

    await face.adapter.submit_photo(started.provider_ref, jpeg(240, 320))
    result = await face.adapter.fetch_result(started.provider_ref)

    assert result.status is FaceStatus.PASSED
    assert result.similarity is not None and result.similarity >= 90.0
    assert result.id_number == SUBJECT.id_number


@pytest.mark.parametrize(
    "photo",
    [jpeg(199, 400), jpeg(120, 120), jpeg(300, 300, kind="PNG"), b"\xff\xd8\xff not a jpeg"],
    ids=["too-narrow", "too-small", "png", "garbage"],
)
async def test_an_unusable_photo_fails_liveness(face: Face, photo: bytes) -> None:
    started = await face.start()

    await face.adapter.submit_photo(started.provider_ref, photo)
    result = await face.adapter.fetch_result(started.provider_ref)

    assert result.status is FaceStatus.FAILED and result.error_code == "1002"


async def test_a_photo_for_a_finished_or_expired_check_is_refused(face: Face) -> None:
    done = await face.start()
    await face.adapter.submit_photo(done.provider_ref, jpeg(200, 200))
    with pytest.raises(FaceProviderError) as again:
        await face.adapter.submit_photo(done.provider_ref, jpeg(200, 200))
    assert again.value.upstream_code == "UnsupportedOperation"

    late = await face.start()
    face.clock.advance(7200)
    with pytest.raises(FaceProviderError) as expired:
        await face.adapter.submit_photo(late.provider_ref, jpeg(200, 200))
    assert expired.value.upstream_code == "InvalidParameterValue.BizTokenExpired"
    assert expired.value.retryable is False


async def test_a_photo_is_judged_and_never_stored(
    face_redis: Redis, prefix: str, face: Face
) -> None:
    started = await face.start()
    photo = jpeg(256, 256)

    await face.adapter.submit_photo(started.provider_ref, photo)

    stored = [await face_redis.get(key) async for key in face_redis.scan_iter(match=prefix + "*")]
    assert len(stored) == 2  # the check and its result
    assert all(photo[:64] not in value and b"/9j/" not in value for value in stored if value)


async def test_keys_are_kept_for_the_validity_plus_three_days(
    face_redis: Redis, prefix: str, face: Face
) -> None:
    started = await face.start()
    await face.reference.complete(started.provider_ref)

    for key in [key async for key in face_redis.scan_iter(match=prefix + "*")]:
        ttl = await face_redis.ttl(key)
        assert 7200 + 3 * 86400 - 5 <= ttl <= 7200 + 3 * 86400


async def test_the_reference_logs_no_secret(face: Face, caplog: pytest.LogCaptureFixture) -> None:
    started = await face.start()
    await face.choose(started, "pass")
    await face.adapter.fetch_result(started.provider_ref)
    assert KEYS.secret_key not in caplog.text and KEYS.callback_key not in caplog.text

"""The port's contract, end to end: the Tencent adapter against the reference FaceID server,
the citizen's browser on the H5 page, the signed return, the server-side pull. On fakeredis
and, when HAOBAN_TEST_REDIS_URL is set, on real Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis

from integrations.face.models import FaceResult, FaceStatus
from tests.integrations.face.support import (
    CALLBACK_URL,
    OTHER_ID_NUMBER,
    PUBLIC_BASE_URL,
    SUBJECT,
    VALIDITY,
    Clock,
    Face,
    LeakGuard,
    make_face,
)


async def test_a_check_passes_through_the_h5_page_and_the_signed_return(
    face: Face, leaks: LeakGuard
) -> None:
    started = await face.start(flow_id="flow-pass")
    page = await face.open_page(started)
    assert page.status_code == 200 and "开始刷脸" in page.text

    query = await face.choose(started, "pass")
    ref = await face.adapter.parse_callback(query, {})
    assert ref == started.provider_ref

    result = await face.adapter.fetch_result(ref)
    assert result.status is FaceStatus.PASSED
    assert result.error_code is None
    assert result.similarity is not None and 90.0 <= result.similarity <= 100.0
    assert result.id_number == SUBJECT.id_number and result.name == SUBJECT.name
    assert result.verified_at == face.clock()  # the comparison's ReqTime, to the millisecond
    assert result.flow_id == "flow-pass"


async def test_start_gives_the_h5_url_the_sdk_token_and_the_expiry(face: Face) -> None:
    started = await face.start()

    assert started.provider == "tencent" == face.adapter.provider
    assert started.redirect_url == f"{PUBLIC_BASE_URL}/h5/{started.provider_ref}"
    assert started.sdk_token == started.provider_ref
    assert started.expires_at == face.clock() + timedelta(seconds=VALIDITY)
    assert started.expires_at.utcoffset() == timedelta(0)
    (sent,) = face.transport.sent("DetectAuth")
    assert sent["RedirectUrl"] == CALLBACK_URL and sent["Extra"] == "flow-0001"
    assert sent["IdCard"] == SUBJECT.id_number and sent["Name"] == SUBJECT.name


@pytest.mark.parametrize(
    ("outcome", "code", "on_page"),
    [
        ("liveness", "1002", True),
        ("mismatch", "2015", True),
        ("low_score", "2016", True),
        ("name_id_mismatch", "2006", False),
        ("retry_limit", "16", False),
    ],
)
async def test_each_failed_outcome_is_failed_with_the_provider_code(
    face: Face, outcome: str, code: str, on_page: bool
) -> None:
    started = await face.start()
    if on_page:
        query = await face.choose(started, outcome)
        assert await face.adapter.parse_callback(query, {}) == started.provider_ref
    else:
        assert await face.reference.complete(started.provider_ref, outcome=outcome)

    result = await face.adapter.fetch_result(started.provider_ref)

    assert result.status is FaceStatus.FAILED
    assert result.error_code == code
    assert result.error_message
    if outcome in ("mismatch", "low_score"):
        assert result.similarity is not None and result.similarity < 70.0
    else:
        assert result.similarity is None


async def test_an_unfinished_check_is_pending(face: Face) -> None:
    started = await face.start()
    await face.open_page(started)  # looking at the page finishes nothing

    result = await face.adapter.fetch_result(started.provider_ref)

    assert result.status is FaceStatus.PENDING
    assert result.error_code is None and result.similarity is None
    assert result.id_number is None and result.name is None


async def test_a_check_not_finished_within_its_validity_expires(face: Face) -> None:
    started = await face.start()
    face.clock.advance(VALIDITY - 1)
    assert (await face.adapter.fetch_result(started.provider_ref)).status is FaceStatus.PENDING

    face.clock.advance(1)
    result = await face.adapter.fetch_result(started.provider_ref)

    assert result.status is FaceStatus.EXPIRED and result.error_code == "15"
    # Too late to finish it, in the browser or otherwise.
    assert not await face.reference.complete(started.provider_ref)
    await face.choose(started, "pass")
    assert (await face.adapter.fetch_result(started.provider_ref)).status is FaceStatus.EXPIRED


async def test_a_finished_result_outlives_the_token_validity(face: Face) -> None:
    started = await face.start()
    await face.reference.complete(started.provider_ref)
    face.clock.advance(VALIDITY * 3)

    assert (await face.adapter.fetch_result(started.provider_ref)).status is FaceStatus.PASSED


async def test_results_can_be_fetched_repeatedly_and_the_first_outcome_stands(
    face: Face,
) -> None:
    started = await face.start()
    assert await face.reference.complete(started.provider_ref, outcome="liveness")
    assert not await face.reference.complete(started.provider_ref, outcome="pass")
    await face.choose(started, "pass")  # a second go on the page changes nothing

    first = await face.adapter.fetch_result(started.provider_ref)
    second = await face.adapter.fetch_result(started.provider_ref)

    assert first == second
    assert first.status is FaceStatus.FAILED and first.error_code == "1002"


async def test_a_provider_vouching_for_another_person_reports_that_id_number(
    face: Face,
) -> None:
    """The caller compares the verified ID number with its subject; the adapter reports it."""
    started = await face.start()
    await face.reference.complete(started.provider_ref, id_number=OTHER_ID_NUMBER)

    result = await face.adapter.fetch_result(started.provider_ref)

    assert result.status is FaceStatus.PASSED
    assert result.id_number == OTHER_ID_NUMBER != SUBJECT.id_number


async def test_results_are_pulled_as_text_only(face: Face) -> None:
    started = await face.start()
    await face.reference.complete(started.provider_ref)
    await face.adapter.fetch_result(started.provider_ref)

    (sent,) = face.transport.sent("GetDetectInfoEnhanced")
    assert sent == {"BizToken": started.provider_ref, "RuleId": "1", "InfoType": "1"}


async def test_two_processes_sharing_redis_see_the_same_check(
    face_redis: Redis, prefix: str, clock: Clock
) -> None:
    """Each process has its own adapter and reference app; they share the keys and Redis."""
    here = make_face(face_redis, prefix=prefix, clock=clock)
    there = make_face(face_redis, prefix=prefix, clock=clock)
    try:
        started = await here.start()
        page = await there.open_page(started)
        assert page.status_code == 200

        query = await there.choose(started, "pass")
        assert await here.adapter.parse_callback(query, {}) == started.provider_ref
        results: list[FaceResult] = [
            await face.adapter.fetch_result(started.provider_ref) for face in (here, there)
        ]

        assert [r.status for r in results] == [FaceStatus.PASSED, FaceStatus.PASSED]
        assert results[0].similarity == results[1].similarity
    finally:
        await here.aclose()
        await there.aclose()


async def test_no_name_or_id_number_reaches_the_logs(face: Face, leaks: LeakGuard) -> None:
    """Passes, failures, refusals and provider errors all log; none of them the subject."""
    started = await face.start()
    await face.open_page(started)
    query = await face.choose(started, "mismatch")
    assert await face.adapter.parse_callback(query, {}) is not None
    assert await face.adapter.parse_callback({**query, "newSign": "0" * 64}, {}) is None
    failed = await face.adapter.fetch_result(started.provider_ref)
    assert failed.status is FaceStatus.FAILED

    again = await face.start(flow_id="flow-0002")
    await face.reference.complete(again.provider_ref)
    passed = await face.adapter.fetch_result(again.provider_ref)
    assert passed.status is FaceStatus.PASSED
    # Printing results and subjects (a debug line, a traceback) shows masked values only.
    for shown in (repr(passed), repr(failed), repr(SUBJECT), str(passed)):
        assert SUBJECT.id_number not in shown and SUBJECT.name not in shown
    wrong = face.adapter_with(secret_key="not-the-key")
    with pytest.raises(Exception) as refused:
        await wrong.start(flow_id="flow-0003", subject=SUBJECT, return_url=CALLBACK_URL)
    assert SUBJECT.id_number not in str(refused.value) + repr(refused.value)

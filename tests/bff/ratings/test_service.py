from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bff.calendar.calendar import WorkingCalendar
from bff.cases.models import Case
from bff.catalogue.models import Department
from bff.errors import ErrorCode
from bff.ratings.models import (
    AppealStatus,
    CitizenResponse,
    Indicator,
    Rating,
    RectificationTicket,
    TicketStatus,
)
from bff.ratings.service import RatingError, RatingErrorCode, RatingService
from tests.bff.ratings.support import CITIZEN, RELATIVE, STRANGER, add_case

CHINA = timezone(timedelta(hours=8))


def china(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


@pytest.fixture
def service(session: AsyncSession, calendar: WorkingCalendar) -> RatingService:
    return RatingService(session, calendar=calendar)


@pytest.fixture
async def case(session: AsyncSession, department: Department) -> Case:
    return await add_case(
        session, "case-1", department_id=department.id, concluded_on=date(2025, 9, 26)
    )


async def rate(
    service: RatingService, case: Case, grade: int, *, now: datetime | None = None, **kw: Any
) -> Rating:
    args: dict[str, Any] = {
        "rater_id": CITIZEN,
        "on_behalf_of_id": None,
        "scores": {},
        "comment": None,
        "now": now or china(2025, 9, 30, 10),
    }
    args.update(kw)
    return await service.rate(case=case, grade=grade, **args)


def reason(error: pytest.ExceptionInfo[RatingError]) -> RatingErrorCode:
    assert error.value.code is ErrorCode.INVALID_ARGUMENT
    assert error.value.extra["reason"] == error.value.reason.value
    return error.value.reason


async def bad_ticket(service: RatingService, case: Case) -> RectificationTicket:
    await rate(service, case, 2, comment="窗口让我跑了三次")
    ticket = await service.ticket_for_case(case.id)
    assert ticket is not None
    return ticket


# --- rating ---------------------------------------------------------------------------------


async def test_rating_stores_grade_scores_comment_and_rater(
    service: RatingService, case: Case
) -> None:
    rating = await rate(
        service,
        case,
        5,
        scores={"efficiency": 5, "guide_accuracy": 4},
        comment="  办得很快  ",
    )

    assert rating.grade == 5
    assert rating.scores == {Indicator.EFFICIENCY: 5, Indicator.GUIDE_ACCURACY: 4}
    assert rating.comment == "办得很快"
    assert (rating.rated_by_id, rating.on_behalf_of_id) == (CITIZEN, None)
    assert rating.channel == "online"
    assert rating.appeal_status == AppealStatus.NONE
    assert rating.counts_in_statistics
    assert await service.rating_for_case(case.id) is rating
    assert await service.ticket_for_case(case.id) is None


async def test_a_proxy_rates_for_the_applicant_and_both_are_recorded(
    service: RatingService, case: Case
) -> None:
    rating = await rate(service, case, 4, rater_id=RELATIVE, on_behalf_of_id=CITIZEN)

    assert (rating.rated_by_id, rating.on_behalf_of_id) == (RELATIVE, CITIZEN)


async def test_a_proxy_cannot_rate_on_behalf_of_someone_who_did_not_apply(
    service: RatingService, case: Case
) -> None:
    with pytest.raises(RatingError) as error:
        await rate(service, case, 4, rater_id=RELATIVE, on_behalf_of_id=STRANGER)

    assert reason(error) is RatingErrorCode.NOT_THE_APPLICANT


@pytest.mark.parametrize(
    ("status", "concluded_on"),
    [
        ("processing", None),
        ("accepted", None),
        ("supplement", None),
        ("withdrawn", date(2025, 9, 26)),
        ("not_accepted", date(2025, 9, 26)),
        ("approved", None),  # a conclusion without its day is not a conclusion yet
    ],
)
async def test_rating_is_refused_before_the_case_is_concluded(
    service: RatingService,
    session: AsyncSession,
    department: Department,
    status: str,
    concluded_on: date | None,
) -> None:
    case = await add_case(
        session, "open-case", department_id=department.id, status=status, concluded_on=concluded_on
    )

    with pytest.raises(RatingError) as error:
        await rate(service, case, 5)

    assert reason(error) is RatingErrorCode.NOT_CONCLUDED
    assert str(error.value) == "A case can be rated once it is concluded."


@pytest.mark.parametrize("status", ["approved", "denied", "delivered"])
async def test_every_concluded_status_can_be_rated(
    service: RatingService, session: AsyncSession, department: Department, status: str
) -> None:
    case = await add_case(session, f"c-{status}", department_id=department.id, status=status)

    assert (await rate(service, case, 3)).grade == 3


async def test_the_window_ends_on_its_last_day_in_china_time(
    service: RatingService, session: AsyncSession, department: Department
) -> None:
    concluded = date(2025, 6, 3)  # + 30 days = 2025-07-03
    last_day = await add_case(session, "in", department_id=department.id, concluded_on=concluded)
    day_after = await add_case(session, "out", department_id=department.id, concluded_on=concluded)

    assert await rate(service, last_day, 5, now=china(2025, 7, 3, 23, 59))
    # 2025-07-03 16:10 UTC is already 2025-07-04 in China.
    with pytest.raises(RatingError) as error:
        await rate(service, day_after, 5, now=datetime(2025, 7, 3, 16, 10, tzinfo=UTC))

    assert reason(error) is RatingErrorCode.RATING_WINDOW_CLOSED
    assert error.value.params == {"closed_on": "2025-07-03"}


async def test_the_rating_window_is_configurable(
    session: AsyncSession, calendar: WorkingCalendar, case: Case
) -> None:
    service = RatingService(session, calendar=calendar, rating_window_days=3)

    with pytest.raises(RatingError) as error:
        await rate(service, case, 5, now=china(2025, 9, 30, 9))  # concluded 09-26, + 3 = 09-29

    assert reason(error) is RatingErrorCode.RATING_WINDOW_CLOSED


async def test_a_case_is_rated_only_once(service: RatingService, case: Case) -> None:
    await rate(service, case, 2)

    with pytest.raises(RatingError) as error:
        await rate(service, case, 5, rater_id=RELATIVE, on_behalf_of_id=CITIZEN)

    assert reason(error) is RatingErrorCode.ALREADY_RATED
    assert error.value.msgid == "This case has already been rated."
    rating = await service.rating_for_case(case.id)
    assert rating is not None and rating.grade == 2


async def test_a_rating_is_undone_when_the_request_rolls_back(
    service: RatingService, session: AsyncSession, case: Case
) -> None:
    # The service never commits, not even through a savepoint (on SQLite the first SAVEPOINT
    # opens the transaction and its RELEASE would commit it).
    await session.commit()  # the case and the citizens
    await rate(service, case, 1)

    await session.rollback()

    assert await service.rating_for_case("case-1") is None
    assert await service.ticket_for_case("case-1") is None


@pytest.mark.parametrize("grade", [0, 6, -1, True])
async def test_grades_outside_one_to_five_are_refused(
    service: RatingService, case: Case, grade: int
) -> None:
    with pytest.raises(RatingError) as error:
        await rate(service, case, grade)

    assert reason(error) is RatingErrorCode.INVALID_GRADE
    assert await service.rating_for_case(case.id) is None


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"efficiency": 0}, RatingErrorCode.INVALID_SCORE),
        ({"usability": 6}, RatingErrorCode.INVALID_SCORE),
        ({"convenience": 4.5}, RatingErrorCode.INVALID_SCORE),
        ({"satisfaction": False}, RatingErrorCode.INVALID_SCORE),
        ({"attitude": 5}, RatingErrorCode.UNKNOWN_INDICATOR),  # an offline (hall) indicator
    ],
)
async def test_indicator_scores_are_validated(
    service: RatingService, case: Case, scores: dict[str, Any], expected: RatingErrorCode
) -> None:
    with pytest.raises(RatingError) as error:
        await rate(service, case, 4, scores=scores)

    assert reason(error) is expected


async def test_all_five_online_indicators_may_be_scored(service: RatingService, case: Case) -> None:
    scores = {indicator.value: 1 + n for n, indicator in enumerate(Indicator)}

    rating = await rate(service, case, 4, scores=scores)

    assert {k.value: v for k, v in rating.scores.items()} == scores


async def test_a_comment_longer_than_500_characters_is_refused(
    service: RatingService, case: Case
) -> None:
    with pytest.raises(RatingError) as error:
        await rate(service, case, 4, comment="慢" * 501)

    assert reason(error) is RatingErrorCode.TEXT_TOO_LONG
    assert (await rate(service, case, 4, comment="慢" * 500)).comment == "慢" * 500


async def test_now_without_a_time_zone_is_a_programming_error(
    service: RatingService, case: Case
) -> None:
    with pytest.raises(ValueError, match="time zone"):
        await rate(service, case, 4, now=datetime(2025, 9, 30, 10))


# --- 差评 tickets ----------------------------------------------------------------------------


@pytest.mark.parametrize("grade", [3, 4, 5])
async def test_only_the_bottom_two_grades_open_a_ticket(
    service: RatingService, case: Case, grade: int
) -> None:
    await rate(service, case, grade)

    assert await service.ticket_for_case(case.id) is None


@pytest.mark.parametrize("grade", [1, 2])
async def test_a_bad_rating_before_national_day_is_due_after_the_holiday(
    service: RatingService, case: Case, department: Department, grade: int
) -> None:
    # Rated Tuesday 2025-09-30; 10-01..10-08 are 国庆/中秋; 10-11 (Sat) is a make-up workday:
    # working days 10-09, 10-10, 10-11, 10-13, 10-14.
    rating = await rate(service, case, grade, now=china(2025, 9, 30, 16))
    ticket = await service.ticket_for_case(case.id)

    assert ticket is not None
    assert ticket.rating_id == rating.id
    assert ticket.department_id == department.id
    assert ticket.status == TicketStatus.OPEN
    assert ticket.due_on == date(2025, 10, 14)
    assert ticket.due_provisional is False
    assert [entry["status"] for entry in ticket.timeline] == ["open"]
    assert ticket.rectified_on_time is None


async def test_the_rectification_deadline_is_configurable_up_to_15_working_days(
    session: AsyncSession, calendar: WorkingCalendar, case: Case
) -> None:
    service = RatingService(session, calendar=calendar, rectification_days=15)

    ticket = await bad_ticket(service, case)  # rated 2025-09-30

    assert ticket.due_on == date(2025, 10, 28)
    for days in (0, 16):
        with pytest.raises(ValueError, match="rectification_days"):
            RatingService(session, calendar=calendar, rectification_days=days)


async def test_a_deadline_in_a_year_without_a_published_calendar_is_provisional(
    service: RatingService, session: AsyncSession, department: Department
) -> None:
    case = await add_case(
        session, "new-year", department_id=department.id, concluded_on=date(2026, 12, 28)
    )

    await rate(service, case, 1, now=china(2026, 12, 29, 9))
    ticket = await service.ticket_for_case(case.id)

    assert ticket is not None and ticket.due_provisional is True


async def test_a_ticket_runs_from_verification_to_the_citizens_answer(
    service: RatingService, session: AsyncSession, case: Case
) -> None:
    ticket = await bad_ticket(service, case)

    await service.start_verification(ticket, note="已电话回访申请人", now=china(2025, 10, 9, 9))
    await service.start_rectification(ticket, note=None, now=china(2025, 10, 9, 15))
    await service.give_feedback(
        ticket, note="已简化材料清单并告知申请人", now=china(2025, 10, 13, 11)
    )
    await service.respond(ticket, response="basically_satisfied", now=china(2025, 10, 14, 8))

    session.expire_all()  # read back what was written
    stored = await service.ticket_for_case("case-1")
    assert stored is not None
    assert stored.status == TicketStatus.CONFIRMED
    assert stored.completed_on == date(2025, 10, 13)
    assert stored.rectified_on_time is True
    assert stored.citizen_response == CitizenResponse.BASICALLY_SATISFIED
    assert stored.responded_at is not None
    assert [(e["status"], e["note"]) for e in stored.timeline] == [
        ("open", None),
        ("verifying", "已电话回访申请人"),
        ("rectifying", None),
        ("feedback", "已简化材料清单并告知申请人"),
        ("confirmed", "basically_satisfied"),
    ]
    assert stored.timeline[1]["at"] == "2025-10-09T01:00:00+00:00"


async def test_feedback_after_the_due_day_is_not_on_time(
    service: RatingService, case: Case
) -> None:
    ticket = await bad_ticket(service, case)  # due 2025-10-14
    await service.start_verification(ticket, note=None, now=china(2025, 10, 9, 9))
    await service.start_rectification(ticket, note=None, now=china(2025, 10, 9, 10))

    # 00:30 on 10-15 in China is still 10-14 in UTC: the China day counts.
    await service.give_feedback(ticket, note="已整改", now=china(2025, 10, 15, 0, 30))

    assert ticket.completed_on == date(2025, 10, 15)
    assert ticket.rectified_on_time is False


async def test_transitions_out_of_order_are_refused(service: RatingService, case: Case) -> None:
    ticket = await bad_ticket(service, case)
    now = china(2025, 10, 9, 9)

    for skip in (
        service.start_rectification(ticket, note=None, now=now),
        service.give_feedback(ticket, note="已整改", now=now),
        service.respond(ticket, response="satisfied", now=now),
    ):
        with pytest.raises(RatingError) as error:
            await skip
        assert reason(error) is RatingErrorCode.INVALID_TRANSITION

    await service.start_verification(ticket, note=None, now=now)
    with pytest.raises(RatingError) as error:
        await service.start_verification(ticket, note=None, now=now)
    assert reason(error) is RatingErrorCode.INVALID_TRANSITION
    assert error.value.params == {"status": "verifying", "target": "verifying"}

    await service.start_rectification(ticket, note=None, now=now)
    with pytest.raises(RatingError) as error:
        await service.respond(ticket, response="satisfied", now=now)
    assert reason(error) is RatingErrorCode.INVALID_TRANSITION

    await service.give_feedback(ticket, note="已整改", now=now)
    await service.respond(ticket, response=CitizenResponse.UNSATISFIED, now=now)
    with pytest.raises(RatingError) as error:
        await service.respond(ticket, response="satisfied", now=now)
    assert reason(error) is RatingErrorCode.INVALID_TRANSITION
    assert ticket.citizen_response == "unsatisfied"
    assert len(ticket.timeline) == 5


async def test_feedback_needs_a_note_and_the_answer_must_be_one_of_three(
    service: RatingService, case: Case
) -> None:
    ticket = await bad_ticket(service, case)
    now = china(2025, 10, 9, 9)
    await service.start_verification(ticket, note=None, now=now)
    await service.start_rectification(ticket, note=None, now=now)

    with pytest.raises(RatingError) as error:
        await service.give_feedback(ticket, note="   ", now=now)
    assert reason(error) is RatingErrorCode.TEXT_REQUIRED
    with pytest.raises(RatingError) as error:
        await service.give_feedback(ticket, note="改" * 501, now=now)
    assert reason(error) is RatingErrorCode.TEXT_TOO_LONG
    assert ticket.status == TicketStatus.RECTIFYING

    await service.give_feedback(ticket, note="已整改", now=now)
    with pytest.raises(RatingError) as error:
        await service.respond(ticket, response="great", now=now)
    assert reason(error) is RatingErrorCode.INVALID_RESPONSE
    assert ticket.status == TicketStatus.FEEDBACK


# --- appeals --------------------------------------------------------------------------------


async def test_an_upheld_appeal_closes_the_ticket_and_excludes_the_rating(
    service: RatingService, session: AsyncSession, case: Case
) -> None:
    ticket = await bad_ticket(service, case)
    rating = await service.rating_for_case(case.id)
    assert rating is not None
    await service.start_verification(ticket, note="申请人表示误点", now=china(2025, 10, 9, 9))

    await service.appeal(rating, reason="申请人误评，已电话确认", now=china(2025, 10, 9, 10))
    assert rating.appeal_status == AppealStatus.PENDING
    assert ticket.status == TicketStatus.VERIFYING  # the deadline keeps running meanwhile
    await service.review_appeal(rating, upheld=True, note="情况属实", now=china(2025, 10, 10, 9))

    session.expire_all()  # read back what was written
    rating = await service.rating_for_case("case-1")
    stored = await service.ticket_for_case("case-1")
    assert rating is not None and stored is not None
    ticket = stored
    assert rating.appeal_status == AppealStatus.UPHELD
    assert rating.appeal_reason == "申请人误评，已电话确认"
    assert rating.review_note == "情况属实"
    assert rating.appealed_at is not None and rating.reviewed_at is not None
    assert not rating.counts_in_statistics
    assert ticket.status == TicketStatus.CLOSED_BY_APPEAL
    assert [e["status"] for e in ticket.timeline][-1] == "closed_by_appeal"
    with pytest.raises(RatingError) as error:
        await service.start_rectification(ticket, note=None, now=china(2025, 10, 10, 10))
    assert reason(error) is RatingErrorCode.INVALID_TRANSITION


async def test_a_rejected_appeal_leaves_the_rating_and_ticket_standing(
    service: RatingService, case: Case
) -> None:
    ticket = await bad_ticket(service, case)
    rating = await service.rating_for_case(case.id)
    assert rating is not None

    await service.appeal(rating, reason="我们认为办理无误", now=china(2025, 10, 9, 10))
    await service.review_appeal(rating, upheld=False, note=None, now=china(2025, 10, 10, 9))

    assert rating.appeal_status == AppealStatus.REJECTED
    assert rating.counts_in_statistics
    assert ticket.status == TicketStatus.OPEN
    with pytest.raises(RatingError) as error:
        await service.appeal(rating, reason="再次申诉", now=china(2025, 10, 11, 10))
    assert reason(error) is RatingErrorCode.APPEAL_NOT_ALLOWED
    with pytest.raises(RatingError) as error:
        await service.review_appeal(rating, upheld=True, note=None, now=china(2025, 10, 11, 10))
    assert reason(error) is RatingErrorCode.NO_PENDING_APPEAL


async def test_only_a_bad_rating_can_be_appealed_and_only_with_a_reason(
    service: RatingService, session: AsyncSession, department: Department, case: Case
) -> None:
    good = await rate(service, case, 4)
    bad_case = await add_case(session, "bad", department_id=department.id)
    bad = await rate(service, bad_case, 1)
    now = china(2025, 10, 9, 10)

    with pytest.raises(RatingError) as error:
        await service.appeal(good, reason="不应计入", now=now)
    assert reason(error) is RatingErrorCode.APPEAL_NOT_ALLOWED
    with pytest.raises(RatingError) as error:
        await service.appeal(bad, reason=" ", now=now)
    assert reason(error) is RatingErrorCode.TEXT_REQUIRED
    assert bad.appeal_status == AppealStatus.NONE


# --- batch reads ----------------------------------------------------------------------------


async def test_batch_reads_return_only_the_cases_that_have_one(
    service: RatingService, session: AsyncSession, department: Department
) -> None:
    good = await add_case(session, "good", department_id=department.id)
    bad = await add_case(session, "bad", department_id=department.id)
    unrated = await add_case(session, "unrated", department_id=department.id)
    await rate(service, good, 5)
    await rate(service, bad, 1)
    ids = [good.id, bad.id, unrated.id, "no-such-case"]

    ratings = await service.ratings_for_cases(ids)
    tickets = await service.tickets_for_cases(ids)

    assert {k: v.grade for k, v in ratings.items()} == {"good": 5, "bad": 1}
    assert list(tickets) == ["bad"]
    assert await service.ratings_for_cases([]) == {}
    assert await service.tickets_for_cases([]) == {}

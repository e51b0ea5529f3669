"""电子监察 ranking on a small hand-made September 2025.

Working days in September 2025: Mon–Fri, plus Sunday 09-28 (国庆调休); 10-01..10-08 are off.

| dept | concluded cases (accepted → concluded, deadline, paused)   | ratings in Sep (grade)     | tickets due in Sep   |
|------|------------------------------------------------------------|----------------------------|----------------------|
| A01  | 09-01→09-05 ≤09-10 (4 wd); 09-01→09-12 >09-10, 2 paused    | 5, 1, 4 (a 2 appealed,     | 1, feedback on time; |
|      | (9−2 = 7 wd); 09-22→09-30 ≤09-30 (7 wd, 09-28 counts)      | upheld: excluded)          | 1 closed by appeal   |
| B01  | 09-01→09-03 (2); 09-01→09-04 (3); 09-22→09-24 (2), on time | 2, 5, 1                    | 1 late (09-12 > 09-11)|
| C01  | none                                                       | none                       | none                 |
| D01  | none (its cases concluded in August)                       | 2 (a 5 at 00:30 on 10-01)  | 1 with no feedback   |
| E01, E02 | one on-time case each (1 wd)                           | none                       | none                 |
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bff.calendar.calendar import WorkingCalendar
from bff.cases.models import Case
from bff.ratings.service import RatingService
from bff.ratings.supervision import DepartmentScore, composite_score, department_ranking
from tests.bff.ratings.support import CITIZEN, add_case, add_department

CHINA = timezone(timedelta(hours=8))
SEPTEMBER = {"start": date(2025, 9, 1), "end": date(2025, 9, 30)}


def china(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


def d(month: int, day: int) -> date:
    return date(2025, month, day)


@pytest.fixture
async def september(session: AsyncSession, calendar: WorkingCalendar) -> None:
    service = RatingService(session, calendar=calendar, rating_window_days=60)
    a = (await add_department(session, code="A01", name="市公安局")).id
    b = (await add_department(session, code="B01", name="市人社局")).id
    await add_department(session, code="C01", name="市民政局")
    dd = (await add_department(session, code="D01", name="市医保局")).id
    # Created in reverse code order, so the order of the result is not the insertion order.
    e2 = (await add_department(session, code="E02", name="市税务局")).id
    e1 = (await add_department(session, code="E01", name="市住建局")).id

    async def rate(case: Case, grade: int, at: datetime) -> None:
        await service.rate(
            case=case,
            rater_id=CITIZEN,
            on_behalf_of_id=None,
            grade=grade,
            scores={},
            comment=None,
            now=at,
        )

    async def feedback(case: Case, at: datetime) -> None:
        ticket = await service.ticket_for_case(case.id)
        assert ticket is not None
        await service.start_verification(ticket, note=None, now=at)
        await service.start_rectification(ticket, note=None, now=at)
        await service.give_feedback(ticket, note="已整改", now=at)

    # A01
    a0 = await add_case(session, "a0", department_id=a, concluded_on=d(8, 20), deadline=d(8, 29))
    a1 = await add_case(
        session, "a1", department_id=a, accepted_on=d(9, 1), concluded_on=d(9, 5), deadline=d(9, 10)
    )
    a2 = await add_case(
        session,
        "a2",
        department_id=a,
        accepted_on=d(9, 1),
        concluded_on=d(9, 12),
        deadline=d(9, 10),
        paused_working_days=2,
    )
    a3 = await add_case(
        session,
        "a3",
        department_id=a,
        accepted_on=d(9, 22),
        concluded_on=d(9, 30),
        deadline=d(9, 30),
    )
    await add_case(session, "a4", department_id=a, concluded_on=d(10, 2))  # after the period
    await add_case(session, "a5", department_id=a, status="processing", concluded_on=None)
    await rate(a0, 2, china(2025, 9, 2, 10))  # ticket due 09-09, then appeal upheld
    rating = await service.rating_for_case("a0")
    assert rating is not None
    await service.appeal(rating, reason="误评", now=china(2025, 9, 3, 10))
    await service.review_appeal(rating, upheld=True, note=None, now=china(2025, 9, 4, 10))
    await rate(a1, 5, china(2025, 9, 6, 10))
    await rate(a2, 1, china(2025, 9, 13, 10))  # Saturday: due Friday 09-19
    await feedback(a2, china(2025, 9, 18, 17))
    await rate(a3, 4, china(2025, 9, 30, 23, 30))  # still September in China

    # B01
    b1 = await add_case(
        session, "b1", department_id=b, accepted_on=d(9, 1), concluded_on=d(9, 3), deadline=d(9, 5)
    )
    b2 = await add_case(
        session, "b2", department_id=b, accepted_on=d(9, 1), concluded_on=d(9, 4), deadline=d(9, 5)
    )
    b3 = await add_case(
        session,
        "b3",
        department_id=b,
        accepted_on=d(9, 22),
        concluded_on=d(9, 24),
        deadline=d(9, 26),
    )
    await rate(b1, 2, china(2025, 9, 4, 10))  # due 09-11
    await feedback(b1, china(2025, 9, 12, 9))  # a day late
    await rate(b2, 5, china(2025, 9, 5, 10))
    await rate(b3, 1, china(2025, 9, 25, 10))  # due 10-09: not in September's tickets

    # D01: ratings in September of cases concluded in August
    d1 = await add_case(session, "d1", department_id=dd, concluded_on=d(8, 25), deadline=d(8, 29))
    d2 = await add_case(session, "d2", department_id=dd, concluded_on=d(8, 25), deadline=d(8, 29))
    await rate(d1, 2, china(2025, 9, 1, 10))  # due 09-08, never answered
    await rate(d2, 5, china(2025, 10, 1, 0, 30))  # October in China, 09-30 in UTC

    # E01, E02: one on-time case each
    for case_id, department_id in (("e1", e1), ("e2", e2)):
        await add_case(
            session,
            case_id,
            department_id=department_id,
            accepted_on=d(9, 1),
            concluded_on=d(9, 2),
            deadline=d(9, 3),
        )


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def ranking(
    session: AsyncSession, calendar: WorkingCalendar, today: date = date(2025, 10, 20)
) -> dict[str, DepartmentScore]:
    result = await department_ranking(session, calendar=calendar, today=today, **SEPTEMBER)
    return {score.department_code: score for score in result}


@pytest.mark.usefixtures("september")
async def test_ranking_orders_departments_by_composite_score_with_no_data_last(
    session: AsyncSession, calendar: WorkingCalendar, statements: list[str]
) -> None:
    result = await department_ranking(session, calendar=calendar, today=d(10, 20), **SEPTEMBER)

    assert len(statements) == 4  # departments, cases, ratings, tickets: no per-case queries
    assert [(s.department_code, s.rank) for s in result] == [
        ("E01", 1),  # on time only: 1.0; tie with E02 broken by code
        ("E02", 2),
        ("A01", 3),
        ("B01", 4),
        ("D01", 5),  # no case concluded in the period: after every department with one
        ("C01", None),  # nothing to measure: listed, never ranked
    ]
    a_score = 0.4 * 2 / 3 + 0.4 * 2 / 3 + 0.2 * 1
    b_score = 0.4 * 1 + 0.4 * 1 / 3 + 0.2 * 0
    assert [s.score for s in result[:-1]] == pytest.approx([1.0, 1.0, a_score, b_score, 0.0])
    assert result[-1].score is None


@pytest.mark.usefixtures("september")
async def test_on_time_rate_and_average_working_days(
    session: AsyncSession, calendar: WorkingCalendar
) -> None:
    scores = await ranking(session, calendar)

    a, b, e1 = scores["A01"], scores["B01"], scores["E01"]
    assert (a.concluded, a.on_time, a.on_time_rate) == pytest.approx((3, 2, 2 / 3))
    assert a.average_working_days == pytest.approx((4 + (9 - 2) + 7) / 3)
    assert (b.concluded, b.on_time, b.on_time_rate) == (3, 3, 1.0)
    assert b.average_working_days == pytest.approx((2 + 3 + 2) / 3)
    assert (e1.concluded, e1.on_time_rate, e1.average_working_days) == (1, 1.0, 1.0)


@pytest.mark.usefixtures("september")
async def test_satisfaction_excludes_ratings_whose_appeal_was_upheld(
    session: AsyncSession, calendar: WorkingCalendar
) -> None:
    scores = await ranking(session, calendar)

    a, b, dd = scores["A01"], scores["B01"], scores["D01"]
    assert (a.ratings, a.satisfaction_rate, a.average_grade) == pytest.approx((3, 2 / 3, 10 / 3))
    assert (b.ratings, b.satisfaction_rate, b.average_grade) == pytest.approx((3, 1 / 3, 8 / 3))
    assert (dd.ratings, dd.satisfaction_rate, dd.average_grade) == (1, 0.0, 2.0)


@pytest.mark.usefixtures("september")
async def test_rectification_counts_tickets_due_in_the_period(
    session: AsyncSession, calendar: WorkingCalendar
) -> None:
    scores = await ranking(session, calendar)

    a, b, dd = scores["A01"], scores["B01"], scores["D01"]
    assert (a.tickets, a.tickets_on_time, a.rectification_on_time_rate) == (1, 1, 1.0)
    assert (b.tickets, b.tickets_on_time, b.rectification_on_time_rate) == (1, 0, 0.0)
    assert (dd.tickets, dd.tickets_on_time, dd.rectification_on_time_rate) == (1, 0, 0.0)


@pytest.mark.usefixtures("september")
async def test_a_running_ticket_counts_only_once_its_due_day_has_passed(
    session: AsyncSession, calendar: WorkingCalendar
) -> None:
    on_due_day = (await ranking(session, calendar, today=d(9, 8)))["D01"]
    day_after = (await ranking(session, calendar, today=d(9, 9)))["D01"]

    assert (on_due_day.tickets, on_due_day.rectification_on_time_rate) == (0, None)
    assert (day_after.tickets, day_after.rectification_on_time_rate) == (1, 0.0)


@pytest.mark.usefixtures("september")
async def test_a_department_with_nothing_to_measure_has_no_rates(
    session: AsyncSession, calendar: WorkingCalendar
) -> None:
    c = (await ranking(session, calendar))["C01"]

    assert c == DepartmentScore(
        department_id=c.department_id,
        department_code="C01",
        department_name="市民政局",
        concluded=0,
        on_time=0,
        on_time_rate=None,
        average_working_days=None,
        ratings=0,
        satisfaction_rate=None,
        average_grade=None,
        tickets=0,
        tickets_on_time=0,
        rectification_on_time_rate=None,
        score=None,
        rank=None,
    )


async def test_an_empty_period_lists_every_department_unranked(
    session: AsyncSession, calendar: WorkingCalendar
) -> None:
    for code in ("Z9", "Z1"):
        await add_department(session, code=code, name=code)

    result = await department_ranking(session, calendar=calendar, today=d(10, 20), **SEPTEMBER)

    assert [s.department_code for s in result] == ["Z1", "Z9"]
    assert all(s.rank is None and s.score is None for s in result)


def test_the_composite_score_reweighs_the_measures_there_are() -> None:
    assert composite_score(1.0, 0.5, 0.0) == pytest.approx(0.4 + 0.2)
    assert composite_score(None, 0.5, 1.0) == pytest.approx((0.4 * 0.5 + 0.2) / 0.6)
    assert composite_score(0.25, None, None) == pytest.approx(0.25)
    assert composite_score(None, None, None) is None


async def test_a_period_ending_before_it_starts_is_refused(
    session: AsyncSession, calendar: WorkingCalendar
) -> None:
    with pytest.raises(ValueError, match="period"):
        await department_ranking(
            session, calendar=calendar, start=d(9, 30), end=d(9, 1), today=d(10, 1)
        )

"""The working-day calendar and case deadlines, on the official schedules.

Dates are those of the State Council notices as chinese-calendar 1.11.0 records them:
- 2026 春节: 2026-02-15 (Sun) … 02-23 (Mon) off; Saturdays 02-14 and 02-28 are working days.
- 2025 国庆节/中秋: 2025-10-01 … 10-08 off; Sunday 09-28 and Saturday 10-11 are working days.
- 2026 清明: 2026-04-04 (Sat) … 04-06 (Mon) off.
Nothing is known about 2027 (chinese-calendar raises NotImplementedError for it).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from bff.calendar.calendar import (
    Deadline,
    ScheduleError,
    WorkingCalendar,
    YearSchedule,
    parse_schedule,
    promised_deadline,
    remaining_working_days,
    schedule_to_dict,
)
from bff.calendar.models import CalendarDay
from bff.calendar.repository import load_calendar, store_schedule

CAL = WorkingCalendar.bundled()

# A made-up 2027 schedule, standing in for the notice published in November 2026.
SCHEDULE_2027 = YearSchedule(
    year=2027,
    holidays={date(2027, 1, 1): "元旦", date(2027, 1, 2): "元旦", date(2027, 1, 3): "元旦"},
    workdays={},
    source="test: made-up 2027 schedule",
)


def schedule_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "year": 2027,
        "source": "国办发明电〔2026〕N号 (made up)",
        "holidays": {"2027-01-01": "元旦", "2027-02-06": "春节", "2027-02-08": "春节"},
        "workdays": {"2027-02-13": "春节调休"},
    }
    data.update(overrides)
    return data


# --- the bundled data ---------------------------------------------------------------------


def test_bundled_years_are_2020_to_2026() -> None:
    assert CAL.known_years == frozenset(range(2020, 2027))
    assert CAL.is_known(date(2026, 12, 31))
    assert not CAL.is_known(date(2027, 1, 1))
    assert not CAL.is_known(date(2019, 12, 31))


def test_bundled_holiday_names() -> None:
    assert CAL.holiday_name(date(2026, 2, 17)) == "春节"
    assert CAL.holiday_name(date(2025, 10, 6)) == "中秋"
    assert CAL.holiday_name(date(2025, 10, 8)) == "国庆节"
    assert CAL.holiday_name(date(2026, 2, 24)) is None
    assert CAL.holiday_name(date(2027, 1, 1)) is None  # unknown year


def test_bundled_data_matches_chinese_calendar() -> None:
    """The JSON files say what the package says, day by day (when the package is installed)."""
    chinese_calendar = pytest.importorskip("chinese_calendar")
    day = date(2020, 1, 1)
    while day.year <= 2026:
        assert CAL.is_working_day(day) == (chinese_calendar.is_workday(day), False), day
        day += timedelta(days=1)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_bundled_files_round_trip_through_the_generator_shape() -> None:
    schedule = CAL.schedule(2026)
    assert schedule is not None
    assert schedule.source.startswith("chinese-calendar 1.11.0")
    assert parse_schedule(schedule_to_dict(schedule)) == schedule


# --- working days -------------------------------------------------------------------------


def test_make_up_saturdays_are_working_days() -> None:
    assert CAL.is_working_day(date(2026, 2, 14)) == (True, False)  # Saturday, 春节调休
    assert CAL.is_working_day(date(2026, 2, 28)) == (True, False)  # Saturday, 春节调休
    assert CAL.is_working_day(date(2025, 10, 11)) == (True, False)  # Saturday, 国庆节调休
    assert CAL.is_working_day(date(2025, 9, 28)) == (True, False)  # Sunday, 国庆节调休
    assert CAL.is_working_day(date(2026, 3, 7)) == (False, False)  # an ordinary Saturday
    # Fri 2026-02-27 → Mon 03-02: the make-up Saturday and the Monday.
    assert CAL.working_days_between(date(2026, 2, 27), date(2026, 3, 2)) == (2, False)


def test_holiday_weekdays_are_not_working_days() -> None:
    assert CAL.is_working_day(date(2026, 2, 23)) == (False, False)  # Monday in 春节
    assert CAL.is_working_day(date(2025, 10, 8)) == (False, False)  # Wednesday in 国庆节
    assert CAL.is_working_day(date(2026, 2, 24)) == (True, False)


def test_working_days_between_is_half_open_and_signed() -> None:
    # (Thu 02-12, Thu 02-26]: Fri 13, Sat 14 (调休), Tue 24, Wed 25, Thu 26.
    assert CAL.working_days_between(date(2026, 2, 12), date(2026, 2, 26)) == (5, False)
    assert CAL.working_days_between(date(2026, 2, 26), date(2026, 2, 12)) == (-5, False)
    assert CAL.working_days_between(date(2026, 2, 12), date(2026, 2, 12)) == (0, False)


# --- deadlines ----------------------------------------------------------------------------


def test_deadline_across_the_2026_spring_festival() -> None:
    # Accepted Thu 02-12, 5 working days: Fri 13, Sat 14 (调休), then 15–23 off, Tue 24,
    # Wed 25, Thu 26. On weekdays alone it would have been Thu 02-19, inside the holiday.
    deadline = promised_deadline(CAL, accepted_on=date(2026, 2, 12), promised_working_days=5)
    assert deadline == Deadline(day=date(2026, 2, 26), provisional=False)


def test_deadline_across_the_2025_national_day() -> None:
    # Accepted Fri 09-26, 3 working days: Sun 28 (调休), Mon 29, Tue 30.
    assert CAL.add_working_days(date(2025, 9, 26), 3) == Deadline(date(2025, 9, 30), False)
    # Accepted Tue 09-30, 3 working days: 10-01…08 off, Thu 09, Fri 10, Sat 11 (调休).
    assert CAL.add_working_days(date(2025, 9, 30), 3) == Deadline(date(2025, 10, 11), False)
    # 20 working days from Thu 2025-09-18: Fri 19, 22–26 (5), Sun 28, 29, 30 (9 so far),
    # then after the holiday 09, 10, Sat 11, 13–17 (5), 20, 21, 22 → Wed 10-22.
    assert CAL.add_working_days(date(2025, 9, 18), 20) == Deadline(date(2025, 10, 22), False)


def test_deadline_can_fall_on_a_make_up_saturday() -> None:
    # Accepted Thu 2026-02-12, 2 working days: Fri 13, Sat 14.
    assert CAL.add_working_days(date(2026, 2, 12), 2) == Deadline(date(2026, 2, 14), False)


def test_accepted_on_a_friday_before_a_holiday() -> None:
    # Fri 2026-04-03; 清明 04-04…06: the first working day is Tue 04-07.
    assert CAL.add_working_days(date(2026, 4, 3), 1) == Deadline(date(2026, 4, 7), False)
    # Fri 2026-09-25 is itself 中秋 (off through Sun 27), so day 1 is Mon 09-28.
    assert CAL.add_working_days(date(2026, 9, 25), 1) == Deadline(date(2026, 9, 28), False)


def test_accepted_on_a_holiday_counts_from_the_next_working_day() -> None:
    # Accepted online on Sat 2026-10-03 (国庆节): 10-04…07 off, Thu 10-08 is day 1.
    assert CAL.add_working_days(date(2026, 10, 3), 1) == Deadline(date(2026, 10, 8), False)


def test_zero_days_is_the_start_day() -> None:
    assert CAL.add_working_days(date(2026, 2, 17), 0) == Deadline(date(2026, 2, 17), False)
    deadline = promised_deadline(CAL, accepted_on=date(2026, 3, 2), promised_working_days=0)
    assert deadline == Deadline(date(2026, 3, 2), False)


def test_paused_days_extend_the_deadline() -> None:
    # 3 promised + 2 paused from Thu 2026-02-12 = the 5-working-day deadline.
    deadline = promised_deadline(
        CAL, accepted_on=date(2026, 2, 12), promised_working_days=3, paused_working_days=2
    )
    assert deadline == Deadline(date(2026, 2, 26), False)


@pytest.mark.parametrize(
    ("promised", "paused", "message"),
    [
        (-1, 0, "promised_working_days must be zero or more"),
        (5, -2, "paused_working_days must be zero or more"),
        (100_000, 0, "at most"),
    ],
)
def test_invalid_day_counts_are_rejected(promised: int, paused: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        promised_deadline(
            CAL,
            accepted_on=date(2026, 3, 2),
            promised_working_days=promised,
            paused_working_days=paused,
        )


def test_add_working_days_rejects_negative_and_non_integer_days() -> None:
    with pytest.raises(ValueError, match="days must be zero or more working days, got -1"):
        CAL.add_working_days(date(2026, 3, 2), -1)
    with pytest.raises(TypeError):
        CAL.add_working_days(date(2026, 3, 2), True)
    with pytest.raises(TypeError):
        CAL.add_working_days(date(2026, 3, 2), 2.5)  # type: ignore[arg-type]


# --- remaining and overdue ----------------------------------------------------------------


def test_remaining_before_on_and_after_the_deadline() -> None:
    due = date(2026, 2, 26)  # Thu
    assert remaining_working_days(CAL, today=date(2026, 2, 12), deadline=due) == (5, False, False)
    # During the holiday, only the days after it remain: Tue 24, Wed 25, Thu 26.
    assert remaining_working_days(CAL, today=date(2026, 2, 18), deadline=due) == (3, False, False)
    assert remaining_working_days(CAL, today=due, deadline=due) == (0, False, False)
    assert remaining_working_days(CAL, today=date(2026, 2, 27), deadline=due) == (-1, True, False)
    # Sat 02-28 is a make-up working day, so it adds to the delay.
    assert remaining_working_days(CAL, today=date(2026, 2, 28), deadline=due) == (-2, True, False)
    assert remaining_working_days(CAL, today=date(2026, 3, 2), deadline=due) == (-3, True, False)


def test_overdue_over_a_weekend_is_at_least_one_day() -> None:
    due = date(2026, 3, 6)  # Fri
    for today, expected in [
        (date(2026, 3, 7), -1),  # Sat: no working day elapsed, but overdue
        (date(2026, 3, 8), -1),  # Sun
        (date(2026, 3, 9), -1),  # Mon
        (date(2026, 3, 10), -2),  # Tue
    ]:
        assert remaining_working_days(CAL, today=today, deadline=due) == (expected, True, False)


# --- years the calendar does not know -----------------------------------------------------


def test_unknown_year_falls_back_to_weekdays_provisionally() -> None:
    assert CAL.is_working_day(date(2027, 1, 1)) == (True, True)  # a Friday, 元旦 unknown
    assert CAL.is_working_day(date(2027, 1, 2)) == (False, True)  # Saturday
    assert CAL.is_working_day(date(2019, 12, 31)) == (True, True)  # before the bundled years


def test_deadline_running_into_an_unknown_year_is_provisional() -> None:
    accepted = date(2026, 12, 23)  # Wed
    # Thu 24, Fri 25, 28–31 (4) = 6 working days stay in 2026: exact.
    assert CAL.add_working_days(accepted, 6) == Deadline(date(2026, 12, 31), False)
    # 10 days reach 2027, counted on weekdays: Fri 01-01, Mon 04, Tue 05, Wed 06.
    deadline = promised_deadline(CAL, accepted_on=accepted, promised_working_days=10)
    assert deadline == Deadline(date(2027, 1, 6), provisional=True)
    assert remaining_working_days(CAL, today=date(2026, 12, 28), deadline=deadline.day) == (
        7,
        False,
        True,
    )
    assert CAL.working_days_between(date(2026, 12, 1), date(2026, 12, 31))[1] is False


def test_adding_the_2027_schedule_makes_the_deadline_exact() -> None:
    extended = CAL.with_schedule(SCHEDULE_2027)
    assert extended.known_years == CAL.known_years | {2027}
    assert 2027 not in CAL.known_years  # the original calendar is unchanged
    # 元旦 2027-01-01…03 off: Mon 04, Tue 05, Wed 06, Thu 07 complete the 10 days.
    deadline = promised_deadline(extended, accepted_on=date(2026, 12, 23), promised_working_days=10)
    assert deadline == Deadline(date(2027, 1, 7), provisional=False)
    assert extended.holiday_name(date(2027, 1, 1)) == "元旦"
    assert remaining_working_days(extended, today=date(2026, 12, 28), deadline=deadline.day) == (
        7,
        False,
        False,
    )


def test_with_schedule_replaces_a_known_year() -> None:
    # A (fictional) correction: 2026-02-24 added to the Spring Festival.
    corrected = CAL.schedule(2026)
    assert corrected is not None
    holidays = {**corrected.holidays, date(2026, 2, 24): "春节"}
    replaced = CAL.with_schedule(
        YearSchedule(2026, holidays, dict(corrected.workdays), "test correction")
    )
    assert replaced.add_working_days(date(2026, 2, 12), 5) == Deadline(date(2026, 2, 27), False)
    assert CAL.add_working_days(date(2026, 2, 12), 5) == Deadline(date(2026, 2, 26), False)


def test_two_schedules_for_one_year_are_rejected() -> None:
    with pytest.raises(ValueError, match="two schedules for 2027"):
        WorkingCalendar([SCHEDULE_2027, SCHEDULE_2027])


def test_calendar_is_not_changed_by_mutating_a_schedule() -> None:
    schedule = YearSchedule(2027, {date(2027, 1, 1): "元旦"}, {}, "test")
    calendar = WorkingCalendar([schedule])
    schedule.holidays[date(2027, 1, 4)] = "元旦"
    assert calendar.is_working_day(date(2027, 1, 4)) == (True, False)


# --- parse_schedule -----------------------------------------------------------------------


def test_parse_schedule_accepts_a_valid_schedule() -> None:
    schedule = parse_schedule(schedule_json())
    assert schedule.year == 2027
    assert schedule.holidays[date(2027, 2, 6)] == "春节"
    assert schedule.workdays == {date(2027, 2, 13): "春节调休"}
    assert parse_schedule(schedule_to_dict(schedule)) == schedule


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"year": "2027"}, "year must be an integer"),
        ({"year": 2027.0}, "year must be an integer"),
        ({"source": "  "}, "source must name the notice"),
        ({"holidays": {}}, "no holidays"),
        ({"holidays": ["2027-01-01"]}, "holidays must be an object"),
        ({"holidays": {"2027-1-1": "元旦"}}, "'2027-1-1' is not a YYYY-MM-DD date"),
        ({"holidays": {"2027-02-30": "春节"}}, "'2027-02-30' is not a valid date"),
        ({"holidays": {"2026-12-31": "元旦"}}, "holidays: 2026-12-31 is not in 2027"),
        ({"holidays": {"2027-01-01": " "}}, "holidays: 2027-01-01 has an empty name"),
        ({"holidays": {"2027-01-01": None}}, "holidays: 2027-01-01 needs a name string"),
        ({"workdays": {"2027-02-13": ""}}, "workdays: 2027-02-13 has an empty name"),
        ({"workdays": {"2027-02-08": "春节调休"}}, "2027-02-08 is both a holiday and a workday"),
        ({"workdays": {"2027-02-10": "春节调休"}}, "2027-02-10 is a Wednesday"),
        ({"workday": {}}, "unknown keys ['workday']"),
    ],
)
def test_parse_schedule_rejects(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(schedule_json(**overrides))
    assert any(problem in p for p in caught.value.problems), caught.value.problems
    assert isinstance(caught.value, ValueError)


def test_parse_schedule_lists_every_problem() -> None:
    data = schedule_json(
        holidays={"2026-12-31": "元旦", "2027-02-08": ""}, workdays={"2027-02-08": "x"}
    )
    del data["source"]
    with pytest.raises(ValueError) as caught:
        parse_schedule(data)
    message = str(caught.value)
    assert message.startswith("the 2027 calendar schedule is invalid: ")
    for problem in [
        "missing keys ['source']",
        "2026-12-31 is not in 2027",
        "2027-02-08 has an empty name",
        "2027-02-08 is both a holiday and a workday",
    ]:
        assert problem in message


def test_parse_schedule_rejects_a_non_object() -> None:
    with pytest.raises(ScheduleError, match="expected a JSON object, got list"):
        parse_schedule([])  # type: ignore[arg-type]


def test_year_schedule_checks_itself() -> None:
    with pytest.raises(ScheduleError, match="2026-12-31 is not in 2027"):
        YearSchedule(2027, {date(2026, 12, 31): "元旦"}, {}, "test")


# --- the database -------------------------------------------------------------------------


@pytest.fixture
async def session() -> AsyncIterator[AsyncSession]:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:", poolclass=StaticPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(cast(Table, CalendarDay.__table__).create)
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            yield session
    finally:
        await engine.dispose()


async def test_empty_table_gives_the_bundled_calendar(session: AsyncSession) -> None:
    calendar = await load_calendar(session)
    assert calendar.known_years == CAL.known_years


async def test_stored_year_extends_the_calendar(session: AsyncSession) -> None:
    await store_schedule(session, parse_schedule(schedule_json()))
    await session.commit()

    calendar = await load_calendar(session)
    assert calendar.known_years == CAL.known_years | {2027}
    stored = calendar.schedule(2027)
    assert stored == parse_schedule(schedule_json())
    assert calendar.is_working_day(date(2027, 2, 13)) == (True, False)  # Saturday, 调休
    # The made-up schedule has 元旦 on 01-01 only, so Mon 01-04 is day 7 of 10.
    deadline = promised_deadline(calendar, accepted_on=date(2026, 12, 23), promised_working_days=7)
    assert deadline == Deadline(date(2027, 1, 4), provisional=False)


async def test_store_schedule_replaces_the_year(session: AsyncSession) -> None:
    await store_schedule(session, parse_schedule(schedule_json()))
    await session.commit()
    await load_calendar(session)  # rows of the year now sit in the session
    await store_schedule(session, SCHEDULE_2027)
    await session.commit()

    count = await session.scalar(
        select(func.count()).select_from(CalendarDay).where(CalendarDay.year == 2027)
    )
    assert count == 3
    calendar = await load_calendar(session)
    assert calendar.schedule(2027) == SCHEDULE_2027
    assert calendar.is_working_day(date(2027, 2, 13)) == (False, False)  # no longer 调休


async def test_stored_year_overrides_a_bundled_year(session: AsyncSession) -> None:
    bundled = CAL.schedule(2026)
    assert bundled is not None
    holidays = {**bundled.holidays, date(2026, 2, 24): "春节"}
    await store_schedule(
        session, YearSchedule(2026, holidays, dict(bundled.workdays), "city correction")
    )
    await session.commit()

    calendar = await load_calendar(session)
    assert calendar.holiday_name(date(2026, 2, 24)) == "春节"
    assert calendar.add_working_days(date(2026, 2, 12), 5) == Deadline(date(2026, 2, 27), False)
    assert calendar.schedule(2025) == CAL.schedule(2025)


async def test_an_invalid_stored_year_is_skipped_and_logged(
    session: AsyncSession, caplog: pytest.LogCaptureFixture
) -> None:
    # Hand-written rows: a weekday marked as a make-up working day, and no holidays.
    await session.execute(
        insert(CalendarDay).values(
            day=date(2027, 1, 6), kind="workday", name="调休", year=2027, source="by hand"
        )
    )
    await session.commit()

    with caplog.at_level(logging.ERROR, logger="haoban.calendar"):
        calendar = await load_calendar(session)
    assert 2027 not in calendar.known_years
    assert "calendar year 2027 in the database is invalid" in caplog.text

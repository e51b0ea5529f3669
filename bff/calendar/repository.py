"""Calendar years stored in the database, over the bundled ones.

`load_calendar` reads the whole table (a few dozen rows a year) and is meant to be called
once and cached by the caller, e.g. at start-up and after `store_schedule`; the calendar it
returns is immutable and answers without I/O.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bff.calendar.calendar import ScheduleError, WorkingCalendar, YearSchedule, parse_schedule
from bff.calendar.models import CalendarDay, DayKind

__all__ = ["load_calendar", "parse_schedule", "store_schedule"]

log = logging.getLogger("haoban.calendar")


async def load_calendar(session: AsyncSession) -> WorkingCalendar:
    """The bundled years, each replaced or extended by the years stored in `calendar_days`.

    A stored year that no longer validates (a hand-edited row) is logged and skipped, so the
    bundled schedule, or the provisional Mon–Fri rule, applies to it instead of every deadline
    failing.
    """
    rows = (await session.scalars(select(CalendarDay).order_by(CalendarDay.day))).all()
    by_year: defaultdict[int, list[CalendarDay]] = defaultdict(list)
    for row in rows:
        by_year[row.year].append(row)

    calendar = WorkingCalendar.bundled()
    for year, year_rows in sorted(by_year.items()):
        try:
            schedule = _schedule_from_rows(year, year_rows)
        except (ScheduleError, ValueError) as error:
            log.error("calendar year %s in the database is invalid, ignored: %s", year, error)
            continue
        calendar = calendar.with_schedule(schedule)
    return calendar


async def store_schedule(session: AsyncSession, schedule: YearSchedule) -> None:
    """Replace the stored rows of `schedule.year` with `schedule`; the caller commits."""
    await session.execute(delete(CalendarDay).where(CalendarDay.year == schedule.year))
    session.add_all(
        CalendarDay(day=day, kind=kind, name=name, year=schedule.year, source=schedule.source)
        for kind, days in (
            (DayKind.HOLIDAY, schedule.holidays),
            (DayKind.WORKDAY, schedule.workdays),
        )
        for day, name in sorted(days.items())
    )
    await session.flush()


def _schedule_from_rows(year: int, rows: list[CalendarDay]) -> YearSchedule:
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for row in rows:
        if row.kind == DayKind.HOLIDAY:
            holidays[row.day] = row.name
        elif row.kind == DayKind.WORKDAY:
            workdays[row.day] = row.name
        else:
            raise ValueError(f"{row.day} has kind {row.kind!r}")
    source = "; ".join(sorted({row.source for row in rows}))
    return YearSchedule(year=year, holidays=holidays, workdays=workdays, source=source)

"""The official working-day calendar (holidays and 调休) and case deadlines on it."""

from bff.calendar.calendar import (
    Deadline,
    ScheduleError,
    WorkingCalendar,
    YearSchedule,
    parse_schedule,
    promised_deadline,
    remaining_working_days,
)

__all__ = [
    "Deadline",
    "ScheduleError",
    "WorkingCalendar",
    "YearSchedule",
    "parse_schedule",
    "promised_deadline",
    "remaining_working_days",
]

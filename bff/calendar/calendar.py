"""The official working-day calendar (法定节假日 and 调休) and case deadlines on it.

The calendar is data, one `YearSchedule` per year: the exceptions to the Mon–Fri rule, i.e. the
days of each holiday period and the make-up working weekend days (调休上班). The years
chinese-calendar knew when `bff.calendar.generate` ran are bundled as JSON (`data/`); a city adds
a newly published year (the State Council notice comes out around November) through
`bff.calendar.repository.store_schedule`, without a release.

A day in a year the calendar does not know is taken to be a working day when it is Mon–Fri,
and every answer that relied on such a day carries `provisional=True`, so a deadline that runs
into next year is still computed, and visibly marked, rather than failing.

Counting convention (受理之日起算, the acceptance day is not counted): working day 1 is the
first working day *after* the start day, and a deadline of N working days is the day on which
the Nth working day ends. Accepted on a Friday with a 1-working-day promise, the deadline is
the next Monday (or the first working day after a holiday). N = 0 (即办件) gives the start day.

Everything here is pure: no I/O except `WorkingCalendar.bundled()`, which reads the packaged
files once per process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files

__all__ = [
    "Deadline",
    "ScheduleError",
    "WorkingCalendar",
    "YearSchedule",
    "parse_schedule",
    "promised_deadline",
    "remaining_working_days",
    "schedule_to_dict",
]

MIN_YEAR, MAX_YEAR = 1949, 2200
NAME_MAX_LENGTH = 64
SOURCE_MAX_LENGTH = 200
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_KEYS = frozenset({"year", "source", "holidays", "workdays"})
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# About 20 years of working days: more is a unit mix-up, and would loop for a long time.
MAX_WORKING_DAYS = 5000


class ScheduleError(ValueError):
    """A year's schedule is invalid; `problems` lists every problem found."""

    def __init__(self, year: object, problems: list[str]) -> None:
        self.year = year
        self.problems = problems
        label = f"the {year} calendar schedule" if isinstance(year, int) else "a calendar schedule"
        super().__init__(f"{label} is invalid: " + "; ".join(problems))


@dataclass(frozen=True)
class YearSchedule:
    """One year's exceptions to the Mon–Fri rule, as published by the State Council.

    `holidays` holds the days of every holiday period (weekend days inside a period may be
    listed too); `workdays` holds the weekend days that are working days (调休上班). Every date
    lies in `year`, no date is in both, and names are non-empty.
    """

    year: int
    holidays: dict[date, str]
    workdays: dict[date, str]
    source: str

    def __post_init__(self) -> None:
        problems = _semantic_problems(self.year, self.holidays, self.workdays, self.source)
        if problems:
            raise ScheduleError(self.year, problems)


@dataclass(frozen=True)
class Deadline:
    """A deadline day; `provisional` when a counted day lies in a year the calendar lacks."""

    day: date
    provisional: bool


class WorkingCalendar:
    """Working days on the official schedules, with Mon–Fri as the provisional fallback."""

    def __init__(self, schedules: Iterable[YearSchedule]) -> None:
        by_year: dict[int, YearSchedule] = {}
        for schedule in schedules:
            if schedule.year in by_year:
                raise ValueError(
                    f"two schedules for {schedule.year}; use with_schedule() to replace a year"
                )
            by_year[schedule.year] = schedule
        self._schedules = by_year
        # Copies, so a caller mutating a schedule's dicts cannot change this calendar.
        self._holidays: dict[date, str] = {}
        self._workdays: dict[date, str] = {}
        for schedule in by_year.values():
            self._holidays.update(schedule.holidays)
            self._workdays.update(schedule.workdays)
        self._known_years = frozenset(by_year)

    @classmethod
    def bundled(cls) -> WorkingCalendar:
        """The schedules shipped in `bff/calendar/data/` (read once per process)."""
        return cls(_bundled_schedules())

    def with_schedule(self, schedule: YearSchedule) -> WorkingCalendar:
        """A new calendar with `schedule`'s year added, or replaced if already known."""
        others = [s for year, s in self._schedules.items() if year != schedule.year]
        return WorkingCalendar([*others, schedule])

    @property
    def known_years(self) -> frozenset[int]:
        return self._known_years

    def schedule(self, year: int) -> YearSchedule | None:
        """The schedule this calendar uses for `year`, if it knows the year."""
        return self._schedules.get(year)

    def is_known(self, day: date) -> bool:
        return day.year in self._known_years

    def is_working_day(self, day: date) -> tuple[bool, bool]:
        """(working?, provisional?). In an unknown year: Mon–Fri, provisional."""
        if day.year not in self._known_years:
            return day.weekday() < 5, True
        if day in self._workdays:
            return True, False
        if day in self._holidays:
            return False, False
        return day.weekday() < 5, False

    def holiday_name(self, day: date) -> str | None:
        """The holiday period `day` belongs to (e.g. 春节), or None; None in unknown years."""
        return self._holidays.get(day)

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The day on which the `days`-th working day after `start` ends.

        `start` itself never counts (受理之日起, the next working day is day 1), whether or not
        it is a working day; `days == 0` returns `start`. The result is provisional when any
        day in (start, result] lies in a year the calendar does not know.
        """
        _check_days("days", days)
        day, counted, provisional = start, 0, False
        while counted < days:
            day += timedelta(days=1)
            working, guessed = self.is_working_day(day)
            provisional = provisional or guessed
            if working:
                counted += 1
        return Deadline(day=day, provisional=provisional)

    def working_days_between(self, start: date, end: date) -> tuple[int, bool]:
        """(working days in (start, end], provisional?); negative (−count of (end, start])
        when end < start. Provisional when any day in the interval lies in an unknown year."""
        if end < start:
            count, provisional = self.working_days_between(end, start)
            return -count, provisional
        count, provisional = 0, False
        day = start
        while day < end:
            day += timedelta(days=1)
            working, guessed = self.is_working_day(day)
            provisional = provisional or guessed
            count += working
        return count, provisional


def promised_deadline(
    cal: WorkingCalendar,
    *,
    accepted_on: date,
    promised_working_days: int,
    paused_working_days: int = 0,
) -> Deadline:
    """承诺办结时限: accepted + promised working days + working days the clock was paused
    (补正, 特别程序), counted from the day after acceptance."""
    _check_days("promised_working_days", promised_working_days)
    _check_days("paused_working_days", paused_working_days)
    return cal.add_working_days(accepted_on, promised_working_days + paused_working_days)


def remaining_working_days(
    cal: WorkingCalendar, *, today: date, deadline: date
) -> tuple[int, bool, bool]:
    """(remaining, overdue, provisional) for a case due on `deadline`, seen on `today`.

    Before the deadline, `remaining` is the working days in (today, deadline]: 0 on the
    deadline day itself, which is not overdue. After it, `overdue` is True and `remaining` is
    minus the working days elapsed since the deadline, at least 1: a case due on a Friday is
    -1 on the Saturday, the Sunday and the Monday, -2 on the Tuesday.
    """
    count, provisional = cal.working_days_between(today, deadline)
    overdue = today > deadline
    if overdue:
        count = min(count, -1)
    return count, overdue, provisional


def parse_schedule(data: Mapping[str, object]) -> YearSchedule:
    """A `YearSchedule` from its JSON shape (that of `data/<year>.json`)::

        {"year": 2027, "source": "国办发明电〔2026〕N号",
         "holidays": {"2027-01-01": "元旦", ...}, "workdays": {"2027-02-06": "春节调休", ...}}

    Raises `ScheduleError` (a ValueError) listing every problem found.
    """
    if not isinstance(data, Mapping):
        raise ScheduleError(None, [f"expected a JSON object, got {type(data).__name__}"])
    problems: list[str] = []
    unknown = sorted(str(key) for key in data if key not in _KEYS)
    if unknown:
        problems.append(f"unknown keys {unknown}; expected {sorted(_KEYS)}")
    missing = sorted(_KEYS - set(data))
    if missing:
        problems.append(f"missing keys {missing}")

    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        problems.append(f"year must be an integer, got {year!r}")
        year = None
    source = data.get("source")
    if not isinstance(source, str):
        problems.append(f"source must be a string, got {source!r}")
        source = ""

    holidays = _parse_days("holidays", data.get("holidays", {}), problems)
    workdays = _parse_days("workdays", data.get("workdays", {}), problems)
    if year is not None:
        problems.extend(_semantic_problems(year, holidays, workdays, source))
    if problems:
        raise ScheduleError(year, problems)
    assert year is not None
    return YearSchedule(year=year, holidays=holidays, workdays=workdays, source=source.strip())


def schedule_to_dict(schedule: YearSchedule) -> dict[str, object]:
    """The JSON shape `parse_schedule` reads, with dates in order."""
    return {
        "year": schedule.year,
        "source": schedule.source,
        "holidays": {d.isoformat(): n for d, n in sorted(schedule.holidays.items())},
        "workdays": {d.isoformat(): n for d, n in sorted(schedule.workdays.items())},
    }


def _check_days(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer number of working days, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be zero or more working days, got {value}")
    if value > MAX_WORKING_DAYS:
        raise ValueError(f"{name} must be at most {MAX_WORKING_DAYS} working days, got {value}")


def _parse_days(field: str, raw: object, problems: list[str]) -> dict[date, str]:
    if not isinstance(raw, Mapping):
        problems.append(f"{field} must be an object of date → name, got {type(raw).__name__}")
        return {}
    days: dict[date, str] = {}
    for key, name in raw.items():
        if not isinstance(key, str) or not _ISO_DAY.fullmatch(key):
            problems.append(f"{field}: {key!r} is not a YYYY-MM-DD date")
            continue
        try:
            day = date.fromisoformat(key)
        except ValueError:
            problems.append(f"{field}: {key!r} is not a valid date")
            continue
        if not isinstance(name, str):
            problems.append(f"{field}: {key} needs a name string, got {name!r}")
            continue
        days[day] = name.strip()
    return days


def _semantic_problems(
    year: int, holidays: Mapping[date, str], workdays: Mapping[date, str], source: str
) -> list[str]:
    problems: list[str] = []
    if not MIN_YEAR <= year <= MAX_YEAR:
        problems.append(f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}")
    if not source.strip():
        problems.append("source must name the notice or upstream the schedule comes from")
    elif len(source) > SOURCE_MAX_LENGTH:
        problems.append(f"source is longer than {SOURCE_MAX_LENGTH} characters")
    if not holidays:
        problems.append("no holidays: every year has at least 元旦 and 春节")
    for field, days in (("holidays", holidays), ("workdays", workdays)):
        for day, name in sorted(days.items()):
            if day.year != year:
                problems.append(f"{field}: {day} is not in {year}")
            if not name.strip():
                problems.append(f"{field}: {day} has an empty name")
            elif len(name) > NAME_MAX_LENGTH:
                problems.append(f"{field}: {day} has a name longer than {NAME_MAX_LENGTH}")
    for day in sorted(holidays.keys() & workdays.keys()):
        problems.append(f"{day} is both a holiday and a workday")
    for day in sorted(workdays):
        if day.weekday() < 5:
            problems.append(
                f"workdays: {day} is a {_WEEKDAYS[day.weekday()]}; only Saturdays and Sundays"
                " can be make-up working days"
            )
    return problems


@cache
def _bundled_schedules() -> tuple[YearSchedule, ...]:
    folder = files("bff.calendar").joinpath("data")
    schedules = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            schedule = parse_schedule(json.loads(entry.read_text(encoding="utf-8")))
            if entry.name != f"{schedule.year}.json":
                raise ValueError(f"bundled {entry.name} holds the {schedule.year} schedule")
            schedules.append(schedule)
    return tuple(schedules)

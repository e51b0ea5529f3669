"""Write bff/calendar/data/<year>.json from the chinese-calendar package, once.

Run from the repository root, as a module (run as a file, this folder's `calendar.py` would
shadow the standard library's `calendar`):

    .venv/bin/pip install chinese-calendar==1.11.0
    .venv/bin/python -m bff.calendar.generate            # 2020–2026
    .venv/bin/python -m bff.calendar.generate 2024 2026  # an inclusive range

The package is needed only here; at run time the JSON files are the data. Each file lists the
exceptions to the Mon–Fri rule: the days of every holiday period (weekends inside a period
included, as the package lists them) and the make-up working weekend days (调休上班). Every
day of every year is checked against the package's own `is_workday` before anything is written.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path

from bff.calendar.calendar import WorkingCalendar, YearSchedule, schedule_to_dict

DATA_DIR = Path(__file__).resolve().parent / "data"
FIRST_YEAR, LAST_YEAR = 2020, 2026


def schedule_from_package(year: int) -> YearSchedule:
    # Needed here only, not at run time.
    import chinese_calendar  # type: ignore[import-untyped, import-not-found, unused-ignore]

    def chinese(name: str) -> str:
        return str(chinese_calendar.Holiday(name).chinese)

    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    day = date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if on_holiday and name is not None:
            holidays[day] = chinese(name)
        elif not on_holiday and day.weekday() >= 5:
            if name is None:
                raise SystemExit(f"{day}: a working weekend day without a holiday name")
            workdays[day] = chinese(name) + "调休"
        day += timedelta(days=1)
    source = f"chinese-calendar {version('chinese-calendar')} (国务院办公厅 notice)"
    schedule = YearSchedule(year=year, holidays=holidays, workdays=workdays, source=source)

    calendar = WorkingCalendar([schedule])
    day = date(year, 1, 1)
    while day.year == year:
        working, provisional = calendar.is_working_day(day)
        if provisional or working != chinese_calendar.is_workday(day):
            raise SystemExit(f"{day}: the generated schedule disagrees with chinese-calendar")
        day += timedelta(days=1)
    return schedule


def main(argv: list[str]) -> int:
    if len(argv) not in (0, 2):
        print("usage: python -m bff.calendar.generate [FIRST_YEAR LAST_YEAR]", file=sys.stderr)
        return 2
    first, last = (int(argv[0]), int(argv[1])) if argv else (FIRST_YEAR, LAST_YEAR)
    DATA_DIR.mkdir(exist_ok=True)
    for year in range(first, last + 1):
        schedule = schedule_from_package(year)
        path = DATA_DIR / f"{year}.json"
        text = json.dumps(schedule_to_dict(schedule), ensure_ascii=False, indent=2)
        path.write_text(text + "\n", encoding="utf-8")
        print(f"{path}: {len(schedule.holidays)} holidays, {len(schedule.workdays)} workdays")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

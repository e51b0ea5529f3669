"""电子监察: a department ranking for a period, from timeliness, 好差评 and 差评 rectification.

Three measures, each a rate from 0 to 1, or None when there is nothing to measure:

- on time: cases concluded in the period whose conclusion day is on or before their deadline
  (a concluded case without a deadline cannot show it was on time and counts as late);
- satisfaction: ratings given in the period with grade 4–5 (满意, 非常满意), among ratings not
  excluded by an upheld appeal (excluded ratings are not counted at all);
- rectification on time: 差评 tickets due in the period whose feedback came on or before the due
  day. A ticket closed by an upheld appeal is left out, and so is one still running that is not
  yet due on `today`: it is neither on time nor late yet.

The composite score weighs them 40% on time, 40% satisfaction, 20% rectification on time; a
measure that is None is left out and the other weights are scaled up to 1. Departments are
ordered by score, highest first; departments with no concluded case in the period come after
every department with one; ties go by department code. Departments with no measure at all get
no rank (so they never sit at the bottom of a monthly ranking for lack of work).

Four SQL statements whatever the size of the period: departments, concluded cases grouped by
(department, accepted, concluded, deadline, paused days), ratings and tickets grouped by
department. Working days used are then counted in Python on the distinct day pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bff.calendar.calendar import WorkingCalendar
from bff.cases.models import Case
from bff.catalogue.models import Department
from bff.ratings.models import (
    SATISFIED_GRADES,
    AppealStatus,
    Rating,
    RectificationTicket,
    TicketStatus,
)
from bff.ratings.service import CHINA
from integrations.cases.models import CONCLUDED

ON_TIME_WEIGHT = 0.4
SATISFACTION_WEIGHT = 0.4
RECTIFICATION_WEIGHT = 0.2


@dataclass(frozen=True)
class DepartmentScore:
    department_id: int
    department_code: str
    department_name: str
    concluded: int  # cases concluded in the period
    on_time: int
    on_time_rate: float | None
    average_working_days: float | None  # working days from acceptance, minus paused days
    ratings: int  # ratings given in the period, not excluded by an upheld appeal
    satisfaction_rate: float | None  # share of grades 4–5
    average_grade: float | None
    tickets: int  # 差评 tickets due in the period and decided (feedback given or overdue)
    tickets_on_time: int
    rectification_on_time_rate: float | None
    score: float | None  # the composite score, 0–1
    rank: int | None  # 1 = best; None without any measure


@dataclass
class _Tally:
    concluded: int = 0
    on_time: int = 0
    timed: int = 0  # cases with an acceptance day, for the average working days
    working_days: int = 0
    ratings: int = 0
    satisfied: int = 0
    grade_total: int = 0
    tickets: int = 0
    tickets_on_time: int = 0


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def composite_score(
    on_time_rate: float | None,
    satisfaction_rate: float | None,
    rectification_on_time_rate: float | None,
) -> float | None:
    """The weighted mean of the measures there are; None when there is none."""
    parts = [
        (ON_TIME_WEIGHT, on_time_rate),
        (SATISFACTION_WEIGHT, satisfaction_rate),
        (RECTIFICATION_WEIGHT, rectification_on_time_rate),
    ]
    present = [(weight, rate) for weight, rate in parts if rate is not None]
    if not present:
        return None
    return sum(weight * rate for weight, rate in present) / sum(weight for weight, _ in present)


def _china_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CHINA).astimezone(UTC)


async def department_ranking(
    session: AsyncSession,
    *,
    calendar: WorkingCalendar,
    start: date,
    end: date,
    today: date,
) -> list[DepartmentScore]:
    """Every department's measures over the days [start, end] (China time), best first."""
    if end < start:
        raise ValueError("the period ends before it starts")
    tallies: dict[int, _Tally] = {}

    def tally(department_id: int) -> _Tally:
        return tallies.setdefault(department_id, _Tally())

    concluded = [status.value for status in CONCLUDED]
    case_rows = await session.execute(
        select(
            Case.department_id,
            Case.accepted_on,
            Case.concluded_on,
            Case.deadline,
            Case.paused_working_days,
            func.count(),
        )
        .where(Case.concluded_on.between(start, end), Case.status.in_(concluded))
        .group_by(
            Case.department_id,
            Case.accepted_on,
            Case.concluded_on,
            Case.deadline,
            Case.paused_working_days,
        )
    )
    spans: dict[tuple[date, date], int] = {}
    for department_id, accepted_on, concluded_on, deadline, paused, count in case_rows:
        if concluded_on is None:  # excluded by the query; narrows the type
            continue
        t = tally(department_id)
        t.concluded += count
        if deadline is not None and concluded_on <= deadline:
            t.on_time += count
        if accepted_on is not None:
            key = (accepted_on, concluded_on)
            if key not in spans:
                spans[key] = calendar.working_days_between(accepted_on, concluded_on)[0]
            t.timed += count
            t.working_days += count * max(0, spans[key] - (paused or 0))

    satisfied = case((Rating.grade.in_([int(g) for g in SATISFIED_GRADES]), 1), else_=0)
    rating_rows = await session.execute(
        select(Case.department_id, func.count(), func.sum(satisfied), func.sum(Rating.grade))
        .join(Case, Case.id == Rating.case_id)
        .where(
            Rating.created_at >= _china_midnight_utc(start),
            Rating.created_at < _china_midnight_utc(end + timedelta(days=1)),
            Rating.appeal_status != AppealStatus.UPHELD.value,
        )
        .group_by(Case.department_id)
    )
    for department_id, count, satisfied_count, grade_total in rating_rows:
        t = tally(department_id)
        t.ratings, t.satisfied, t.grade_total = count, int(satisfied_count), int(grade_total)

    ticket = RectificationTicket
    on_time = case(
        (ticket.completed_on.is_not(None) & (ticket.completed_on <= ticket.due_on), 1), else_=0
    )
    ticket_rows = await session.execute(
        select(ticket.department_id, func.count(), func.sum(on_time))
        .where(
            ticket.due_on.between(start, end),
            ticket.status != TicketStatus.CLOSED_BY_APPEAL.value,
            or_(ticket.completed_on.is_not(None), ticket.due_on < today),
        )
        .group_by(ticket.department_id)
    )
    for department_id, count, on_time_count in ticket_rows:
        t = tally(department_id)
        t.tickets, t.tickets_on_time = count, int(on_time_count)

    departments = await session.execute(select(Department.id, Department.code, Department.name))
    scores: list[DepartmentScore] = []
    for department_id, code, name in departments:
        t = tallies.get(department_id, _Tally())
        on_time_rate = _rate(t.on_time, t.concluded)
        satisfaction_rate = _rate(t.satisfied, t.ratings)
        rectification_rate = _rate(t.tickets_on_time, t.tickets)
        scores.append(
            DepartmentScore(
                department_id=department_id,
                department_code=code,
                department_name=name,
                concluded=t.concluded,
                on_time=t.on_time,
                on_time_rate=on_time_rate,
                average_working_days=t.working_days / t.timed if t.timed else None,
                ratings=t.ratings,
                satisfaction_rate=satisfaction_rate,
                average_grade=t.grade_total / t.ratings if t.ratings else None,
                tickets=t.tickets,
                tickets_on_time=t.tickets_on_time,
                rectification_on_time_rate=rectification_rate,
                score=composite_score(on_time_rate, satisfaction_rate, rectification_rate),
                rank=None,
            )
        )
    scores.sort(
        key=lambda s: (s.concluded == 0, s.score is None, -(s.score or 0.0), s.department_code)
    )
    ranked: list[DepartmentScore] = []
    rank = 0
    for score in scores:
        if score.score is not None:
            rank += 1
            score = replace(score, rank=rank)
        ranked.append(score)
    return ranked

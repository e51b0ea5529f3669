"""Case rules: applying status events, the working-day clock, derived 一件事 status.

Events may arrive twice (webhook retries, polling overlap) and out of order. Each event is
stored once (unique event id); it changes the status only when it is not older than the
status the case already has, so a late older event lands in the timeline without rewinding
the case. Pausing statuses (补正, 特别程序) stop the clock; the working days they took are
added to the deadline when the case resumes.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.crypto import encrypt, sha256_hex
from bff.calendar.calendar import WorkingCalendar, promised_deadline
from bff.cases.models import Case, CaseEvent, SubCase
from bff.catalogue.models import Bundle, Department, ServiceItem
from bff.db import aware
from integrations.cases.models import CONCLUDED, PAUSING, CaseEventIn, CaseStatus

CHINA = timezone(timedelta(hours=8))

# How far along a status is, to derive a 一件事 case's status from its departments' parts.
_PROGRESS = {
    CaseStatus.SUBMITTED: 0,
    CaseStatus.ACCEPTED: 1,
    CaseStatus.PROCESSING: 2,
    CaseStatus.SUPPLEMENT: 2,
    CaseStatus.SPECIAL_PROCEDURE: 2,
    CaseStatus.APPROVED: 3,
    CaseStatus.DENIED: 3,
    CaseStatus.DELIVERED: 4,
}


def china_day(at: datetime) -> date:
    """The calendar day in China (deadlines are counted in Beijing time)."""
    return at.astimezone(CHINA).date()


def derive_bundle_status(parts: Sequence[CaseStatus]) -> CaseStatus:
    """One story for the citizen: any part waiting for them (补正) shows first; a part not
    accepted or denied makes the whole denied once the rest is concluded; otherwise the
    slowest part sets the pace."""
    if not parts:
        return CaseStatus.SUBMITTED
    if any(p is CaseStatus.WITHDRAWN for p in parts):
        return CaseStatus.WITHDRAWN
    if CaseStatus.SUPPLEMENT in parts:
        return CaseStatus.SUPPLEMENT
    if CaseStatus.SPECIAL_PROCEDURE in parts:
        return CaseStatus.SPECIAL_PROCEDURE
    if all(p is CaseStatus.NOT_ACCEPTED for p in parts):
        return CaseStatus.NOT_ACCEPTED
    settled = [p for p in parts if p is not CaseStatus.NOT_ACCEPTED]
    if all(p in CONCLUDED for p in settled):
        if any(p is CaseStatus.DENIED for p in settled) or len(settled) < len(parts):
            return CaseStatus.DENIED
        return min(settled, key=lambda p: _PROGRESS[p])
    slowest = min(settled, key=lambda p: _PROGRESS[p])
    if slowest in CONCLUDED:
        return CaseStatus.PROCESSING
    return slowest


@dataclass
class ApplyReport:
    accepted: int = 0
    duplicates: int = 0
    stale: int = 0
    unknown_case: int = 0
    changed_case_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "stale": self.stale,
            "unknown_case": self.unknown_case,
        }


def new_case_number(now: datetime) -> str:
    """办件编号: region, date and a random part (unguessable, unlike a running number)."""
    return f"ZZ{china_day(now):%Y%m%d}{secrets.randbelow(10**8):08d}"


def new_query_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class CaseService:
    def __init__(self, session: AsyncSession, *, calendar: WorkingCalendar, secret: str) -> None:
        self.session = session
        self.calendar = calendar
        self.secret = secret

    async def open_case(
        self,
        *,
        applicant_id: str,
        item: ServiceItem | None = None,
        bundle: Bundle | None = None,
        bundle_items: Sequence[ServiceItem] = (),
        channel: str,
        agent_id: str | None = None,
        grant_id: str | None = None,
        now: datetime | None = None,
        demo: bool = False,
        case_number: str | None = None,
        query_code: str | None = None,
    ) -> tuple[Case, str]:
        """A submitted case (and its sub-cases for a bundle); returns it and its query code."""
        now = now or datetime.now(UTC)
        if (item is None) == (bundle is None):
            raise ValueError("a case is for one item or one bundle")
        code = query_code or new_query_code()
        if item is not None:
            department_id, title, days = item.department_id, item.name, item.promise_days or 20
        else:
            assert bundle is not None
            department_id, title, days = (
                bundle.lead_department_id,
                bundle.name,
                bundle.promised_days,
            )
        case = Case(
            id=str(uuid.uuid4()),
            case_number=case_number or new_case_number(now),
            query_code_hash=sha256_hex(code),
            query_code_enc=encrypt(self.secret, code) or "",
            item_id=item.id if item else None,
            bundle_id=bundle.id if bundle else None,
            department_id=department_id,
            title=title,
            applicant_id=applicant_id,
            agent_id=agent_id,
            grant_id=grant_id,
            channel=channel,
            status=CaseStatus.SUBMITTED,
            status_at=now,
            submitted_at=now,
            promised_working_days=days,
            paused_working_days=0,
            missing_materials=[],
            demo=demo,
        )
        self.session.add(case)
        await self.session.flush()
        seen: set[int] = set()
        for member in bundle_items:
            if member.department_id in seen:
                continue
            seen.add(member.department_id)
            self.session.add(
                SubCase(
                    case_id=case.id,
                    department_id=member.department_id,
                    item_id=member.id,
                    status=CaseStatus.SUBMITTED,
                    status_at=now,
                    missing_materials=[],
                )
            )
        self.session.add(
            CaseEvent(
                event_id=f"local:{case.id}:submitted",
                case_id=case.id,
                status=CaseStatus.SUBMITTED,
                occurred_at=now,
                remark=None,
                details={"channel": channel},
            )
        )
        await self.session.flush()
        return case, code

    async def apply(self, events: Sequence[CaseEventIn]) -> ApplyReport:
        """Applies events idempotently, in time order within this batch."""
        report = ApplyReport()
        numbers = sorted({e.case_number for e in events})
        cases = {
            c.case_number: c
            for c in await self.session.scalars(select(Case).where(Case.case_number.in_(numbers)))
        }
        known = set(
            await self.session.scalars(
                select(CaseEvent.event_id).where(
                    CaseEvent.event_id.in_([e.event_id for e in events])
                )
            )
        )
        codes = sorted({e.department_code for e in events if e.department_code})
        departments = {
            d.code: d
            for d in await self.session.scalars(
                select(Department).where(Department.code.in_(codes))
            )
        }
        # The departments' parts of the 一件事 cases in this batch, in one statement.
        parts: dict[str, list[SubCase]] = {}
        bundle_ids = [c.id for c in cases.values() if c.bundle_id is not None]
        if bundle_ids:
            for part in await self.session.scalars(
                select(SubCase).where(SubCase.case_id.in_(bundle_ids))
            ):
                parts.setdefault(part.case_id, []).append(part)
        for event in sorted(events, key=lambda e: (e.occurred_at, e.event_id)):
            case = cases.get(event.case_number)
            if case is None:
                report.unknown_case += 1
                continue
            if event.event_id in known:
                report.duplicates += 1
                continue
            known.add(event.event_id)
            applied = self._apply_one(case, event, departments, parts.get(case.id, []))
            # If another instance stores the same event id at the same moment, the unique key
            # fails this whole batch at commit; the sender retries and then sees a duplicate.
            self.session.add(
                CaseEvent(
                    event_id=event.event_id,
                    case_id=case.id,
                    department_id=departments[event.department_code].id
                    if event.department_code in departments
                    else None,
                    status=event.status,
                    step=event.step,
                    occurred_at=event.occurred_at,
                    remark=event.remark,
                    details={"missing_materials": list(event.missing_materials)}
                    if event.missing_materials
                    else {},
                    applied=applied,
                )
            )
            if applied:
                report.accepted += 1
                if case.id not in report.changed_case_ids:
                    report.changed_case_ids.append(case.id)
            else:
                report.stale += 1
        await self.session.flush()
        return report

    def _apply_one(
        self,
        case: Case,
        event: CaseEventIn,
        departments: dict[str, Department],
        parts: list[SubCase],
    ) -> bool:
        if case.bundle_id is not None and event.department_code:
            department = departments.get(event.department_code)
            if department is None:
                return False
            part = next((p for p in parts if p.department_id == department.id), None)
            if part is None or aware(part.status_at) > event.occurred_at:
                return False
            part.status = event.status
            part.status_at = event.occurred_at
            part.step = event.step
            part.missing_materials = list(event.missing_materials)
            status = derive_bundle_status([CaseStatus(p.status) for p in parts])
            missing = [m for p in parts for m in p.missing_materials]
            self._move(case, status, event.occurred_at, event.step, missing)
            return True
        if aware(case.status_at) > event.occurred_at:
            return False  # older than what we already show: timeline only
        self._move(case, event.status, event.occurred_at, event.step, list(event.missing_materials))
        return True

    def _move(
        self,
        case: Case,
        status: CaseStatus,
        at: datetime,
        step: str | None,
        missing: list[str],
    ) -> None:
        day = china_day(at)
        previous = CaseStatus(case.status)
        if status is CaseStatus.ACCEPTED and case.accepted_on is None:
            case.accepted_on = day
        if case.accepted_on is None and status in (CaseStatus.PROCESSING, *CONCLUDED):
            case.accepted_on = day  # the system skipped the explicit acceptance
        if status in PAUSING and previous not in PAUSING:
            case.paused_since = day
        if status not in PAUSING and previous in PAUSING and case.paused_since is not None:
            paused, _ = self.calendar.working_days_between(case.paused_since, day)
            case.paused_working_days += max(0, paused)
            case.paused_since = None
        if status in CONCLUDED and case.concluded_on is None:
            case.concluded_on = day
        case.status = status
        case.status_at = at
        case.step = step if status is CaseStatus.PROCESSING else None
        case.missing_materials = missing if status is CaseStatus.SUPPLEMENT else []
        self.refresh_deadline(case)

    def refresh_deadline(self, case: Case) -> None:
        if case.accepted_on is None:
            return
        deadline = promised_deadline(
            self.calendar,
            accepted_on=case.accepted_on,
            promised_working_days=case.promised_working_days,
            paused_working_days=case.paused_working_days,
        )
        case.deadline = deadline.day
        case.deadline_provisional = deadline.provisional


async def refresh_provisional_deadlines(
    session: AsyncSession, *, calendar: WorkingCalendar, secret: str
) -> int:
    """After a new year's schedule arrives: recompute the deadlines that were provisional."""
    service = CaseService(session, calendar=calendar, secret=secret)
    cases = list(await session.scalars(select(Case).where(Case.deadline_provisional.is_(True))))
    for case in cases:
        service.refresh_deadline(case)
    await session.flush()
    return len(cases)

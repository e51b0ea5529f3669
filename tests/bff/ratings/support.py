"""Builders for the rows the rating rules need: departments, citizens and cases."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bff.cases.models import Case
from bff.catalogue.models import Department

CITIZEN = "citizen-0001"
RELATIVE = "relative-0002"
STRANGER = "stranger-0003"
USERS = (CITIZEN, RELATIVE, STRANGER)


async def add_department(session: AsyncSession, *, code: str, name: str) -> Department:
    department = Department(code=code, name=name, level="city")
    session.add(department)
    await session.flush()
    return department


async def add_case(
    session: AsyncSession,
    case_id: str,
    *,
    department_id: int,
    status: str = "approved",
    accepted_on: date | None = date(2025, 9, 1),
    deadline: date | None = date(2025, 9, 30),
    concluded_on: date | None = date(2025, 9, 10),
    paused_working_days: int = 0,
    applicant_id: str = CITIZEN,
) -> Case:
    at = datetime(2025, 9, 1, 1, tzinfo=UTC)
    case = Case(
        id=case_id,
        case_number=f"ZZ-{case_id}",
        query_code_hash="0" * 64,
        query_code_enc="enc",
        department_id=department_id,
        title="户口迁移",
        applicant_id=applicant_id,
        channel="online",
        status=status,
        status_at=at,
        submitted_at=at,
        promised_working_days=10,
        paused_working_days=paused_working_days,
        accepted_on=accepted_on,
        deadline=deadline,
        concluded_on=concluded_on,
        missing_materials=[],
    )
    session.add(case)
    await session.flush()
    return case

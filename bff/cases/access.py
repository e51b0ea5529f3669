"""Who may see a case: its applicant, or a relative acting for them with VIEW_CASES.
Anyone else gets the same answer as for a case that does not exist."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.crypto import sha256_hex
from auth.models import ProxyScope
from auth.viewer import Viewer, acting_subject
from bff.cases.models import Case
from bff.errors import ErrorCode, HaobanError


def no_such_case() -> HaobanError:
    return HaobanError(ErrorCode.NOT_FOUND, "No case has this number.")


async def subject_of(session: AsyncSession, viewer: Viewer, scope: ProxyScope) -> str:
    subject, _grant = await acting_subject(session, viewer, scope)
    return subject


async def case_for_viewer(
    session: AsyncSession, viewer: Viewer, case_number: str, *, scope: ProxyScope
) -> Case:
    subject = await subject_of(session, viewer, scope)
    case = await session.scalar(select(Case).where(Case.case_number == case_number.strip()[:40]))
    if case is None or case.applicant_id != subject:
        raise no_such_case()
    return case


async def case_by_query_code(session: AsyncSession, case_number: str, query_code: str) -> Case:
    case = await session.scalar(select(Case).where(Case.case_number == case_number.strip()[:40]))
    import hmac

    if case is None or not hmac.compare_digest(
        case.query_code_hash, sha256_hex(query_code.strip()[:12])
    ):
        raise HaobanError(ErrorCode.NOT_FOUND, "The case number or query code is wrong.")
    return case

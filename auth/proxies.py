"""亲友代办: a citizen lets a relative act for them, with scopes, until an expiry.

The citizen creates an invitation and passes its one-time code to the relative (in person or
by message); the relative accepts it. Either side can end the grant at any time. Every act
done for someone else is recorded with both identities and shown to the person it was done
for.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.crypto import sha256_hex
from auth.models import AuditRecord, ProxyGrant, ProxyScope, ProxyStatus
from bff.db import aware
from bff.errors import ErrorCode, HaobanError

INVITE_TTL = timedelta(hours=24)
MAX_GRANT_DAYS = 365
RELATIONS = ("child", "spouse", "parent", "sibling", "grandchild", "other")


def grant_state(grant: ProxyGrant, *, now: datetime) -> str:
    """The status clients see: an active or pending grant past its time reads as expired."""
    if grant.status == ProxyStatus.ACTIVE and (aware(grant.expires_at) or now) <= now:
        return "expired"
    if grant.status == ProxyStatus.PENDING and (aware(grant.invite_expires_at) or now) <= now:
        return "expired"
    return grant.status


@dataclass(frozen=True)
class Invitation:
    grant: ProxyGrant
    code: str  # shown once to the citizen; only its hash is stored


def _not_found() -> HaobanError:
    # The same answer for "does not exist" and "not yours": no probing of other people's grants.
    return HaobanError(ErrorCode.NOT_FOUND, "No such authorisation.")


class ProxyService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def invite(
        self,
        *,
        grantor_id: str,
        relation: str,
        scopes: list[ProxyScope],
        valid_days: int,
        now: datetime | None = None,
    ) -> Invitation:
        now = now or datetime.now(UTC)
        if relation not in RELATIONS:
            raise HaobanError(ErrorCode.INVALID_ARGUMENT, "Unknown relation.")
        if not scopes:
            raise HaobanError(
                ErrorCode.INVALID_ARGUMENT, "Choose at least one thing the relative may do."
            )
        if not 1 <= valid_days <= MAX_GRANT_DAYS:
            raise HaobanError(
                ErrorCode.INVALID_ARGUMENT,
                "An authorisation lasts from 1 to %(max)s days.",
                max=MAX_GRANT_DAYS,
            )
        code = "-".join(secrets.token_hex(3).upper() for _ in range(3))
        grant = ProxyGrant(
            id=str(uuid.uuid4()),
            grantor_id=grantor_id,
            relation=relation,
            scopes=sorted({s.value for s in scopes}),
            status=ProxyStatus.PENDING,
            invite_code_hash=sha256_hex(code),
            invite_expires_at=now + INVITE_TTL,
            expires_at=now + timedelta(days=valid_days),
            created_at=now,
        )
        self.session.add(grant)
        await self.session.flush()
        return Invitation(grant=grant, code=code)

    async def _by_code(self, code: str, now: datetime) -> ProxyGrant:
        code = code.strip().upper()
        grant = await self.session.scalar(
            select(ProxyGrant).where(ProxyGrant.invite_code_hash == sha256_hex(code))
        )
        if grant is None or grant_state(grant, now=now) != ProxyStatus.PENDING:
            raise HaobanError(
                ErrorCode.INVALID_ARGUMENT, "The invitation code is wrong, used or expired."
            )
        return grant

    async def accept(
        self, *, grantee_id: str, code: str, now: datetime | None = None
    ) -> ProxyGrant:
        now = now or datetime.now(UTC)
        grant = await self._by_code(code, now)
        if grant.grantor_id == grantee_id:
            raise HaobanError(ErrorCode.INVALID_ARGUMENT, "You cannot accept your own invitation.")
        grant.grantee_id = grantee_id
        grant.status = ProxyStatus.ACTIVE
        grant.accepted_at = now
        grant.invite_code_hash = None  # single use
        await self.session.flush()
        return grant

    async def decline(
        self, *, grantee_id: str, code: str, now: datetime | None = None
    ) -> ProxyGrant:
        now = now or datetime.now(UTC)
        grant = await self._by_code(code, now)
        grant.status = ProxyStatus.DECLINED
        grant.ended_at = now
        grant.ended_by = grantee_id
        grant.invite_code_hash = None
        await self.session.flush()
        return grant

    async def revoke(
        self, *, user_id: str, grant_id: str, now: datetime | None = None
    ) -> ProxyGrant:
        """Either side may end a grant, pending or active."""
        now = now or datetime.now(UTC)
        grant = await self.session.get(ProxyGrant, grant_id)
        if grant is None or user_id not in (grant.grantor_id, grant.grantee_id):
            raise _not_found()
        if grant.status in (ProxyStatus.ACTIVE, ProxyStatus.PENDING):
            grant.status = ProxyStatus.REVOKED
            grant.ended_at = now
            grant.ended_by = user_id
            grant.invite_code_hash = None
            await self.session.flush()
        return grant

    async def grants_of(self, user_id: str) -> list[ProxyGrant]:
        stmt = (
            select(ProxyGrant)
            .where(or_(ProxyGrant.grantor_id == user_id, ProxyGrant.grantee_id == user_id))
            .order_by(ProxyGrant.created_at.desc(), ProxyGrant.id)
        )
        return list(await self.session.scalars(stmt))

    async def usable_grant(
        self, *, grantee_id: str, grant_id: str, now: datetime | None = None
    ) -> ProxyGrant:
        """The grant a relative wants to act under, if it is theirs and in force."""
        now = now or datetime.now(UTC)
        grant = await self.session.get(ProxyGrant, grant_id)
        if grant is None or grant.grantee_id != grantee_id:
            raise _not_found()
        if grant_state(grant, now=now) != ProxyStatus.ACTIVE:
            raise HaobanError(
                ErrorCode.PROXY_NOT_ACTIVE, "This authorisation has ended or expired."
            )
        return grant

    async def record(
        self,
        *,
        actor_id: str,
        subject_id: str,
        action: str,
        grant_id: str | None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditRecord(
                actor_id=actor_id,
                subject_id=subject_id,
                action=action,
                grant_id=grant_id,
                details=details or {},
            )
        )
        await self.session.flush()

    async def records_about(self, subject_id: str, *, limit: int = 50) -> list[AuditRecord]:
        stmt = (
            select(AuditRecord)
            .where(AuditRecord.subject_id == subject_id)
            .order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
            .limit(limit)
        )
        return list(await self.session.scalars(stmt))

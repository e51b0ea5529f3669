"""Accounts: found or created by (provider, subject); real-name levels; saved preferences."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.crypto import decrypt, encrypt, keyed_hash
from auth.models import Identity, RealNameLevel, User


@dataclass(frozen=True)
class VerifiedClaims:
    """What a provider vouches for; anything it does not verify stays None."""

    name: str | None = None
    phone: str | None = None
    id_number: str | None = None


@dataclass(frozen=True)
class PersonalData:
    name: str | None
    phone: str | None
    id_number: str | None


def effective_level(user: User, *, now: datetime, face_ttl: timedelta) -> RealNameLevel:
    """FACE_VERIFIED decays to ID_VERIFIED once the face check is older than `face_ttl`."""
    level = RealNameLevel(user.real_name_level)
    if level is RealNameLevel.FACE_VERIFIED:
        at = user.face_verified_at
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        if at is None or now - at > face_ttl:
            return RealNameLevel.ID_VERIFIED
    return level


class AccountService:
    def __init__(self, session: AsyncSession, *, secret: str) -> None:
        self.session = session
        self.secret = secret

    async def get(self, user_id: str) -> User | None:
        return await self.session.get(User, user_id)

    async def sign_in_with(
        self,
        *,
        provider: str,
        subject: str,
        level: RealNameLevel,
        claims: VerifiedClaims,
        now: datetime | None = None,
    ) -> User:
        """The account of (provider, subject), created on first sign-in; the provider's
        verified claims raise the account's level, never lower it."""
        now = now or datetime.now(UTC)
        identity = await self.session.scalar(
            select(Identity).where(Identity.provider == provider, Identity.subject == subject)
        )
        if identity is None:
            user = User(id=str(uuid.uuid4()), real_name_level=RealNameLevel.ACCOUNT)
            self.session.add(user)
            await self.session.flush()
            identity = Identity(user_id=user.id, provider=provider, subject=subject, level=level)
            self.session.add(identity)
        else:
            found = await self.session.get(User, identity.user_id)
            assert found is not None  # foreign key
            user = found
            identity.level = max(identity.level, level)
        identity.last_login_at = now
        if level > user.real_name_level and level <= RealNameLevel.ID_VERIFIED:
            user.real_name_level = level
        if level >= RealNameLevel.ID_VERIFIED:
            self._store_claims(user, claims)
        await self.session.flush()
        return user

    def _store_claims(self, user: User, claims: VerifiedClaims) -> None:
        if claims.name:
            user.name_enc = encrypt(self.secret, claims.name)
        if claims.phone:
            user.phone_enc = encrypt(self.secret, claims.phone)
        if claims.id_number:
            user.id_number_enc = encrypt(self.secret, claims.id_number.upper())
            user.id_number_hash = keyed_hash(self.secret, claims.id_number.upper(), purpose="id")

    def personal_data(self, user: User) -> PersonalData:
        return PersonalData(
            name=decrypt(self.secret, user.name_enc),
            phone=decrypt(self.secret, user.phone_enc),
            id_number=decrypt(self.secret, user.id_number_enc),
        )

    async def record_face_verification(self, user: User, *, at: datetime) -> None:
        user.real_name_level = RealNameLevel.FACE_VERIFIED
        user.face_verified_at = at
        await self.session.flush()

    async def set_presentation(self, user: User, mode: str | None) -> None:
        user.presentation = mode
        await self.session.flush()

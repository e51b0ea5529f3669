"""Our signing keys: ES256, stored encrypted in the database so every instance signs and
verifies with the same keys; rotated by `haoban keys rotate`; published as a JWKS."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc.jwk import ECKey, KeySet
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.crypto import decrypt, encrypt
from auth.models import SigningKey

ALGORITHM = "ES256"


@dataclass(frozen=True)
class LoadedKeys:
    active: ECKey
    published: KeySet
    loaded_at: datetime


def _new_key_row(secret: str, now: datetime) -> SigningKey:
    kid = f"{now:%Y%m%d}-{secrets.token_hex(4)}"
    key = ECKey.generate_key("P-256", parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
    private_pem = key.as_pem(private=True).decode()
    return SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        private_enc=encrypt(secret, private_pem) or "",
        public_jwk=dict(key.as_dict(private=False)),
        created_at=now,
    )


class KeyRing:
    """Caches the keys per process; reloads when asked for an unknown kid or after a while."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        secret: str,
        access_ttl: timedelta,
        refresh_after: timedelta = timedelta(minutes=5),
    ) -> None:
        self._sessionmaker = sessionmaker
        self._secret = secret
        self._access_ttl = access_ttl
        self._refresh_after = refresh_after
        self._loaded: LoadedKeys | None = None

    async def load(self, *, force: bool = False) -> LoadedKeys:
        now = datetime.now(UTC)
        if self._loaded and not force and now - self._loaded.loaded_at < self._refresh_after:
            return self._loaded
        async with self._sessionmaker() as session:
            rows = await self._usable(session, now)
            if not any(r.retired_at is None for r in rows):
                await self._create_first(session, now)
                rows = await self._usable(session, now)
        active_row = max((r for r in rows if r.retired_at is None), key=lambda r: r.created_at)
        private_pem = decrypt(self._secret, active_row.private_enc)
        if private_pem is None:
            raise RuntimeError("signing key cannot be decrypted: HAOBAN_SECRET_KEY changed?")
        active = ECKey.import_key(private_pem, parameters={"kid": active_row.kid, "alg": ALGORITHM})
        published = KeySet([ECKey.import_key(r.public_jwk) for r in rows])
        self._loaded = LoadedKeys(active=active, published=published, loaded_at=now)
        return self._loaded

    async def _usable(self, session: AsyncSession, now: datetime) -> list[SigningKey]:
        # A retired key still verifies tokens it signed until they expire.
        horizon = now - self._access_ttl - timedelta(minutes=1)
        stmt = select(SigningKey).where(
            or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > horizon)
        )
        return list(await session.scalars(stmt))

    async def _create_first(self, session: AsyncSession, now: datetime) -> None:
        session.add(_new_key_row(self._secret, now))
        try:
            await session.commit()
        except IntegrityError:  # another instance created one at the same moment
            await session.rollback()

    async def rotate(self) -> str:
        """A new active key; the previous ones retire (and stay published a while)."""
        now = datetime.now(UTC)
        async with self._sessionmaker() as session:
            for row in await session.scalars(
                select(SigningKey).where(SigningKey.retired_at.is_(None))
            ):
                row.retired_at = now
            row = _new_key_row(self._secret, now)
            session.add(row)
            await session.commit()
        await self.load(force=True)
        return row.kid

    async def jwks(self) -> dict[str, Any]:
        loaded = await self.load()
        return dict(loaded.published.as_dict(private=False))

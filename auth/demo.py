"""Demo citizens for `make run`, GraphiQL and the documented operations (made-up people)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from auth.crypto import encrypt, keyed_hash
from auth.models import Identity, ProxyGrant, ProxyScope, ProxyStatus, RealNameLevel, User

DEMO_USERS = {
    # An elder who uses the app with her son's help; ID numbers are fictitious.
    "demo": ("张桂兰", "13812345678", "41010519520315122X"),
    "demo-relative": ("李明", "13987654321", "410105198006061234"),
}
DEMO_GRANT_ID = "00000000-0000-4000-8000-00000000d3a0"


async def ensure_demo_users(session: AsyncSession, *, secret: str) -> bool:
    """Creates the demo citizens and the son's authorisation once; True when it did."""
    if await session.get(User, "demo") is not None:
        return False
    now = datetime.now(UTC)
    for user_id, (name, phone, id_number) in DEMO_USERS.items():
        session.add(
            User(
                id=user_id,
                real_name_level=RealNameLevel.ID_VERIFIED,
                name_enc=encrypt(secret, name),
                phone_enc=encrypt(secret, phone),
                id_number_enc=encrypt(secret, id_number),
                id_number_hash=keyed_hash(secret, id_number, purpose="id"),
            )
        )
        await session.flush()
        session.add(
            Identity(
                user_id=user_id,
                provider="demo",
                subject=user_id,
                level=RealNameLevel.ID_VERIFIED,
            )
        )
    session.add(
        ProxyGrant(
            id=DEMO_GRANT_ID,
            grantor_id="demo",
            grantee_id="demo-relative",
            relation="child",
            scopes=sorted(s.value for s in ProxyScope),
            status=ProxyStatus.ACTIVE,
            created_at=now,
            accepted_at=now,
            expires_at=now + timedelta(days=365),
        )
    )
    await session.flush()
    return True

"""Demo citizens for `make run`, GraphiQL and the documented operations (made-up people)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from auth.crypto import encrypt, keyed_hash
from auth.models import Identity, ProxyGrant, ProxyScope, ProxyStatus, RealNameLevel, User

DEMO_USERS = {
    # An elder who uses the app with her son's help; ID numbers are fictitious.
    "demo": ("张桂兰", "13812345678", "410105195203151228"),
    "demo-relative": ("李明", "13987654321", "410105198006061235"),
    # A young mother, for the 新生儿出生一件事 demo (her baby's 出生医学证明 is in the local
    # licence library).
    "demo-parent": ("王芳", "13700001111", "410103199508120268"),
}
DEMO_GRANT_ID = "00000000-0000-4000-8000-00000000d3a0"


async def ensure_demo_users(session: AsyncSession, *, secret: str) -> bool:
    """Creates the demo citizens and the son's authorisation once; True when it did."""
    now = datetime.now(UTC)
    created = False
    for user_id, (name, phone, id_number) in DEMO_USERS.items():
        existing = await session.get(User, user_id)
        if existing is not None:
            # Databases seeded before the demo ID numbers got valid check digits: the licence
            # library knows the people by the corrected numbers.
            wanted = keyed_hash(secret, id_number, purpose="id")
            if existing.id_number_hash != wanted:
                existing.id_number_enc = encrypt(secret, id_number)
                existing.id_number_hash = wanted
            continue
        created = True
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
    if not created or await session.get(ProxyGrant, DEMO_GRANT_ID) is not None:
        await session.flush()
        return created
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

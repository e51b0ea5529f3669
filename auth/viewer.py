"""Who is asking: the signed-in citizen, and whom they are acting for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from accessibility.i18n import _
from auth.accounts import AccountService, effective_level
from auth.models import ProxyGrant, ProxyScope, RealNameLevel, User
from auth.proxies import ProxyService
from auth.tokens import AuthError, AuthErrorCode
from bff.errors import ErrorCode, HaobanError


@dataclass(frozen=True)
class Viewer:
    user_id: str
    session_id: str
    acting_grant_id: str | None
    saved_presentation: str | None


NEXT_STEP = {
    RealNameLevel.ID_VERIFIED: "VERIFY_ID",
    RealNameLevel.FACE_VERIFIED: "VERIFY_FACE",
}


def unauthenticated(error: AuthError | None) -> HaobanError:
    if error is not None and error.code is AuthErrorCode.TOKEN_EXPIRED:
        return HaobanError(
            ErrorCode.TOKEN_EXPIRED, "Your sign-in has expired; refresh the token."
        ).with_extra(nextStep="REFRESH_TOKEN")
    return HaobanError(ErrorCode.UNAUTHENTICATED, "Please sign in first.").with_extra(
        nextStep="SIGN_IN"
    )


def level_too_low(required: RealNameLevel) -> HaobanError:
    message = (
        _("Please verify your face first.")
        if required is RealNameLevel.FACE_VERIFIED
        else _("Please verify your real name first.")
    )
    return HaobanError(ErrorCode.REAL_NAME_LEVEL_TOO_LOW, message).with_extra(
        requiredLevel=required.name, nextStep=NEXT_STEP[required]
    )


async def require_level(
    session: AsyncSession,
    *,
    secret: str,
    user_id: str,
    required: RealNameLevel,
    face_ttl: timedelta,
) -> User:
    """The viewer's account, if its current level meets `required`; else a typed error that
    tells the client the next step (verify the ID, or verify the face)."""
    user = await AccountService(session, secret=secret).get(user_id)
    if user is None:
        raise unauthenticated(None)
    if effective_level(user, now=datetime.now(UTC), face_ttl=face_ttl) < required:
        raise level_too_low(required)
    return user


async def acting_subject(
    session: AsyncSession, viewer: Viewer, scope: ProxyScope
) -> tuple[str, ProxyGrant | None]:
    """Whose data an act touches: the viewer's own, or (when acting for someone) the
    grantor's, if the grant is in force and covers `scope`."""
    if viewer.acting_grant_id is None:
        return viewer.user_id, None
    grant = await ProxyService(session).usable_grant(
        grantee_id=viewer.user_id, grant_id=viewer.acting_grant_id
    )
    if scope.value not in grant.scopes:
        raise HaobanError(
            ErrorCode.PROXY_SCOPE_MISSING, "Your authorisation does not cover this."
        ).with_extra(requiredScope=scope.name)
    return grant.grantor_id, grant

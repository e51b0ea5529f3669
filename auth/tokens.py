"""Our tokens: short-lived signed access tokens and rotating opaque refresh tokens."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwt import JWTClaimsRegistry

from auth.keys import ALGORITHM, KeyRing
from auth.sessions import RotateOutcome, SessionInfo, SessionStore

AUDIENCE = "haoban-api"


class AuthErrorCode(StrEnum):
    TOKEN_INVALID = "TOKEN_INVALID"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    SESSION_REVOKED = "SESSION_REVOKED"
    REFRESH_TOKEN_INVALID = "REFRESH_TOKEN_INVALID"
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"


class AuthError(Exception):
    def __init__(self, code: AuthErrorCode) -> None:
        super().__init__(code.value)
        self.code = code


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str
    token_type: str = "Bearer"

    def as_response(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": self.expires_in,
            "token_type": self.token_type,
        }


@dataclass(frozen=True)
class VerifiedToken:
    user_id: str
    session: SessionInfo


class TokenService:
    def __init__(
        self,
        *,
        keyring: KeyRing,
        sessions: SessionStore,
        issuer: str,
        access_ttl: int,
        allow_dev_tokens: bool = False,
    ) -> None:
        if access_ttl > 15 * 60:
            raise ValueError("access tokens live at most 15 minutes")
        self.keyring = keyring
        self.sessions = sessions
        self.issuer = issuer
        self.access_ttl = access_ttl
        # `haoban token` without Redis: the CLI cannot reach the server's in-process store,
        # so in development only its tokens carry the session instead of pointing at one.
        self.allow_dev_tokens = allow_dev_tokens
        self._claims = JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": AUDIENCE},
            sub={"essential": True},
            sid={"essential": True},
            exp={"essential": True},
        )

    async def _access_token(
        self, user_id: str, session_id: str, *, ttl: int | None = None, dev: bool = False
    ) -> str:
        keys = await self.keyring.load()
        now = int(time.time())
        ttl = min(ttl or self.access_ttl, 15 * 60)
        header = {"alg": ALGORITHM, "kid": keys.active.kid, "typ": "at+jwt"}
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": user_id,
            "sid": session_id,
            "iat": now,
            "exp": now + ttl,
            "jti": secrets.token_urlsafe(12),
        }
        if dev:
            claims["dev"] = True
        return jwt.encode(header, claims, keys.active, algorithms=[ALGORITHM])

    async def sign_in(
        self, *, user_id: str, client: str, provider: str, presentation: str | None = None
    ) -> TokenPair:
        sid, refresh = await self.sessions.create(
            user_id=user_id, client=client, provider=provider, presentation=presentation
        )
        access = await self._access_token(user_id, sid)
        return TokenPair(access, refresh, self.access_ttl, sid)

    async def dev_token(self, *, user_id: str, ttl: int, shared_store: bool) -> str:
        """An access token for scripts and GraphiQL (`haoban token`, development only)."""
        if shared_store:
            pair = await self.sign_in(user_id=user_id, client="cli", provider="dev")
            return await self._access_token(user_id, pair.session_id, ttl=ttl)
        return await self._access_token(
            user_id, "dev-" + secrets.token_urlsafe(8), ttl=ttl, dev=True
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        rotation = await self.sessions.rotate(refresh_token)
        if rotation.outcome is RotateOutcome.REUSE:
            raise AuthError(AuthErrorCode.REFRESH_TOKEN_REUSED)
        if rotation.outcome is RotateOutcome.REVOKED:
            raise AuthError(AuthErrorCode.SESSION_REVOKED)
        if rotation.outcome is not RotateOutcome.OK or not rotation.refresh_token:
            raise AuthError(AuthErrorCode.REFRESH_TOKEN_INVALID)
        assert rotation.user_id and rotation.session_id
        access = await self._access_token(rotation.user_id, rotation.session_id)
        return TokenPair(access, rotation.refresh_token, self.access_ttl, rotation.session_id)

    async def verify(self, access_token: str) -> VerifiedToken:
        """Signature, issuer, audience and expiry, then the session must still be live."""
        if len(access_token) > 4096:
            raise AuthError(AuthErrorCode.TOKEN_INVALID)
        keys = await self.keyring.load()
        try:
            token = jwt.decode(access_token, keys.published, algorithms=[ALGORITHM])
        except InvalidKeyIdError:
            # An unknown kid may be a key another instance just rotated in.
            keys = await self.keyring.load(force=True)
            try:
                token = jwt.decode(access_token, keys.published, algorithms=[ALGORITHM])
            except (JoseError, ValueError) as exc:
                raise AuthError(AuthErrorCode.TOKEN_INVALID) from exc
        except (JoseError, ValueError) as exc:
            raise AuthError(AuthErrorCode.TOKEN_INVALID) from exc
        if token.header.get("typ") != "at+jwt":
            raise AuthError(AuthErrorCode.TOKEN_INVALID)
        try:
            self._claims.validate(token.claims)
        except JoseError as exc:
            expired = getattr(exc, "error", "") == "expired_token"
            raise AuthError(
                AuthErrorCode.TOKEN_EXPIRED if expired else AuthErrorCode.TOKEN_INVALID
            ) from exc
        session = await self.sessions.get(str(token.claims["sid"]))
        if session is None and self.allow_dev_tokens and token.claims.get("dev") is True:
            now = time.time()
            session = SessionInfo(
                id=str(token.claims["sid"]),
                user_id=str(token.claims["sub"]),
                client="cli",
                provider="dev",
                created_at=now,
                last_seen_at=now,
                acting_grant_id=None,
                presentation=None,
            )
        if session is None or session.user_id != token.claims["sub"]:
            raise AuthError(AuthErrorCode.SESSION_REVOKED)
        return VerifiedToken(user_id=str(token.claims["sub"]), session=session)

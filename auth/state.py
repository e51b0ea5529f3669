"""Identity components built once per process (the composition root calls `build_auth`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.keys import KeyRing
from auth.oidc import OidcProviders
from auth.ratelimit import RateLimiter
from auth.sessions import SessionStore
from auth.tokens import TokenService
from bff.settings import Settings


@dataclass
class AuthState:
    keyring: KeyRing
    sessions: SessionStore
    tokens: TokenService
    oidc: OidcProviders
    limiter: RateLimiter
    miniprograms: dict[str, Any] = field(default_factory=dict)

    async def aclose(self) -> None:
        for login in self.miniprograms.values():
            await login.aclose()
        await self.limiter.aclose()


def build_auth(
    settings: Settings, *, sessionmaker: async_sessionmaker[AsyncSession], redis: Redis
) -> AuthState:
    keyring = KeyRing(
        sessionmaker,
        secret=settings.secret_key,
        access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
    )
    sessions = SessionStore(
        redis,
        session_ttl=settings.session_ttl_seconds,
        refresh_ttl=settings.refresh_token_ttl_seconds,
    )
    tokens = TokenService(
        keyring=keyring,
        sessions=sessions,
        issuer=settings.issuer,
        access_ttl=settings.access_token_ttl_seconds,
        allow_dev_tokens=settings.is_dev and not settings.redis_url,
    )
    oidc = OidcProviders(settings.oidc_providers, redis, state_ttl=settings.login_state_ttl_seconds)
    return AuthState(
        keyring=keyring,
        sessions=sessions,
        tokens=tokens,
        oidc=oidc,
        limiter=RateLimiter(settings.redis_url),
        miniprograms=_miniprograms(settings, redis),
    )


def _miniprograms(settings: Settings, redis: Redis) -> dict[str, Any]:
    try:
        from integrations.miniprogram import (
            build_http_miniprogram_logins,
            build_local_miniprogram_logins,
        )
    except ImportError:  # pragma: no cover - the adapters ship with the package
        return {}
    if settings.miniprograms:
        logins: dict[str, Any] = build_http_miniprogram_logins(settings.miniprograms)
        return logins
    local: dict[str, Any] = build_local_miniprogram_logins(redis, secret=settings.secret_key)
    return local

"""Third-party OpenID Connect providers (authlib client), with login state in Redis.

Authlib keeps each login's state, PKCE verifier and nonce in our cache (Redis) under the state
value, and only an expiry marker in the signed session cookie, which binds the callback to the
browser that started it. Our cache reads with GETDEL, so a state is good for one callback only,
even when two instances race.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from redis.asyncio import Redis

from auth.accounts import VerifiedClaims
from auth.models import RealNameLevel

STATE_PREFIX = "haoban:auth:oidc:"


class RedisStateCache:
    """The cache interface authlib's Starlette integration expects."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def get(self, key: str) -> str | None:
        value = await self.redis.getdel(STATE_PREFIX + key)
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    async def set(self, key: str, value: str, expires: int | None = None) -> None:
        await self.redis.set(STATE_PREFIX + key, value, ex=expires or 600)

    async def delete(self, key: str) -> None:
        await self.redis.delete(STATE_PREFIX + key)


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    level: RealNameLevel
    verified_claim: str | None
    claim_names: dict[str, str]


def _level(value: str | None) -> RealNameLevel:
    return RealNameLevel.ID_VERIFIED if value == "id_verified" else RealNameLevel.ACCOUNT


class OidcProviders:
    """HAOBAN_OIDC_PROVIDERS: name → {server_metadata_url, client_id, client_secret, scope,
    real_name_level ("account" | "id_verified"), verified_claim?, claims?}."""

    def __init__(
        self, providers: dict[str, dict[str, Any]], redis: Redis, *, state_ttl: int
    ) -> None:
        self.oauth = OAuth(cache=RedisStateCache(redis))
        self.configs: dict[str, ProviderConfig] = {}
        for name, conf in providers.items():
            scope = str(conf.get("scope") or "openid")
            if "openid" not in scope.split():
                scope = "openid " + scope
            self.oauth.register(
                name,
                client_id=conf["client_id"],
                client_secret=conf.get("client_secret"),
                server_metadata_url=conf["server_metadata_url"],
                client_kwargs={
                    "scope": scope,
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": conf.get(
                        "token_endpoint_auth_method", "client_secret_basic"
                    ),
                    "timeout": 10,
                },
            )
            client = self.oauth.create_client(name)
            assert client is not None
            client.framework.expires_in = state_ttl
            self.configs[name] = ProviderConfig(
                name=name,
                level=_level(conf.get("real_name_level")),
                verified_claim=conf.get("verified_claim"),
                claim_names={
                    "name": "name",
                    "phone": "phone_number",
                    "id_number": "id_number",
                    **conf.get("claims", {}),
                },
            )

    def client(self, name: str) -> StarletteOAuth2App | None:
        if name not in self.configs:
            return None
        client: StarletteOAuth2App | None = self.oauth.create_client(name)
        return client

    def level_and_claims(
        self, name: str, userinfo: dict[str, Any]
    ) -> tuple[RealNameLevel, VerifiedClaims]:
        """The provider's trust level, unless it says per user whether the ID was verified."""
        conf = self.configs[name]
        level = conf.level
        if conf.verified_claim is not None and not userinfo.get(conf.verified_claim):
            level = RealNameLevel.ACCOUNT
        names = conf.claim_names
        return level, VerifiedClaims(
            name=userinfo.get(names["name"]),
            phone=userinfo.get(names["phone"]),
            id_number=userinfo.get(names["id_number"]),
        )

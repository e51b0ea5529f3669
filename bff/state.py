"""Process-wide resources built once in the lifespan, and shared-state keys in Redis."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from auth.state import AuthState
from bff.catalogue.repository import CatalogueRepository
from bff.catalogue.service import SearchRegistry
from bff.settings import Settings

CATALOGUE_VERSION_KEY = "haoban:catalogue:version"
# The version is re-read from the database when the key expires, so a change made without
# publishing (or, with the in-process store, by another process such as the CLI) is picked up.
SHARED_VERSION_TTL_SECONDS = 60
LOCAL_VERSION_TTL_SECONDS = 3


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    search: SearchRegistry
    auth: AuthState


async def catalogue_version(state: AppState) -> int:
    """The catalogue's version, shared through Redis so every instance agrees at once."""
    raw = await state.redis.get(CATALOGUE_VERSION_KEY)
    if raw is not None:
        return int(raw)
    async with state.sessionmaker() as session:
        version = await CatalogueRepository(session).version()
    ttl = SHARED_VERSION_TTL_SECONDS if state.settings.redis_url else LOCAL_VERSION_TTL_SECONDS
    await state.redis.set(CATALOGUE_VERSION_KEY, version, nx=True, ex=ttl)
    return version


async def publish_catalogue_version(redis: Redis, version: int) -> None:
    await redis.set(CATALOGUE_VERSION_KEY, version, ex=SHARED_VERSION_TTL_SECONDS)

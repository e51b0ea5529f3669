"""Process-wide resources built once in the lifespan, and shared-state keys in Redis."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bff.catalogue.repository import CatalogueRepository
from bff.catalogue.service import SearchRegistry
from bff.settings import Settings

CATALOGUE_VERSION_KEY = "haoban:catalogue:version"


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    search: SearchRegistry


async def catalogue_version(state: AppState) -> int:
    """The catalogue's version, shared through Redis so every instance agrees at once."""
    raw = await state.redis.get(CATALOGUE_VERSION_KEY)
    if raw is not None:
        return int(raw)
    async with state.sessionmaker() as session:
        version = await CatalogueRepository(session).version()
    await state.redis.set(CATALOGUE_VERSION_KEY, version, nx=True)
    return version


async def publish_catalogue_version(redis: Redis, version: int) -> None:
    await redis.set(CATALOGUE_VERSION_KEY, version)

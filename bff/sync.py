"""Catalogue sync: from an upstream port into the database, in one transaction."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bff.catalogue.importer import CatalogueImporter, ProgressCallback, SyncReport
from bff.catalogue.models import CatalogueState
from bff.state import publish_catalogue_version
from integrations.catalogue.port import CatalogueUpstream


async def sync_catalogue(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    upstream: CatalogueUpstream,
    full: bool = False,
    progress: ProgressCallback | None = None,
    redis: Redis | None = None,
) -> SyncReport:
    """Imports what changed since the last sync. Commits once; any failure writes nothing.

    With `redis`, a changed catalogue's new version is published after the commit, which
    invalidates every instance's response cache and search index at once.
    """
    async with sessionmaker() as session:
        state = await session.get(CatalogueState, 1)
        since = None if full or state is None else state.sync_cursor
        importer = CatalogueImporter(session, progress=progress)
        try:
            report = await importer.apply_stream(upstream.fetch_changes(since=since))
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
    if redis is not None and report.changed and report.version is not None:
        await publish_catalogue_version(redis, report.version)
    return report


async def catalogue_is_empty(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    async with sessionmaker() as session:
        state = await session.get(CatalogueState, 1)
        return state is None or not state.version

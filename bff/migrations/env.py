"""Alembic environment: async engine, the app's metadata, our URL from Settings."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import auth.models  # noqa: F401  (registers the tables)
import bff.appointments.models
import bff.calendar.models
import bff.cases.models
import bff.catalogue.models
import bff.flows.models
import bff.notifications.models
import bff.ratings.models  # noqa: F401
from bff.db import Base, create_engine
from bff.settings import Settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())

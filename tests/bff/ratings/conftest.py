"""A fresh SQLite file database per test, with every table and three citizens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import bff.cases.models
import bff.catalogue.models
import bff.ratings.models  # noqa: F401  (every table must be registered before create_all)
from auth.models import User
from bff.calendar.calendar import WorkingCalendar
from bff.catalogue.models import Department
from bff.db import Base, create_engine, create_sessionmaker
from tests.bff.ratings.support import USERS, add_department


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'ratings.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine)() as session:
        session.add_all(User(id=user_id) for user_id in USERS)
        await session.flush()
        yield session
        await session.rollback()


@pytest.fixture(scope="session")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.bundled()


@pytest.fixture
async def department(session: AsyncSession) -> Department:
    return await add_department(session, code="PSB", name="市公安局")

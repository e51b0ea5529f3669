"""Shared fixtures: a migrated, seeded database and the app, on the embedded defaults or on
PostgreSQL and Redis when HAOBAN_TEST_DATABASE_URL / HAOBAN_TEST_REDIS_URL are set."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bff.app import create_app
from bff.db import create_engine, create_sessionmaker
from bff.migrate import upgrade
from bff.settings import Settings
from bff.sync import sync_catalogue
from integrations.catalogue.local import LocalCatalogue

# Background jobs run when a test runs them, not on their own (servers started by tests too).
os.environ.setdefault("HAOBAN_RUN_JOBS_IN_PROCESS", "false")
os.environ.setdefault("HAOBAN_REFERENCE_CASES", "false")

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("HAOBAN_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("HAOBAN_TEST_REDIS_URL")


async def reset_database(url: str) -> None:
    """An empty database at the latest migration."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await asyncio.to_thread(upgrade, url)


async def seed(url: str, *, secret: str | None = None) -> None:
    """The demo catalogue and the demo citizens, as `haoban seed` makes them."""
    from auth.demo import ensure_demo_users
    from bff.settings import DEV_SECRET_KEY

    engine = create_engine(url)
    try:
        maker = create_sessionmaker(engine)
        report = await sync_catalogue(sessionmaker=maker, upstream=LocalCatalogue(), full=True)
        assert not report.rejected, report.rejected
        from bff.calendar.repository import load_calendar
        from bff.cases.demo import ensure_demo_cases

        async with maker() as session:
            await ensure_demo_users(session, secret=secret or DEV_SECRET_KEY)
            await session.commit()
            from bff.appointments.service import seed_hall_sessions

            await seed_hall_sessions(session)
            await session.commit()
            await ensure_demo_cases(
                session, calendar=await load_calendar(session), secret=secret or DEV_SECRET_KEY
            )
            await session.commit()
            from bff.flows.demo import ensure_demo_flow

            await ensure_demo_flow(session)
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        return PG_URL
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'haoban.sqlite3'}"


@pytest.fixture(scope="session")
async def seeded_database(database_url: str) -> str:
    await reset_database(database_url)
    await seed(database_url)
    return database_url


@pytest.fixture(scope="session")
async def flushed_redis() -> str | None:
    if REDIS_URL:
        from redis.asyncio import Redis

        client = Redis.from_url(REDIS_URL)
        await client.flushdb()
        await client.aclose()
    return REDIS_URL


@pytest.fixture(scope="session")
def settings(seeded_database: str, flushed_redis: str | None) -> Settings:
    # Every test request comes from one address: limits high enough for the whole suite
    # (tests of the limits themselves build their own settings).
    return Settings(
        database_url=seeded_database,
        redis_url=flushed_redis,
        graphql_rate_limit="100000/minute",
        case_lookup_rate_limit="100000/minute",
        # Jobs run when a test runs them, not in the background.
        run_jobs_in_process=False,
        reference_cases=False,
        auth_rate_limit_per_ip="10000/minute",
        auth_rate_limit_per_account="10000/minute",
    )


@pytest.fixture(scope="session")
async def app_and_client(settings: Settings) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client


@pytest.fixture
def app(app_and_client: tuple[Any, httpx.AsyncClient]) -> Any:
    return app_and_client[0]


@pytest.fixture
def client(app_and_client: tuple[Any, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_and_client[1]


class GraphQLClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        expect_errors: bool = False,
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
        )
        body: dict[str, Any] = response.json()
        if not expect_errors:
            assert "errors" not in body, body["errors"]
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, *args: Any) -> None:
        self.count += 1
        self.statements.append(str(args[2])[:200])


@pytest.fixture
def count_statements(app: Any) -> Iterator[StatementCounter]:
    engine: AsyncEngine = app.state.haoban.engine
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", counter)

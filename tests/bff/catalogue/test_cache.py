"""Public catalogue responses come from Redis and change as soon as the catalogue changes."""

from __future__ import annotations

import asyncio
import copy
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from bff.app import create_app
from bff.migrate import upgrade
from bff.settings import Settings
from bff.sync import sync_catalogue
from integrations.catalogue.local import DEMO_CATALOGUE, LocalCatalogue
from tests.conftest import StatementCounter

QUERY = "query($code: String!) { serviceItem(code: $code) { name title } }"


@pytest.fixture
async def isolated(tmp_path: Path) -> AsyncIterator[tuple[Any, httpx.AsyncClient, Path]]:
    """Its own database, and its own Redis database so cache keys never meet the suite's."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cache.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    source = tmp_path / "catalogue.json"
    source.write_bytes(DEMO_CATALOGUE.read_bytes())
    redis_url = os.environ.get("HAOBAN_TEST_REDIS_URL")
    if redis_url:
        redis_url = redis_url.rsplit("/", 1)[0] + "/14"
    app = create_app(Settings(database_url=url, redis_url=redis_url))
    async with app.router.lifespan_context(app):
        state = app.state.haoban
        await state.redis.flushdb()
        await sync_catalogue(
            sessionmaker=state.sessionmaker, upstream=LocalCatalogue(source), redis=state.redis
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield app, client, source


async def _ask(client: httpx.AsyncClient, code: str, **headers: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": QUERY, "variables": {"code": code}}, headers=headers
    )
    data: dict[str, Any] = response.json()["data"]["serviceItem"]
    return data


async def test_repeated_query_is_served_from_the_cache_and_refreshed_on_change(
    isolated: tuple[Any, httpx.AsyncClient, Path],
) -> None:
    app, client, source = isolated
    catalogue = json.loads(source.read_text(encoding="utf-8"))
    item = next(i for i in catalogue["items"] if i["name"] == "住房公积金提取")
    counter = StatementCounter()
    event.listen(app.state.haoban.engine.sync_engine, "before_cursor_execute", counter)
    try:
        first = await _ask(client, item["task_code"])
        assert first["name"] == "住房公积金提取" and counter.count > 0
        counter.count = 0
        assert await _ask(client, item["task_code"]) == first
        assert counter.count == 0, "the second answer should come from the cache"

        elder = await _ask(client, item["task_code"], **{"X-Haoban-Mode": "elder"})
        assert elder["title"] != first["title"], "presentation is part of the cache key"

        changed = copy.deepcopy(catalogue)
        target = next(i for i in changed["items"] if i["task_code"] == item["task_code"])
        target["name"] = "住房公积金提取（新版指南）"
        source.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
        state = app.state.haoban
        report = await sync_catalogue(
            sessionmaker=state.sessionmaker, upstream=LocalCatalogue(source), redis=state.redis
        )
        assert report.updated == 1
        assert (await _ask(client, item["task_code"]))["name"] == "住房公积金提取（新版指南）"
        search = await client.post(
            "/graphql",
            json={"query": '{ search(text: "新版指南", first: 1) { results { match { text } } } }'},
        )
        assert (
            search.json()["data"]["search"]["results"][0]["match"]["text"]
            == "住房公积金提取（新版指南）"
        )
    finally:
        event.remove(app.state.haoban.engine.sync_engine, "before_cursor_execute", counter)

"""`haoban catalogue sync`: incremental, idempotent, per-record reports, nothing half-written."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bff.catalogue.models import Material, ServiceItem
from bff.db import create_engine, create_sessionmaker
from bff.migrate import upgrade
from bff.sync import sync_catalogue
from integrations.catalogue.local import DEMO_CATALOGUE, LocalCatalogue
from integrations.catalogue.models import RawBatch


@pytest.fixture
def demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    return data


@pytest.fixture
async def empty_db(tmp_path: Path) -> AsyncIterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sync.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    yield url


def _write(tmp_path: Path, data: dict[str, Any], name: str = "catalogue.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


async def _count(url: str, model: Any) -> int:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        value = await session.scalar(select(func.count()).select_from(model))
    await engine.dispose()
    return int(value or 0)


async def test_sync_is_idempotent_and_incremental(empty_db: str, demo: dict[str, Any]) -> None:
    engine = create_engine(empty_db)
    maker = create_sessionmaker(engine)
    first = await sync_catalogue(sessionmaker=maker, upstream=LocalCatalogue())
    assert first.created == sum(len(demo[k]) for k in ("departments", "halls", "items", "bundles"))
    assert not first.rejected and first.version == 1
    again = await sync_catalogue(sessionmaker=maker, upstream=LocalCatalogue())
    assert (again.created, again.updated, again.version) == (0, 0, 1)
    full = await sync_catalogue(sessionmaker=maker, upstream=LocalCatalogue(), full=True)
    assert full.unchanged == first.created and full.version == 1
    await engine.dispose()


async def test_changed_record_is_updated_and_bumps_the_version(
    empty_db: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    engine = create_engine(empty_db)
    maker = create_sessionmaker(engine)
    await sync_catalogue(sessionmaker=maker, upstream=LocalCatalogue(_write(tmp_path, demo)))
    changed = copy.deepcopy(demo)
    item = next(
        i
        for i in changed["items"]
        if any(m["source"] == "upload" and m["required"] for m in i["materials"])
    )
    for material in item["materials"]:
        material["source"] = "commitment"
    report = await sync_catalogue(
        sessionmaker=maker, upstream=LocalCatalogue(_write(tmp_path, changed, "v2.json"))
    )
    assert (report.created, report.updated, report.version) == (0, 1, 2)
    async with maker() as session:
        row = await session.scalar(
            select(ServiceItem).where(ServiceItem.task_code == item["task_code"])
        )
        assert row is not None and row.zero_material is True
    await engine.dispose()


async def test_invalid_records_are_reported_one_by_one_and_not_written(
    empty_db: str, demo: dict[str, Any], tmp_path: Path
) -> None:
    broken = copy.deepcopy(demo)
    good_items = len(broken["items"])
    bad_type = copy.deepcopy(broken["items"][0]) | {"task_code": "BAD-TYPE", "type": "wizardry"}
    bad_dept = copy.deepcopy(broken["items"][1]) | {
        "task_code": "BAD-DEPT",
        "department_code": "nowhere",
    }
    bad_days = copy.deepcopy(broken["items"][2]) | {
        "task_code": "BAD-DAYS",
        "legal_days": 1,
        "promise_days": 9,
    }
    broken["items"] += [bad_type, bad_dept, bad_days]
    engine = create_engine(empty_db)
    report = await sync_catalogue(
        sessionmaker=create_sessionmaker(engine), upstream=LocalCatalogue(_write(tmp_path, broken))
    )
    await engine.dispose()
    rejected = {r.key: r.errors for r in report.rejected}
    assert set(rejected) == {"BAD-TYPE", "BAD-DEPT", "BAD-DAYS"}
    assert any("type" in e for e in rejected["BAD-TYPE"])
    assert any("department" in e for e in rejected["BAD-DEPT"])
    assert any("promise_days" in e for e in rejected["BAD-DAYS"])
    assert await _count(empty_db, ServiceItem) == good_items


class _FailingUpstream:
    name = "failing"

    def __init__(self, inner: LocalCatalogue) -> None:
        self.inner = inner

    async def fetch_changes(self, *, since: str | None) -> AsyncIterator[RawBatch]:
        count = 0
        async for batch in self.inner.fetch_changes(since=since):
            count += 1
            if count > 3:
                raise ConnectionError("upstream went away")
            yield batch


async def test_a_sync_that_fails_midway_writes_nothing(empty_db: str) -> None:
    engine = create_engine(empty_db)
    with pytest.raises(ConnectionError):
        await sync_catalogue(
            sessionmaker=create_sessionmaker(engine),
            upstream=_FailingUpstream(LocalCatalogue(page_size=50)),
        )
    await engine.dispose()
    assert await _count(empty_db, ServiceItem) == 0
    assert await _count(empty_db, Material) == 0

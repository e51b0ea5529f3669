"""One contract for every QueueSystem adapter: the embedded one on Redis (fakeredis, or the
real Redis at HAOBAN_TEST_REDIS_URL) and the HTTP adapter talking to the reference app."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fakeredis
import httpx
import pytest
from redis.asyncio import Redis

from integrations.queue.http import HttpQueueSystem
from integrations.queue.local import LocalQueueSystem
from integrations.queue.port import QueueSystem
from integrations.queue.reference import create_reference_app

REDIS_URL = os.environ.get("HAOBAN_TEST_REDIS_URL")
TOKEN = "queue-token"
HALL = "hall-zz-bdc"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 12, 6, 1, 0, tzinfo=UTC)  # 09:00 in China

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Subject:
    system: QueueSystem
    serve_next: Callable[[str, str], Awaitable[str | None]]
    clock: Clock


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Redis, str]]:
    prefix = f"test-queue-{uuid.uuid4().hex[:12]}"
    client: Redis = Redis.from_url(REDIS_URL) if REDIS_URL else fakeredis.FakeAsyncRedis()
    yield client, prefix
    if REDIS_URL:
        async for key in client.scan_iter(match=f"{prefix}:*"):
            await client.delete(key)
    await client.aclose()


@pytest.fixture(params=["local", "http"])
async def subject(
    request: pytest.FixtureRequest, redis: tuple[Redis, str]
) -> AsyncIterator[Subject]:
    client, prefix = redis
    clock = Clock()
    local = LocalQueueSystem(
        client, prefix=prefix, windows={"公积金": "B区 5-8号窗口"}, clock=clock
    )
    if request.param == "local":
        yield Subject(local, local.serve_next, clock)
        return
    app = create_reference_app(local, token=TOKEN)
    http_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://q")
    system = HttpQueueSystem("http://q", token=TOKEN, client=http_client)
    yield Subject(system, local.serve_next, clock)
    await system.aclose()
    await http_client.aclose()


async def issue(
    subject: Subject,
    booking_id: str,
    *,
    category: str = "公积金",
    hall: str = HALL,
    priority: bool = False,
) -> str:
    ticket = await subject.system.issue_ticket(
        hall_code=hall, category=category, booking_id=booking_id, priority=priority
    )
    return ticket.number


async def test_numbers_rise_per_hall_and_category_with_the_category_letter(
    subject: Subject,
) -> None:
    assert [await issue(subject, f"b{i}") for i in range(3)] == ["B001", "B002", "B003"]
    assert await issue(subject, "x1", category="不动产") == "A001"
    assert await issue(subject, "x2", category="车驾管") == "C001"
    assert await issue(subject, "x3", category="出入境") == "D001"
    assert await issue(subject, "x4", category="医社保") == "E001"
    assert await issue(subject, "x5", category="综合") == "F001"
    assert await issue(subject, "x6", category="社会事务") == "F002"  # one 综合 queue
    assert await issue(subject, "x7", hall="hall-zz-gjj") == "B001"  # another hall


async def test_a_new_china_day_starts_the_numbers_again(subject: Subject) -> None:
    assert await issue(subject, "d1") == "B001"
    subject.clock.now += timedelta(hours=14)  # 23:00 in China: the same day
    assert await issue(subject, "d2") == "B002"
    subject.clock.now += timedelta(hours=2)  # 01:00 the next day in China
    assert await issue(subject, "d3") == "B001"


async def test_the_same_booking_gets_the_same_ticket(subject: Subject) -> None:
    first = await subject.system.issue_ticket(
        hall_code=HALL, category="公积金", booking_id="bk", priority=False
    )
    await issue(subject, "other")
    subject.clock.now += timedelta(minutes=5)
    again = await subject.system.issue_ticket(
        hall_code=HALL, category="公积金", booking_id="bk", priority=False
    )
    assert again == first
    assert first.window_hint == "B区 5-8号窗口"
    assert first.issued_at == datetime(2025, 12, 6, 1, 0, tzinfo=UTC)
    assert await issue(subject, "next") == "B003"  # the retry took no number


async def test_twenty_concurrent_bookings_get_twenty_distinct_consecutive_numbers(
    subject: Subject,
) -> None:
    numbers = await asyncio.gather(*(issue(subject, f"c{i}") for i in range(20)))
    assert sorted(numbers) == [f"B{i:03d}" for i in range(1, 21)]


async def test_ten_concurrent_requests_for_one_booking_get_one_number(subject: Subject) -> None:
    numbers = await asyncio.gather(*(issue(subject, "same") for _ in range(10)))
    assert set(numbers) == {"B001"}
    assert await issue(subject, "after") == "B002"


async def test_priority_tickets_have_their_own_range_and_are_called_first(
    subject: Subject,
) -> None:
    assert await issue(subject, "walk-in-1") == "B001"
    assert await issue(subject, "walk-in-2") == "B002"
    assert await issue(subject, "booked-1", priority=True) == "YB001"
    assert await issue(subject, "booked-2", priority=True) == "YB002"
    assert re.fullmatch(r"Y[A-F]\d{3}", await issue(subject, "booked-3", priority=True))
    called = [await subject.serve_next(HALL, "公积金") for _ in range(6)]
    assert called == ["YB001", "YB002", "YB003", "B001", "B002", None]


async def test_waiting_ahead_falls_as_tickets_are_called(subject: Subject) -> None:
    async def ahead(booking_id: str, *, priority: bool = False) -> int:
        ticket = await subject.system.issue_ticket(
            hall_code=HALL, category="公积金", booking_id=booking_id, priority=priority
        )
        return ticket.waiting_ahead

    assert [await ahead(f"w{i}") for i in range(4)] == [0, 1, 2, 3]
    assert await subject.serve_next(HALL, "公积金") == "B001"
    assert await ahead("w3") == 2
    # A booked citizen goes ahead of the walk-ins still waiting...
    assert await ahead("booked", priority=True) == 0
    assert await ahead("w3") == 3
    assert await subject.serve_next(HALL, "公积金") == "YB001"
    assert await ahead("w3") == 2
    for _ in range(3):
        await subject.serve_next(HALL, "公积金")
    assert await ahead("w3") == 0
    assert await ahead("late") == 0  # everyone before was called
    # Another category's queue is another queue.
    assert await subject.serve_next(HALL, "不动产") is None

"""Fixtures for the face tests: the Tencent adapter against the reference server, on fakeredis
and, when HAOBAN_TEST_REDIS_URL is set, on real Redis too (db and keys of the URL's choosing,
under a prefix unique to each test, deleted afterwards)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator

import fakeredis
import pytest
from redis.asyncio import Redis

from tests.integrations.face.support import (
    BACKENDS,
    REDIS_URL,
    SUBJECT,
    Clock,
    Face,
    LeakGuard,
    make_face,
)


@pytest.fixture(params=BACKENDS)
async def face_redis(request: pytest.FixtureRequest) -> AsyncIterator[Redis]:
    if request.param == "fakeredis":
        fake: Redis = fakeredis.FakeAsyncRedis()
        yield fake
        await fake.aclose()
        return
    assert REDIS_URL
    real = Redis.from_url(REDIS_URL)
    yield real
    await real.aclose()


@pytest.fixture
async def prefix(face_redis: Redis) -> AsyncIterator[str]:
    """Keys of this test only, so runs sharing a Redis never collide (never FLUSHDB)."""
    prefix = f"haoban-test:face:{uuid.uuid4().hex}:"
    yield prefix
    keys = [key async for key in face_redis.scan_iter(match=prefix + "*")]
    if keys:
        await face_redis.delete(*keys)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def face(face_redis: Redis, prefix: str, clock: Clock) -> AsyncIterator[Face]:
    harness = make_face(face_redis, prefix=prefix, clock=clock)
    yield harness
    await harness.aclose()


@pytest.fixture
def leaks(caplog: pytest.LogCaptureFixture) -> Iterator[LeakGuard]:
    """Fails the test if a watched value (by default the subject's name and ID number) shows
    up in any log record, httpx's included."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")
    guard = LeakGuard()
    guard.watch(SUBJECT.name, SUBJECT.id_number, SUBJECT.id_number.lower())
    yield guard
    # At teardown caplog.records holds teardown's records only: read the test's own phases.
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert records, "the test should have logged something"
    for record in records:
        text = record.getMessage() + repr(record.args) + (record.exc_text or "")
        if record.exc_info and record.exc_info[1] is not None:
            text += repr(record.exc_info[1])
        for value in guard.values:
            assert value not in text, f"a watched value reached a log record ({record.name})"

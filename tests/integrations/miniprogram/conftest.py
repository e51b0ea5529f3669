"""Fixtures for the mini-program login tests: both platforms' adapters against their reference
servers, on fakeredis and, when HAOBAN_TEST_REDIS_URL is set, on real Redis too."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator

import fakeredis
import pytest
from redis.asyncio import Redis

from integrations.miniprogram.reference import RedisCodeStore, generate_rsa_keypair
from tests.integrations.miniprogram.support import (
    BACKENDS,
    REDIS_URL,
    Harness,
    LeakGuard,
    RsaKeys,
)


@pytest.fixture(scope="session")
def rsa_keys() -> RsaKeys:
    app, alipay, stranger = generate_rsa_keypair(), generate_rsa_keypair(), generate_rsa_keypair()
    return RsaKeys(app[0], app[1], alipay[0], alipay[1], stranger[0], stranger[1])


@pytest.fixture(params=BACKENDS)
async def code_redis(request: pytest.FixtureRequest) -> AsyncIterator[Redis]:
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
async def store(code_redis: Redis) -> AsyncIterator[RedisCodeStore]:
    """A code store under a prefix of its own, so runs sharing a Redis never collide."""
    prefix = f"haoban-test:miniprogram:{uuid.uuid4().hex}:"
    yield RedisCodeStore(code_redis, prefix=prefix)
    keys = [key async for key in code_redis.scan_iter(match=prefix + "*")]
    if keys:
        await code_redis.delete(*keys)


@pytest.fixture
async def wechat(rsa_keys: RsaKeys, store: RedisCodeStore) -> AsyncIterator[Harness]:
    harness = Harness("wechat", rsa_keys, store)
    yield harness
    await harness.aclose()


@pytest.fixture
async def alipay(rsa_keys: RsaKeys, store: RedisCodeStore) -> AsyncIterator[Harness]:
    harness = Harness("alipay", rsa_keys, store)
    yield harness
    await harness.aclose()


@pytest.fixture(params=["wechat", "alipay"])
async def platform(
    request: pytest.FixtureRequest, rsa_keys: RsaKeys, store: RedisCodeStore
) -> AsyncIterator[Harness]:
    harness = Harness(request.param, rsa_keys, store)
    yield harness
    await harness.aclose()


@pytest.fixture
def leaks(caplog: pytest.LogCaptureFixture) -> Iterator[LeakGuard]:
    caplog.set_level(logging.DEBUG)
    # The app quiets httpx to WARNING (bff/logging.py); open it up here so the URL httpx logs
    # is captured and checked, not merely suppressed.
    caplog.set_level(logging.DEBUG, logger="httpx")
    guard = LeakGuard()
    yield guard
    text = caplog.text
    for value in guard.values:
        assert value not in text, "a secret value reached the logs"

"""Redis for shared state; an in-process store (fakeredis) when none is configured (dev only)."""

from __future__ import annotations

from redis.asyncio import Redis

from bff.settings import Settings


def create_redis(settings: Settings) -> Redis:
    if settings.redis_url:
        client: Redis = Redis.from_url(settings.redis_url, decode_responses=False)
        return client
    import fakeredis

    # One process only: the contract allows this for `make run` and refuses it in prod.
    fake: Redis = fakeredis.FakeAsyncRedis()
    return fake

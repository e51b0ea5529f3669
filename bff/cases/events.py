"""Case changes fan out through Redis pub/sub, so a subscriber on any instance hears a change
that arrived at another."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from redis.asyncio import Redis

CHANNEL_PREFIX = "haoban:case-updated:"


async def publish_case_updates(redis: Redis, case_ids: Sequence[str]) -> None:
    for case_id in case_ids:
        await redis.publish(CHANNEL_PREFIX + case_id, case_id)


async def case_updates(redis: Redis, case_id: str) -> AsyncIterator[str]:
    """Yields once per change of the case until the subscriber goes away."""
    pubsub = redis.pubsub()
    await pubsub.subscribe(CHANNEL_PREFIX + case_id)
    try:
        async for message in pubsub.listen():
            if message.get("type") == "message":
                yield case_id
    finally:
        await pubsub.unsubscribe(CHANNEL_PREFIX + case_id)
        await pubsub.aclose()  # type: ignore[no-untyped-call]

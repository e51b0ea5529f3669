"""Abuse limits (sliding windows in Redis, via `limits`): per IP and per account on sign-in,
token and code-exchange endpoints, and per viewer on GraphQL (each root field or alias counts)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int


def _key(value: str) -> str:
    # Keys may be phone numbers or IPs: store a digest, never the value.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        uri = (
            "async+" + redis_url if redis_url else "async+memory://"
        )  # memory: the single-process dev store
        options = {"implementation": "redispy"} if redis_url else {}
        storage = storage_from_string(uri, **options)
        assert isinstance(storage, Storage)  # the "async+" scheme gives the asyncio storages
        self.storage = storage
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)
        self._items: dict[str, RateLimitItem] = {}

    def _item(self, rule: str) -> RateLimitItem:
        item = self._items.get(rule)
        if item is None:
            item = self._items[rule] = parse(rule)
        return item

    async def hit(self, rule: str, scope: str, identity: str, *, cost: int = 1) -> Verdict:
        item = self._item(rule)
        key = _key(identity)
        allowed = await self.strategy.hit(item, "haoban", scope, key, cost=cost)
        if allowed:
            return Verdict(True, 0)
        stats = await self.strategy.get_window_stats(item, "haoban", scope, key)
        return Verdict(False, max(1, int(stats.reset_time - time.time())))

    async def aclose(self) -> None:
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()

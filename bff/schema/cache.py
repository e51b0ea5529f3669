"""Redis cache for public catalogue responses.

Only query documents whose root fields are all public catalogue fields are cached. The key
carries the catalogue version (bumped by every sync, so a change invalidates everything at once
on every instance), the presentation and the locale (output depends on both), and a hash of
the document, operation name and variables.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from redis.asyncio import Redis
from redis.exceptions import RedisError

PUBLIC_ROOT_FIELDS = frozenset(
    {
        "serviceItem",
        "serviceItems",
        "search",
        "bundle",
        "bundles",
        "departments",
        "halls",
        "presentation",
        "highlights",
        "supervisionRanking",
        "__typename",
    }
)
PREFIX = "haoban:gqlcache:"


@lru_cache(maxsize=2048)
def is_public_query(document: str, operation_name: str | None) -> bool:
    """True when the chosen operation is a query touching only public catalogue fields."""
    try:
        ast = parse(document, max_tokens=20_000)
    except GraphQLError:
        return False
    operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return False
    selections = operations[0].selection_set.selections
    # Fragments at the root are rare; not caching them keeps the check simple and safe.
    return all(
        isinstance(sel, FieldNode) and sel.name.value in PUBLIC_ROOT_FIELDS for sel in selections
    )


@lru_cache(maxsize=2048)
def operation_name_of(document: str) -> str | None:
    """The name of the document's only operation, for metrics when the client sent none."""
    try:
        ast = parse(document, max_tokens=20_000)
    except GraphQLError:
        return None
    operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) == 1 and operations[0].name:
        return operations[0].name.value
    return None


@lru_cache(maxsize=2048)
def operation_cost(document: str, max_tokens: int) -> int:
    """What one request counts against the viewer's limit: each root field, and each aliased
    field anywhere (aliases are how one document repeats an expensive field). A document the
    limits refuse anyway counts once, so the client hears about the real problem."""
    try:
        ast = parse(document, max_tokens=max_tokens)
    except GraphQLError:
        return 1
    cost = 0
    for definition in ast.definitions:
        if isinstance(definition, OperationDefinitionNode):
            cost += sum(
                1 for sel in definition.selection_set.selections if isinstance(sel, FieldNode)
            )
    stack = [d for d in ast.definitions if hasattr(d, "selection_set")]
    while stack:
        node = stack.pop()
        selection_set = getattr(node, "selection_set", None)
        if selection_set is None:
            continue
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode) and sel.alias is not None:
                cost += 1
            stack.append(sel)
    return max(1, cost)


def cache_key(
    *,
    version: int,
    presentation: str,
    locale: str,
    document: str,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> str:
    digest = hashlib.sha256()
    digest.update(document.encode())
    digest.update(b"\0" + (operation_name or "").encode() + b"\0")
    digest.update(json.dumps(variables or {}, sort_keys=True, ensure_ascii=False).encode())
    return f"{PREFIX}v{version}:{presentation}:{locale}:{digest.hexdigest()}"


class ResponseCache:
    def __init__(self, redis: Redis, *, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl = ttl_seconds

    async def get(self, key: str) -> dict[str, Any] | None:
        try:
            raw = await self.redis.get(key)
        except RedisError:
            return None  # a cache outage must not take the catalogue down
        if raw is None:
            return None
        value: dict[str, Any] = json.loads(raw)
        return value

    async def set(self, key: str, data: dict[str, Any]) -> None:
        try:
            await self.redis.set(key, json.dumps(data, ensure_ascii=False), ex=self.ttl)
        except RedisError:
            return

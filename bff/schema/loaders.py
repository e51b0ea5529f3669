"""Per-request DataLoaders; each batch is one statement whatever the page size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar, cast

from strawberry.dataloader import DataLoader

from bff.catalogue.models import Bundle, Department, Hall, Material, ServiceItem
from bff.catalogue.repository import CatalogueRepository
from bff.db import RequestDatabase

K = TypeVar("K")
V = TypeVar("V")


def _one(
    db: RequestDatabase, fetch: Callable[[CatalogueRepository, Sequence[K]], Awaitable[dict[K, V]]]
) -> DataLoader[K, V | None]:
    async def load(keys: list[K]) -> list[V | None]:
        async with db.use() as session:
            found = await fetch(CatalogueRepository(session), keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def _many(
    db: RequestDatabase,
    fetch: Callable[[CatalogueRepository, Sequence[K]], Awaitable[dict[K, list[V]]]],
) -> DataLoader[K, list[V]]:
    async def load(keys: list[K]) -> list[list[V]]:
        async with db.use() as session:
            found = await fetch(CatalogueRepository(session), keys)
        return [found.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """Named `<Thing>By<Key>Loader` per the style guide; built lazily for each request."""

    def __init__(self, db: RequestDatabase) -> None:
        self.item_by_id: DataLoader[int, ServiceItem | None] = _one(
            db, lambda r, k: r.items_by_ids(k)
        )
        self.department_by_id: DataLoader[int, Department | None] = _one(
            db, lambda r, k: r.departments_by_ids(k)
        )
        self.bundle_by_id: DataLoader[int, Bundle | None] = _one(
            db, lambda r, k: r.bundles_by_ids(k)
        )
        self.materials_by_item_id: DataLoader[int, list[Material]] = _many(
            db, lambda r, k: r.materials_by_item_ids(k)
        )
        self.halls_by_item_id: DataLoader[int, list[Hall]] = _many(
            db, lambda r, k: r.halls_by_item_ids(k)
        )
        self.life_events_by_item_id: DataLoader[int, list[str]] = _many(
            db, lambda r, k: r.life_events_by_item_ids(k)
        )
        self.items_by_bundle_id: DataLoader[int, list[ServiceItem]] = _many(
            db, lambda r, k: r.items_by_bundle_ids(k)
        )
        self.departments_by_bundle_id: DataLoader[int, list[Department]] = _many(
            db, lambda r, k: r.departments_by_bundle_ids(k)
        )
        self.bundles_by_item_id: DataLoader[int, list[Bundle]] = _many(
            db, lambda r, k: r.bundles_by_item_ids(k)
        )


R = TypeVar("R")


def now_or_later(loader: DataLoader[K, V], key: K, then: Callable[[V], R]) -> R:
    """The value at once when the page already loaded it, else through the loader.

    A field whose resolver is `async def` costs graphql-core a coroutine and a round of the
    event loop per object; pages prefetch their relations (see `prefetch`) so most fields
    resolve synchronously. When the value is not there yet, an awaitable is returned, which
    graphql-core awaits like any async result; it is typed as R because that is what the
    client receives.
    """
    future = loader.cache_map.get(key)
    if (
        future is not None
        and future.done()
        and not future.cancelled()
        and future.exception() is None
    ):
        return then(future.result())

    async def later() -> R:
        return then(await loader.load(key))

    return cast(R, later())


async def prefetch(loader: DataLoader[K, V], keys: Sequence[K]) -> None:
    """Loads a page's relation in one batch before its fields resolve."""
    await loader.load_many(list(dict.fromkeys(keys)))

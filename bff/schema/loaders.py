"""Per-request DataLoaders; each batch is one statement whatever the page size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

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

"""Catalogue reads. Every batch read takes a list of keys so DataLoaders stay constant-cost."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bff.catalogue.models import (
    Bundle,
    CatalogueState,
    Department,
    Hall,
    Material,
    ServiceItem,
    bundle_departments,
    bundle_items,
    item_halls,
    item_life_events,
)


@dataclass(frozen=True)
class ItemFilter:
    department_codes: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    zero_material: bool | None = None
    face_verification: bool | None = None
    weekend_available: bool | None = None
    weekend_categories: tuple[str, ...] = ()
    cross_regions: tuple[str, ...] = ()
    life_events: tuple[str, ...] = ()
    hall_codes: tuple[str, ...] = ()
    # Restrict to these ids (search results); None means no restriction.
    ids: tuple[int, ...] | None = field(default=None)


FACET_DIMENSIONS = (
    "department",
    "level",
    "type",
    "channel",
    "zero_material",
    "face_verification",
    "weekend_category",
    "cross_region",
    "life_event",
)


def _apply_filter(
    stmt: Select[tuple[int]], flt: ItemFilter, *, skip: str | None = None
) -> Select[tuple[int]]:
    """Adds the filter's conditions; `skip` leaves one dimension out (for its own facet counts)."""
    conditions: list[ColumnElement[bool]] = []
    if flt.department_codes and skip != "department":
        dept_ids = select(Department.id).where(Department.code.in_(flt.department_codes))
        conditions.append(ServiceItem.department_id.in_(dept_ids))
    if flt.levels and skip != "level":
        conditions.append(ServiceItem.level.in_(flt.levels))
    if flt.types and skip != "type":
        conditions.append(ServiceItem.type.in_(flt.types))
    if flt.channels and skip != "channel":
        conditions.append(
            or_(*(getattr(ServiceItem, f"channel_{channel}").is_(True) for channel in flt.channels))
        )
    if flt.zero_material is not None and skip != "zero_material":
        conditions.append(ServiceItem.zero_material.is_(flt.zero_material))
    if flt.face_verification is not None and skip != "face_verification":
        conditions.append(ServiceItem.face_verification.is_(flt.face_verification))
    if flt.weekend_available is not None:
        conditions.append(ServiceItem.weekend_available.is_(flt.weekend_available))
    if flt.weekend_categories and skip != "weekend_category":
        conditions.append(ServiceItem.weekend_category.in_(flt.weekend_categories))
    if flt.cross_regions and skip != "cross_region":
        conditions.append(ServiceItem.cross_region.in_(flt.cross_regions))
    if flt.life_events and skip != "life_event":
        events = select(item_life_events.c.item_id).where(
            item_life_events.c.life_event.in_(flt.life_events)
        )
        conditions.append(ServiceItem.id.in_(events))
    if flt.hall_codes:
        halls = (
            select(item_halls.c.item_id)
            .join(Hall, Hall.id == item_halls.c.hall_id)
            .where(Hall.code.in_(flt.hall_codes))
        )
        conditions.append(ServiceItem.id.in_(halls))
    if flt.ids is not None:
        conditions.append(ServiceItem.id.in_(flt.ids))
    return stmt.where(and_(*conditions)) if conditions else stmt


class CatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def version(self) -> int:
        value = await self.session.scalar(
            select(CatalogueState.version).where(CatalogueState.id == 1)
        )
        return int(value or 0)

    async def items_by_ids(self, ids: Sequence[int]) -> dict[int, ServiceItem]:
        rows = await self.session.scalars(select(ServiceItem).where(ServiceItem.id.in_(ids)))
        return {row.id: row for row in rows}

    async def items_by_codes(self, codes: Sequence[str]) -> dict[str, ServiceItem]:
        stmt = select(ServiceItem).where(
            or_(ServiceItem.task_code.in_(codes), ServiceItem.basic_code.in_(codes))
        )
        found: dict[str, ServiceItem] = {}
        for row in await self.session.scalars(stmt.order_by(ServiceItem.id)):
            found.setdefault(row.task_code, row)
            found.setdefault(row.basic_code, row)
        return found

    async def departments_by_ids(self, ids: Sequence[int]) -> dict[int, Department]:
        rows = await self.session.scalars(select(Department).where(Department.id.in_(ids)))
        return {row.id: row for row in rows}

    async def departments_by_codes(self, codes: Sequence[str]) -> dict[str, Department]:
        rows = await self.session.scalars(select(Department).where(Department.code.in_(codes)))
        return {row.code: row for row in rows}

    async def materials_by_item_ids(self, ids: Sequence[int]) -> dict[int, list[Material]]:
        stmt = (
            select(Material)
            .where(Material.item_id.in_(ids))
            .order_by(Material.item_id, Material.position)
        )
        grouped: dict[int, list[Material]] = defaultdict(list)
        for row in await self.session.scalars(stmt):
            grouped[row.item_id].append(row)
        return grouped

    async def halls_by_item_ids(self, ids: Sequence[int]) -> dict[int, list[Hall]]:
        stmt = (
            select(item_halls.c.item_id, Hall)
            .join(Hall, Hall.id == item_halls.c.hall_id)
            .where(item_halls.c.item_id.in_(ids))
            .order_by(item_halls.c.item_id, Hall.id)
        )
        grouped: dict[int, list[Hall]] = defaultdict(list)
        for item_id, hall in (await self.session.execute(stmt)).all():
            grouped[item_id].append(hall)
        return grouped

    async def life_events_by_item_ids(self, ids: Sequence[int]) -> dict[int, list[str]]:
        stmt = (
            select(item_life_events.c.item_id, item_life_events.c.life_event)
            .where(item_life_events.c.item_id.in_(ids))
            .order_by(item_life_events.c.item_id, item_life_events.c.life_event)
        )
        grouped: dict[int, list[str]] = defaultdict(list)
        for item_id, event in (await self.session.execute(stmt)).all():
            grouped[item_id].append(event)
        return grouped

    async def items_by_bundle_ids(self, ids: Sequence[int]) -> dict[int, list[ServiceItem]]:
        stmt = (
            select(bundle_items.c.bundle_id, ServiceItem)
            .join(ServiceItem, ServiceItem.id == bundle_items.c.item_id)
            .where(bundle_items.c.bundle_id.in_(ids))
            .order_by(bundle_items.c.bundle_id, bundle_items.c.position)
        )
        grouped: dict[int, list[ServiceItem]] = defaultdict(list)
        for bundle_id, item in (await self.session.execute(stmt)).all():
            grouped[bundle_id].append(item)
        return grouped

    async def departments_by_bundle_ids(self, ids: Sequence[int]) -> dict[int, list[Department]]:
        stmt = (
            select(bundle_departments.c.bundle_id, Department)
            .join(Department, Department.id == bundle_departments.c.department_id)
            .where(bundle_departments.c.bundle_id.in_(ids))
            .order_by(bundle_departments.c.bundle_id, Department.id)
        )
        grouped: dict[int, list[Department]] = defaultdict(list)
        for bundle_id, dept in (await self.session.execute(stmt)).all():
            grouped[bundle_id].append(dept)
        return grouped

    async def bundles_by_item_ids(self, ids: Sequence[int]) -> dict[int, list[Bundle]]:
        stmt = (
            select(bundle_items.c.item_id, Bundle)
            .join(Bundle, Bundle.id == bundle_items.c.bundle_id)
            .where(bundle_items.c.item_id.in_(ids))
            .order_by(bundle_items.c.item_id, Bundle.id)
        )
        grouped: dict[int, list[Bundle]] = defaultdict(list)
        for item_id, bundle in (await self.session.execute(stmt)).all():
            grouped[item_id].append(bundle)
        return grouped

    async def bundles_by_ids(self, ids: Sequence[int]) -> dict[int, Bundle]:
        rows = await self.session.scalars(select(Bundle).where(Bundle.id.in_(ids)))
        return {row.id: row for row in rows}

    async def bundle_by_code(self, code: str) -> Bundle | None:
        return await self.session.scalar(select(Bundle).where(Bundle.code == code))

    async def item_ids_page(self, flt: ItemFilter, *, offset: int, limit: int) -> list[int]:
        """Ids of one page, ordered by popularity then id (search order is applied by the caller)."""
        stmt = _apply_filter(select(ServiceItem.id), flt)
        stmt = (
            stmt.order_by(ServiceItem.popularity.desc(), ServiceItem.id).offset(offset).limit(limit)
        )
        return list(await self.session.scalars(stmt))

    async def filtered_item_ids(self, flt: ItemFilter) -> set[int]:
        return set(await self.session.scalars(_apply_filter(select(ServiceItem.id), flt)))

    async def count_items(self, flt: ItemFilter) -> int:
        stmt = _apply_filter(select(func.count(ServiceItem.id)), flt)
        return int(await self.session.scalar(stmt) or 0)

    async def facet_counts(self, flt: ItemFilter, dimension: str) -> list[tuple[str, int]]:
        """Counts per value of one dimension, under every filter except that dimension's own."""
        base = _apply_filter(select(ServiceItem.id), flt, skip=dimension).subquery()
        item_id = base.c.id
        stmt: Select[Any, int]
        if dimension == "department":
            stmt = (
                select(Department.code, func.count())
                .select_from(base)
                .join(ServiceItem, ServiceItem.id == item_id)
                .join(Department, Department.id == ServiceItem.department_id)
                .group_by(Department.code)
            )
        elif dimension == "life_event":
            stmt = (
                select(item_life_events.c.life_event, func.count())
                .select_from(base)
                .join(item_life_events, item_life_events.c.item_id == item_id)
                .group_by(item_life_events.c.life_event)
            )
        elif dimension == "channel":
            columns = [
                func.sum(
                    func.cast(getattr(ServiceItem, f"channel_{c}"), type_=ServiceItem.visits.type)
                )
                for c in ("online", "mobile", "kiosk", "window")
            ]
            stmt_c = select(*columns).select_from(base).join(ServiceItem, ServiceItem.id == item_id)
            row = (await self.session.execute(stmt_c)).one()
            return [
                (name, int(value or 0))
                for name, value in zip(("online", "mobile", "kiosk", "window"), row, strict=True)
            ]
        else:
            column: Any = {
                "level": ServiceItem.level,
                "type": ServiceItem.type,
                "zero_material": ServiceItem.zero_material,
                "face_verification": ServiceItem.face_verification,
                "weekend_category": ServiceItem.weekend_category,
                "cross_region": ServiceItem.cross_region,
            }[dimension]
            stmt = (
                select(column, func.count())
                .select_from(base)
                .join(ServiceItem, ServiceItem.id == item_id)
                .group_by(column)
            )
        rows = (await self.session.execute(stmt)).all()
        result = []
        for value, count in rows:
            if value is None:
                continue
            key = ("true" if value else "false") if isinstance(value, bool) else str(value)
            result.append((key, int(count)))
        return result

    async def bundles_page(
        self, *, life_event: str | None, offset: int, limit: int
    ) -> tuple[list[Bundle], int]:
        stmt = select(Bundle)
        count = select(func.count(Bundle.id))
        if life_event:
            stmt = stmt.where(Bundle.life_event == life_event)
            count = count.where(Bundle.life_event == life_event)
        rows = await self.session.scalars(
            stmt.order_by(Bundle.popularity.desc(), Bundle.id).offset(offset).limit(limit)
        )
        return list(rows), int(await self.session.scalar(count) or 0)

    async def departments(self, *, level: str | None) -> list[Department]:
        stmt = select(Department)
        if level:
            stmt = stmt.where(Department.level == level)
        return list(await self.session.scalars(stmt.order_by(Department.level, Department.code)))

    async def halls(self) -> list[Hall]:
        return list(await self.session.scalars(select(Hall).order_by(Hall.id)))

    async def hall_ids_serving_items(self, item_ids: Sequence[int]) -> set[int]:
        stmt = select(item_halls.c.hall_id).where(item_halls.c.item_id.in_(item_ids))
        return set(await self.session.scalars(stmt))

    async def search_rows(
        self,
    ) -> tuple[list[tuple[int, str, str, list[str], str | None, str, int]], list[Bundle]]:
        """Everything the search index needs, in two statements."""
        stmt = select(
            ServiceItem.id,
            ServiceItem.task_code,
            ServiceItem.name,
            ServiceItem.aliases,
            ServiceItem.category,
            Department.name,
            ServiceItem.popularity,
        ).join(Department, Department.id == ServiceItem.department_id)
        items = [tuple(row) for row in (await self.session.execute(stmt)).all()]
        bundles = list(await self.session.scalars(select(Bundle)))
        return items, bundles  # type: ignore[return-value]

"""A plain JSON view of the catalogue page for kiosks and simple clients.

It serves the same data through the same service layer as GraphQL; bench/ compares the two.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from bff.catalogue.repository import CatalogueRepository, ItemFilter
from bff.catalogue.service import CatalogueService
from bff.state import AppState, catalogue_version

router = APIRouter(prefix="/api/catalogue", tags=["catalogue"])


@router.get("/items", summary="A page of service items with department, materials and halls.")
async def items(
    request: Request,
    first: int = Query(20, ge=0, le=100),
    offset: int = Query(0, ge=0, le=100_000),
) -> dict[str, Any]:
    state: AppState = request.app.state.haoban
    version = await catalogue_version(state)
    async with state.sessionmaker() as session:
        repo = CatalogueRepository(session)
        service = CatalogueService(repo=repo, search=state.search, version=version)
        page = await service.item_page(flt=ItemFilter(), text=None, offset=offset, limit=first)
        rows = await repo.items_by_ids(page.ids)
        items = [rows[i] for i in page.ids if i in rows]
        departments = await repo.departments_by_ids(list({i.department_id for i in items}))
        materials = await repo.materials_by_item_ids(page.ids)
        halls = await repo.halls_by_item_ids(page.ids)
    return {
        "total": page.total,
        "items": [
            {
                "code": item.task_code,
                "name": item.name,
                "type": item.type,
                "promisedDays": item.promise_days,
                "zeroMaterial": item.zero_material,
                "department": {
                    "code": departments[item.department_id].code,
                    "name": departments[item.department_id].name,
                },
                "materials": [
                    {"name": m.name, "required": m.required, "source": m.source}
                    for m in materials.get(item.id, [])
                ],
                "halls": [
                    {"code": h.code, "name": h.name, "address": h.address}
                    for h in halls.get(item.id, [])
                ],
            }
            for item in items
        ],
    }

"""Writes upstream catalogue records: validated one by one, applied in one transaction.

A record that fails validation or points at something that does not exist is rejected and
reported; the others are applied. The caller commits once at the end (or rolls back on any
unexpected failure), so a sync never leaves a half-written catalogue behind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bff.catalogue.models import (
    NO_PAPER_SOURCES,
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
from integrations.catalogue.models import (
    BundleRecord,
    DepartmentRecord,
    HallRecord,
    ItemRecord,
    MaterialRecord,
    RawBatch,
)


@dataclass(frozen=True)
class Rejection:
    kind: str
    key: str
    errors: list[str]


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    cursor: str | None = None
    version: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [r.__dict__ for r in self.rejected],
            "cursor": self.cursor,
            "version": self.version,
        }


ProgressCallback = Callable[[str, int], None]


def derive_zero_material(materials: list[MaterialRecord]) -> bool:
    """零材料: every required material comes from a licence, shared data or a commitment."""
    required = [m for m in materials if m.required]
    return bool(required) and all(m.source in NO_PAPER_SOURCES for m in required)


def _hash(record: BaseModel) -> str:
    payload = json.dumps(record.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _errors(exc: ValidationError) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in err['loc']) or '(record)'}: {err['msg']}"
        for err in exc.errors()
    ]


def _key(raw: dict[str, Any], *names: str) -> str:
    for name in names:
        value = raw.get(name)
        if isinstance(value, str) and value:
            return value
    return "(no code)"


class CatalogueImporter:
    def __init__(self, session: AsyncSession, *, progress: ProgressCallback | None = None) -> None:
        self.session = session
        self.report = SyncReport()
        self._progress = progress
        self._departments: dict[str, Department] = {}
        self._halls: dict[str, Hall] = {}
        self._items: dict[str, ServiceItem] = {}
        self._bundles: dict[str, Bundle] = {}
        self._loaded = False

    async def _load(self) -> None:
        if self._loaded:
            return
        s = self.session
        self._departments = {d.code: d for d in (await s.scalars(select(Department))).all()}
        self._halls = {h.code: h for h in (await s.scalars(select(Hall))).all()}
        items = await s.scalars(select(ServiceItem).options(selectinload(ServiceItem.materials)))
        self._items = {i.task_code: i for i in items.all()}
        self._bundles = {b.code: b for b in (await s.scalars(select(Bundle))).all()}
        self._loaded = True

    async def apply_stream(self, batches: AsyncIterator[RawBatch]) -> SyncReport:
        async for batch in batches:
            await self.apply(batch)
            if batch.cursor:
                self.report.cursor = batch.cursor
        await self.finish()
        return self.report

    async def apply(self, batch: RawBatch) -> None:
        await self._load()
        for raw in batch.departments:
            self._department(raw)
        for raw in batch.halls:
            self._hall(raw)
        await self.session.flush()
        for raw in batch.items:
            await self._item(raw)
        await self.session.flush()
        for raw in batch.bundles:
            await self._bundle(raw)
        await self.session.flush()

    async def finish(self) -> None:
        """Bump the catalogue version (and store the cursor) when anything changed."""
        state = await self.session.get(CatalogueState, 1)
        if state is None:
            state = CatalogueState(id=1, version=0)
            self.session.add(state)
        if self.report.changed:
            state.version = (state.version or 0) + 1
        if self.report.cursor:
            state.sync_cursor = self.report.cursor
        await self.session.flush()
        self.report.version = state.version

    def _tick(self, kind: str) -> None:
        if self._progress:
            self._progress(kind, 1)

    def _reject(self, kind: str, key: str, errors: list[str]) -> None:
        self.report.rejected.append(Rejection(kind=kind, key=key, errors=errors))
        self._tick(kind)

    def _count(self, created: bool, kind: str) -> None:
        if created:
            self.report.created += 1
        else:
            self.report.updated += 1
        self._tick(kind)

    def _unchanged(self, kind: str) -> None:
        self.report.unchanged += 1
        self._tick(kind)

    def _department(self, raw: dict[str, Any]) -> None:
        try:
            rec = DepartmentRecord.model_validate(raw)
        except ValidationError as exc:
            self._reject("department", _key(raw, "code", "name"), _errors(exc))
            return
        digest = _hash(rec)
        row = self._departments.get(rec.code)
        if row is not None and row.content_hash == digest:
            self._unchanged("department")
            return
        created = row is None
        if row is None:
            row = Department(code=rec.code)
            self.session.add(row)
            self._departments[rec.code] = row
        for name in ("name", "short_name", "level", "district", "region_code", "phone", "demo"):
            setattr(row, name, getattr(rec, name))
        row.content_hash = digest
        self._count(created, "department")

    def _hall(self, raw: dict[str, Any]) -> None:
        try:
            rec = HallRecord.model_validate(raw)
        except ValidationError as exc:
            self._reject("hall", _key(raw, "code", "name"), _errors(exc))
            return
        digest = _hash(rec)
        row = self._halls.get(rec.code)
        if row is not None and row.content_hash == digest:
            self._unchanged("hall")
            return
        created = row is None
        if row is None:
            row = Hall(code=rec.code)
            self.session.add(row)
            self._halls[rec.code] = row
        for name in ("name", "district", "address", "lat", "lng", "phone", "demo", "source"):
            setattr(row, name, getattr(rec, name))
        row.hours = [day.model_dump(mode="json") for day in rec.hours]
        row.weekend_categories = list(rec.weekend_categories)
        row.content_hash = digest
        self._count(created, "hall")

    async def _item(self, raw: dict[str, Any]) -> None:
        try:
            rec = ItemRecord.model_validate(raw)
        except ValidationError as exc:
            self._reject("item", _key(raw, "task_code", "name"), _errors(exc))
            return
        department = self._departments.get(rec.department_code)
        problems = []
        if department is None:
            problems.append(f"department_code: unknown department {rec.department_code}")
        unknown_halls = [code for code in rec.hall_codes if code not in self._halls]
        if unknown_halls:
            problems.append(f"hall_codes: unknown halls {', '.join(unknown_halls)}")
        if problems or department is None:
            self._reject("item", rec.task_code, problems)
            return
        digest = _hash(rec)
        row = self._items.get(rec.task_code)
        if row is not None and row.content_hash == digest:
            self._unchanged("item")
            return
        created = row is None
        if row is None:
            row = ServiceItem(task_code=rec.task_code, materials=[])
            self.session.add(row)
            self._items[rec.task_code] = row
        scalar_fields = (
            "basic_code", "name", "plain_name", "type", "level", "category", "legal_days",
            "promise_days", "visits", "online_depth", "weekend_available", "weekend_category",
            "cross_region", "face_verification", "conditions", "popularity", "hotline",
            "version", "demo", "source", "source_id",
        )  # fmt: skip
        for name in scalar_fields:
            setattr(row, name, getattr(rec, name))
        row.aliases = list(rec.aliases)
        row.department_id = department.id
        row.fee_charged = rec.fee.charged
        row.fee_text = rec.fee.text
        for channel in ("online", "mobile", "kiosk", "window"):
            setattr(row, f"channel_{channel}", channel in rec.channels)
        row.steps = [step.model_dump() for step in rec.steps]
        row.faqs = [faq.model_dump() for faq in rec.faqs]
        row.zero_material = derive_zero_material(rec.materials)
        row.materials = [
            Material(position=pos, **material.model_dump())
            for pos, material in enumerate(rec.materials)
        ]
        row.content_hash = digest
        await self.session.flush()
        await self.session.execute(delete(item_halls).where(item_halls.c.item_id == row.id))
        hall_rows = [{"item_id": row.id, "hall_id": self._halls[c].id} for c in rec.hall_codes]
        if hall_rows:
            await self.session.execute(insert(item_halls), hall_rows)
        await self.session.execute(
            delete(item_life_events).where(item_life_events.c.item_id == row.id)
        )
        events = [{"item_id": row.id, "life_event": e} for e in dict.fromkeys(rec.life_events)]
        if events:
            await self.session.execute(insert(item_life_events), events)
        self._count(created, "item")

    async def _bundle(self, raw: dict[str, Any]) -> None:
        try:
            rec = BundleRecord.model_validate(raw)
        except ValidationError as exc:
            self._reject("bundle", _key(raw, "code", "name"), _errors(exc))
            return
        problems = []
        codes = [rec.lead_department_code, *rec.department_codes]
        unknown_departments = [c for c in codes if c not in self._departments]
        if unknown_departments:
            problems.append(f"departments: unknown {', '.join(unknown_departments)}")
        unknown_items = [c for c in rec.item_task_codes if c not in self._items]
        if unknown_items:
            problems.append(f"item_task_codes: unknown {', '.join(unknown_items)}")
        if problems:
            self._reject("bundle", rec.code, problems)
            return
        digest = _hash(rec)
        row = self._bundles.get(rec.code)
        if row is not None and row.content_hash == digest:
            self._unchanged("bundle")
            return
        created = row is None
        if row is None:
            row = Bundle(code=rec.code)
            self.session.add(row)
            self._bundles[rec.code] = row
        for name in ("name", "plain_name", "life_event", "promised_days", "notes", "demo"):
            setattr(row, name, getattr(rec, name))
        row.popularity = rec.popularity
        row.aliases = list(rec.aliases)
        row.sources = list(rec.sources)
        row.form = rec.form.model_dump()
        row.flow = [stage.model_dump() for stage in rec.flow]
        row.lead_department_id = self._departments[rec.lead_department_code].id
        row.content_hash = digest
        await self.session.flush()
        await self.session.execute(delete(bundle_items).where(bundle_items.c.bundle_id == row.id))
        await self.session.execute(
            insert(bundle_items),
            [
                {"bundle_id": row.id, "item_id": self._items[code].id, "position": pos}
                for pos, code in enumerate(dict.fromkeys(rec.item_task_codes))
            ],
        )
        await self.session.execute(
            delete(bundle_departments).where(bundle_departments.c.bundle_id == row.id)
        )
        department_ids = dict.fromkeys(self._departments[c].id for c in codes)
        await self.session.execute(
            insert(bundle_departments),
            [{"bundle_id": row.id, "department_id": d} for d in department_ids],
        )
        self._count(created, "bundle")

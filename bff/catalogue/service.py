"""Catalogue rules: derived facts (零材料, bundle savings), search, paging, 就近办."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bff.catalogue.models import NO_PAPER_SOURCES, Bundle, Hall, Material, ServiceItem
from bff.catalogue.repository import CatalogueRepository, ItemFilter
from bff.catalogue.search import QueryTooLong, SearchDoc, SearchHit, SearchIndex, normalize_query
from bff.errors import ErrorCode, HaobanError, NotFound

SEARCH_CANDIDATES = 500


@dataclass(frozen=True)
class ItemPage:
    ids: list[int]
    offset: int
    total: int
    hits: dict[int, SearchHit]

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.ids) < self.total


@dataclass(frozen=True)
class BundleSavings:
    """What a 一件事 saves against doing its items one by one (derived from the members)."""

    materials_separately: int
    materials_bundled: int
    days_separately: int
    days_bundled: int
    visits_separately: int
    visits_bundled: int

    @property
    def materials_saved(self) -> int:
        return max(0, self.materials_separately - self.materials_bundled)

    @property
    def days_saved(self) -> int:
        return max(0, self.days_separately - self.days_bundled)

    @property
    def visits_saved(self) -> int:
        return max(0, self.visits_separately - self.visits_bundled)


def _material_key(material: Material) -> str:
    return f"licence:{material.licence_type}" if material.licence_type else material.name


def bundle_savings(
    bundle: Bundle, items: Sequence[ServiceItem], materials: dict[int, list[Material]]
) -> BundleSavings:
    """Separately every item asks for its own papers, days run one after another and each item
    costs its own trips; bundled, one joint form collects each distinct paper once, the
    departments work in parallel within the promised days, and one trip at most is needed."""
    required = [m for item in items for m in materials.get(item.id, []) if m.required]
    return BundleSavings(
        materials_separately=len(required),
        materials_bundled=len({_material_key(m) for m in required}),
        days_separately=sum(item.promise_days or 0 for item in items),
        days_bundled=bundle.promised_days,
        visits_separately=sum(item.visits for item in items),
        visits_bundled=min(1, max((item.visits for item in items), default=0)),
    )


def is_zero_material(materials: Sequence[Material]) -> bool:
    required = [m for m in materials if m.required]
    return bool(required) and all(m.source in NO_PAPER_SOURCES for m in required)


def distance_meters(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine); plenty for 'which hall is nearest' in one city."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class _IndexEntry:
    version: int
    index: SearchIndex
    item_ids: dict[str, int]
    bundle_ids: dict[str, int]


class SearchRegistry:
    """One search index per process, rebuilt when the catalogue version moves on."""

    def __init__(self) -> None:
        self._entry: _IndexEntry | None = None
        self._lock = asyncio.Lock()

    async def get(self, repo: CatalogueRepository, version: int) -> _IndexEntry:
        entry = self._entry
        if entry is not None and entry.version == version:
            return entry
        async with self._lock:
            entry = self._entry
            if entry is not None and entry.version == version:
                return entry
            items, bundles = await repo.search_rows()
            docs = [
                SearchDoc(
                    key=f"item:{code}",
                    kind="item",
                    name=name,
                    aliases=tuple(aliases or ()),
                    keywords=tuple(k for k in (category, dept) if k),
                    popularity=popularity,
                )
                for (_id, code, name, aliases, category, dept, popularity) in items
            ]
            docs += [
                SearchDoc(
                    key=f"bundle:{b.code}",
                    kind="bundle",
                    name=b.name,
                    aliases=tuple(b.aliases or ()),
                    keywords=(b.life_event,),
                    popularity=b.popularity,
                )
                for b in bundles
            ]
            index = await asyncio.to_thread(SearchIndex.build, docs)
            entry = _IndexEntry(
                version=version,
                index=index,
                item_ids={f"item:{row[1]}": row[0] for row in items},
                bundle_ids={f"bundle:{b.code}": b.id for b in bundles},
            )
            self._entry = entry
            return entry


@dataclass(frozen=True)
class SearchResult:
    hit: SearchHit
    item_id: int | None
    bundle_id: int | None


class CatalogueService:
    def __init__(
        self,
        *,
        repo: CatalogueRepository,
        search: SearchRegistry,
        version: int,
        max_search: int = 64,
    ) -> None:
        self.repo = repo
        self._search = search
        self.version = version
        self.max_search = max_search

    async def item(self, *, code: str) -> ServiceItem:
        """By implementation code (实施编码) or basic code (基本编码)."""
        code = code.strip()
        if not code:
            raise HaobanError(ErrorCode.INVALID_ARGUMENT, "An item code is required.")
        found = (await self.repo.items_by_codes([code])).get(code)
        if found is None:
            raise NotFound("No service item has the code %(code)s.", code=code[:80])
        return found

    async def bundle(self, *, code: str) -> Bundle:
        found = await self.repo.bundle_by_code(code.strip())
        if found is None:
            raise NotFound("No 一件事 bundle has the code %(code)s.", code=code[:80])
        return found

    def _check_text(self, text: str) -> str:
        if len(text) > self.max_search * 4:
            raise HaobanError(
                ErrorCode.SEARCH_TOO_LONG,
                "The search text is too long (at most %(max)s characters).",
                max=self.max_search,
            )
        return text

    async def search(
        self, *, text: str, limit: int, kinds: frozenset[str] | None = None
    ) -> list[SearchResult]:
        self._check_text(text)
        entry = await self._search.get(self.repo, self.version)
        try:
            hits = entry.index.search(text, limit=limit, kinds=kinds)
        except QueryTooLong as exc:
            raise HaobanError(
                ErrorCode.SEARCH_TOO_LONG,
                "The search text is too long (at most %(max)s characters).",
                max=exc.max_length,
            ) from exc
        return [
            SearchResult(
                hit=hit,
                item_id=entry.item_ids.get(hit.key),
                bundle_id=entry.bundle_ids.get(hit.key),
            )
            for hit in hits
        ]

    async def item_page(
        self, *, flt: ItemFilter, text: str | None, offset: int, limit: int
    ) -> ItemPage:
        """A page of items; with search text, in relevance order, otherwise by popularity."""
        if text is not None and normalize_query(self._check_text(text)):
            results = await self.search(
                text=text, limit=SEARCH_CANDIDATES, kinds=frozenset({"item"})
            )
            ranked = [r for r in results if r.item_id is not None]
            allowed = await self.repo.filtered_item_ids(
                replace(flt, ids=tuple(r.item_id for r in ranked if r.item_id))
            )
            ordered = [r for r in ranked if r.item_id in allowed]
            window = ordered[offset : offset + limit]
            return ItemPage(
                ids=[r.item_id for r in window if r.item_id is not None],
                offset=offset,
                total=len(ordered),
                hits={r.item_id: r.hit for r in window if r.item_id is not None},
            )
        ids = await self.repo.item_ids_page(flt, offset=offset, limit=limit)
        total = await self.repo.count_items(flt)
        return ItemPage(ids=ids, offset=offset, total=total, hits={})

    async def search_filter(self, *, flt: ItemFilter, text: str | None) -> ItemFilter:
        """The filter narrowed to the search's candidates, for facet counts."""
        if text is None or not normalize_query(self._check_text(text)):
            return flt
        results = await self.search(text=text, limit=SEARCH_CANDIDATES, kinds=frozenset({"item"}))
        return replace(flt, ids=tuple(r.item_id for r in results if r.item_id is not None))

    async def halls_near(
        self,
        *,
        lat: float | None,
        lng: float | None,
        category: str | None,
        item_code: str | None,
        weekend_only: bool,
    ) -> list[tuple[Hall, float | None]]:
        """就近办: halls sorted by distance from the citizen (or by name without a point)."""
        if (lat is None) != (lng is None):
            raise HaobanError(ErrorCode.INVALID_ARGUMENT, "Give both latitude and longitude.")
        if lat is not None and not (-90 <= lat <= 90 and -180 <= (lng or 0) <= 180):
            raise HaobanError(ErrorCode.INVALID_ARGUMENT, "The coordinates are out of range.")
        halls = await self.repo.halls()
        if item_code:
            item = await self.item(code=item_code)
            serving = await self.repo.hall_ids_serving_items([item.id])
            halls = [h for h in halls if h.id in serving]
        if category:
            halls = [h for h in halls if category in (h.weekend_categories or [])]
        if weekend_only:
            halls = [h for h in halls if any(d.get("weekday", 0) >= 6 for d in h.hours or [])]
        if lat is None or lng is None:
            return [(h, None) for h in halls]
        measured = [(h, distance_meters(lat, lng, h.lat, h.lng)) for h in halls]
        return sorted(measured, key=lambda pair: (pair[1], pair[0].id))

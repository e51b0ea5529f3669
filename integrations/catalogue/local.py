"""Local adapter: a catalogue file on disk (the seeded demo catalogue by default)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from integrations.catalogue.models import RawBatch

DEMO_CATALOGUE = (
    Path(__file__).resolve().parents[2] / "bff" / "catalogue" / "demo" / "catalogue.json"
)


class LocalCatalogue:
    """Reads the whole file; its content hash is the cursor, so an unchanged file yields nothing."""

    name = "local"

    def __init__(self, path: Path = DEMO_CATALOGUE, *, page_size: int = 200) -> None:
        self.path = path
        self.page_size = page_size

    async def fetch_changes(self, *, since: str | None) -> AsyncIterator[RawBatch]:
        raw = self.path.read_bytes()
        cursor = "sha256:" + hashlib.sha256(raw).hexdigest()
        if since == cursor:
            yield RawBatch(cursor=cursor, has_more=False)
            return
        data: dict[str, Any] = json.loads(raw)
        for batch in paginate(data, self.page_size, cursor):
            yield batch


def paginate(data: dict[str, Any], page_size: int, cursor: str) -> list[RawBatch]:
    """Split a snapshot into pages in dependency order (departments, halls, items, bundles)."""
    pages: list[RawBatch] = []
    for kind in ("departments", "halls", "items", "bundles"):
        records: list[dict[str, Any]] = list(data.get(kind, []))
        for start in range(0, len(records), page_size):
            pages.append(RawBatch.model_validate({kind: records[start : start + page_size]}))
    if not pages:
        pages.append(RawBatch())
    last = pages[-1]
    return [
        page.model_copy(
            update={"cursor": cursor if page is last else None, "has_more": page is not last}
        )
        for page in pages
    ]

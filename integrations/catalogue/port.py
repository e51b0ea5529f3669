"""The port to an upstream catalogue system (the province's 事项库 or the city's own)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from integrations.catalogue.models import RawBatch


class CatalogueUpstream(Protocol):
    """Pages of raw records changed since an opaque cursor (None: everything)."""

    name: str

    def fetch_changes(self, *, since: str | None) -> AsyncIterator[RawBatch]: ...

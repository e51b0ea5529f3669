"""The polling port for case systems that cannot push: pages of case events after a cursor.

Both adapters (the local `ReferenceCaseSystem` and `HttpCaseSource`) honour one contract, run
by one test suite; it is written out in README.md beside this file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from integrations.cases.models import CaseEventIn

MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class EventPage:
    """Events after `since`, oldest first, and the cursor to pass next time.

    `cursor` is opaque; it equals `since` when nothing is new. `rejected` lists records that
    were not valid events, as (event_id or "?", reason): they are skipped, not retried, and the
    cursor moves past them so one bad record never blocks the feed.
    """

    events: list[CaseEventIn]
    cursor: str | None
    has_more: bool
    rejected: list[tuple[str, str]] = field(default_factory=list)


class CaseSourceError(Exception):
    """The case system could not give a page. `retryable`: worth trying again later as is
    (network trouble, 5xx, 429); otherwise a person must look (bad token, unknown cursor,
    a page that is not the contract)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class CaseSource(Protocol):
    async def fetch_events(self, *, since: str | None, limit: int = 200) -> EventPage:
        """At most `limit` events after `since` (None: from the beginning)."""
        ...

    async def aclose(self) -> None: ...


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")


def parse_events(records: Sequence[Any]) -> tuple[list[CaseEventIn], list[tuple[str, str]]]:
    """Validate raw records one by one: the valid ones, and (event_id or "?", reason) for the
    rest. Shared by both adapters so they reject the same records for the same reasons."""
    events: list[CaseEventIn] = []
    rejected: list[tuple[str, str]] = []
    for record in records:
        event_id = "?"
        if isinstance(record, dict):
            raw_id = record.get("event_id")
            if isinstance(raw_id, str) and raw_id.strip():
                event_id = raw_id[:100]
        try:
            events.append(CaseEventIn.model_validate(record))
        except ValidationError as exc:
            reason = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'event'}: {err['msg']}"
                for err in exc.errors(include_url=False)[:3]
            )
            rejected.append((event_id, reason[:300]))
    return events, rejected

"""HTTP adapter for polling a case system; the contract is in README.md beside this file."""

from __future__ import annotations

from typing import Any

import httpx

from integrations.cases.port import CaseSourceError, EventPage, check_limit, parse_events

__all__ = ["CaseSourceError", "HttpCaseSource"]

_RETRYABLE_STATUS = frozenset({408, 425, 429})


class HttpCaseSource:
    """`GET {base_url}/cases/events?since=&limit=` → `{"events", "cursor", "has_more"}`."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def fetch_events(self, *, since: str | None, limit: int = 200) -> EventPage:
        check_limit(limit)
        params: dict[str, str | int] = {"limit": limit}
        if since is not None:
            params["since"] = since
        try:
            response = await self._client.get(
                f"{self._base_url}/cases/events", params=params, headers=self._headers
            )
        except httpx.HTTPError as exc:
            raise CaseSourceError(
                f"case system unreachable: {type(exc).__name__}", retryable=True
            ) from exc
        status = response.status_code
        if status != 200:
            retryable = status >= 500 or status in _RETRYABLE_STATUS
            raise CaseSourceError(f"case system answered HTTP {status}", retryable=retryable)
        try:
            body: Any = response.json()
        except ValueError as exc:
            raise CaseSourceError(
                "case system sent a page that is not JSON", retryable=False
            ) from exc
        return _page(body, since=since)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _page(body: Any, *, since: str | None) -> EventPage:
    """Check the page's frame strictly; check events one by one (bad ones are reported)."""

    def invalid(why: str) -> CaseSourceError:
        return CaseSourceError(f"case system sent an invalid page: {why}", retryable=False)

    if not isinstance(body, dict):
        raise invalid("not an object")
    records = body.get("events")
    cursor = body.get("cursor")
    has_more = body.get("has_more")
    if not isinstance(records, list):
        raise invalid("events is not a list")
    if cursor is not None and (not isinstance(cursor, str) or not cursor or len(cursor) > 500):
        raise invalid("cursor is not a string")
    if not isinstance(has_more, bool):
        raise invalid("has_more is not a boolean")
    if has_more and (cursor is None or cursor == since):
        raise invalid("has_more without a new cursor would loop for ever")
    if records and cursor is None:
        raise invalid("events without a cursor would be fetched again and again")
    events, rejected = parse_events(records)
    return EventPage(events=events, cursor=cursor, has_more=has_more, rejected=rejected)

"""HTTP adapter to an upstream catalogue system; the contract is in README.md beside this file."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from integrations.catalogue.models import RawBatch


class UpstreamError(RuntimeError):
    """The upstream answered something we cannot use; the sync stops and writes nothing."""


class HttpCatalogue:
    name = "http"

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        client: httpx.AsyncClient | None = None,
        page_size: int = 200,
        timeout: float = 30.0,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._base_url = base_url.rstrip("/")
        self._headers = headers
        self._page_size = page_size

    async def fetch_changes(self, *, since: str | None) -> AsyncIterator[RawBatch]:
        page_token: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": self._page_size}
            if since:
                params["since"] = since
            if page_token:
                params["page_token"] = page_token
            try:
                response = await self._client.get(
                    f"{self._base_url}/catalogue/changes", params=params, headers=self._headers
                )
            except httpx.HTTPError as exc:
                raise UpstreamError(f"catalogue upstream unreachable: {exc}") from exc
            if response.status_code != 200:
                raise UpstreamError(f"catalogue upstream answered HTTP {response.status_code}")
            try:
                body = response.json()
                batch = RawBatch.model_validate(body)
            except ValueError as exc:
                raise UpstreamError(f"catalogue upstream sent an invalid page: {exc}") from exc
            yield batch
            if not batch.has_more:
                return
            page_token = body.get("next_page_token")
            if not page_token:
                raise UpstreamError("catalogue upstream said has_more without next_page_token")

    async def aclose(self) -> None:
        await self._client.aclose()

"""One contract, two adapters: the local file adapter and the HTTP adapter (against the
reference upstream) must deliver the same records, incrementally."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.catalogue.http import HttpCatalogue, UpstreamError
from integrations.catalogue.local import DEMO_CATALOGUE, LocalCatalogue
from integrations.catalogue.models import RawBatch
from integrations.catalogue.port import CatalogueUpstream
from integrations.catalogue.reference_server import create_reference_app


def _http(path: Path = DEMO_CATALOGUE, token: str | None = "s3cret") -> HttpCatalogue:
    app = create_reference_app(path, token=token)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://upstream")
    return HttpCatalogue("http://upstream", token="s3cret", client=client, page_size=150)


@pytest.fixture(params=["local", "http"])
async def upstream(request: pytest.FixtureRequest) -> AsyncIterator[CatalogueUpstream]:
    if request.param == "local":
        yield LocalCatalogue(page_size=150)
    else:
        adapter = _http()
        yield adapter
        await adapter.aclose()


async def _collect(upstream: CatalogueUpstream, since: str | None = None) -> list[RawBatch]:
    return [batch async for batch in upstream.fetch_changes(since=since)]


async def test_adapter_delivers_every_record_in_dependency_order(
    upstream: CatalogueUpstream,
) -> None:
    batches = await _collect(upstream)
    expected = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    for kind in ("departments", "halls", "items", "bundles"):
        got = [r for b in batches for r in getattr(b, kind)]
        assert got == expected[kind]
    kinds_in_order = [
        k for b in batches for k in ("departments", "halls", "items", "bundles") if getattr(b, k)
    ]
    assert kinds_in_order == sorted(
        kinds_in_order, key=["departments", "halls", "items", "bundles"].index
    )
    assert batches[-1].cursor and not batches[-1].has_more


async def test_adapter_delivers_nothing_when_nothing_changed(upstream: CatalogueUpstream) -> None:
    cursor = (await _collect(upstream))[-1].cursor
    again = await _collect(upstream, since=cursor)
    assert len(again) == 1 and not again[0].items and again[0].cursor == cursor


async def test_http_adapter_reports_an_upstream_failure() -> None:
    def fail(_: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    adapter = HttpCatalogue(
        "http://upstream", client=httpx.AsyncClient(transport=httpx.MockTransport(fail))
    )
    with pytest.raises(UpstreamError, match="502"):
        await _collect(adapter)


async def test_http_adapter_refuses_a_page_that_is_not_the_contract() -> None:
    def garbage(_: httpx.Request) -> httpx.Response:
        body: Any = {"items": "not a list"}
        return httpx.Response(200, json=body)

    adapter = HttpCatalogue(
        "http://upstream", client=httpx.AsyncClient(transport=httpx.MockTransport(garbage))
    )
    with pytest.raises(UpstreamError, match="invalid page"):
        await _collect(adapter)

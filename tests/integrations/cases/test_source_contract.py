"""One polling contract, two adapters: the reference case system in process, and the HTTP
adapter against the reference system's HTTP app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from integrations.cases.http import HttpCaseSource
from integrations.cases.models import CaseEventIn
from integrations.cases.port import CaseSource, CaseSourceError, EventPage
from integrations.cases.reference import ReferenceCaseSystem, create_reference_app

TOKEN = "poll-token"


@dataclass
class Harness:
    system: ReferenceCaseSystem
    source: CaseSource


@pytest.fixture(params=["reference", "http"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    system = ReferenceCaseSystem(seed=7)
    for n in range(5):
        system.track(f"ZZ{n:04d}", outcome="approved")
    system.track("ZZBUNDLE", department_codes=["gongan", "renshe", "yibao"])
    if request.param == "reference":
        yield Harness(system, system)
        return
    app = create_reference_app(system, token=TOKEN)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://cases"
    ) as client:
        source = HttpCaseSource("http://cases/", token=TOKEN, client=client)
        yield Harness(system, source)
        await source.aclose()


async def _drain(source: CaseSource, since: str | None, limit: int) -> tuple[list[EventPage], str]:
    pages: list[EventPage] = []
    cursor = since
    while True:
        page = await source.fetch_events(since=cursor, limit=limit)
        pages.append(page)
        assert len(page.events) + len(page.rejected) <= limit
        assert page.cursor is not None
        cursor = page.cursor
        if not page.has_more:
            return pages, cursor
        assert len(pages) < 100, "has_more never became false"


async def test_pages_follow_the_cursor_until_has_more_is_false(harness: Harness) -> None:
    produced = harness.system.advance(steps=3)
    pages, _ = await _drain(harness.source, None, limit=4)
    got = [event for page in pages for event in page.events]
    assert got == produced
    assert len(pages) == -(-len(produced) // 4)
    assert all(page.has_more for page in pages[:-1])


async def test_only_new_events_after_a_cursor(harness: Harness) -> None:
    harness.system.advance()
    _, cursor = await _drain(harness.source, None, limit=200)
    later = harness.system.advance(steps=2)
    pages, _ = await _drain(harness.source, cursor, limit=200)
    assert [e for p in pages for e in p.events] == later


async def test_nothing_new_gives_an_empty_page_and_the_same_cursor(harness: Harness) -> None:
    harness.system.advance()
    _, cursor = await _drain(harness.source, None, limit=50)
    page = await harness.source.fetch_events(since=cursor)
    assert page == EventPage(events=[], cursor=cursor, has_more=False, rejected=[])


async def test_an_empty_feed_gives_an_empty_page(harness: Harness) -> None:
    page = await harness.source.fetch_events(since=None)
    assert page.events == [] and not page.has_more and page.cursor is not None
    again = await harness.source.fetch_events(since=page.cursor)
    assert again.cursor == page.cursor


async def test_an_invalid_event_is_skipped_and_reported(harness: Harness) -> None:
    first = harness.system.advance()
    harness.system.inject_raw({"event_id": "bad-1", "case_number": "ZZ0000", "status": "lost"})
    harness.system.inject_raw({"nothing": "useful"})
    second = harness.system.advance()
    pages, _ = await _drain(harness.source, None, limit=500)
    assert [e for p in pages for e in p.events] == first + second
    rejected = [r for p in pages for r in p.rejected]
    assert [event_id for event_id, _ in rejected] == ["bad-1", "?"]
    assert "status" in rejected[0][1]


async def test_an_unknown_cursor_is_refused_for_good(harness: Harness) -> None:
    for cursor in ("ref.999", "garbage"):
        with pytest.raises(CaseSourceError) as caught:
            await harness.source.fetch_events(since=cursor)
        assert caught.value.retryable is False


@pytest.mark.parametrize("limit", [0, -1, 1001])
async def test_a_limit_out_of_range_is_refused(harness: Harness, limit: int) -> None:
    with pytest.raises(ValueError):
        await harness.source.fetch_events(since=None, limit=limit)


# -- HTTP adapter specifics -----------------------------------------------------------------


def _adapter(handler: Any) -> HttpCaseSource:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpCaseSource("http://cases", token=TOKEN, client=client)


def _event(event_id: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "case_number": "ZZ1",
        "status": "accepted",
        "occurred_at": "2025-03-03T10:15:00+08:00",
        "remark": "材料齐全，予以受理",
    }


async def test_http_adapter_sends_the_contract_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"events": [], "cursor": "c1", "has_more": False})

    source = _adapter(handler)
    await source.fetch_events(since="c0", limit=50)
    await source.fetch_events(since=None)
    assert seen[0].url.path == "/cases/events"
    assert dict(seen[0].url.params) == {"since": "c0", "limit": "50"}
    assert dict(seen[1].url.params) == {"limit": "200"}
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"


async def test_http_adapter_skips_and_reports_a_bad_event_in_a_page() -> None:
    bad = _event("e2") | {"occurred_at": "2025-03-03T10:15:00"}  # no offset

    def handler(_: httpx.Request) -> httpx.Response:
        body = {"events": [_event("e1"), bad, 42, _event("e3")], "cursor": "c9", "has_more": False}
        return httpx.Response(200, json=body)

    page = await _adapter(handler).fetch_events(since=None)
    assert [e.event_id for e in page.events] == ["e1", "e3"]
    assert all(isinstance(e, CaseEventIn) for e in page.events)
    assert [r[0] for r in page.rejected] == ["e2", "?"]
    assert "occurred_at" in page.rejected[0][1]
    assert page.cursor == "c9"


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (502, True), (503, True), (429, True), (400, False), (401, False), (404, False)],
)
async def test_http_adapter_reports_an_error_status(status: int, retryable: bool) -> None:
    source = _adapter(lambda _: httpx.Response(status, text="nope"))
    with pytest.raises(CaseSourceError, match=str(status)) as caught:
        await source.fetch_events(since=None)
    assert caught.value.retryable is retryable


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        b'["events"]',
        b'{"events": "none", "cursor": "c", "has_more": false}',
        b'{"events": [], "cursor": 5, "has_more": false}',
        b'{"events": [], "cursor": "c"}',
        b'{"events": [], "cursor": "c", "has_more": "no"}',
        b'{"events": [], "cursor": null, "has_more": true}',
        b'{"events": [], "cursor": "c0", "has_more": true}',
    ],
)
async def test_http_adapter_refuses_a_page_that_is_not_the_contract(body: bytes) -> None:
    source = _adapter(lambda _: httpx.Response(200, content=body))
    with pytest.raises(CaseSourceError, match="page") as caught:
        await source.fetch_events(since="c0")
    assert caught.value.retryable is False


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("x")],
)
async def test_http_adapter_reports_a_network_error_as_retryable(error: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(CaseSourceError) as caught:
        await _adapter(handler).fetch_events(since=None)
    assert caught.value.retryable is True


async def test_http_adapter_with_a_wrong_token_is_refused_for_good() -> None:
    app = create_reference_app(ReferenceCaseSystem(), token=TOKEN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        source = HttpCaseSource("http://cases", token="wrong", client=client)
        with pytest.raises(CaseSourceError, match="401") as caught:
            await source.fetch_events(since=None)
    assert caught.value.retryable is False


async def test_http_adapter_closes_only_its_own_client() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(204))) as c:
        await HttpCaseSource("http://cases", client=c).aclose()
        assert not c.is_closed
    own = HttpCaseSource("http://cases")
    await own.aclose()
    assert own._client.is_closed

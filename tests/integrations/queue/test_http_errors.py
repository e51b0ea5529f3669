"""How the HTTP adapter reports a queuing system that fails: retry later, or give up."""

from __future__ import annotations

from collections.abc import Callable

import fakeredis
import httpx
import pytest

from integrations.queue.http import HttpQueueSystem
from integrations.queue.local import LocalQueueSystem
from integrations.queue.port import QueueError
from integrations.queue.reference import create_reference_app

Handler = Callable[[httpx.Request], httpx.Response]


async def failure(handler: Handler, *, booking_id: str = "bk") -> QueueError:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    system = HttpQueueSystem("http://queue.example/api/", token="t", client=client)
    with pytest.raises(QueueError) as caught:
        await system.issue_ticket(
            hall_code="h", category="公积金", booking_id=booking_id, priority=True
        )
    await client.aclose()
    return caught.value


def answer(status: int, body: object = None) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def raising(exc: type[httpx.TransportError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    return handler


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_overload_and_server_errors_are_retryable(status: int) -> None:
    assert (await failure(answer(status))).retryable


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_client_errors_are_final(status: int) -> None:
    assert not (await failure(answer(status))).retryable


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.ConnectError, httpx.RemoteProtocolError]
)
async def test_timeouts_and_connection_failures_are_retryable(
    exc: type[httpx.TransportError],
) -> None:
    assert (await failure(raising(exc))).retryable


@pytest.mark.parametrize(
    "body",
    [
        {"number": "B001"},
        {"number": "B001", "waiting_ahead": "3", "issued_at": "2025-12-06T01:00:00+00:00"},
        {"number": "B001", "waiting_ahead": 3, "issued_at": "2025-12-06T01:00:00"},
        {"number": "", "waiting_ahead": 3, "issued_at": "2025-12-06T01:00:00+00:00"},
        ["B001"],
    ],
)
async def test_an_unreadable_answer_is_retryable(body: object) -> None:
    assert (await failure(answer(200, body))).retryable


async def test_the_request_follows_the_contract() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            201,
            json={
                "number": "YB003",
                "waiting_ahead": 2,
                "window_hint": None,
                "issued_at": "2025-12-06T09:00:00+08:00",
            },
        )

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    system = HttpQueueSystem("http://queue.example/api/", token="secret", client=client)
    ticket = await system.issue_ticket(
        hall_code="h", category="公积金", booking_id="bk", priority=True
    )
    await system.aclose()
    assert not client.is_closed  # the caller's client stays the caller's to close
    await client.aclose()
    assert (ticket.number, ticket.waiting_ahead, ticket.window_hint) == ("YB003", 2, None)
    assert ticket.issued_at.utcoffset() is not None
    (request,) = seen
    assert request.method == "POST" and str(request.url) == "http://queue.example/api/tickets"
    assert request.headers["authorization"] == "Bearer secret"
    import json

    assert json.loads(request.content) == {
        "hall": "h",
        "category": "公积金",
        "booking_id": "bk",
        "priority": True,
    }


async def test_the_reference_app_refuses_a_wrong_token_and_an_invalid_body_as_final() -> None:
    app = create_reference_app(LocalQueueSystem(fakeredis.FakeAsyncRedis()), token="right")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://q") as client:
        wrong = HttpQueueSystem("http://q", token="wrong", client=client)
        with pytest.raises(QueueError) as caught:
            await wrong.issue_ticket(hall_code="h", category="c", booking_id="b", priority=False)
        assert not caught.value.retryable and "401" in str(caught.value)
        right = HttpQueueSystem("http://q", token="right", client=client)
        with pytest.raises(QueueError) as caught:
            await right.issue_ticket(hall_code="h", category="c", booking_id="", priority=False)
        assert not caught.value.retryable and "422" in str(caught.value)

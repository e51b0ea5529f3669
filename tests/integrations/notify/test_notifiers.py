"""The notification port: the in-app inbox and the message-gateway HTTP adapter."""

from __future__ import annotations

import json

import httpx
import pytest

from integrations.notify.http import GatewayNotifier
from integrations.notify.local import InboxNotifier
from integrations.notify.port import DeliveryError, OutgoingMessage

MESSAGE = OutgoingMessage(
    notification_id="n-1", recipient="user-1", title="不动产转移登记", body="已受理"
)


async def test_the_inbox_delivers_at_once() -> None:
    result = await InboxNotifier().send(MESSAGE)
    assert result.delivered and result.provider_ref == "inbox:n-1"


async def test_the_gateway_gets_an_idempotent_authenticated_message() -> None:
    seen: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"ref": "sms-77", "status": "accepted"})

    notifier = GatewayNotifier(
        "https://gw.example",
        token="t0k",
        client=httpx.AsyncClient(transport=httpx.MockTransport(gateway)),
    )
    result = await notifier.send(MESSAGE)
    assert (result.provider_ref, result.delivered) == ("sms-77", False)
    body = json.loads(seen[0].content)
    assert body == {"id": "n-1", "recipient": "user-1", "title": "不动产转移登记", "body": "已受理"}
    assert seen[0].headers["Authorization"] == "Bearer t0k"
    await notifier.aclose()


@pytest.mark.parametrize(
    ("status", "retryable"), [(429, True), (500, True), (503, True), (400, False), (404, False)]
)
async def test_gateway_failures_say_whether_to_retry(status: int, retryable: bool) -> None:
    notifier = GatewayNotifier(
        "https://gw.example",
        token="t",
        client=httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(status))),
    )
    with pytest.raises(DeliveryError) as caught:
        await notifier.send(MESSAGE)
    assert caught.value.retryable is retryable


async def test_an_unreachable_gateway_is_retried() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    notifier = GatewayNotifier(
        "https://gw.example",
        token="t",
        client=httpx.AsyncClient(transport=httpx.MockTransport(down)),
    )
    with pytest.raises(DeliveryError) as caught:
        await notifier.send(MESSAGE)
    assert caught.value.retryable

"""HTTP adapter to a city message gateway (SMS / mini-program subscription messages).

Contract: `POST {base}/messages` with JSON `{"id", "recipient", "title", "body"}` and
`Authorization: Bearer <token>`; 200/201/202 answers `{"ref": "...", "status": "accepted" |
"delivered"}`; the gateway de-duplicates by `id`. 429 and 5xx are retried; other 4xx are final.
"""

from __future__ import annotations

import httpx

from integrations.notify.port import DeliveryError, OutgoingMessage, SendResult


class GatewayNotifier:
    channel = "sms"

    def __init__(
        self, base_url: str, *, token: str, client: httpx.AsyncClient | None = None
    ) -> None:
        self._base = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=10)
        self._headers = {"Authorization": f"Bearer {token}"}

    async def send(self, message: OutgoingMessage) -> SendResult:
        payload = {
            "id": message.notification_id,
            "recipient": message.recipient,
            "title": message.title,
            "body": message.body,
        }
        try:
            response = await self._client.post(
                f"{self._base}/messages", json=payload, headers=self._headers
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"gateway unreachable: {type(exc).__name__}", retryable=True
            ) from exc
        if response.status_code in (429,) or response.status_code >= 500:
            raise DeliveryError(f"gateway answered {response.status_code}", retryable=True)
        if response.status_code not in (200, 201, 202):
            raise DeliveryError(f"gateway refused with {response.status_code}", retryable=False)
        try:
            body = response.json()
            ref = str(body["ref"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError("gateway sent an invalid answer", retryable=True) from exc
        return SendResult(provider_ref=ref, delivered=body.get("status") == "delivered")

    async def aclose(self) -> None:
        await self._client.aclose()

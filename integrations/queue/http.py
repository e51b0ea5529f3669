"""HTTP adapter to a hall's queuing system; the contract is in README.md beside this file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from integrations.queue.port import QueueError, QueueTicket


class HttpQueueSystem:
    def __init__(
        self, base_url: str, *, token: str, client: httpx.AsyncClient | None = None
    ) -> None:
        self._base = base_url.rstrip("/")
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(5.0))
        self._headers = {"Authorization": f"Bearer {token}"}

    async def issue_ticket(
        self, *, hall_code: str, category: str, booking_id: str, priority: bool
    ) -> QueueTicket:
        """Safe to retry: the system de-duplicates by `booking_id`."""
        body = {
            "hall": hall_code,
            "category": category,
            "booking_id": booking_id,
            "priority": priority,
        }
        try:
            response = await self._client.post(
                f"{self._base}/tickets", json=body, headers=self._headers
            )
        except httpx.HTTPError as exc:  # timeouts, refused connections, broken transfers
            raise QueueError(
                f"queuing system unreachable: {type(exc).__name__}", retryable=True
            ) from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise QueueError(f"queuing system answered {status}", retryable=True)
        if status not in (200, 201):
            raise QueueError(f"queuing system refused with {status}", retryable=False)
        try:
            return _ticket(response.json())
        except (ValueError, KeyError, TypeError) as exc:
            raise QueueError("queuing system sent an invalid answer", retryable=True) from exc

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _ticket(data: Any) -> QueueTicket:
    issued_at = datetime.fromisoformat(str(data["issued_at"]))
    if issued_at.tzinfo is None:
        raise ValueError("issued_at without a UTC offset")
    waiting = data["waiting_ahead"]
    if not isinstance(waiting, int) or isinstance(waiting, bool) or waiting < 0:
        raise TypeError("waiting_ahead is not a count")
    number = data["number"]
    hint = data.get("window_hint")
    if not isinstance(number, str) or not number or not (hint is None or isinstance(hint, str)):
        raise TypeError("number or window_hint of the wrong type")
    return QueueTicket(number=number, waiting_ahead=waiting, window_hint=hint, issued_at=issued_at)

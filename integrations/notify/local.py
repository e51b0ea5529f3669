"""Local adapter: the notification lives in our database and is listed in the app's inbox;
delivery is immediate."""

from __future__ import annotations

from integrations.notify.port import OutgoingMessage, SendResult


class InboxNotifier:
    channel = "local"

    async def send(self, message: OutgoingMessage) -> SendResult:
        return SendResult(provider_ref=f"inbox:{message.notification_id}", delivered=True)

    async def aclose(self) -> None:
        return None

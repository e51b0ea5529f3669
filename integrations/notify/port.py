"""The port to the channels that reach a citizen: SMS gateway, mini-program subscription
messages, or (locally) the in-app inbox only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    notification_id: str  # idempotency key: a retry with the same id sends nothing twice
    recipient: str  # an opaque recipient reference (our user id); the gateway maps it
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_ref: str
    delivered: bool  # True when the channel confirms delivery at once


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Notifier(Protocol):
    channel: str

    async def send(self, message: OutgoingMessage) -> SendResult: ...

    async def aclose(self) -> None: ...

"""The port to a hall's queuing system (取号机): checking in issues a queue number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class QueueTicket:
    number: str  # what the hall calls out and shows: "B023"; "YB003" for 预约优先
    waiting_ahead: int  # tickets called before this one, at the time of asking
    window_hint: str | None  # where to wait, when the hall says: "B区 5-8号窗口"
    issued_at: datetime  # aware; the first issue (asking again does not change it)


class QueueError(Exception):
    """The queuing system did not give a number. Retryable: try again later (5xx, timeout)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class QueueSystem(Protocol):
    async def issue_ticket(
        self, *, hall_code: str, category: str, booking_id: str, priority: bool
    ) -> QueueTicket:
        """A number for this booking, today, in the hall's queue for `category`.

        Idempotent by `booking_id`: asking again (a retry, a second device, another instance)
        returns the same number and issue time, with an up-to-date `waiting_ahead`.
        `priority` puts it in the hall's 预约优先 range, called before walk-in tickets.
        """
        ...

    async def aclose(self) -> None: ...

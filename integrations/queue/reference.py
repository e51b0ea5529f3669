"""The HTTP contract of README.md, served over a LocalQueueSystem: for contract tests and for
running the app against "a real queuing system" locally."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

from integrations.queue.local import LocalQueueSystem


class TicketRequest(BaseModel):
    hall: str = Field(min_length=1, max_length=64)
    category: str = Field(min_length=1, max_length=32)
    booking_id: str = Field(min_length=1, max_length=64)
    priority: bool = False


class TicketOut(BaseModel):
    number: str
    waiting_ahead: int
    window_hint: str | None
    issued_at: str  # ISO 8601 with offset


def create_reference_app(system: LocalQueueSystem, *, token: str) -> FastAPI:
    app = FastAPI(title="Hall queuing system (reference)", openapi_url=None)

    def authorize(authorization: str | None) -> None:
        expected = f"Bearer {token}"
        if authorization is None or not hmac.compare_digest(authorization, expected):
            raise HTTPException(status_code=401, detail="bad token")

    @app.post("/tickets", response_model=TicketOut)
    async def issue(
        body: TicketRequest, authorization: Annotated[str | None, Header()] = None
    ) -> TicketOut:
        authorize(authorization)
        ticket = await system.issue_ticket(
            hall_code=body.hall,
            category=body.category,
            booking_id=body.booking_id,
            priority=body.priority,
        )
        return TicketOut(
            number=ticket.number,
            waiting_ahead=ticket.waiting_ahead,
            window_hint=ticket.window_hint,
            issued_at=ticket.issued_at.isoformat(),
        )

    return app

"""Notifications to citizens; the row is the outbox: written in the same transaction as the
change it reports, delivered by the worker, so a crash between the two loses nothing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

import auth.models  # noqa: F401  (tables this one refers to)
import bff.cases.models  # noqa: F401  (tables this one refers to)
from bff.db import Base


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # handed to the channel (SMS gateway, mini-program message)
    DELIVERED = "delivered"  # the channel confirmed it reached the citizen
    FAILED = "failed"  # gave up after retries


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # case_status, rectification, …
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    channel: Mapped[str] = mapped_column(String(16))  # local | sms | miniprogram
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

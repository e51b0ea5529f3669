"""Weekend-hall appointments (周末不打烊预约): hall sessions, slots with capacity, bookings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

import auth.models  # noqa: F401  (tables this one refers to)
import bff.catalogue.models  # noqa: F401
from bff.db import Base

GENERAL = "综合"  # weekday counters serve every item the hall handles


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    SERVED = "served"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


ACTIVE = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


class HallSession(Base):
    """When a hall takes appointments: a weekday, hours, the categories served, slot size and
    places per slot and category."""

    __tablename__ = "hall_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 1 = Monday … 7 = Sunday
    start: Mapped[str] = mapped_column(String(5))  # "09:00", China time
    end: Mapped[str] = mapped_column(String(5))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=60)
    capacity: Mapped[int] = mapped_column(Integer, default=10)


class HallClosure(Base):
    __tablename__ = "hall_closures"
    __table_args__ = (UniqueConstraint("hall_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(100))


class Slot(Base):
    """One bookable hour at one hall for one category. `booked` only moves through a
    conditional UPDATE (`booked < capacity`), so no two requests can both take the last place."""

    __tablename__ = "slots"
    __table_args__ = (UniqueConstraint("hall_id", "category", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date, index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        # At most one active booking per person per item, even under concurrent requests.
        Index(
            "uq_appointments_active_item",
            "user_id",
            "item_id",
            unique=True,
            postgresql_where=text("status IN ('booked', 'checked_in')"),
            sqlite_where=text("status IN ('booked', 'checked_in')"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # shown on the voucher
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    booked_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    grant_id: Mapped[str | None] = mapped_column(String(36))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    category: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default=AppointmentStatus.BOOKED, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped by reschedule: old QRs die
    idempotency_key: Mapped[str] = mapped_column(String(64))
    queue_number: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

"""Booking rules for hall appointments. Capacity is taken with one conditional UPDATE, so
however many requests and instances race for the last place, exactly `capacity` win."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bff.appointments.models import (
    ACTIVE,
    GENERAL,
    Appointment,
    AppointmentStatus,
    HallClosure,
    HallSession,
    Slot,
)
from bff.calendar.calendar import WorkingCalendar
from bff.catalogue.models import Hall, ServiceItem, item_halls
from bff.db import aware
from bff.errors import ErrorCode, HaobanError

CHINA = timezone(timedelta(hours=8))


class BookingReason(StrEnum):
    SLOT_FULL = "SLOT_FULL"
    OUTSIDE_BOOKING_WINDOW = "OUTSIDE_BOOKING_WINDOW"
    ALREADY_BOOKED = "ALREADY_BOOKED"
    SUSPENDED = "SUSPENDED"
    ITEM_NOT_SERVED = "ITEM_NOT_SERVED"
    CUTOFF_PASSED = "CUTOFF_PASSED"
    NOT_ACTIVE = "NOT_ACTIVE"
    CHECK_IN_WINDOW = "CHECK_IN_WINDOW"
    INVALID_QR = "INVALID_QR"


class BookingError(HaobanError):
    def __init__(self, reason: BookingReason, message: str, /, **params: Any) -> None:
        super().__init__(ErrorCode.INVALID_ARGUMENT, message, **params)
        self.reason = reason
        self.extra["reason"] = reason.value


@dataclass(frozen=True)
class Rules:
    """Defaults from shared/domain (Hangzhou's 5 working days, 2 h cancellation, 2 no-shows in
    30 days → 30 days' suspension); all configurable."""

    window_working_days: int = 5
    cancel_cutoff: timedelta = timedelta(hours=2)
    no_show_limit: int = 2
    no_show_window: timedelta = timedelta(days=30)
    suspension: timedelta = timedelta(days=30)
    check_in_early: timedelta = timedelta(minutes=30)
    check_in_late: timedelta = timedelta(minutes=15)


def item_category(item: ServiceItem) -> str:
    return item.weekend_category or GENERAL


def china_day(at: datetime) -> date:
    return at.astimezone(CHINA).date()


def _new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


@dataclass(frozen=True)
class Suspension:
    until: date
    no_shows: int


class AppointmentService:
    def __init__(
        self, session: AsyncSession, *, calendar: WorkingCalendar, rules: Rules | None = None
    ) -> None:
        self.session = session
        self.calendar = calendar
        self.rules = rules or Rules()

    # -- slots ---------------------------------------------------------------------------

    def booking_horizon(self, now: datetime) -> date:
        return self.calendar.add_working_days(china_day(now), self.rules.window_working_days).day

    def _open_weekday(self, day: date) -> int | None:
        """The schedule a day follows: its own weekday; a make-up working weekend day runs the
        Monday schedule; a public holiday none."""
        working, _ = self.calendar.is_working_day(day)
        if self.calendar.holiday_name(day) is not None and not working:
            return None
        if working and day.isoweekday() >= 6:
            return 1
        return day.isoweekday()

    async def ensure_slots(self, hall_ids: Sequence[int], start: date, end: date) -> None:
        """Materialises the slots of these halls and days (idempotent, safe under races)."""
        if not hall_ids or end < start:
            return
        sessions = list(
            await self.session.scalars(select(HallSession).where(HallSession.hall_id.in_(hall_ids)))
        )
        closures = {
            (c.hall_id, c.day)
            for c in await self.session.scalars(
                select(HallClosure).where(
                    HallClosure.hall_id.in_(hall_ids), HallClosure.day.between(start, end)
                )
            )
        }
        rows: list[dict[str, Any]] = []
        day = start
        while day <= end:
            weekday = self._open_weekday(day)
            if weekday is not None:
                for s in sessions:
                    if s.weekday != weekday or (s.hall_id, day) in closures:
                        continue
                    begin = datetime.combine(day, time.fromisoformat(s.start), CHINA)
                    finish = datetime.combine(day, time.fromisoformat(s.end), CHINA)
                    step = timedelta(minutes=s.slot_minutes)
                    t = begin
                    while t + step <= finish:
                        for category in s.categories:
                            rows.append(
                                {
                                    "hall_id": s.hall_id,
                                    "category": category,
                                    "day": day,
                                    "starts_at": t.astimezone(UTC),
                                    "ends_at": (t + step).astimezone(UTC),
                                    "capacity": s.capacity,
                                    "booked": 0,
                                }
                            )
                        t += step
            day += timedelta(days=1)
        if not rows:
            return
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        for chunk in range(0, len(rows), 500):
            stmt = insert(Slot).values(rows[chunk : chunk + 500]).on_conflict_do_nothing()
            await self.session.execute(stmt)

    async def halls_serving(self, item: ServiceItem) -> list[int]:
        return list(
            await self.session.scalars(
                select(item_halls.c.hall_id).where(item_halls.c.item_id == item.id)
            )
        )

    async def available(
        self,
        *,
        item: ServiceItem,
        hall_ids: Sequence[int],
        start: date,
        end: date,
        weekend_only: bool,
        now: datetime,
    ) -> list[Slot]:
        """Slots with places left for this item at these halls, soonest first."""
        start = max(start, china_day(now))
        end = min(end, self.booking_horizon(now))
        serving = set(await self.halls_serving(item))
        halls = [h for h in hall_ids if h in serving]
        await self.ensure_slots(halls, start, end)
        stmt = (
            select(Slot)
            .where(
                Slot.hall_id.in_(halls),
                Slot.category == item_category(item),
                Slot.day.between(start, end),
                Slot.starts_at > now,
                Slot.booked < Slot.capacity,
            )
            .order_by(Slot.starts_at, Slot.hall_id)
        )
        slots = list(await self.session.scalars(stmt))
        if weekend_only:
            slots = [s for s in slots if s.day.isoweekday() >= 6]
        return slots

    # -- rules ---------------------------------------------------------------------------

    async def suspension(self, user_id: str, *, now: datetime) -> Suspension | None:
        since = now - self.rules.no_show_window - self.rules.suspension
        stamps = sorted(
            aware(t)
            for t in await self.session.scalars(
                select(Appointment.starts_at).where(
                    Appointment.user_id == user_id,
                    Appointment.status == AppointmentStatus.NO_SHOW,
                    Appointment.starts_at >= since,
                )
            )
        )
        # Suspended when `limit` no-shows fall within one window; it runs from the last of them.
        for i in range(len(stamps) - self.rules.no_show_limit + 1):
            group = stamps[i : i + self.rules.no_show_limit]
            if group[-1] - group[0] <= self.rules.no_show_window:
                until = china_day(group[-1] + self.rules.suspension)
                if until >= china_day(now):
                    return Suspension(until=until, no_shows=len(stamps))
        return None

    async def book(
        self,
        *,
        user_id: str,
        booked_by_id: str,
        grant_id: str | None,
        item: ServiceItem,
        slot_id: int,
        idempotency_key: str,
        now: datetime,
    ) -> Appointment:
        key = idempotency_key.strip()[:64]
        if len(key) < 8:
            raise HaobanError(
                ErrorCode.INVALID_ARGUMENT, "An idempotency key of 8 to 64 characters is required."
            )
        existing = await self.session.scalar(
            select(Appointment).where(
                Appointment.user_id == user_id, Appointment.idempotency_key == key
            )
        )
        if existing is not None:
            return existing  # a retry of the same request: the same booking, not a second one
        slot = await self.session.get(Slot, slot_id)
        if slot is None:
            raise BookingError(BookingReason.SLOT_FULL, "This time is no longer available.")
        await self._check_bookable(user_id=user_id, item=item, slot=slot, now=now)
        await self._take_place(slot)
        appointment = Appointment(
            id=str(uuid.uuid4()),
            code=_new_code(),
            user_id=user_id,
            booked_by_id=booked_by_id,
            grant_id=grant_id,
            slot_id=slot.id,
            hall_id=slot.hall_id,
            item_id=item.id,
            category=slot.category,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            status=AppointmentStatus.BOOKED,
            version=1,
            idempotency_key=key,
            created_at=now,
            details={},
        )
        self.session.add(appointment)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            # The same request raced itself, or a second active booking for the item: either
            # way nothing of this attempt may stay (the caller's transaction rolls back).
            raise BookingError(
                BookingReason.ALREADY_BOOKED, "You already have a booking for this item."
            ) from exc
        return appointment

    async def _check_bookable(
        self, *, user_id: str, item: ServiceItem, slot: Slot, now: datetime
    ) -> None:
        await self._check_slot(item=item, slot=slot, now=now)
        suspended = await self.suspension(user_id, now=now)
        if suspended is not None:
            raise BookingError(
                BookingReason.SUSPENDED,
                "Booking is suspended until %(until)s after %(count)s missed appointments.",
                until=suspended.until.isoformat(),
                count=suspended.no_shows,
            ).with_extra(suspendedUntil=suspended.until.isoformat())
        active = await self.session.scalar(
            select(Appointment.id).where(
                Appointment.user_id == user_id,
                Appointment.item_id == item.id,
                Appointment.status.in_([s.value for s in ACTIVE]),
            )
        )
        if active is not None:
            raise BookingError(
                BookingReason.ALREADY_BOOKED, "You already have a booking for this item."
            )

    async def _check_slot(self, *, item: ServiceItem, slot: Slot, now: datetime) -> None:
        """The slot is for this item's category at a hall that handles it, and bookable now."""
        if slot.category != item_category(item) or slot.hall_id not in await self.halls_serving(
            item
        ):
            raise BookingError(
                BookingReason.ITEM_NOT_SERVED, "This hall does not handle this item at that time."
            )
        if aware(slot.starts_at) <= now or slot.day > self.booking_horizon(now):
            raise BookingError(
                BookingReason.OUTSIDE_BOOKING_WINDOW,
                "Appointments can be made up to %(days)s working days ahead.",
                days=self.rules.window_working_days,
            )

    async def _take_place(self, slot: Slot) -> None:
        """One conditional UPDATE: of any number of racing requests, at most `capacity` win."""
        taken = await self.session.execute(
            update(Slot)
            .where(Slot.id == slot.id, Slot.booked < Slot.capacity)
            .values(booked=Slot.booked + 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise BookingError(
                BookingReason.SLOT_FULL, "This time is fully booked; please choose another."
            )

    async def _release(self, appointment: Appointment) -> None:
        await self.session.execute(
            update(Slot)
            .where(Slot.id == appointment.slot_id, Slot.booked > 0)
            .values(booked=Slot.booked - 1)
            .execution_options(synchronize_session=False)
        )

    async def cancel(self, appointment: Appointment, *, now: datetime) -> Appointment:
        if appointment.status != AppointmentStatus.BOOKED:
            raise BookingError(BookingReason.NOT_ACTIVE, "This appointment is no longer active.")
        if aware(appointment.starts_at) - now < self.rules.cancel_cutoff:
            raise BookingError(
                BookingReason.CUTOFF_PASSED,
                "Appointments can be cancelled until %(hours)s hours before.",
                hours=int(self.rules.cancel_cutoff.total_seconds() // 3600),
            )
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_at = now
        appointment.version += 1  # its QR stops working
        await self._release(appointment)  # the place goes back to the pool (号池)
        await self.session.flush()
        return appointment

    async def reschedule(
        self, appointment: Appointment, *, item: ServiceItem, slot_id: int, now: datetime
    ) -> Appointment:
        """Moves a booking to another slot in one transaction: take the new place first, then
        give back the old one, so a failure leaves the original booking untouched."""
        if appointment.status != AppointmentStatus.BOOKED:
            raise BookingError(BookingReason.NOT_ACTIVE, "This appointment is no longer active.")
        if aware(appointment.starts_at) - now < self.rules.cancel_cutoff:
            raise BookingError(
                BookingReason.CUTOFF_PASSED,
                "Appointments can be changed until %(hours)s hours before.",
                hours=int(self.rules.cancel_cutoff.total_seconds() // 3600),
            )
        slot = await self.session.get(Slot, slot_id)
        if slot is None or slot.id == appointment.slot_id:
            raise BookingError(BookingReason.SLOT_FULL, "This time is no longer available.")
        await self._check_slot(item=item, slot=slot, now=now)
        await self._take_place(slot)
        await self._release(appointment)
        appointment.slot_id = slot.id
        appointment.hall_id = slot.hall_id
        appointment.starts_at = slot.starts_at
        appointment.ends_at = slot.ends_at
        appointment.version += 1
        await self.session.flush()
        return appointment

    async def check_in(
        self, appointment: Appointment, *, version: int, now: datetime
    ) -> Appointment:
        if appointment.status != AppointmentStatus.BOOKED or appointment.version != version:
            raise BookingError(BookingReason.INVALID_QR, "This code is not valid for a booking.")
        starts = aware(appointment.starts_at)
        if not starts - self.rules.check_in_early <= now <= starts + self.rules.check_in_late:
            raise BookingError(
                BookingReason.CHECK_IN_WINDOW,
                "Check in from 30 minutes before to 15 minutes after your time.",
            )
        appointment.status = AppointmentStatus.CHECKED_IN
        appointment.checked_in_at = now
        await self.session.flush()
        return appointment

    async def mark_no_shows(self, *, now: datetime) -> int:
        """Bookings whose check-in window closed without a check-in."""
        result = await self.session.execute(
            update(Appointment)
            .where(
                Appointment.status == AppointmentStatus.BOOKED,
                Appointment.starts_at < now - self.rules.check_in_late,
            )
            .values(status=AppointmentStatus.NO_SHOW)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def count_booked(self, slot_id: int) -> int:
        return int(
            await self.session.scalar(
                select(func.count(Appointment.id)).where(
                    Appointment.slot_id == slot_id,
                    Appointment.status.in_([s.value for s in ACTIVE]),
                )
            )
            or 0
        )


async def seed_hall_sessions(session: AsyncSession) -> int:
    """Demo: sessions from each hall's published hours; weekday counters serve every item
    (综合) and the weekend categories, weekend sessions only the 周末不打烊 categories."""
    if await session.scalar(select(HallSession.id).limit(1)):
        return 0
    count = 0
    for hall in await session.scalars(select(Hall)):
        weekend = list(hall.weekend_categories or [])
        for day in hall.hours or []:
            weekday = int(day["weekday"])
            categories = weekend if weekday >= 6 else [GENERAL, *weekend]
            if not categories:
                continue
            for start, end in day.get("sessions", []):
                session.add(
                    HallSession(
                        hall_id=hall.id,
                        weekday=weekday,
                        start=start,
                        end=end,
                        categories=categories,
                        slot_minutes=60,
                        capacity=10 if weekday >= 6 else 20,
                    )
                )
                count += 1
    await session.flush()
    return count

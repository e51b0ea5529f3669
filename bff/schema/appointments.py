"""GraphQL for weekend-hall appointments (周末不打烊预约)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from accessibility.speech import spoken_date
from auth.models import ProxyScope
from auth.proxies import ProxyService
from auth.viewer import acting_subject
from bff.appointments.models import ACTIVE, AppointmentStatus
from bff.appointments.models import Appointment as AppointmentRow
from bff.appointments.service import CHINA, AppointmentService, BookingError, BookingReason
from bff.cases.ingest import calendar_for
from bff.catalogue.models import Hall as HallRow
from bff.catalogue.models import ServiceItem as ServiceItemRow
from bff.catalogue.service import distance_meters
from bff.db import aware
from bff.errors import ErrorCode, HaobanError
from bff.schema.catalogue import GeoPointInput, Hall, ServiceItem
from bff.schema.context import Context
from bff.schema.identity import MutationError, _error

ContextInfo = Info[Context, None]


def spoken_time(starts: datetime, ends: datetime, info: ContextInfo) -> str:
    """12月6日（星期六）上午9:00–10:00 / Saturday 6 December 9:00–10:00."""
    local_start, local_end = aware(starts).astimezone(CHINA), aware(ends).astimezone(CHINA)
    day = spoken_date(local_start.date(), info.context.translator)
    span = f"{local_start:%H:%M}–{local_end:%H:%M}"
    if info.context.translator.locale.startswith("zh"):
        half = "上午" if local_start.hour < 12 else "下午"
        return f"{day}{half}{local_start.hour}:{local_start:%M}–{local_end.hour}:{local_end:%M}"
    return f"{day} {span}"


@strawberry.type(description="A time with places left, at a hall.")
class AvailableSlot:
    slot_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    spoken: str
    remaining: int = strawberry.field(description="Places left in this hour for this category.")
    category: str
    hall: Hall


@strawberry.type(description="A booking at a hall.")
class Appointment:
    row: strawberry.Private[AppointmentRow]
    hall_row: strawberry.Private[HallRow]
    item_title: strawberry.Private[str]
    owner_view: strawberry.Private[bool] = True

    @strawberry.field(description="Stable id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field(description="Booking code shown on the voucher.")
    def code(self) -> str:
        return self.row.code

    @strawberry.field(description="booked, checked_in, served, cancelled or no_show.")
    def status(self) -> str:
        return self.row.status

    @strawberry.field(description="The item it is for.")
    async def item(self, info: ContextInfo) -> ServiceItem:
        row = await info.context.loaders.item_by_id.load(self.row.item_id)
        assert row is not None
        return ServiceItem.of(row)

    @strawberry.field(description="The hall.")
    def hall(self) -> Hall:
        return Hall.of(self.hall_row)

    @strawberry.field(description="Start (the hour booked).")
    def starts_at(self) -> datetime:
        return aware(self.row.starts_at)

    @strawberry.field(description="End.")
    def ends_at(self) -> datetime:
        return aware(self.row.ends_at)

    @strawberry.field(
        description="The time as people say it, e.g. 12月6日（星期六）上午9:00–10:00."
    )
    def spoken_time(self, info: ContextInfo) -> str:
        return spoken_time(self.row.starts_at, self.row.ends_at, info)

    @strawberry.field(
        description="One sentence for elder mode: when, where (address), the hall's phone."
    )
    def summary(self, info: ContextInfo) -> str:
        hall = self.hall_row
        return info.context._(
            "You are booked for %(when)s at %(hall)s for %(item)s. Address: %(address)s. Phone: %(phone)s.",
            when=spoken_time(self.row.starts_at, self.row.ends_at, info),
            hall=hall.name,
            item=self.item_title,
            address=hall.address,
            phone=hall.phone or info.context.settings.hotline,
        )

    @strawberry.field(description="Queue number (取号) after check-in.")
    def queue_number(self) -> str | None:
        return self.row.queue_number

    @strawberry.field(description="Signed check-in code for the QR (owner, while booked).")
    def qr_payload(self, info: ContextInfo) -> str | None:
        if not self.owner_view or self.row.status != AppointmentStatus.BOOKED:
            return None
        from bff.appointments.qr import sign_check_in

        return sign_check_in(
            info.context.settings.secret_key,
            booking_id=self.row.id,
            version=self.row.version,
            hall_code=self.hall_row.code,
            starts_at=aware(self.row.starts_at),
        )

    @strawberry.field(description="URL of the voucher image (PNG; large type in elder mode).")
    def voucher_url(self, info: ContextInfo) -> str | None:
        if not self.owner_view or self.row.status != AppointmentStatus.BOOKED:
            return None
        mode = "elder" if info.context.elder else "standard"
        return f"/api/appointments/{self.row.id}/voucher.png?mode={mode}"

    @strawberry.field(description="Can it still be cancelled or moved (until 2 hours before)?")
    def can_change(self) -> bool:
        return self.row.status == AppointmentStatus.BOOKED and aware(
            self.row.starts_at
        ) - datetime.now(UTC) >= timedelta(hours=2)


@strawberry.type(description="Whether the citizen may book, and why not.")
class BookingStatus:
    suspended_until: date | None
    no_shows: int
    reason: str | None


AppointmentResult = Annotated[Appointment | MutationError, strawberry.union("AppointmentResult")]


async def _subject(info: ContextInfo) -> tuple[str, str | None]:
    ctx = info.context
    viewer = ctx.require_viewer()
    async with ctx.db.use() as session:
        subject, grant = await acting_subject(session, viewer, ProxyScope.BOOK_APPOINTMENTS)
    return subject, grant.id if grant else None


async def to_graphql(
    info: ContextInfo, rows: list[AppointmentRow], *, owner: bool
) -> list[Appointment]:
    async with info.context.db.use() as session:
        wanted = {r.hall_id for r in rows}
        halls = {
            h.id: h for h in await session.scalars(select(HallRow).where(HallRow.id.in_(wanted)))
        }
    items = await info.context.loaders.item_by_id.load_many([r.item_id for r in rows])
    return [
        Appointment(
            row=r, hall_row=halls[r.hall_id], item_title=i.name if i else "", owner_view=owner
        )
        for r, i in zip(rows, items, strict=True)
    ]


@strawberry.type
class AppointmentQuery:
    @strawberry.field(
        description="Times with places left for an item at the halls that handle it, nearest "
        "halls first when `near` is given; within the booking window (5 working days)."
    )
    async def available_slots(
        self,
        info: ContextInfo,
        item_code: str,
        near: GeoPointInput | None = None,
        start: date | None = None,
        end: date | None = None,
        weekend_only: bool = False,
        first: int = 50,
    ) -> list[AvailableSlot]:
        ctx = info.context
        now = datetime.now(UTC)
        async with ctx.catalogue() as catalogue:
            item = await catalogue.item(code=item_code)
            halls = await catalogue.repo.halls()
        today = now.astimezone(CHINA).date()
        async with ctx.db.use() as session:
            service = AppointmentService(session, calendar=await calendar_for(ctx.state))
            slots = await service.available(
                item=item,
                hall_ids=[h.id for h in halls],
                start=start or today,
                end=end or today + timedelta(days=14),
                weekend_only=weekend_only,
                now=now,
            )
            await session.commit()  # the slots it materialised
        by_id = {h.id: h for h in halls}

        def distance(hall_id: int) -> float:
            hall = by_id[hall_id]
            return distance_meters(near.lat, near.lng, hall.lat, hall.lng) if near else 0.0

        slots.sort(
            key=lambda s: (distance(s.hall_id), s.starts_at) if near else (s.starts_at, s.hall_id)
        )
        return [
            AvailableSlot(
                slot_id=strawberry.ID(str(s.id)),
                starts_at=aware(s.starts_at),
                ends_at=aware(s.ends_at),
                spoken=spoken_time(s.starts_at, s.ends_at, info),
                remaining=s.capacity - s.booked,
                category=s.category,
                hall=Hall.of(by_id[s.hall_id], distance(s.hall_id) if near else None),
            )
            for s in slots[: max(0, min(first, 200))]
        ]

    @strawberry.field(
        description="The citizen's appointments (or, acting with BOOK_APPOINTMENTS, the grantor's)."
    )
    async def my_appointments(
        self, info: ContextInfo, include_past: bool = False
    ) -> list[Appointment]:
        subject, grant_id = await _subject(info)
        async with info.context.db.use() as session:
            stmt = select(AppointmentRow).where(AppointmentRow.user_id == subject)
            if not include_past:
                stmt = stmt.where(AppointmentRow.status.in_([s.value for s in ACTIVE]))
            rows = list(await session.scalars(stmt.order_by(AppointmentRow.starts_at)))
        return await to_graphql(info, rows, owner=grant_id is None)

    @strawberry.field(description="Suspension after missed appointments (2 in 30 days → 30 days).")
    async def my_booking_status(self, info: ContextInfo) -> BookingStatus:
        subject, _ = await _subject(info)
        async with info.context.db.use() as session:
            service = AppointmentService(session, calendar=await calendar_for(info.context.state))
            suspended = await service.suspension(subject, now=datetime.now(UTC))
        if suspended is None:
            return BookingStatus(suspended_until=None, no_shows=0, reason=None)
        return BookingStatus(
            suspended_until=suspended.until,
            no_shows=suspended.no_shows,
            reason=info.context._(
                "Booking is suspended until %(until)s after %(count)s missed appointments.",
                until=suspended.until.isoformat(),
                count=suspended.no_shows,
            ),
        )


async def _own_appointment(info: ContextInfo, appointment_id: str) -> AppointmentRow:
    subject, _ = await _subject(info)
    async with info.context.db.use() as session:
        row = await session.get(AppointmentRow, appointment_id[:36])
    if row is None or row.user_id != subject:
        raise HaobanError(ErrorCode.NOT_FOUND, "No such appointment.")
    return row


async def _finish(info: ContextInfo, row: AppointmentRow, action: str) -> Appointment:
    """Commit, record an act done for someone else, schedule reminders, answer."""
    ctx = info.context
    viewer = ctx.require_viewer()
    if viewer.acting_grant_id is not None:
        async with ctx.db.use() as session:
            await ProxyService(session).record(
                actor_id=viewer.user_id,
                subject_id=row.user_id,
                action=action,
                grant_id=viewer.acting_grant_id,
                details={"appointment": row.code},
            )
    await ctx.db.commit()
    if row.status == AppointmentStatus.BOOKED:
        from bff.jobs import schedule_reminders

        await schedule_reminders(ctx.state, row)
    return (await to_graphql(info, [row], owner=viewer.acting_grant_id is None))[0]


@strawberry.type
class AppointmentMutation:
    @strawberry.mutation(
        description="Book a slot for an item. Retrying with the same idempotencyKey returns the "
        "same booking. A relative with BOOK_APPOINTMENTS books for the person they act for."
    )
    async def book_appointment(
        self, info: ContextInfo, slot_id: strawberry.ID, item_code: str, idempotency_key: str
    ) -> AppointmentResult:
        ctx = info.context
        try:
            subject, grant_id = await _subject(info)
            viewer = ctx.require_viewer()
            async with ctx.catalogue() as catalogue:
                item = await catalogue.item(code=item_code)
            if not str(slot_id).isdigit():
                raise BookingError(BookingReason.SLOT_FULL, "This time is no longer available.")
            async with ctx.db.use() as session:
                service = AppointmentService(session, calendar=await calendar_for(ctx.state))
                row = await service.book(
                    user_id=subject,
                    booked_by_id=viewer.user_id,
                    grant_id=grant_id,
                    item=item,
                    slot_id=int(str(slot_id)),
                    idempotency_key=idempotency_key,
                    now=datetime.now(UTC),
                )
            return await _finish(info, row, "appointment.booked")
        except HaobanError as exc:
            await ctx.db.rollback()
            if isinstance(exc, BookingError) and exc.reason is BookingReason.ALREADY_BOOKED:
                # A concurrent retry with the same key may have won: answer with its booking.
                replay = await _by_key(info, idempotency_key)
                if replay is not None:
                    return (await to_graphql(info, [replay], owner=True))[0]
            return _error(info, exc)

    @strawberry.mutation(
        description="Cancel until 2 hours before; the place goes back to the pool."
    )
    async def cancel_appointment(
        self, info: ContextInfo, appointment_id: strawberry.ID
    ) -> AppointmentResult:
        ctx = info.context
        try:
            row = await _own_appointment(info, str(appointment_id))
            async with ctx.db.use() as session:
                row = await session.merge(row)
                service = AppointmentService(session, calendar=await calendar_for(ctx.state))
                await service.cancel(row, now=datetime.now(UTC))
            return await _finish(info, row, "appointment.cancelled")
        except HaobanError as exc:
            await ctx.db.rollback()
            return _error(info, exc)

    @strawberry.mutation(description="Move a booking to another slot (until 2 hours before).")
    async def reschedule_appointment(
        self, info: ContextInfo, appointment_id: strawberry.ID, slot_id: strawberry.ID
    ) -> AppointmentResult:
        ctx = info.context
        try:
            row = await _own_appointment(info, str(appointment_id))
            if not str(slot_id).isdigit():
                raise BookingError(BookingReason.SLOT_FULL, "This time is no longer available.")
            async with ctx.db.use() as session:
                row = await session.merge(row)
                item = await session.get(ServiceItemRow, row.item_id)
                assert item is not None
                service = AppointmentService(session, calendar=await calendar_for(ctx.state))
                await service.reschedule(
                    row, item=item, slot_id=int(str(slot_id)), now=datetime.now(UTC)
                )
            return await _finish(info, row, "appointment.rescheduled")
        except HaobanError as exc:
            await ctx.db.rollback()
            return _error(info, exc)

    @strawberry.mutation(
        description="Check in with the voucher's QR code at the hall, within 30 minutes before to "
        "15 minutes after the time; returns the queue number."
    )
    async def check_in(self, info: ContextInfo, qr_payload: str) -> AppointmentResult:
        from bff.appointments.checkin import check_in_with_qr

        ctx = info.context
        try:
            row = await check_in_with_qr(ctx.state, qr_payload, now=datetime.now(UTC))
            return (await to_graphql(info, [row], owner=False))[0]
        except HaobanError as exc:
            return _error(info, exc)


async def _by_key(info: ContextInfo, key: str) -> AppointmentRow | None:
    subject, _ = await _subject(info)
    async with info.context.state.sessionmaker() as session:
        return await session.scalar(
            select(AppointmentRow).where(
                AppointmentRow.user_id == subject,
                AppointmentRow.idempotency_key == key.strip()[:64],
            )
        )


__all__ = ["AppointmentMutation", "AppointmentQuery"]

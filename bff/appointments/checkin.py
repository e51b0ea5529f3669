"""Check-in with the voucher's QR: verify the signature, then the booking's own state."""

from __future__ import annotations

from datetime import datetime

from bff.appointments.models import Appointment
from bff.appointments.service import AppointmentService, BookingError, BookingReason
from bff.cases.ingest import calendar_for
from bff.catalogue.models import Hall
from bff.state import AppState


async def check_in_with_qr(state: AppState, payload: str, *, now: datetime) -> Appointment:
    """A forged code fails the signature; a real code fails when its booking was cancelled or
    moved (the version no longer matches) or is already checked in: a code works once, for
    its own booking only. Then the hall's queuing system gives a number."""
    from bff.appointments.qr import QrError, verify_check_in

    try:
        claim = verify_check_in(state.settings.secret_key, payload)
    except QrError as exc:
        raise BookingError(
            BookingReason.INVALID_QR, "This code is not valid for a booking."
        ) from exc
    async with state.sessionmaker() as session:
        appointment = await session.get(Appointment, claim.booking_id, with_for_update=True)
        if appointment is None:
            raise BookingError(BookingReason.INVALID_QR, "This code is not valid for a booking.")
        hall = await session.get(Hall, appointment.hall_id)
        if hall is None or hall.code != claim.hall_code:
            raise BookingError(BookingReason.INVALID_QR, "This code is not valid for a booking.")
        service = AppointmentService(session, calendar=await calendar_for(state))
        await service.check_in(appointment, version=claim.version, now=now)
        ticket = await state.queue.issue_ticket(
            hall_code=hall.code,
            category=appointment.category,
            booking_id=appointment.id,
            priority=True,
        )
        appointment.queue_number = ticket.number
        await session.commit()
        await session.refresh(appointment)
        return appointment

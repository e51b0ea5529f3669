"""Appointment reminders as notifications (the same outbox and port as case updates)."""

from __future__ import annotations

import uuid

from accessibility.i18n import Translator
from bff.appointments.models import Appointment, AppointmentStatus
from bff.catalogue.models import Hall, ServiceItem
from bff.notifications.models import DeliveryStatus, Notification
from bff.state import AppState


async def write_reminder(
    state: AppState, appointment_id: str, *, version: int, kind: str
) -> str | None:
    """Writes the reminder if the booking still stands as it was when it was scheduled."""
    from accessibility.speech import spoken_date
    from bff.appointments.service import CHINA

    translator = Translator("zh_Hans")
    async with state.sessionmaker() as session:
        appointment = await session.get(Appointment, appointment_id)
        if (
            appointment is None
            or appointment.status != AppointmentStatus.BOOKED
            or appointment.version != version
        ):
            return None
        hall = await session.get(Hall, appointment.hall_id)
        item = await session.get(ServiceItem, appointment.item_id)
        assert hall is not None and item is not None
        local = (
            appointment.starts_at.astimezone(CHINA)
            if appointment.starts_at.tzinfo
            else appointment.starts_at
        )
        when = f"{spoken_date(local.date(), translator)} {local:%H:%M}"
        body = translator.gettext(
            "Reminder: %(when)s at %(hall)s (%(address)s) for %(item)s. Bring your voucher; phone %(phone)s.",
            when=when,
            hall=hall.name,
            address=hall.address,
            item=item.name,
            phone=hall.phone or state.settings.hotline,
        )
        note = Notification(
            id=str(uuid.uuid4()),
            user_id=appointment.user_id,
            case_id=None,
            kind=f"appointment_reminder_{kind}",
            title=translator.gettext("Appointment reminder"),
            body=body,
            data={"appointment": appointment.code},
            channel=state.notifier.channel,
            status=DeliveryStatus.QUEUED,
        )
        session.add(note)
        await session.commit()
        return note.id

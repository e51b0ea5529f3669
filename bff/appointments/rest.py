"""The voucher image (预约凭证) of a booking, for its owner (or a relative booking for them)."""

from __future__ import annotations

import asyncio
from datetime import UTC

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from accessibility.i18n import Translator
from accessibility.speech import spoken_date
from auth.masking import mask_name
from auth.models import ProxyScope
from auth.viewer import acting_subject
from bff.appointments.models import Appointment, AppointmentStatus
from bff.appointments.service import CHINA
from bff.catalogue.models import Hall, ServiceItem
from bff.errors import HaobanError
from bff.state import AppState

router = APIRouter(tags=["appointments"])


@router.get(
    "/api/appointments/{appointment_id}/voucher.png",
    summary="The booking's voucher: hall, time, item and the check-in QR (PNG).",
    responses={200: {"content": {"image/png": {}}}, 401: {}, 404: {}},
    response_class=Response,
)
async def voucher(request: Request, appointment_id: str, mode: str = "standard") -> Response:
    from accessibility.voucher import VoucherContent, render_voucher
    from bff.app import resolve_viewer
    from bff.appointments.qr import sign_check_in

    state: AppState = request.app.state.haoban
    viewer, _error = await resolve_viewer(state, request.headers.get("authorization"))
    if viewer is None:
        return JSONResponse({"error": "unauthenticated"}, status_code=401)
    async with state.sessionmaker() as session:
        try:
            subject, _grant = await acting_subject(session, viewer, ProxyScope.BOOK_APPOINTMENTS)
        except HaobanError:
            return JSONResponse({"error": "not_found"}, status_code=404)
        row = await session.get(Appointment, appointment_id[:36])
        if row is None or row.user_id != subject or row.status != AppointmentStatus.BOOKED:
            return JSONResponse({"error": "not_found"}, status_code=404)
        hall = await session.get(Hall, row.hall_id)
        item = await session.get(ServiceItem, row.item_id)
        from auth.accounts import AccountService

        accounts = AccountService(session, secret=state.settings.secret_key)
        owner = await accounts.get(row.user_id)
        name = mask_name(accounts.personal_data(owner).name) if owner else None
    assert hall is not None and item is not None
    starts = row.starts_at if row.starts_at.tzinfo else row.starts_at.replace(tzinfo=UTC)
    ends = row.ends_at if row.ends_at.tzinfo else row.ends_at.replace(tzinfo=UTC)
    local_start, local_end = starts.astimezone(CHINA), ends.astimezone(CHINA)
    translator = Translator("zh_Hans")
    half = "上午" if local_start.hour < 12 else "下午"
    when = (
        f"{spoken_date(local_start.date(), translator)}{half}"
        f"{local_start.hour}:{local_start:%M}–{local_end.hour}:{local_end:%M}"
    )
    content = VoucherContent(
        hall_name=hall.name,
        hall_address=hall.address,
        item_title=item.plain_name if mode == "elder" and item.plain_name else item.name,
        starts_at_text=when,
        booking_code=row.code,
        qr_payload=sign_check_in(
            state.settings.secret_key,
            booking_id=row.id,
            version=row.version,
            hall_code=hall.code,
            starts_at=starts,
        ),
        hotline=hall.phone or state.settings.hotline,
        citizen_name_masked=name,
    )
    png = await asyncio.to_thread(render_voucher, content, elder=mode == "elder")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})

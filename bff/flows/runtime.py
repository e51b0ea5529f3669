"""Flows wired to the running service: ports from AppState, rules from settings, and the
face-provider callback (a trigger only: it names a check; the result is pulled)."""

from __future__ import annotations

import html
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from accessibility.i18n import Translator
from auth.models import User
from bff.flows.models import Flow
from bff.flows.service import FlowError, FlowPorts, FlowRules, FlowService
from bff.settings import Settings
from bff.state import AppState, public_base_url

log = logging.getLogger("haoban.flows")


def flow_rules(settings: Settings) -> FlowRules:
    return FlowRules(
        flow_ttl=timedelta(hours=settings.flow_ttl_hours),
        face_pass_valid=timedelta(minutes=settings.face_pass_valid_minutes),
        face_per_day=settings.face_checks_per_day,
        instant_items=frozenset(settings.instant_items),
    )


def flow_service(state: AppState, session: AsyncSession) -> FlowService:
    ports = FlowPorts(
        face=state.face,
        licences=state.licences,
        redis=state.redis,
        secret=state.settings.secret_key,
        face_callback_url=f"{public_base_url(state.settings)}/integrations/face/tencent/callback",
    )
    return FlowService(session, ports=ports, rules=flow_rules(state.settings))


async def expire_flows(state: AppState) -> int:
    async with state.sessionmaker() as session:
        count = await flow_service(state, session).expire_due(now=datetime.now(UTC))
        await session.commit()
    return count


router = APIRouter(tags=["integrations"])


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.haoban
    return state


_PAGE = """<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title}</title><style>body{{font:20px/1.5 sans-serif;margin:2em;color:#111}}
h1{{font-size:30px}}</style></head><body><h1>{title}</h1><p>{body}</p></body></html>"""


_SUMMARY = "Face-verification notice (a trigger only: the result is pulled from the provider)."
_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Not a valid, signed notice."},
    404: {"description": "Unknown provider."},
}
_PATH = "/integrations/face/{provider}/callback"


@router.get(
    _PATH,
    operation_id="face_callback_get",
    summary=_SUMMARY,
    response_class=HTMLResponse,
    responses=_RESPONSES,
)
@router.post(
    _PATH,
    operation_id="face_callback_post",
    summary=_SUMMARY,
    response_class=HTMLResponse,
    responses=_RESPONSES,
)
async def face_callback(
    provider: str, request: Request, state: AppState = Depends(_state)
) -> HTMLResponse:
    translator = Translator("zh_Hans")
    _ = translator.gettext
    if state.face is None or provider != state.face.provider:
        return HTMLResponse(_PAGE.format(title="404", body=""), status_code=404)
    query = dict(request.query_params)
    if request.method == "POST":
        form = await request.form()
        query.update({k: v for k, v in form.items() if isinstance(v, str)})
    ref = await state.face.parse_callback(query, dict(request.headers))
    if ref is None:
        log.warning("face callback refused: bad signature")
        return _invalid_link(translator)
    title = _("Face check finished")
    body = _("Go back to the app to continue your application.")
    async with state.sessionmaker() as session:
        service = flow_service(state, session)
        check = await service.check_for_ref(ref)
        flow = await session.get(Flow, check.flow_id) if check is not None else None
        user = await session.get(User, flow.user_id) if flow is not None else None
        if check is None or flow is None or user is None:
            # Signed by the provider but not a check of ours (or one since deleted).
            return _invalid_link(translator)
        try:
            await service.settle_face(
                flow,
                user=user,
                actor_id=check.requested_by_id,
                provider_ref=ref,
                now=datetime.now(UTC),
            )
            await session.commit()
        except FlowError as exc:
            if exc.keep:
                await session.commit()
            else:
                await session.rollback()
            title = _("Face check not completed")
            body = translator.gettext(exc.msgid, **exc.params)
    return HTMLResponse(_PAGE.format(title=html.escape(title), body=html.escape(body)))


def _invalid_link(translator: Translator) -> HTMLResponse:
    _ = translator.gettext
    return HTMLResponse(
        _PAGE.format(
            title=html.escape(_("This link is not valid")),
            body=html.escape(_("Go back to the app and start the face check again.")),
        ),
        status_code=400,
    )

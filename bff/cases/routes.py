"""The city's case system pushes case events here (signed; see integrations/cases/README.md)."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from bff.cases.ingest import ingest_events
from bff.state import AppState
from integrations.cases.models import CaseEventBatch
from integrations.cases.signing import SignatureError, verify

log = logging.getLogger("haoban.cases")
router = APIRouter(tags=["integrations"])
MAX_BODY = 1_000_000


@router.post(
    "/integrations/cases/events",
    summary="Signed case events from the case system (idempotent by event id).",
    responses={
        401: {"description": "Bad or stale signature."},
        400: {"description": "Invalid body."},
    },
)
async def case_events(request: Request) -> Response:
    state: AppState = request.app.state.haoban
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"error": "too_large"}, status_code=413)
    try:
        verify(state.settings.case_webhook_secrets, body, request.headers, now=time.time())
    except SignatureError as exc:
        log.info("case webhook refused: %s", exc.code)
        return JSONResponse({"error": "unauthorized", "code": exc.code}, status_code=401)
    try:
        batch = CaseEventBatch.model_validate_json(body)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:20]]
        return JSONResponse({"error": "invalid_body", "problems": problems}, status_code=400)
    report = await ingest_events(state, batch.events)
    return JSONResponse(report.as_dict())

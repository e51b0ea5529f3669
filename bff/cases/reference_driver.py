"""Drives case events from the local reference case system (demo) or a polling upstream."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from bff.cases.ingest import ingest_events
from bff.cases.models import Case, SubCase
from bff.catalogue.models import Department
from bff.state import AppState
from integrations.cases.models import CaseStatus

CURSOR_KEY = "haoban:cases:poll-cursor"


def _system(state: AppState) -> object:
    from integrations.cases.reference import ReferenceCaseSystem

    system = state.extras.get("reference_cases")
    if system is None:
        system = state.extras["reference_cases"] = ReferenceCaseSystem(seed=7)
    return system


async def advance_demo_cases(state: AppState) -> int:
    """Tracks demo cases as they are submitted and moves each one step on per run."""
    from integrations.cases.reference import ReferenceCaseSystem

    system = _system(state)
    assert isinstance(system, ReferenceCaseSystem)
    async with state.sessionmaker() as session:
        fresh = list(
            await session.execute(
                select(Case.id, Case.case_number, Case.bundle_id).where(
                    Case.demo.is_(True), Case.status == CaseStatus.SUBMITTED
                )
            )
        )
        tracked = set(system.pending())
        for case_id, number, bundle_id in fresh:
            if number in tracked:
                continue
            codes: list[str] = []
            if bundle_id is not None:
                codes = list(
                    await session.scalars(
                        select(Department.code)
                        .join(SubCase, SubCase.department_id == Department.id)
                        .where(SubCase.case_id == case_id)
                        .order_by(Department.code)
                    )
                )
            outcome = ("supplement", None, None, "approved")[
                int(hashlib.sha256(number.encode()).hexdigest(), 16) % 4
            ]
            system.track(number, department_codes=codes, outcome=outcome)
    events = system.advance(steps=1)
    await advance_demo_rectifications(state)
    if not events:
        return 0
    report = await ingest_events(state, events)
    return report.accepted


async def poll_upstream(state: AppState) -> int:
    """Pulls events from a case system that cannot push (HAOBAN_CASE_SOURCE_URL)."""
    from integrations.cases.http import HttpCaseSource

    url = state.settings.case_source_url
    if not url:
        return 0
    source = HttpCaseSource(url, token=state.settings.case_source_token)
    applied = 0
    try:
        raw = await state.redis.get(CURSOR_KEY)
        cursor = raw.decode() if isinstance(raw, bytes) else raw
        while True:
            page = await source.fetch_events(since=cursor, limit=200)
            if page.events:
                applied += (await ingest_events(state, page.events)).accepted
            if page.cursor:
                cursor = page.cursor
                await state.redis.set(CURSOR_KEY, cursor)
            if not page.has_more:
                break
    finally:
        await source.aclose()
    return applied


async def advance_demo_rectifications(state: AppState) -> int:
    """In the demo, the department works through each open 差评 one step per run."""
    from datetime import UTC, datetime

    from bff.cases.ingest import calendar_for
    from bff.ratings.models import RectificationTicket
    from bff.ratings.service import RatingService

    notes = {
        "open": ("start_verification", "已电话回访申请人，核实情况属实"),
        "verifying": ("start_rectification", "已责成窗口整改，补充一次性告知清单"),
        "rectifying": ("give_feedback", "整改完成：已优化办理流程，向申请人致歉并反馈结果"),
    }
    moved = 0
    async with state.sessionmaker() as session:
        service = RatingService(session, calendar=await calendar_for(state))
        tickets = list(
            await session.scalars(
                select(RectificationTicket)
                .join(Case, Case.id == RectificationTicket.case_id)
                .where(Case.demo.is_(True), RectificationTicket.status.in_(list(notes)))
            )
        )
        for ticket in tickets:
            method, note = notes[ticket.status]
            await getattr(service, method)(ticket, note=note, now=datetime.now(UTC))
            moved += 1
        await session.commit()
    return moved

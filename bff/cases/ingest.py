"""One path for every case event, whatever brought it (webhook, polling, the reference
system): apply, write notifications in the same transaction, commit, then tell subscribers
and queue deliveries. A crash after the commit loses nothing: the outbox sweeper re-queues."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accessibility.i18n import Translator
from bff.calendar.calendar import WorkingCalendar
from bff.calendar.repository import load_calendar
from bff.cases.events import publish_case_updates
from bff.cases.models import Case
from bff.cases.service import ApplyReport, CaseService
from bff.jobs import enqueue_delivery
from bff.notifications.service import case_notification
from bff.state import AppState
from integrations.cases.models import CaseEventIn

_CALENDAR_TTL = 600.0
_calendar_cache: dict[int, tuple[float, WorkingCalendar]] = {}


async def calendar_for(state: AppState) -> WorkingCalendar:
    """The working-day calendar (bundled years plus any the city added), cached a while."""
    key = id(state)
    cached = _calendar_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < _CALENDAR_TTL:
        return cached[1]
    async with state.sessionmaker() as session:
        calendar = await load_calendar(session)
    _calendar_cache[key] = (time.monotonic(), calendar)
    return calendar


def forget_calendar(state: AppState) -> None:
    _calendar_cache.pop(id(state), None)


async def ingest_events(state: AppState, events: Sequence[CaseEventIn]) -> ApplyReport:
    calendar = await calendar_for(state)
    async with state.sessionmaker() as session:
        service = CaseService(session, calendar=calendar, secret=state.settings.secret_key)
        report = await service.apply(events)
        notifications = await stage_notifications(state, session, report)
        await session.commit()
    await announce(state, report, notifications)
    return report


async def stage_notifications(
    state: AppState, session: AsyncSession, report: ApplyReport
) -> list[str]:
    """Outbox rows for the changed cases, in the caller's transaction (so a crash loses none)."""
    translator = Translator("zh_Hans")
    notifications: list[str] = []
    if report.changed_case_ids:
        cases = await session.scalars(select(Case).where(Case.id.in_(report.changed_case_ids)))
        for case in cases:
            note = case_notification(
                case,
                translator=translator,
                channel=state.notifier.channel,
                hotline=state.settings.hotline,
            )
            session.add(note)
            notifications.append(note.id)
    return notifications


async def announce(state: AppState, report: ApplyReport, notifications: Sequence[str]) -> None:
    """After the commit: live updates to subscribers and delivery jobs."""
    await publish_case_updates(state.redis, report.changed_case_ids)
    for notification_id in notifications:
        await enqueue_delivery(state, notification_id)

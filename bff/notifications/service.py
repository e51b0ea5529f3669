"""Notifications for case changes: written with the change, delivered by the worker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accessibility.i18n import Translator
from accessibility.speech import status_sentence
from bff.cases.models import Case
from bff.notifications.models import DeliveryStatus, Notification
from integrations.notify.port import DeliveryError, Notifier, OutgoingMessage


def case_notification(
    case: Case, *, translator: Translator, channel: str, hotline: str
) -> Notification:
    return Notification(
        id=str(uuid.uuid4()),
        user_id=case.applicant_id,
        case_id=case.id,
        kind="case_status",
        title=case.title,
        body=status_sentence(
            status=case.status,
            translator=translator,
            deadline=case.deadline,
            concluded_on=case.concluded_on,
            missing_materials=list(case.missing_materials or []),
            hotline=hotline,
        ),
        data={"caseNumber": case.case_number, "status": case.status},
        channel=channel,
        status=DeliveryStatus.QUEUED,
    )


async def deliver(
    session: AsyncSession, *, notification_id: str, notifier: Notifier, max_attempts: int = 5
) -> str:
    """One delivery attempt; returns the new status. Idempotent: a delivered or failed
    notification is left alone, so a duplicate job sends nothing."""
    row = await session.get(Notification, notification_id, with_for_update=True)
    if row is None or row.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return row.status if row else "missing"
    if row.status == DeliveryStatus.SENT:
        return row.status
    row.attempts += 1
    try:
        result = await notifier.send(
            OutgoingMessage(
                notification_id=row.id, recipient=row.user_id, title=row.title, body=row.body
            )
        )
    except DeliveryError as exc:
        row.last_error = str(exc)[:200]
        if not exc.retryable or row.attempts >= max_attempts:
            row.status = DeliveryStatus.FAILED
        return row.status
    now = datetime.now(UTC)
    row.provider_ref = result.provider_ref
    row.sent_at = now
    row.status = DeliveryStatus.DELIVERED if result.delivered else DeliveryStatus.SENT
    if result.delivered:
        row.delivered_at = now
    return row.status


async def stuck_notification_ids(session: AsyncSession, *, older_than: datetime) -> list[str]:
    stmt = (
        select(Notification.id)
        .where(Notification.status == DeliveryStatus.QUEUED, Notification.created_at < older_than)
        .order_by(Notification.created_at)
        .limit(500)
    )
    return list(await session.scalars(stmt))

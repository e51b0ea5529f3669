"""Background jobs on arq (Redis).

Why arq: Redis is already where every instance shares state, so the queue needs nothing new;
arq is asyncio-native like the rest of the BFF; a job id makes an enqueue idempotent, and each
cron run gets one job id per tick, so however many workers run, each job runs once.
Notifications are written as outbox rows in the same transaction as the change; a sweeper
re-queues any still queued after a minute, so a crash between commit and enqueue loses nothing.

With the embedded defaults (no HAOBAN_REDIS_URL) there is no shared queue: the server runs
the same worker in-process on its in-process store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from arq import Retry
from arq.connections import ArqRedis
from redis.asyncio import Redis

if TYPE_CHECKING:
    from bff.state import AppState

DELIVERY_JOB = "deliver_notification"


def job_pool(redis: Redis) -> ArqRedis:
    """An arq client over the same connection pool as our Redis client."""
    return ArqRedis(connection_pool=redis.connection_pool)


async def enqueue_delivery(state: AppState, notification_id: str) -> None:
    await state.jobs.enqueue_job(DELIVERY_JOB, notification_id, _job_id=f"notify:{notification_id}")


async def deliver_notification(ctx: dict[str, Any], notification_id: str) -> str:
    from bff.notifications.models import DeliveryStatus
    from bff.notifications.service import deliver

    state: AppState = ctx["state"]
    async with state.sessionmaker() as session:
        status = await deliver(session, notification_id=notification_id, notifier=state.notifier)
        await session.commit()
    if status == DeliveryStatus.QUEUED:  # a retryable failure: back off and try again
        raise Retry(defer=timedelta(seconds=min(300, 5 * 2 ** int(ctx.get("job_try", 1)))))
    return status


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    from bff.notifications.service import stuck_notification_ids

    state: AppState = ctx["state"]
    async with state.sessionmaker() as session:
        ids = await stuck_notification_ids(
            session, older_than=datetime.now(UTC) - timedelta(seconds=60)
        )
    for notification_id in ids:
        await enqueue_delivery(state, notification_id)
    return len(ids)


async def advance_reference_cases(ctx: dict[str, Any]) -> int:
    """The local reference case system moves the demo cases on (make run, demos)."""
    from bff.cases.reference_driver import advance_demo_cases

    state: AppState = ctx["state"]
    return await advance_demo_cases(state)


async def poll_case_source(ctx: dict[str, Any]) -> int:
    from bff.cases.reference_driver import poll_upstream

    state: AppState = ctx["state"]
    return await poll_upstream(state)


REMINDER_JOB = "remind_appointment"


async def schedule_reminders(state: AppState, appointment: Any) -> None:
    """The day before and two hours before; deferred jobs whose ids carry the booking's
    version, so a moved booking gets fresh reminders and the old ones find nothing to do."""
    starts = appointment.starts_at
    if starts.tzinfo is None:
        starts = starts.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    for kind, before in (("day", timedelta(days=1)), ("soon", timedelta(hours=2))):
        at = starts - before
        if at <= now:
            continue
        await state.jobs.enqueue_job(
            REMINDER_JOB,
            appointment.id,
            appointment.version,
            kind,
            _job_id=f"remind:{appointment.id}:{appointment.version}:{kind}",
            _defer_until=at,
        )


async def remind_appointment(
    ctx: dict[str, Any], appointment_id: str, version: int, kind: str
) -> str:
    from bff.appointments.reminders import write_reminder

    state: AppState = ctx["state"]
    notification_id = await write_reminder(state, appointment_id, version=version, kind=kind)
    if notification_id is None:
        return "skipped"
    await enqueue_delivery(state, notification_id)
    return "queued"


async def mark_no_shows(ctx: dict[str, Any]) -> int:
    from bff.appointments.service import AppointmentService
    from bff.cases.ingest import calendar_for

    state: AppState = ctx["state"]
    async with state.sessionmaker() as session:
        service = AppointmentService(session, calendar=await calendar_for(state))
        count = await service.mark_no_shows(now=datetime.now(UTC))
        await session.commit()
    return count


async def expire_flows(ctx: dict[str, Any]) -> int:
    """Face-verified applications past their time end, and their uploads are deleted."""
    from bff.flows.runtime import expire_flows as expire

    state: AppState = ctx["state"]
    return await expire(state)

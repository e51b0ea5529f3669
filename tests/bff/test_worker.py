"""Background jobs on the queue: a status change's notification is delivered by the worker,
once, and an outbox row left behind by a crash is picked up by the sweeper."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bff.cases.ingest import ingest_events
from bff.cases.models import Case
from bff.notifications.models import Notification
from bff.worker import _no_redis_info, _worker
from integrations.cases.models import CaseEventIn, CaseStatus


async def _run_queue(state: Any) -> None:
    """Runs the jobs that are due. Reminders other tests deferred to the future would keep a
    burst worker waiting, so they are dropped from this run's queue first."""
    import time as _time

    import arq.worker
    from arq.constants import default_queue_name

    await state.jobs.zremrangebyscore(default_queue_name, int(_time.time() * 1000) + 1000, "+inf")

    arq.worker.log_redis_info = _no_redis_info  # the in-process store has no INFO
    worker = _worker(state, burst=True)
    await worker.main()


async def test_the_worker_delivers_what_a_status_change_queued_and_the_sweeper_recovers_the_rest(
    app: Any,
) -> None:
    state = app.state.haoban
    async with state.sessionmaker() as session:
        case = await session.scalar(select(Case).where(Case.case_number == "ZZDEMO000004"))
    assert case is not None
    event = CaseEventIn(
        event_id=f"worker-{uuid.uuid4().hex}",
        case_number=case.case_number,
        status=CaseStatus.PROCESSING,
        step="承办",
        occurred_at=datetime.now(UTC),
    )
    started = time.time()
    await ingest_events(state, [event])
    await _run_queue(state)
    async with state.sessionmaker() as session:
        delivered = list(
            await session.scalars(
                select(Notification).where(
                    Notification.case_id == case.id,
                    Notification.created_at >= datetime.fromtimestamp(started - 1, UTC),
                )
            )
        )
    assert delivered and all(n.status == "delivered" and n.attempts == 1 for n in delivered)

    # A row whose enqueue was lost (the process died after the commit) is found by the sweeper.
    orphan_id = str(uuid.uuid4())
    async with state.sessionmaker() as session:
        session.add(
            Notification(
                id=orphan_id,
                user_id="demo",
                case_id=case.id,
                kind="case_status",
                title="t",
                body="b",
                data={},
                channel="local",
                status="queued",
            )
        )
        await session.commit()
        await session.execute(
            update(Notification)
            .where(Notification.id == orphan_id)
            .values(created_at=datetime.now(UTC) - timedelta(minutes=5))
        )
        await session.commit()
    await _run_queue(state)  # the sweeper runs at start-up and queues it; the burst delivers it
    await _run_queue(state)
    async with state.sessionmaker() as session:
        orphan = await session.get(Notification, orphan_id)
    assert orphan is not None and orphan.status == "delivered" and orphan.attempts == 1

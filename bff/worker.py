"""`haoban worker`: runs the jobs of bff/jobs.py on arq; with the embedded defaults the server
runs the same worker in-process (see bff/jobs.py for why arq)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import arq.worker
from arq import cron
from arq.worker import Worker

from bff import jobs
from bff.settings import Settings
from bff.state import AppState, build_state, close_state


def _worker(state: AppState, *, burst: bool = False) -> Worker:
    settings = state.settings
    crons = [
        cron(jobs.sweep_outbox, second={5}, unique=True, run_at_startup=True),
        cron(jobs.mark_no_shows, minute=set(range(0, 60, 5)), second={30}, unique=True),
        cron(jobs.expire_flows, minute=set(range(2, 60, 5)), second={15}, unique=True),
    ]
    if settings.reference_cases:
        every = settings.reference_cases_every_seconds
        crons.append(
            cron(
                jobs.advance_reference_cases,
                second=set(range(0, 60, every)) if every < 60 else {0},
                unique=True,
            )
        )
    if settings.case_source_url:
        crons.append(cron(jobs.poll_case_source, second={10, 40}, unique=True))
    return Worker(
        functions=[jobs.deliver_notification, jobs.remind_appointment],
        cron_jobs=crons,
        redis_pool=state.jobs,
        ctx={"state": state},
        handle_signals=False,
        burst=burst,
        max_tries=6,
        poll_delay=0.5,
        keep_result=3600,
    )


class InProcessWorker:
    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.task = asyncio.create_task(worker.async_run())

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task
        await self.worker.close()


async def _no_redis_info(*_: Any, **__: Any) -> None:
    """arq logs Redis INFO at start-up; the in-process store has no INFO command."""


async def start_in_process_worker(state: AppState) -> InProcessWorker:
    arq.worker.log_redis_info = _no_redis_info  # type: ignore[attr-defined]
    return InProcessWorker(_worker(state))


def run_worker(settings: Settings, *, burst: bool = False) -> int:
    if not settings.redis_url:
        print(
            "haoban worker needs HAOBAN_REDIS_URL: jobs are shared through Redis. With the "
            "embedded defaults (make run) the server runs the jobs in-process.",
        )
        return 2

    async def main() -> None:
        state = await build_state(settings)
        worker = _worker(state, burst=burst)
        try:
            await worker.async_run()
        finally:
            await worker.close()
            await close_state(state)

    asyncio.run(main())
    return 0

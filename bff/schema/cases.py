"""GraphQL for case progress (办件进度): my cases, detail with timeline, anonymous look-up,
live updates, notifications."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy import func, select
from strawberry.types import Info

from accessibility.i18n import _
from accessibility.speech import spoken_date, status_sentence
from auth.crypto import decrypt
from auth.masking import mask_name
from auth.models import ProxyScope
from bff.calendar.calendar import remaining_working_days
from bff.cases import models as cm
from bff.cases.access import case_by_query_code, case_for_viewer, subject_of
from bff.cases.events import case_updates, publish_case_updates
from bff.cases.ingest import calendar_for
from bff.cases.service import china_day
from bff.db import aware
from bff.errors import ErrorCode, HaobanError
from bff.notifications.models import Notification as NotificationRow
from bff.pagination import encode_cursor, page_bounds
from bff.schema.catalogue import Department, PageInfo
from bff.schema.context import Context
from bff.schema.errors import translated
from bff.schema.identity import MutationError, _error
from bff.schema.ratings import Rating, Rectification, rating_of, rectification_of
from integrations.cases.models import CONCLUDED, FINAL, CaseEventIn
from integrations.cases.models import CaseStatus as Status

ContextInfo = Info[Context, None]


@strawberry.enum(description="Where a case is (national case model).")
class CaseStatus(Enum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    SUPPLEMENT = "supplement"
    PROCESSING = "processing"
    SPECIAL_PROCEDURE = "special_procedure"
    APPROVED = "approved"
    DENIED = "denied"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    "submitted": _("Received"),
    "accepted": _("Accepted"),
    "not_accepted": _("Not accepted"),
    "supplement": _("Materials needed"),
    "processing": _("In progress"),
    "special_procedure": _("Special procedure"),
    "approved": _("Approved"),
    "denied": _("Not approved"),
    "delivered": _("Delivered"),
    "withdrawn": _("Withdrawn"),
}


@strawberry.type(description="The promised deadline in Chinese working days (holidays, 调休).")
class CaseDeadline:
    date: date
    spoken: str = strawberry.field(description="The date as people say it, e.g. 12月3日（星期三）.")
    provisional: bool = strawberry.field(
        description="True when it runs into a year whose official holiday schedule is not "
        "published yet: counted on weekdays meanwhile."
    )
    remaining_working_days: int = strawberry.field(
        description="Working days left (0 on the day itself; negative when overdue)."
    )
    overdue: bool


@strawberry.type(description="One step of the case's story.")
class CaseTimelineEntry:
    status: CaseStatus
    step: str | None = strawberry.field(description="承办 / 审核 / 审批 …")
    department: str | None
    at: datetime
    remark: str | None = strawberry.field(description="The department's public remark.")
    superseded: bool = strawberry.field(
        description="Arrived after a newer status: shown, but it did not change the case."
    )


@strawberry.type(description="One department's part of a 一件事 case.")
class CasePart:
    department: str
    status: CaseStatus
    step: str | None
    missing_materials: list[str]


@strawberry.type(description="A case (办件).")
class Case:
    row: strawberry.Private[cm.Case]
    owner_view: strawberry.Private[bool] = True

    @strawberry.field(description="Case number (办件编号).")
    def case_number(self) -> str:
        return self.row.case_number

    @strawberry.field(
        description="Query code (查询码) for looking the case up without signing in; owner only."
    )
    def query_code(self, info: ContextInfo) -> str | None:
        if not self.owner_view:
            return None
        return decrypt(info.context.settings.secret_key, self.row.query_code_enc)

    @strawberry.field(description="What was applied for.")
    def title(self) -> str:
        return self.row.title

    @strawberry.field(description="True for a 一件事 case (several departments in parallel).")
    def is_bundle(self) -> bool:
        return self.row.bundle_id is not None

    @strawberry.field(description="The department responsible (the lead one for a 一件事).")
    async def department(self, info: ContextInfo) -> Department:
        row = await info.context.loaders.department_by_id.load(self.row.department_id)
        assert row is not None
        return Department.of(row)

    @strawberry.field(description="Channel applied through: online, mobile, window, kiosk.")
    def channel(self) -> str:
        return self.row.channel

    @strawberry.field(description="Current status (for a 一件事: derived from its parts).")
    def status(self) -> CaseStatus:
        return CaseStatus(self.row.status)

    @strawberry.field(description="Status in a word or two.")
    def status_label(self, info: ContextInfo) -> str:
        return info.context._(STATUS_LABELS[self.row.status])

    @strawberry.field(
        description="The status as one plain sentence with the date as spoken, e.g. "
        "材料已收到，正在审核，预计12月3日（星期三）前办好。 (the elder rendering)."
    )
    def summary(self, info: ContextInfo) -> str:
        return status_sentence(
            status=self.row.status,
            translator=info.context.translator,
            deadline=self.row.deadline,
            concluded_on=self.row.concluded_on,
            missing_materials=list(self.row.missing_materials or []),
            hotline=info.context.settings.hotline,
        )

    @strawberry.field(description="Current processing step (承办/审核/审批).")
    def step(self) -> str | None:
        return self.row.step

    @strawberry.field(description="Materials the department asks to add (补正), while paused.")
    def missing_materials(self) -> list[str]:
        return list(self.row.missing_materials or [])

    @strawberry.field(description="When it was submitted.")
    def submitted_at(self) -> datetime:
        return aware(self.row.submitted_at)

    @strawberry.field(description="Day of acceptance; the clock starts the next working day.")
    def accepted_on(self) -> date | None:
        return self.row.accepted_on

    @strawberry.field(description="Promised time limit in working days.")
    def promised_working_days(self) -> int:
        return self.row.promised_working_days

    @strawberry.field(description="Working days the clock was paused (补正, 特别程序).")
    def paused_working_days(self) -> int:
        return self.row.paused_working_days

    @strawberry.field(description="Promised deadline; null until accepted.")
    async def deadline(self, info: ContextInfo) -> CaseDeadline | None:
        if self.row.deadline is None:
            return None
        calendar = await calendar_for(info.context.state)
        if self.row.concluded_on is not None:
            today = self.row.concluded_on
        else:
            today = china_day(datetime.now(UTC))
        remaining, overdue, provisional = remaining_working_days(
            calendar, today=today, deadline=self.row.deadline
        )
        return CaseDeadline(
            date=self.row.deadline,
            spoken=spoken_date(self.row.deadline, info.context.translator),
            provisional=self.row.deadline_provisional or provisional,
            remaining_working_days=remaining,
            overdue=overdue,
        )

    @strawberry.field(description="Day it was concluded (办结).")
    def concluded_on(self) -> date | None:
        return self.row.concluded_on

    @strawberry.field(description="Who applied for the applicant under an authorisation, masked.")
    async def applied_by(self, info: ContextInfo) -> str | None:
        if not self.row.agent_id:
            return None
        from auth.accounts import AccountService

        async with info.context.db.use() as session:
            accounts = AccountService(session, secret=info.context.settings.secret_key)
            user = await accounts.get(self.row.agent_id)
            return mask_name(accounts.personal_data(user).name) if user else None

    @strawberry.field(description="The departments' parts of a 一件事 case.")
    async def parts(self, info: ContextInfo) -> list[CasePart]:
        if self.row.bundle_id is None:
            return []
        async with info.context.db.use() as session:
            rows = list(
                await session.scalars(
                    select(cm.SubCase)
                    .where(cm.SubCase.case_id == self.row.id)
                    .order_by(cm.SubCase.id)
                )
            )
        departments = await info.context.loaders.department_by_id.load_many(
            [r.department_id for r in rows]
        )
        return [
            CasePart(
                department=d.name if d else "",
                status=CaseStatus(r.status),
                step=r.step,
                missing_materials=list(r.missing_materials or []),
            )
            for r, d in zip(rows, departments, strict=True)
        ]

    @strawberry.field(description="Everything that happened, oldest first.")
    async def timeline(self, info: ContextInfo) -> list[CaseTimelineEntry]:
        async with info.context.db.use() as session:
            rows = list(
                await session.scalars(
                    select(cm.CaseEvent)
                    .where(cm.CaseEvent.case_id == self.row.id)
                    .order_by(cm.CaseEvent.occurred_at, cm.CaseEvent.id)
                )
            )
        ids = [r.department_id for r in rows if r.department_id is not None]
        departments = {
            d.id: d for d in await info.context.loaders.department_by_id.load_many(ids) if d
        }
        return [
            CaseTimelineEntry(
                status=CaseStatus(r.status),
                step=r.step,
                department=departments[r.department_id].name
                if r.department_id in departments
                else None,
                at=aware(r.occurred_at),
                remark=r.remark,
                superseded=not r.applied,
            )
            for r in rows
        ]

    @strawberry.field(description="The 好差评 rating, once given.")
    async def rating(self, info: ContextInfo) -> Rating | None:
        from bff.ratings.service import RatingService

        async with info.context.db.use() as session:
            row = await RatingService(
                session, calendar=await calendar_for(info.context.state)
            ).rating_for_case(self.row.id)
        return rating_of(info, row) if row else None

    @strawberry.field(description="The rectification a 差评 opened, to follow and answer.")
    async def rectification(self, info: ContextInfo) -> Rectification | None:
        from bff.ratings.service import RatingService

        async with info.context.db.use() as session:
            row = await RatingService(
                session, calendar=await calendar_for(info.context.state)
            ).ticket_for_case(self.row.id)
        return rectification_of(info, row) if row else None

    @strawberry.field(
        description="Can the case be rated now (concluded, in the window, not yet rated)?"
    )
    async def can_rate(self, info: ContextInfo) -> bool:
        from datetime import timedelta

        from bff.ratings.service import RatingService

        if not self.owner_view and info.context.viewer is None:
            return False
        if Status(self.row.status) not in CONCLUDED or self.row.concluded_on is None:
            return False
        window = timedelta(days=info.context.settings.rating_window_days)
        if china_day(datetime.now(UTC)) > self.row.concluded_on + window:
            return False
        async with info.context.db.use() as session:
            existing = await RatingService(
                session, calendar=await calendar_for(info.context.state)
            ).rating_for_case(self.row.id)
        return existing is None

    @strawberry.field(description="Can the case still be withdrawn (only before a conclusion)?")
    def can_withdraw(self) -> bool:
        return Status(self.row.status) not in CONCLUDED | FINAL


@strawberry.type(description="A page of cases.")
class CaseConnection:
    nodes: list[Case]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A notification sent to the citizen, with its delivery state.")
class Notification:
    id: strawberry.ID
    title: str
    body: str
    case_number: str | None
    status: str = strawberry.field(description="queued, sent, delivered or failed.")
    channel: str
    created_at: datetime
    delivered_at: datetime | None


CaseResult = Annotated[Case | MutationError, strawberry.union("CaseResult")]


async def _viewer_case(info: ContextInfo, case_number: str) -> cm.Case:
    ctx = info.context
    viewer = ctx.require_viewer()
    async with ctx.db.use() as session:
        return await case_for_viewer(session, viewer, case_number, scope=ProxyScope.VIEW_CASES)


@strawberry.type
class CaseQuery:
    @strawberry.field(
        description="The citizen's cases (or, acting under VIEW_CASES, the grantor's), newest first."
    )
    async def my_cases(
        self,
        info: ContextInfo,
        first: int | None = None,
        after: str | None = None,
        status: list[CaseStatus] | None = None,
    ) -> CaseConnection:
        ctx = info.context
        viewer = ctx.require_viewer()
        offset, limit = page_bounds(
            first=first, after=after, default=20, maximum=ctx.settings.max_page_size
        )
        async with ctx.db.use() as session:
            subject = await subject_of(session, viewer, ProxyScope.VIEW_CASES)
            stmt = select(cm.Case).where(cm.Case.applicant_id == subject)
            count = select(func.count(cm.Case.id)).where(cm.Case.applicant_id == subject)
            if status:
                values = [s.value for s in status]
                stmt = stmt.where(cm.Case.status.in_(values))
                count = count.where(cm.Case.status.in_(values))
            rows = list(
                await session.scalars(
                    stmt.order_by(cm.Case.submitted_at.desc(), cm.Case.id)
                    .offset(offset)
                    .limit(limit)
                )
            )
            total = int(await session.scalar(count) or 0)
        owner = viewer.acting_grant_id is None
        return CaseConnection(
            nodes=[Case(row=r, owner_view=owner) for r in rows],
            page_info=PageInfo(
                has_next_page=offset + len(rows) < total,
                has_previous_page=offset > 0,
                start_cursor=encode_cursor(offset) if rows else None,
                end_cursor=encode_cursor(offset + len(rows) - 1) if rows else None,
            ),
            total_count=total,
        )

    @strawberry.field(description="One of the citizen's cases by its number.")
    async def case(self, info: ContextInfo, case_number: str) -> Case:
        row = await _viewer_case(info, case_number)
        return Case(row=row, owner_view=info.context.require_viewer().acting_grant_id is None)

    @strawberry.field(
        description="Look a case up without signing in, by case number and query code. "
        "Rate limited; shows no personal data."
    )
    async def lookup_case(self, info: ContextInfo, case_number: str, query_code: str) -> Case:
        ctx = info.context
        verdict = await ctx.state.auth.limiter.hit(
            ctx.settings.case_lookup_rate_limit, "case-lookup", ctx.client_ip
        )
        if not verdict.allowed:
            raise HaobanError(
                ErrorCode.RATE_LIMITED,
                "Too many look-ups; please wait %(seconds)s seconds.",
                seconds=verdict.retry_after,
            ).with_extra(retryAfter=verdict.retry_after)
        async with ctx.db.use() as session:
            row = await case_by_query_code(session, case_number, query_code)
        return Case(row=row, owner_view=False)

    @strawberry.field(
        description="Notifications to the citizen, newest first, with delivery state."
    )
    async def my_notifications(self, info: ContextInfo, first: int = 20) -> list[Notification]:
        viewer = info.context.require_viewer()
        first = max(0, min(first, 100))
        async with info.context.db.use() as session:
            rows = list(
                await session.scalars(
                    select(NotificationRow)
                    .where(NotificationRow.user_id == viewer.user_id)
                    .order_by(NotificationRow.created_at.desc(), NotificationRow.id)
                    .limit(first)
                )
            )
        return [
            Notification(
                id=strawberry.ID(r.id),
                title=r.title,
                body=r.body,
                case_number=(r.data or {}).get("caseNumber"),
                status=r.status,
                channel=r.channel,
                created_at=aware(r.created_at),
                delivered_at=aware(r.delivered_at) if r.delivered_at else None,
            )
            for r in rows
        ]


@strawberry.type
class CaseMutation:
    @strawberry.mutation(description="Withdraw an application before it is concluded (撤回).")
    async def withdraw_case(self, info: ContextInfo, case_number: str) -> CaseResult:
        from bff.cases.ingest import ingest_events

        ctx = info.context
        try:
            row = await _viewer_case(info, case_number)
            if Status(row.status) in CONCLUDED | FINAL:
                raise HaobanError(
                    ErrorCode.INVALID_ARGUMENT, "A concluded case cannot be withdrawn."
                )
            viewer = ctx.require_viewer()
            if viewer.acting_grant_id is not None:
                async with ctx.db.use() as session:
                    from auth.proxies import ProxyService

                    await ProxyService(session).record(
                        actor_id=viewer.user_id,
                        subject_id=row.applicant_id,
                        action="case.withdrawn",
                        grant_id=viewer.acting_grant_id,
                        details={"caseNumber": row.case_number},
                    )
            await ctx.db.commit()
            event = CaseEventIn(
                event_id=f"local:{row.id}:withdrawn:{uuid.uuid4().hex[:8]}",
                case_number=row.case_number,
                status=Status.WITHDRAWN,
                occurred_at=datetime.now(UTC),
                remark=ctx._("Withdrawn by the applicant."),
            )
            await ingest_events(ctx.state, [event])
            async with ctx.state.sessionmaker() as session:
                fresh = await session.get(cm.Case, row.id)
            assert fresh is not None
            return Case(row=fresh)
        except HaobanError as exc:
            return _error(info, exc)


@strawberry.type
class CaseSubscription:
    @strawberry.subscription(
        description="Pushes the case each time it changes, on whichever instance the change "
        "arrived (graphql-transport-ws)."
    )
    async def case_updated(self, info: ContextInfo, case_number: str) -> AsyncGenerator[Case, None]:
        ctx = info.context
        try:
            row = await _viewer_case(info, case_number)
        except HaobanError as exc:
            raise translated(exc, ctx.translator) from exc
        owner = ctx.viewer is not None and ctx.viewer.acting_grant_id is None
        async for case_id in case_updates(ctx.state.redis, row.id):
            async with ctx.state.sessionmaker() as session:
                fresh = await session.get(cm.Case, case_id)
            if fresh is not None:
                yield Case(row=fresh, owner_view=owner)


__all__ = ["CaseMutation", "CaseQuery", "CaseSubscription", "publish_case_updates"]

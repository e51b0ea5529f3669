"""GraphQL for 好差评 (rating a concluded case), the rectification a bad rating opens, and the
public supervision ranking (电子监察)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from accessibility.i18n import _
from accessibility.speech import spoken_date
from auth.models import ProxyScope
from auth.proxies import ProxyService
from bff.cases.access import case_for_viewer
from bff.cases.ingest import calendar_for
from bff.cases.service import china_day
from bff.db import aware
from bff.errors import ErrorCode, HaobanError
from bff.ratings import models as rm
from bff.ratings.service import RatingService
from bff.ratings.supervision import department_ranking
from bff.schema.context import Context
from bff.schema.identity import MutationError, _error

ContextInfo = Info[Context, None]

GRADE_LABELS = {
    5: _("Very satisfied"),
    4: _("Satisfied"),
    3: _("Fair"),
    2: _("Dissatisfied"),
    1: _("Very dissatisfied"),
}


@strawberry.enum(description="The citizen's answer to the department's rectification.")
class RectificationResponse(Enum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


@strawberry.input(description="Indicator scores 1–5 (online 好差评 indicators); all optional.")
class RatingScoresInput:
    satisfaction: int | None = None
    efficiency: int | None = None
    guide_accuracy: int | None = None
    convenience: int | None = None
    usability: int | None = None


@strawberry.type(description="A 好差评 rating: 5 非常满意 … 1 非常不满意; the bottom two are 差评.")
class Rating:
    grade: int
    grade_label: str
    comment: str | None
    created_at: datetime
    by_proxy: bool = strawberry.field(description="Rated by a relative acting for the applicant.")
    appeal_status: str = strawberry.field(description="none, pending, upheld or rejected.")


@strawberry.type(description="A step of a rectification.")
class RectificationStep:
    status: str
    at: datetime
    note: str | None


@strawberry.type(
    description="What a 差评 set in motion: verify → rectify → feedback, due in working days; "
    "then the citizen says whether they are satisfied."
)
class Rectification:
    status: str = strawberry.field(
        description="open, verifying, rectifying, feedback, confirmed, closed_by_appeal."
    )
    due_on: date
    due_spoken: str
    due_provisional: bool
    steps: list[RectificationStep]
    citizen_response: RectificationResponse | None
    rectified_on_time: bool | None
    can_respond: bool


def rating_of(info: ContextInfo, row: rm.Rating) -> Rating:
    return Rating(
        grade=row.grade,
        grade_label=info.context._(GRADE_LABELS[row.grade]),
        comment=row.comment,
        created_at=aware(row.created_at),
        by_proxy=row.on_behalf_of_id is not None,
        appeal_status=row.appeal_status,
    )


def rectification_of(info: ContextInfo, row: rm.RectificationTicket) -> Rectification:
    return Rectification(
        status=row.status,
        due_on=row.due_on,
        due_spoken=spoken_date(row.due_on, info.context.translator),
        due_provisional=row.due_provisional,
        steps=[
            RectificationStep(
                status=str(step.get("status")),
                at=datetime.fromisoformat(str(step.get("at"))),
                note=step.get("note"),
            )
            for step in row.timeline or []
        ],
        citizen_response=RectificationResponse(row.citizen_response)
        if row.citizen_response
        else None,
        rectified_on_time=row.rectified_on_time if row.completed_on else None,
        can_respond=row.status == "feedback",
    )


@strawberry.type(description="A department's place in the supervision ranking for a period.")
class DepartmentScore:
    rank: int | None
    department_code: str
    department_name: str
    concluded: int
    on_time_rate: float | None
    average_working_days: float | None
    ratings: int
    satisfaction_rate: float | None
    average_grade: float | None
    rectification_on_time_rate: float | None
    score: float | None


RatingResult = Annotated[Rating | MutationError, strawberry.union("RatingResult")]
RectificationResult = Annotated[
    Rectification | MutationError, strawberry.union("RectificationResult")
]


async def _service(info: ContextInfo, session: object) -> RatingService:
    settings = info.context.settings
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    return RatingService(
        session,
        calendar=await calendar_for(info.context.state),
        rating_window_days=settings.rating_window_days,
        rectification_days=settings.rectification_working_days,
    )


@strawberry.type
class RatingQuery:
    @strawberry.field(
        description="电子监察: departments ranked for a period by on-time rate, satisfaction and "
        "rectification on time (public). At most one year."
    )
    async def supervision_ranking(
        self, info: ContextInfo, start: date, end: date
    ) -> list[DepartmentScore]:
        if end < start or (end - start).days > 366:
            raise HaobanError(ErrorCode.INVALID_ARGUMENT, "Choose a period of at most one year.")
        async with info.context.db.use() as session:
            rows = await department_ranking(
                session,
                calendar=await calendar_for(info.context.state),
                start=start,
                end=end,
                today=china_day(datetime.now(UTC)),
            )
        return [
            DepartmentScore(
                rank=r.rank,
                department_code=r.department_code,
                department_name=r.department_name,
                concluded=r.concluded,
                on_time_rate=r.on_time_rate,
                average_working_days=r.average_working_days,
                ratings=r.ratings,
                satisfaction_rate=r.satisfaction_rate,
                average_grade=r.average_grade,
                rectification_on_time_rate=r.rectification_on_time_rate,
                score=r.score,
            )
            for r in rows
        ]


@strawberry.type
class RatingMutation:
    @strawberry.mutation(
        description="Rate a concluded case once (好差评), within the rating window. Grades 1–2 "
        "open a rectification the citizen can follow."
    )
    async def rate_case(
        self,
        info: ContextInfo,
        case_number: str,
        grade: int,
        scores: RatingScoresInput | None = None,
        comment: str | None = None,
    ) -> RatingResult:
        ctx = info.context
        try:
            viewer = ctx.require_viewer()
            now = datetime.now(UTC)
            async with ctx.db.use() as session:
                case = await case_for_viewer(
                    session, viewer, case_number, scope=ProxyScope.VIEW_CASES
                )
                service = await _service(info, session)
                given = {
                    k: v
                    for k, v in (vars(scores) if scores else {}).items()
                    if v is not None and not k.startswith("_")
                }
                acting = viewer.acting_grant_id is not None
                row = await service.rate(
                    case=case,
                    rater_id=viewer.user_id,
                    on_behalf_of_id=case.applicant_id if acting else None,
                    grade=grade,
                    scores=given,
                    comment=comment,
                    now=now,
                )
                if acting:
                    await ProxyService(session).record(
                        actor_id=viewer.user_id,
                        subject_id=case.applicant_id,
                        action="case.rated",
                        grant_id=viewer.acting_grant_id,
                        details={"caseNumber": case.case_number, "grade": grade},
                    )
            return rating_of(info, row)
        except HaobanError as exc:
            return _error(info, exc)

    @strawberry.mutation(
        description="Say whether the department's rectification satisfied you (满意/基本满意/不满意)."
    )
    async def respond_to_rectification(
        self, info: ContextInfo, case_number: str, response: RectificationResponse
    ) -> RectificationResult:
        ctx = info.context
        try:
            viewer = ctx.require_viewer()
            async with ctx.db.use() as session:
                case = await case_for_viewer(
                    session, viewer, case_number, scope=ProxyScope.VIEW_CASES
                )
                service = await _service(info, session)
                ticket = await service.ticket_for_case(case.id)
                if ticket is None:
                    raise HaobanError(ErrorCode.NOT_FOUND, "This case has no rectification.")
                ticket = await service.respond(
                    ticket, response=response.value, now=datetime.now(UTC)
                )
            return rectification_of(info, ticket)
        except HaobanError as exc:
            return _error(info, exc)

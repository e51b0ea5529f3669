"""好差评 rules: who may rate when, the 差评 rectification workflow, and appeals.

Authorisation is the caller's job: `rate` is given a case the rater may rate. The service never
commits; the request's session does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bff.calendar.calendar import WorkingCalendar
from bff.cases.models import Case
from bff.errors import ErrorCode, HaobanError
from bff.ratings.models import (
    BAD_GRADES,
    COMMENT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    TICKET_FINAL,
    AppealStatus,
    CitizenResponse,
    Indicator,
    Rating,
    RatingChannel,
    RectificationTicket,
    TicketStatus,
)
from integrations.cases.models import CONCLUDED

CHINA = timezone(timedelta(hours=8))  # deadlines and rating windows are days in Beijing time

DEFAULT_RATING_WINDOW_DAYS = 30
DEFAULT_RECTIFICATION_DAYS = 5  # the strictest deadline found (Dezhou, 城关镇)
MAX_RECTIFICATION_DAYS = 15  # the most lenient (a Sichuan city)

# How the unique key on ratings.case_id names itself in SQLite and PostgreSQL errors.
_UNIQUE_CASE = "ratings.case_id"
_UNIQUE_CASE_PG = "uq_ratings_case_id"

# The workflow: each step may only follow the one before it.
_NEXT: dict[TicketStatus, TicketStatus] = {
    TicketStatus.OPEN: TicketStatus.VERIFYING,
    TicketStatus.VERIFYING: TicketStatus.RECTIFYING,
    TicketStatus.RECTIFYING: TicketStatus.FEEDBACK,
    TicketStatus.FEEDBACK: TicketStatus.CONFIRMED,
}


class RatingErrorCode(StrEnum):
    """Stable reasons, sent to clients as `extensions.reason` beside INVALID_ARGUMENT."""

    NOT_CONCLUDED = "NOT_CONCLUDED"
    RATING_WINDOW_CLOSED = "RATING_WINDOW_CLOSED"
    ALREADY_RATED = "ALREADY_RATED"
    INVALID_GRADE = "INVALID_GRADE"
    INVALID_SCORE = "INVALID_SCORE"
    UNKNOWN_INDICATOR = "UNKNOWN_INDICATOR"
    TEXT_TOO_LONG = "TEXT_TOO_LONG"
    TEXT_REQUIRED = "TEXT_REQUIRED"
    NOT_THE_APPLICANT = "NOT_THE_APPLICANT"
    INVALID_RESPONSE = "INVALID_RESPONSE"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    APPEAL_NOT_ALLOWED = "APPEAL_NOT_ALLOWED"
    NO_PENDING_APPEAL = "NO_PENDING_APPEAL"


class RatingError(HaobanError):
    """An expected rating failure: INVALID_ARGUMENT with a stable `reason`."""

    def __init__(self, reason: RatingErrorCode, message: str, /, **params: Any) -> None:
        super().__init__(ErrorCode.INVALID_ARGUMENT, message, **params)
        self.reason = reason
        self.extra["reason"] = reason.value


def china_day(at: datetime) -> date:
    return at.astimezone(CHINA).date()


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("`now` needs a time zone")
    return now.astimezone(UTC)


def _text(value: str | None, *, field: str, required: bool = False) -> str | None:
    """Trimmed text, None when blank; refused when too long (or blank and required)."""
    text = (value or "").strip() or None
    if text is None and required:
        raise RatingError(
            RatingErrorCode.TEXT_REQUIRED, "Please fill in the %(field)s.", field=field
        )
    if text is not None and len(text) > NOTE_MAX_LENGTH:
        raise RatingError(
            RatingErrorCode.TEXT_TOO_LONG,
            "The %(field)s may have at most %(max)d characters.",
            field=field,
            max=NOTE_MAX_LENGTH,
        )
    return text


def _check_grade(grade: int) -> None:
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 5:
        raise RatingError(
            RatingErrorCode.INVALID_GRADE, "The grade must be a whole number from 1 to 5."
        )


def _check_scores(scores: Mapping[str, int]) -> dict[Indicator, int]:
    known = {i.value: i for i in Indicator}
    checked: dict[Indicator, int] = {}
    for name, score in scores.items():
        indicator = known.get(name)
        if indicator is None:
            raise RatingError(
                RatingErrorCode.UNKNOWN_INDICATOR,
                "There is no rating indicator called %(indicator)s.",
                indicator=name,
            )
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise RatingError(
                RatingErrorCode.INVALID_SCORE,
                "The score for %(indicator)s must be a whole number from 1 to 5.",
                indicator=name,
            )
        checked[indicator] = score
    return checked


def _entry(at: datetime, status: TicketStatus, note: str | None) -> dict[str, Any]:
    return {"at": at.isoformat(), "status": status.value, "note": note}


class RatingService:
    def __init__(
        self,
        session: AsyncSession,
        *,
        calendar: WorkingCalendar,
        rating_window_days: int = DEFAULT_RATING_WINDOW_DAYS,
        rectification_days: int = DEFAULT_RECTIFICATION_DAYS,
    ) -> None:
        if rating_window_days < 0:
            raise ValueError("rating_window_days must not be negative")
        if not 1 <= rectification_days <= MAX_RECTIFICATION_DAYS:
            raise ValueError(
                f"rectification_days must be from 1 to {MAX_RECTIFICATION_DAYS} working days"
            )
        self.session = session
        self.calendar = calendar
        self.rating_window_days = rating_window_days
        self.rectification_days = rectification_days

    # --- rating ---------------------------------------------------------------------------

    async def rate(
        self,
        *,
        case: Case,
        rater_id: str,
        on_behalf_of_id: str | None,
        grade: int,
        scores: Mapping[str, int],
        comment: str | None,
        now: datetime,
    ) -> Rating:
        """Records the one rating a concluded case may get (网上「一事一评」) within the rating
        window; a 差评 opens a rectification ticket for the case's department at once."""
        at = _utc(now)
        _check_grade(grade)
        checked = _check_scores(scores)
        text = (comment or "").strip() or None
        if text is not None and len(text) > COMMENT_MAX_LENGTH:
            raise RatingError(
                RatingErrorCode.TEXT_TOO_LONG,
                "The %(field)s may have at most %(max)d characters.",
                field="comment",
                max=COMMENT_MAX_LENGTH,
            )
        if on_behalf_of_id == rater_id:
            on_behalf_of_id = None
        if on_behalf_of_id is not None and on_behalf_of_id != case.applicant_id:
            raise RatingError(
                RatingErrorCode.NOT_THE_APPLICANT,
                "A proxy can only rate a case for the person who applied.",
            )
        if case.status not in CONCLUDED or case.concluded_on is None:
            raise RatingError(
                RatingErrorCode.NOT_CONCLUDED, "A case can be rated once it is concluded."
            )
        closes_on = case.concluded_on + timedelta(days=self.rating_window_days)
        if china_day(at) > closes_on:
            raise RatingError(
                RatingErrorCode.RATING_WINDOW_CLOSED,
                "Ratings for this case closed on %(closed_on)s.",
                closed_on=closes_on.isoformat(),
            )
        if await self.rating_for_case(case.id) is not None:
            raise _already_rated()

        rating = Rating(
            id=str(uuid.uuid4()),
            case_id=case.id,
            rated_by_id=rater_id,
            on_behalf_of_id=on_behalf_of_id,
            channel=RatingChannel.ONLINE.value,
            grade=grade,
            comment=text,
            created_at=at,
            appeal_status=AppealStatus.NONE.value,
            **{f"{indicator.value}_score": score for indicator, score in checked.items()},
        )
        self.session.add(rating)
        if grade in BAD_GRADES:
            self.session.add(self._open_ticket(rating, case, at))
        try:
            await self.session.flush()
        except IntegrityError as exc:
            # Another request rated the case since the check above. No savepoint here: on
            # SQLite a first SAVEPOINT opens the transaction and its RELEASE commits it. The
            # session is unusable now; the request rolls back on the error anyway.
            if _UNIQUE_CASE in str(exc.orig) or _UNIQUE_CASE_PG in str(exc.orig):
                raise _already_rated() from exc
            raise
        return rating

    def _open_ticket(self, rating: Rating, case: Case, at: datetime) -> RectificationTicket:
        due = self.calendar.add_working_days(china_day(at), self.rectification_days)
        return RectificationTicket(
            id=str(uuid.uuid4()),
            rating_id=rating.id,
            case_id=case.id,
            department_id=case.department_id,
            status=TicketStatus.OPEN.value,
            status_at=at,
            created_at=at,
            due_on=due.day,
            due_provisional=due.provisional,
            timeline=[_entry(at, TicketStatus.OPEN, None)],
        )

    # --- rectification (差评整改) -----------------------------------------------------------

    async def start_verification(
        self, ticket: RectificationTicket, *, note: str | None, now: datetime
    ) -> RectificationTicket:
        """回访核实: the department has called the citizen back."""
        return await self._advance(ticket, TicketStatus.VERIFYING, note=note, now=now)

    async def start_rectification(
        self, ticket: RectificationTicket, *, note: str | None, now: datetime
    ) -> RectificationTicket:
        """整改: the complaint is verified and is being fixed."""
        return await self._advance(ticket, TicketStatus.RECTIFYING, note=note, now=now)

    async def give_feedback(
        self, ticket: RectificationTicket, *, note: str, now: datetime
    ) -> RectificationTicket:
        """反馈: tells the citizen what was done (or why nothing can be); this day decides
        whether the 差评 was rectified on time."""
        text = _text(note, field="feedback", required=True)
        ticket = await self._advance(ticket, TicketStatus.FEEDBACK, note=text, now=now)
        ticket.completed_on = china_day(_utc(now))
        await self.session.flush()
        return ticket

    async def respond(
        self, ticket: RectificationTicket, *, response: CitizenResponse | str, now: datetime
    ) -> RectificationTicket:
        """The citizen's verdict on the fix: 满意 / 基本满意 / 不满意. Closes the ticket."""
        try:
            verdict = CitizenResponse(response)
        except ValueError:
            raise RatingError(
                RatingErrorCode.INVALID_RESPONSE,
                "The answer must be satisfied, basically satisfied or unsatisfied.",
            ) from None
        ticket = await self._advance(ticket, TicketStatus.CONFIRMED, note=verdict.value, now=now)
        ticket.citizen_response = verdict.value
        ticket.responded_at = _utc(now)
        await self.session.flush()
        return ticket

    async def _advance(
        self, ticket: RectificationTicket, to: TicketStatus, *, note: str | None, now: datetime
    ) -> RectificationTicket:
        at = _utc(now)
        text = _text(note, field="note")
        current = TicketStatus(ticket.status)
        if _NEXT.get(current) is not to:
            raise RatingError(
                RatingErrorCode.INVALID_TRANSITION,
                "This complaint is %(status)s and cannot move to %(target)s.",
                status=current.value,
                target=to.value,
            )
        ticket.status = to.value
        ticket.status_at = at
        # A new list, so the JSON column is seen as changed.
        ticket.timeline = [*ticket.timeline, _entry(at, to, text)]
        await self.session.flush()
        return ticket

    # --- appeals (申诉复核) -----------------------------------------------------------------

    async def appeal(self, rating: Rating, *, reason: str, now: datetime) -> Rating:
        """The department says a 差评 was mistaken (e.g. meant for another office). One appeal
        per rating; the ticket's deadline keeps running while it is pending."""
        text = _text(reason, field="appeal reason", required=True)
        if rating.grade not in BAD_GRADES:
            raise RatingError(
                RatingErrorCode.APPEAL_NOT_ALLOWED, "Only a bad rating can be appealed."
            )
        if rating.appeal_status != AppealStatus.NONE:
            raise RatingError(
                RatingErrorCode.APPEAL_NOT_ALLOWED, "This rating has already been appealed."
            )
        rating.appeal_status = AppealStatus.PENDING.value
        rating.appeal_reason = text
        rating.appealed_at = _utc(now)
        await self.session.flush()
        return rating

    async def review_appeal(
        self, rating: Rating, *, upheld: bool, note: str | None, now: datetime
    ) -> Rating:
        """复核: an upheld appeal takes the rating out of the statistics and closes its ticket
        unless the citizen already answered it; a rejected one leaves both as they were."""
        at = _utc(now)
        text = _text(note, field="review note")
        if rating.appeal_status != AppealStatus.PENDING:
            raise RatingError(
                RatingErrorCode.NO_PENDING_APPEAL, "This rating has no appeal to review."
            )
        rating.appeal_status = (AppealStatus.UPHELD if upheld else AppealStatus.REJECTED).value
        rating.reviewed_at = at
        rating.review_note = text
        if upheld:
            ticket = await self.session.scalar(
                select(RectificationTicket).where(RectificationTicket.rating_id == rating.id)
            )
            if ticket is not None and TicketStatus(ticket.status) not in TICKET_FINAL:
                ticket.status = TicketStatus.CLOSED_BY_APPEAL.value
                ticket.status_at = at
                ticket.timeline = [
                    *ticket.timeline,
                    _entry(at, TicketStatus.CLOSED_BY_APPEAL, text),
                ]
        await self.session.flush()
        return rating

    # --- reads ------------------------------------------------------------------------------

    async def rating_for_case(self, case_id: str) -> Rating | None:
        rating: Rating | None = await self.session.scalar(
            select(Rating).where(Rating.case_id == case_id)
        )
        return rating

    async def ticket_for_case(self, case_id: str) -> RectificationTicket | None:
        ticket: RectificationTicket | None = await self.session.scalar(
            select(RectificationTicket).where(RectificationTicket.case_id == case_id)
        )
        return ticket

    async def ratings_for_cases(self, case_ids: Sequence[str]) -> dict[str, Rating]:
        """By case id, for a DataLoader; cases without a rating are absent."""
        if not case_ids:
            return {}
        rows = await self.session.scalars(select(Rating).where(Rating.case_id.in_(set(case_ids))))
        return {rating.case_id: rating for rating in rows}

    async def tickets_for_cases(self, case_ids: Sequence[str]) -> dict[str, RectificationTicket]:
        """By case id, for a DataLoader; cases without a ticket are absent."""
        if not case_ids:
            return {}
        rows = await self.session.scalars(
            select(RectificationTicket).where(RectificationTicket.case_id.in_(set(case_ids)))
        )
        return {ticket.case_id: ticket for ticket in rows}


def _already_rated() -> RatingError:
    return RatingError(RatingErrorCode.ALREADY_RATED, "This case has already been rated.")

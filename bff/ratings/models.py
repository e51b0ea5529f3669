"""好差评: one rating per concluded case, and the rectification ticket a 差评 opens.

Grades follow 国办发〔2019〕51号: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意; the
bottom two are 差评 and must be handled by the department that handled the case (谁办理谁负责):
verify, rectify, give feedback before a deadline in working days, then the citizen says whether
the fix satisfies them. A department may appeal (申诉复核) a mistaken rating; an upheld appeal
takes the rating out of the satisfaction statistics and closes its ticket.

Datetimes are stored in UTC; dates (due, completed) are days in China.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

import auth.models  # noqa: F401  (tables this one refers to)
import bff.cases.models
import bff.catalogue.models  # noqa: F401  (tables this one refers to)
from bff.db import Base

COMMENT_MAX_LENGTH = 500
NOTE_MAX_LENGTH = 500


class Grade(IntEnum):
    VERY_SATISFIED = 5  # 非常满意
    SATISFIED = 4  # 满意
    BASICALLY_SATISFIED = 3  # 基本满意
    DISSATISFIED = 2  # 不满意 (差评)
    VERY_DISSATISFIED = 1  # 非常不满意 (差评)


BAD_GRADES = frozenset({Grade.DISSATISFIED, Grade.VERY_DISSATISFIED})  # 差评
SATISFIED_GRADES = frozenset({Grade.VERY_SATISFIED, Grade.SATISFIED})  # counted as satisfied


class Indicator(StrEnum):
    """The online (网上「一事一评」) indicators, each scored 1–5 when given."""

    SATISFACTION = "satisfaction"
    EFFICIENCY = "efficiency"
    GUIDE_ACCURACY = "guide_accuracy"
    CONVENIENCE = "convenience"
    USABILITY = "usability"


class RatingChannel(StrEnum):
    ONLINE = "online"  # 网上「一事一评」; hall devices (现场「一次一评」) are another system


class AppealStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"  # the department appealed; a reviewer has not decided yet
    UPHELD = "upheld"  # the rating was mistaken: excluded from statistics
    REJECTED = "rejected"  # the rating stands


class TicketStatus(StrEnum):
    OPEN = "open"  # the 差评 arrived
    VERIFYING = "verifying"  # 回访核实: the department calls the citizen back
    RECTIFYING = "rectifying"  # 整改
    FEEDBACK = "feedback"  # 反馈: the department told the citizen what it did
    CONFIRMED = "confirmed"  # the citizen said 满意 / 基本满意 / 不满意 (final)
    CLOSED_BY_APPEAL = "closed_by_appeal"  # an appeal was upheld (final)


TICKET_FINAL = frozenset({TicketStatus.CONFIRMED, TicketStatus.CLOSED_BY_APPEAL})


class CitizenResponse(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


def _grade_range(column: str) -> str:
    return f"{column} BETWEEN 1 AND 5"


class Rating(Base):
    """A citizen's rating of a concluded case. `rated_by_id` pressed the stars; when a proxy
    (亲友代办) rated, `on_behalf_of_id` is the applicant they acted for."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint(_grade_range("grade"), name="grade_range"),
        *(
            CheckConstraint(
                f"{name}_score IS NULL OR {_grade_range(f'{name}_score')}",
                name=f"{name}_score_range",
            )
            for name in Indicator
        ),
        CheckConstraint(
            "appeal_status IN ('none', 'pending', 'upheld', 'rejected')", name="appeal_status"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    rated_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    on_behalf_of_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(16), default=RatingChannel.ONLINE)
    grade: Mapped[int] = mapped_column(SmallInteger)
    satisfaction_score: Mapped[int | None] = mapped_column(SmallInteger)
    efficiency_score: Mapped[int | None] = mapped_column(SmallInteger)
    guide_accuracy_score: Mapped[int | None] = mapped_column(SmallInteger)
    convenience_score: Mapped[int | None] = mapped_column(SmallInteger)
    usability_score: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    appeal_status: Mapped[str] = mapped_column(String(16), default=AppealStatus.NONE)
    appeal_reason: Mapped[str | None] = mapped_column(String(NOTE_MAX_LENGTH))
    appealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str | None] = mapped_column(String(NOTE_MAX_LENGTH))

    @property
    def is_bad(self) -> bool:
        """差评: the bottom two grades."""
        return self.grade in BAD_GRADES

    @property
    def counts_in_statistics(self) -> bool:
        """False once an appeal found the rating mistaken."""
        return self.appeal_status != AppealStatus.UPHELD

    @property
    def scores(self) -> dict[Indicator, int]:
        """The indicator scores given, in the order of `Indicator`."""
        given = {name: getattr(self, f"{name.value}_score") for name in Indicator}
        return {name: score for name, score in given.items() if score is not None}


class RectificationTicket(Base):
    """差评整改: the handling of one bad rating by the case's department.

    `due_on` is `rectification_days` working days after the day the rating was given;
    "rectified on time" means feedback was given (`completed_on`) on or before `due_on`.
    `timeline` lists every step as {"at": ISO datetime (UTC), "status": ..., "note": ...}.
    """

    __tablename__ = "rectification_tickets"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'verifying', 'rectifying', 'feedback', 'confirmed',"
            " 'closed_by_appeal')",
            name="status",
        ),
        CheckConstraint(
            "citizen_response IS NULL OR citizen_response IN"
            " ('satisfied', 'basically_satisfied', 'unsatisfied')",
            name="citizen_response",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rating_id: Mapped[str] = mapped_column(
        ForeignKey("ratings.id", ondelete="CASCADE"), unique=True
    )
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    timeline: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    completed_on: Mapped[date | None] = mapped_column(Date)
    citizen_response: Mapped[str | None] = mapped_column(String(24))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def rectified_on_time(self) -> bool | None:
        """None until feedback is given."""
        if self.completed_on is None:
            return None
        return self.completed_on <= self.due_on

"""Cases (办件): one per application; a 一件事 case has one sub-case per department."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

import auth.models  # noqa: F401  (tables this one refers to)
import bff.catalogue.models  # noqa: F401  (tables this one refers to)
from bff.db import Base


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), unique=True)  # 办件编号
    query_code_hash: Mapped[str] = mapped_column(String(64))  # 查询码, for anonymous look-up
    query_code_enc: Mapped[str] = mapped_column(Text)  # shown to the owner
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id"), index=True)
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundles.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))  # the item's or bundle's name when applied
    applicant_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))  # proxy who applied
    grant_id: Mapped[str | None] = mapped_column(String(36))
    channel: Mapped[str] = mapped_column(String(16))  # online | mobile | window | kiosk
    status: Mapped[str] = mapped_column(String(24), index=True)
    status_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    step: Mapped[str | None] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_on: Mapped[date | None] = mapped_column(Date)
    promised_working_days: Mapped[int] = mapped_column(Integer)
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0)
    paused_since: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    concluded_on: Mapped[date | None] = mapped_column(Date, index=True)
    missing_materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SubCase(Base):
    """One department's part of a 一件事 case; the case's status is derived from these."""

    __tablename__ = "sub_cases"
    __table_args__ = (UniqueConstraint("case_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id"))
    status: Mapped[str] = mapped_column(String(24))
    status_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    step: Mapped[str | None] = mapped_column(String(20))
    missing_materials: Mapped[list[str]] = mapped_column(JSON, default=list)


class CaseEvent(Base):
    """The timeline. Every received event is kept; `applied` is false for one that arrived
    after a newer status (it still shows in the timeline, it just does not rewind it)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(24))
    step: Mapped[str | None] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    remark: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    applied: Mapped[bool] = mapped_column(Boolean, default=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

"""The calendar table: years a city adds (or corrects) after a release.

One row per exception to the Mon–Fri rule, as in the bundled `data/<year>.json`. A year with
rows here replaces the bundled schedule for that year entirely; see `repository.py`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bff.db import Base


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # 放假 (any day of a holiday period)
    WORKDAY = "workday"  # 调休上班 (a weekend day that is a working day)


class CalendarDay(Base):
    __tablename__ = "calendar_days"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(64))  # 春节, 国庆节调休 …
    year: Mapped[int] = mapped_column(Integer, index=True)
    source: Mapped[str] = mapped_column(String(200))  # the notice, e.g. 国办发明电〔2025〕7号

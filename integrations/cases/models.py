"""What the city's case system (办件系统) tells us: case status events.

The same shape arrives by the signed webhook, by polling, and from the local reference case
system. Status codes follow the national case model (cf. a city system's 1 已接件, 3 已受理,
4 不受理, 6 补正, 8 部门开始办理, 9/10 特别程序, 11 办结) in our own names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class CaseStatus(StrEnum):
    SUBMITTED = "submitted"  # 已接件
    ACCEPTED = "accepted"  # 已受理: the clock starts
    NOT_ACCEPTED = "not_accepted"  # 不予受理 (final)
    SUPPLEMENT = "supplement"  # 补正: clock paused, listing the missing materials
    PROCESSING = "processing"  # 承办 / 审核 / 审批 (see `step`)
    SPECIAL_PROCEDURE = "special_procedure"  # 特别程序 (听证, 鉴定 …): clock paused
    APPROVED = "approved"  # 办结 (准予)
    DENIED = "denied"  # 办结 (不予)
    DELIVERED = "delivered"  # 已送达 / 已领取
    WITHDRAWN = "withdrawn"  # 撤回, only before a conclusion


PAUSING = frozenset({CaseStatus.SUPPLEMENT, CaseStatus.SPECIAL_PROCEDURE})
CONCLUDED = frozenset({CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.DELIVERED})
FINAL = frozenset({CaseStatus.NOT_ACCEPTED, CaseStatus.DELIVERED, CaseStatus.WITHDRAWN})


class CaseEventIn(BaseModel):
    """One change of one case (or of one department's sub-case of a 一件事 case)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: str = Field(min_length=1, max_length=100)
    case_number: str = Field(min_length=1, max_length=40)
    department_code: str | None = Field(
        default=None,
        max_length=64,
        description="For a 一件事 case: the department whose sub-case changed.",
    )
    status: CaseStatus
    step: str | None = Field(default=None, max_length=20, description="承办 / 审核 / 审批 …")
    occurred_at: datetime
    remark: str | None = Field(default=None, max_length=500, description="Public remark.")
    missing_materials: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at needs a time zone offset")
        # Stored in UTC: SQLite keeps no offset, so a +08:00 time would come back 8 hours off.
        return value.astimezone(UTC)


class CaseEventBatch(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    events: list[CaseEventIn] = Field(min_length=1, max_length=500)

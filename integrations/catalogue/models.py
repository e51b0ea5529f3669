"""The catalogue exchange format: what an upstream catalogue system sends us.

The same records make up the seeded demo catalogue (bff/catalogue/demo/catalogue.json), so the
local adapter and the HTTP adapter deliver exactly one shape. Validation happens here, record
by record, so one bad record is reported without touching the others.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LevelName = Literal["city", "district", "township"]
ItemTypeName = Literal[
    "licence", "payment", "confirmation", "reward", "adjudication", "other", "public_service"
]
ChannelName = Literal["online", "mobile", "kiosk", "window"]
SourceName = Literal["upload", "licence", "data_sharing", "commitment"]
FormatName = Literal["original", "copy", "electronic", "form"]
WeekendCategory = Literal["不动产", "公积金", "车驾管", "出入境", "医社保"]
TIME = r"^([01]\d|2[0-3]):[0-5]\d$"


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DepartmentRecord(_Record):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)
    short_name: str | None = Field(default=None, max_length=64)
    level: LevelName
    district: str | None = None
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    phone: str | None = Field(default=None, max_length=32)
    demo: bool = True


class OpeningDay(_Record):
    weekday: int = Field(ge=1, le=7)
    sessions: list[tuple[str, str]]

    @field_validator("sessions")
    @classmethod
    def _times(cls, sessions: list[tuple[str, str]]) -> list[tuple[str, str]]:
        import re

        for start, end in sessions:
            if not (re.match(TIME, start) and re.match(TIME, end)) or start >= end:
                raise ValueError(f"invalid session {start}-{end}")
        return sessions


class HallRecord(_Record):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)
    district: str | None = None
    address: str = Field(min_length=1, max_length=256)
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    phone: str | None = None
    hours: list[OpeningDay] = Field(default_factory=list)
    weekend_categories: list[WeekendCategory] = Field(default_factory=list)
    demo: bool = True
    source: dict[str, Any] | None = None


class MaterialRecord(_Record):
    name: str = Field(min_length=1, max_length=200)
    required: bool = True
    copies: int = Field(default=1, ge=0, le=99)
    format: FormatName = "original"
    source: SourceName = "upload"
    licence_type: str | None = None
    popularity: int = Field(default=0, ge=0, le=100)
    note: str | None = None

    @model_validator(mode="after")
    def _licence_named(self) -> MaterialRecord:
        if self.source == "licence" and not self.licence_type:
            raise ValueError("a material fetched as an electronic licence names its licence_type")
        return self


class Fee(_Record):
    charged: bool = False
    text: str | None = None


class Step(_Record):
    name: str
    description: str = ""


class Faq(_Record):
    question: str
    answer: str


class ItemRecord(_Record):
    basic_code: str = Field(min_length=1, max_length=40)
    task_code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list)
    plain_name: str | None = Field(default=None, max_length=64)
    type: ItemTypeName
    department_code: str
    level: LevelName
    category: str | None = None
    life_events: list[str] = Field(default_factory=list)
    legal_days: int | None = Field(default=None, ge=0, le=3650)
    promise_days: int | None = Field(default=None, ge=0, le=3650)
    fee: Fee = Field(default_factory=Fee)
    visits: int = Field(default=1, ge=0, le=10)
    online_depth: int = Field(default=1, ge=1, le=8)
    channels: list[ChannelName] = Field(min_length=1)
    weekend_available: bool = False
    weekend_category: WeekendCategory | None = None
    cross_region: Literal["none", "region", "province", "nation"] = "none"
    face_verification: bool = False
    conditions: str | None = None
    materials: list[MaterialRecord] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    faqs: list[Faq] = Field(default_factory=list)
    hall_codes: list[str] = Field(default_factory=list)
    popularity: int = Field(default=0, ge=0, le=100)
    hotline: str | None = None
    version: int = Field(default=1, ge=1)
    demo: bool = True
    source: dict[str, Any] | None = None
    source_id: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ItemRecord:
        if (
            self.legal_days is not None
            and self.promise_days is not None
            and self.promise_days > self.legal_days
        ):
            raise ValueError("promise_days may not exceed legal_days (承诺时限不得超过法定时限)")
        if self.weekend_category and not self.weekend_available:
            raise ValueError("weekend_category given for an item not available at weekends")
        return self


class FormField(_Record):
    key: str
    label: str
    type: str = "text"
    required: bool = True
    prefill: str | None = None


class BundleForm(_Record):
    title: str = ""
    fields: list[FormField] = Field(default_factory=list)


class FlowStage(_Record):
    stage: int = Field(ge=1)
    name: str
    parallel_department_codes: list[str] = Field(default_factory=list)


class BundleRecord(_Record):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)
    plain_name: str | None = None
    aliases: list[str] = Field(default_factory=list)
    life_event: str
    lead_department_code: str
    department_codes: list[str] = Field(default_factory=list)
    item_task_codes: list[str] = Field(min_length=1)
    form: BundleForm = Field(default_factory=BundleForm)
    flow: list[FlowStage] = Field(default_factory=list)
    promised_days: int = Field(ge=0, le=3650)
    notes: str | None = None
    demo: bool = True
    sources: list[dict[str, Any]] = Field(default_factory=list)
    popularity: int = Field(default=50, ge=0, le=100)


RecordKind = Literal["department", "hall", "item", "bundle"]
RECORD_MODELS: dict[str, type[_Record]] = {
    "department": DepartmentRecord,
    "hall": HallRecord,
    "item": ItemRecord,
    "bundle": BundleRecord,
}


class RawBatch(_Record):
    """One page from an upstream: raw records per kind (validated later, one by one)."""

    departments: list[dict[str, Any]] = Field(default_factory=list)
    halls: list[dict[str, Any]] = Field(default_factory=list)
    items: list[dict[str, Any]] = Field(default_factory=list)
    bundles: list[dict[str, Any]] = Field(default_factory=list)
    cursor: str | None = None
    has_more: bool = False

"""GraphQL types and queries for the service catalogue (政务服务事项, 一件事, halls)."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from accessibility.guide import simple_guide
from accessibility.i18n import _
from bff.catalogue import models as m
from bff.catalogue.repository import FACET_DIMENSIONS, ItemFilter
from bff.catalogue.search import SearchHit as IndexHit
from bff.catalogue.service import bundle_savings, is_zero_material
from bff.errors import ErrorCode, HaobanError
from bff.pagination import encode_cursor, page_bounds
from bff.schema.context import Context
from bff.schema.loaders import now_or_later, prefetch

ContextInfo = Info[Context, None]


@strawberry.enum(description="Kind of service item (事项类型) in the national standard.")
class ServiceItemType(Enum):
    LICENCE = "licence"
    PAYMENT = "payment"
    CONFIRMATION = "confirmation"
    REWARD = "reward"
    ADJUDICATION = "adjudication"
    OTHER = "other"
    PUBLIC_SERVICE = "public_service"


@strawberry.enum(description="Administrative level that implements the item (实施层级).")
class AdministrativeLevel(Enum):
    CITY = "city"
    DISTRICT = "district"
    TOWNSHIP = "township"


@strawberry.enum(description="Where the item can be done: 网上, 掌上 (app), 自助 (kiosk), 窗口.")
class ServiceChannel(Enum):
    ONLINE = "online"
    MOBILE = "mobile"
    KIOSK = "kiosk"
    WINDOW = "window"


@strawberry.enum(description="Scope in which the item can be done away from home (通办范围).")
class CrossRegionScope(Enum):
    NONE = "none"
    REGION = "region"
    PROVINCE = "province"
    NATION = "nation"


@strawberry.enum(description="How a material reaches the office.")
class MaterialSource(Enum):
    UPLOAD = "upload"
    LICENCE = "licence"
    DATA_SHARING = "data_sharing"
    COMMITMENT = "commitment"


@strawberry.enum(description="Form of a material.")
class MaterialFormat(Enum):
    ORIGINAL = "original"
    COPY = "copy"
    ELECTRONIC = "electronic"
    FORM = "form"


@strawberry.enum(description="Title variant. Defaults to PLAIN in elder mode, OFFICIAL otherwise.")
class TitleStyle(Enum):
    OFFICIAL = "official"
    PLAIN = "plain"


@strawberry.enum(description="Guide variant. Defaults to SIMPLE in elder mode, FULL otherwise.")
class GuideStyle(Enum):
    FULL = "full"
    SIMPLE = "simple"


@strawberry.enum(description="Dimension of a facet count.")
class FacetDimension(Enum):
    DEPARTMENT = "department"
    LEVEL = "level"
    TYPE = "type"
    CHANNEL = "channel"
    ZERO_MATERIAL = "zero_material"
    FACE_VERIFICATION = "face_verification"
    WEEKEND_CATEGORY = "weekend_category"
    CROSS_REGION = "cross_region"
    LIFE_EVENT = "life_event"


@strawberry.enum(description="Kind of search result.")
class SearchKind(Enum):
    ITEM = "item"
    BUNDLE = "bundle"


TYPE_LABELS = {
    "licence": _("Administrative licence"),
    "payment": _("Administrative payment"),
    "confirmation": _("Administrative confirmation"),
    "reward": _("Administrative reward"),
    "adjudication": _("Administrative adjudication"),
    "other": _("Other administrative power"),
    "public_service": _("Public service"),
}
LEVEL_LABELS = {
    "city": _("City level"),
    "district": _("District level"),
    "township": _("Township level"),
}
CHANNEL_LABELS = {
    "online": _("Online"),
    "mobile": _("On the phone"),
    "kiosk": _("Self-service kiosk"),
    "window": _("At the window"),
}
SOURCE_LABELS = {
    "upload": _("Bring or upload it"),
    "licence": _("Fetched as an electronic licence, nothing to bring"),
    "data_sharing": _("Fetched from shared government data, nothing to bring"),
    "commitment": _("Replaced by your written commitment"),
}
CROSS_REGION_LABELS = {
    "none": _("Only where you are registered"),
    "region": _("Anywhere in the metropolitan area"),
    "province": _("Anywhere in the province"),
    "nation": _("Anywhere in the country (跨省通办)"),
}
ONLINE_DEPTH_LABELS = {
    1: _("Information only"),
    2: _("Online submission"),
    3: _("Online pre-review"),
    4: _("Online acceptance"),
    5: _("Handled online"),
    6: _("Result delivered online"),
    7: _("Electronic licence issued online"),
    8: _("Fully online"),
}
WEEKDAY_LABELS = {
    1: _("Monday"),
    2: _("Tuesday"),
    3: _("Wednesday"),
    4: _("Thursday"),
    5: _("Friday"),
    6: _("Saturday"),
    7: _("Sunday"),
}


def _label(info: ContextInfo, labels: dict[str, str], value: str) -> str:
    return info.context._(labels.get(value, value))


@strawberry.type(description="A government department (实施主体).")
class Department:
    row: strawberry.Private[m.Department]

    @classmethod
    def of(cls, row: m.Department) -> Department:
        return cls(
            row=row,
            code=row.code,
            name=row.name,
            short_name=row.short_name,
            level=AdministrativeLevel(row.level),
            district=row.district,
            phone=row.phone,
        )

    code: str = strawberry.field(description="Stable department code.")

    name: str = strawberry.field(description="Full official name, e.g. 郑州市人力资源和社会保障局.")

    short_name: str | None = strawberry.field(
        description="Short name as people say it, e.g. 市人社局."
    )

    level: AdministrativeLevel = strawberry.field(description="Administrative level.")

    district: str | None = strawberry.field(
        description="District for district and township departments."
    )

    phone: str | None = strawberry.field(description="Public phone number.")


@strawberry.type(description="A start–end time, local time HH:MM.")
class TimeRange:
    start: str
    end: str


@strawberry.type(description="Opening sessions on one weekday.")
class OpeningDay:
    weekday: int = strawberry.field(description="1 = Monday … 7 = Sunday (ISO).")
    label: str = strawberry.field(description="The weekday's name in the request's language.")
    sessions: list[TimeRange]


@strawberry.type(description="A geographic point (WGS-84 degrees).")
class GeoPoint:
    lat: float
    lng: float


@strawberry.input(description="A point to sort halls by distance from (就近办).")
class GeoPointInput:
    lat: float
    lng: float


@strawberry.type(description="A government service hall (政务服务大厅).")
class Hall:
    row: strawberry.Private[m.Hall]

    @classmethod
    def of(cls, row: m.Hall, distance: float | None = None) -> Hall:
        return cls(
            row=row,
            code=row.code,
            name=row.name,
            district=row.district,
            address=row.address,
            location=GeoPoint(lat=row.lat, lng=row.lng),
            phone=row.phone,
            opens_on_weekends=any(int(day["weekday"]) >= 6 for day in row.hours or []),
            weekend_categories=list(row.weekend_categories or []),
            distance_meters=None if distance is None else round(distance),
            is_demo_data=row.demo,
        )

    code: str = strawberry.field(description="Stable hall code.")

    name: str = strawberry.field(description="Hall name.")

    district: str | None = strawberry.field(description="District the hall is in.")

    address: str = strawberry.field(description="Street address, for navigation.")

    location: GeoPoint = strawberry.field(description="Location of the entrance.")

    phone: str | None = strawberry.field(description="Phone number of the hall's front desk.")

    @strawberry.field(description="Opening sessions for each weekday it opens.")
    def opening_hours(self, info: ContextInfo) -> list[OpeningDay]:
        return [
            OpeningDay(
                weekday=day["weekday"],
                label=info.context._(WEEKDAY_LABELS[day["weekday"]]),
                sessions=[TimeRange(start=s, end=e) for s, e in day.get("sessions", [])],
            )
            for day in sorted(self.row.hours or [], key=lambda d: int(d["weekday"]))
        ]

    opens_on_weekends: bool = strawberry.field(
        description="Whether it opens on Saturday or Sunday (周末不打烊)."
    )

    weekend_categories: list[str] = strawberry.field(
        description="周末不打烊 categories served at weekends: 不动产, 公积金, 车驾管, 出入境, 医社保."
    )

    distance_meters: int | None = strawberry.field(
        description="Metres from the point given to the query, when one was given."
    )

    is_demo_data: bool = strawberry.field(
        description="True when details were invented for the demo catalogue."
    )


@strawberry.type(description="A material (申请材料) an item needs.")
class Material:
    row: strawberry.Private[m.Material]

    @classmethod
    def of(cls, row: m.Material) -> Material:
        return cls(
            row=row,
            name=row.name,
            required=row.required,
            copies=row.copies,
            format=MaterialFormat(row.format),
            source=MaterialSource(row.source),
            no_paper_needed=row.source in m.NO_PAPER_SOURCES,
            licence_type=row.licence_type,
            note=row.note,
        )

    name: str = strawberry.field(description="Name of the material.")

    required: bool = strawberry.field(
        description="Whether it is required (必要) rather than conditional."
    )

    copies: int = strawberry.field(description="Number of copies.")

    format: MaterialFormat = strawberry.field(
        description="Original, copy, electronic or a form to fill."
    )

    source: MaterialSource = strawberry.field(description="How it reaches the office.")

    @strawberry.field(description="How the citizen provides it, in plain words.")
    def how_provided(self, info: ContextInfo) -> str:
        return _label(info, SOURCE_LABELS, self.row.source)

    no_paper_needed: bool = strawberry.field(
        description="True when the citizen brings or uploads nothing for it."
    )

    licence_type: str | None = strawberry.field(
        description="Electronic licence type (电子证照) when fetched as one."
    )

    note: str | None = strawberry.field(description="Extra remark (e.g. what to check).")


@strawberry.type(description="One step of the process (办理流程).")
class ProcessStep:
    name: str
    description: str


@strawberry.type(description="A frequently asked question.")
class Faq:
    question: str
    answer: str


@strawberry.type(description="Fee information.")
class Fee:
    charged: bool = strawberry.field(description="False when the item is free (不收费).")
    text: str | None = strawberry.field(description="Fee standard as published.")


@strawberry.type(
    description="The guide (办事指南) as short sentences. SIMPLE: what to bring and where to go."
)
class Guide:
    style: GuideStyle
    sentences: list[str] = strawberry.field(description="Read them in order; each is one idea.")
    spoken: str = strawberry.field(description="All sentences joined, for read-aloud (TTS).")


@strawberry.type(description="A [start, end) character span to highlight.")
class TextSpan:
    start: int
    end: int


@strawberry.type(description="Why a search result matched, with the parts to highlight.")
class SearchMatch:
    field: str = strawberry.field(description="name, alias or keyword.")
    text: str = strawberry.field(description="The text that matched (the name or an alias).")
    spans: list[TextSpan] = strawberry.field(description="Spans of `text` that matched.")
    title_spans: list[TextSpan] = strawberry.field(description="Spans of the title to highlight.")
    score: float

    @strawberry.field(description="`text` with the matched parts wrapped in the given marks.")
    def marked(self, open: str = "【", close: str = "】") -> str:
        out, last = [], 0
        for span in self.spans:
            out += [self.text[last : span.start], open, self.text[span.start : span.end], close]
            last = span.end
        out.append(self.text[last:])
        return "".join(out)


def _match(hit: IndexHit) -> SearchMatch:
    return SearchMatch(
        field=hit.matched_field,
        text=hit.matched_text,
        spans=[TextSpan(start=s, end=e) for s, e in hit.matched_spans],
        title_spans=[TextSpan(start=s, end=e) for s, e in hit.name_spans],
        score=round(hit.score, 3),
    )


def _title(info: ContextInfo, style: TitleStyle | None, official: str, plain: str | None) -> str:
    chosen = style or (TitleStyle.PLAIN if info.context.elder else TitleStyle.OFFICIAL)
    return (plain or official) if chosen is TitleStyle.PLAIN else official


def _limit(info: ContextInfo, limit: int | None) -> int | None:
    if limit is not None:
        if limit < 0:
            raise HaobanError(ErrorCode.INVALID_ARGUMENT, "`limit` must not be negative.")
        return limit
    return info.context.profile.max_list_items


def _department(row: m.Department | None) -> Department:
    assert row is not None  # the foreign key guarantees it
    return Department.of(row)


def _by_need(materials: list[m.Material]) -> list[m.Material]:
    return sorted(materials, key=lambda row: (not row.required, -row.popularity, row.position))


@strawberry.type(description="A government service item (政务服务事项) with its guide.")
class ServiceItem:
    row: strawberry.Private[m.ServiceItem]

    @classmethod
    def of(cls, row: m.ServiceItem) -> ServiceItem:
        return cls(
            row=row,
            code=row.task_code,
            basic_code=row.basic_code,
            name=row.name,
            aliases=list(row.aliases or []),
            type=ServiceItemType(row.type),
            level=AdministrativeLevel(row.level),
            category=row.category,
            legal_days=row.legal_days,
            promised_days=row.promise_days,
            fee=Fee(charged=row.fee_charged, text=row.fee_text),
            visits=row.visits,
            online_depth=row.online_depth,
            channels=[c for c in ServiceChannel if getattr(row, f"channel_{c.value}")],
            weekend_available=row.weekend_available,
            weekend_category=row.weekend_category,
            cross_region=CrossRegionScope(row.cross_region),
            face_verification=row.face_verification,
            zero_material=row.zero_material,
            conditions=row.conditions,
            version=row.version,
            popularity=row.popularity,
            is_demo_data=row.demo,
        )

    code: str = strawberry.field(
        description="Implementation code (实施编码), the item's stable id."
    )

    basic_code: str = strawberry.field(
        description="Basic code (基本编码) shared by all implementations."
    )

    @strawberry.field(description="Title to display; see TitleStyle for the default.")
    def title(self, info: ContextInfo, style: TitleStyle | None = None) -> str:
        return _title(info, style, self.row.name, self.row.plain_name)

    name: str = strawberry.field(description="Official name as in the catalogue.")

    aliases: list[str] = strawberry.field(description="Colloquial names (俗称) people search with.")

    type: ServiceItemType = strawberry.field(description="Kind of item.")

    @strawberry.field(description="Kind of item in the request's language.")
    def type_label(self, info: ContextInfo) -> str:
        return _label(info, TYPE_LABELS, self.row.type)

    @strawberry.field(description="Department that implements the item.")
    def department(self, info: ContextInfo) -> Department:
        return now_or_later(
            info.context.loaders.department_by_id, self.row.department_id, _department
        )

    level: AdministrativeLevel = strawberry.field(description="Implementation level.")

    category: str | None = strawberry.field(description="Topic, e.g. 公积金, 户籍, 社保.")

    @strawberry.field(description="Life events (出生, 退休 …) the item belongs to.")
    async def life_events(self, info: ContextInfo) -> list[str]:
        return await info.context.loaders.life_events_by_item_id.load(self.row.id)

    legal_days: int | None = strawberry.field(
        description="Legal time limit (法定时限) in working days."
    )

    promised_days: int | None = strawberry.field(
        description="Promised time limit (承诺时限) in working days."
    )

    @strawberry.field(description="Working days the promise cuts from the legal limit.")
    def days_cut(self) -> int | None:
        if self.row.legal_days is None or self.row.promise_days is None:
            return None
        return self.row.legal_days - self.row.promise_days

    fee: Fee = strawberry.field(description="Fee.")

    visits: int = strawberry.field(
        description="Trips to the office needed (跑动次数); 0 means none."
    )

    online_depth: int = strawberry.field(description="Online depth (网办深度) 1–8.")

    @strawberry.field(description="Online depth in words.")
    def online_depth_label(self, info: ContextInfo) -> str:
        return info.context._(ONLINE_DEPTH_LABELS.get(self.row.online_depth, "?"))

    channels: list[ServiceChannel] = strawberry.field(
        description="Channels the item can be done through."
    )

    weekend_available: bool = strawberry.field(
        description="Whether a 周末不打烊 hall handles it at weekends."
    )

    weekend_category: str | None = strawberry.field(
        description="周末不打烊 category when weekend-available."
    )

    cross_region: CrossRegionScope = strawberry.field(description="跨省通办 scope.")

    @strawberry.field(description="跨省通办 scope in words.")
    def cross_region_label(self, info: ContextInfo) -> str:
        return _label(info, CROSS_REGION_LABELS, self.row.cross_region)

    face_verification: bool = strawberry.field(
        description="Whether it can be done by face verification (刷脸办)."
    )

    zero_material: bool = strawberry.field(
        description="零材料: every required material comes from a licence, shared data or a "
        "commitment, so the citizen brings nothing. Derived from the materials."
    )

    conditions: str | None = strawberry.field(description="Who can apply (受理条件).")

    @strawberry.field(
        description="Materials. Ordered as published; in elder mode (or with byNeed) required "
        "first and most needed first, capped at 5 unless `limit` is given."
    )
    def materials(
        self, info: ContextInfo, limit: int | None = None, by_need: bool | None = None
    ) -> list[Material]:
        ordered = by_need if by_need is not None else info.context.elder
        cap = _limit(info, limit)

        def build(rows: list[m.Material]) -> list[Material]:
            rows = _by_need(rows) if ordered else rows
            return [Material.of(r) for r in (rows if cap is None else rows[:cap])]

        return now_or_later(info.context.loaders.materials_by_item_id, self.row.id, build)

    @strawberry.field(description="Number of materials in all (before any cap).")
    def material_count(self, info: ContextInfo) -> int:
        return now_or_later(info.context.loaders.materials_by_item_id, self.row.id, len)

    @strawberry.field(description="Process steps (办理流程).")
    def steps(self) -> list[ProcessStep]:
        return [
            ProcessStep(name=s["name"], description=s.get("description", ""))
            for s in self.row.steps
        ]

    @strawberry.field(description="Frequently asked questions; capped in elder mode.")
    def faqs(self, info: ContextInfo, limit: int | None = None) -> list[Faq]:
        cap = _limit(info, limit)
        rows = self.row.faqs if cap is None else self.row.faqs[:cap]
        return [Faq(question=f["question"], answer=f["answer"]) for f in rows]

    @strawberry.field(description="The guide as sentences; SIMPLE by default in elder mode.")
    async def guide(self, info: ContextInfo, style: GuideStyle | None = None) -> Guide:
        chosen = style or (GuideStyle.SIMPLE if info.context.elder else GuideStyle.FULL)
        loaders = info.context.loaders
        materials = _by_need(await loaders.materials_by_item_id.load(self.row.id))
        halls = await loaders.halls_by_item_id.load(self.row.id)
        department = await loaders.department_by_id.load(self.row.department_id)
        sentences = simple_guide(
            translator=info.context.translator,
            item=self.row,
            materials=materials,
            halls=halls,
            department=department,
            hotline=self.row.hotline or info.context.settings.hotline,
            full=chosen is GuideStyle.FULL,
        )
        return Guide(style=chosen, sentences=sentences, spoken="".join(sentences))

    @strawberry.field(description="Halls that handle it; capped in elder mode.")
    def halls(self, info: ContextInfo, limit: int | None = None) -> list[Hall]:
        cap = _limit(info, limit)

        def build(rows: list[m.Hall]) -> list[Hall]:
            return [Hall.of(r) for r in (rows if cap is None else rows[:cap])]

        return now_or_later(info.context.loaders.halls_by_item_id, self.row.id, build)

    @strawberry.field(description="一件事 bundles the item is part of.")
    async def bundles(self, info: ContextInfo) -> list[Bundle]:
        rows = await info.context.loaders.bundles_by_item_id.load(self.row.id)
        return [Bundle.of(r) for r in rows]

    @strawberry.field(description="Phone number to call for help; always present.")
    def hotline(self, info: ContextInfo) -> str:
        return self.row.hotline or info.context.settings.hotline

    version: int = strawberry.field(description="Version of the item's guide.")

    popularity: int = strawberry.field(
        description="How popular the item is (0–100); the default order."
    )

    is_demo_data: bool = strawberry.field(
        description="True when the guide's details were invented for the demo."
    )


@strawberry.type(description="A field of a 一件事 joint application form.")
class FormField:
    key: str
    label: str
    type: str
    required: bool
    prefill: str | None = strawberry.field(
        description="Where the value is prefilled from, e.g. licence:出生医学证明."
    )


@strawberry.type(description="The one joint application form (一表申请) of a bundle.")
class JointForm:
    title: str
    fields: list[FormField]


@strawberry.type(description="A stage of the bundle's approval flow; departments work in parallel.")
class FlowStage:
    stage: int
    name: str
    department_codes: list[str]


@strawberry.type(description="What the bundle saves against doing its items one by one.")
class BundleSavings:
    materials_separately: int
    materials_bundled: int
    materials_saved: int
    days_separately: int
    days_bundled: int
    days_saved: int
    visits_separately: int
    visits_bundled: int
    visits_saved: int


@strawberry.type(description="A 一件事 bundle: several items for one life event, done as one.")
class Bundle:
    row: strawberry.Private[m.Bundle]

    @classmethod
    def of(cls, row: m.Bundle) -> Bundle:
        return cls(
            row=row,
            code=row.code,
            name=row.name,
            aliases=list(row.aliases or []),
            life_event=row.life_event,
            promised_days=row.promised_days,
            notes=row.notes,
            is_demo_data=row.demo,
        )

    code: str = strawberry.field(description="Stable bundle code.")

    @strawberry.field(description="Title to display; see TitleStyle for the default.")
    def title(self, info: ContextInfo, style: TitleStyle | None = None) -> str:
        return _title(info, style, self.row.name, self.row.plain_name)

    name: str = strawberry.field(description="Official name.")

    aliases: list[str] = strawberry.field(description="Colloquial names.")

    life_event: str = strawberry.field(description="Life event, e.g. 出生, 退休, 身后.")

    @strawberry.field(description="Lead department (牵头部门).")
    async def lead_department(self, info: ContextInfo) -> Department:
        row = await info.context.loaders.department_by_id.load(self.row.lead_department_id)
        assert row is not None
        return Department.of(row)

    @strawberry.field(description="All departments involved (lead and cooperating).")
    async def departments(self, info: ContextInfo) -> list[Department]:
        rows = await info.context.loaders.departments_by_bundle_id.load(self.row.id)
        return [Department.of(r) for r in rows]

    @strawberry.field(description="Member items, in order.")
    async def items(self, info: ContextInfo) -> list[ServiceItem]:
        rows = await info.context.loaders.items_by_bundle_id.load(self.row.id)
        return [ServiceItem.of(r) for r in rows]

    @strawberry.field(description="The joint application form.")
    def form(self) -> JointForm:
        form = self.row.form or {}
        return JointForm(
            title=form.get("title", ""),
            fields=[
                FormField(
                    key=f["key"],
                    label=f["label"],
                    type=f.get("type", "text"),
                    required=bool(f.get("required", True)),
                    prefill=f.get("prefill"),
                )
                for f in form.get("fields", [])
            ],
        )

    @strawberry.field(description="Parallel approval flow.")
    def flow(self) -> list[FlowStage]:
        return [
            FlowStage(
                stage=s["stage"],
                name=s["name"],
                department_codes=s.get("parallel_department_codes", []),
            )
            for s in self.row.flow
        ]

    promised_days: int = strawberry.field(description="Promised working days for the whole bundle.")

    @strawberry.field(description="Savings computed from the member items.")
    async def savings(self, info: ContextInfo) -> BundleSavings:
        loaders = info.context.loaders
        items = await loaders.items_by_bundle_id.load(self.row.id)
        materials = await loaders.materials_by_item_id.load_many([i.id for i in items])
        s = bundle_savings(
            self.row, items, {i.id: ms for i, ms in zip(items, materials, strict=True)}
        )
        return BundleSavings(
            materials_separately=s.materials_separately,
            materials_bundled=s.materials_bundled,
            materials_saved=s.materials_saved,
            days_separately=s.days_separately,
            days_bundled=s.days_bundled,
            days_saved=s.days_saved,
            visits_separately=s.visits_separately,
            visits_bundled=s.visits_bundled,
            visits_saved=s.visits_saved,
        )

    @strawberry.field(description="True when every member item is 零材料.")
    async def zero_material(self, info: ContextInfo) -> bool:
        loaders = info.context.loaders
        items = await loaders.items_by_bundle_id.load(self.row.id)
        materials = await loaders.materials_by_item_id.load_many([i.id for i in items])
        return bool(items) and all(is_zero_material(ms) for ms in materials)

    notes: str | None = strawberry.field(description="Notes about the bundle and its sources.")

    @strawberry.field(description="Phone number to call for help.")
    def hotline(self, info: ContextInfo) -> str:
        return info.context.settings.hotline

    is_demo_data: bool = strawberry.field(
        description="True when details were invented for the demo catalogue."
    )


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="An item in a page, with why it matched a search.")
class ServiceItemEdge:
    cursor: str
    node: ServiceItem
    match: SearchMatch | None = strawberry.field(description="Set when the page was searched.")


@strawberry.type(description="One value of a facet with its count.")
class FacetValue:
    value: str
    label: str
    count: int


@strawberry.type(description="Counts per value of one dimension, under all other filters.")
class Facet:
    dimension: FacetDimension
    values: list[FacetValue]


@strawberry.input(description="Filters for the item list; all given filters must hold.")
class ServiceItemFilter:
    department_codes: list[str] | None = None
    levels: list[AdministrativeLevel] | None = None
    types: list[ServiceItemType] | None = None
    channels: list[ServiceChannel] | None = strawberry.field(
        default=None, description="Items available through any of these channels."
    )
    zero_material: bool | None = None
    face_verification: bool | None = None
    weekend_available: bool | None = None
    weekend_categories: list[str] | None = None
    cross_regions: list[CrossRegionScope] | None = None
    life_events: list[str] | None = None
    hall_codes: list[str] | None = None


def to_item_filter(flt: ServiceItemFilter | None) -> ItemFilter:
    if flt is None:
        return ItemFilter()
    for values in (flt.department_codes, flt.weekend_categories, flt.life_events, flt.hall_codes):
        if values is not None and (len(values) > 50 or any(len(v) > 80 for v in values)):
            raise HaobanError(
                ErrorCode.INVALID_ARGUMENT, "A filter has too many or too long values."
            )
    bad = [c for c in flt.weekend_categories or [] if c not in m.WEEKEND_CATEGORIES]
    if bad:
        raise HaobanError(
            ErrorCode.INVALID_ARGUMENT,
            "Unknown weekend category %(value)s; use one of 不动产, 公积金, 车驾管, 出入境, 医社保.",
            value=bad[0],
        )
    return ItemFilter(
        department_codes=tuple(flt.department_codes or ()),
        levels=tuple(v.value for v in flt.levels or ()),
        types=tuple(v.value for v in flt.types or ()),
        channels=tuple(v.value for v in flt.channels or ()),
        zero_material=flt.zero_material,
        face_verification=flt.face_verification,
        weekend_available=flt.weekend_available,
        weekend_categories=tuple(flt.weekend_categories or ()),
        cross_regions=tuple(v.value for v in flt.cross_regions or ()),
        life_events=tuple(flt.life_events or ()),
        hall_codes=tuple(flt.hall_codes or ()),
    )


@strawberry.type(description="A page of service items.")
class ServiceItemConnection:
    edges: list[ServiceItemEdge]
    page_info: PageInfo
    total_count: int
    flt: strawberry.Private[ItemFilter]
    text: strawberry.Private[str | None]

    @strawberry.field(description="Counts per value for the requested dimensions (all by default).")
    async def facets(
        self, info: ContextInfo, dimensions: list[FacetDimension] | None = None
    ) -> list[Facet]:
        wanted = dimensions or [FacetDimension(d) for d in FACET_DIMENSIONS]
        ctx = info.context
        result = []
        async with ctx.catalogue() as service:
            flt = await service.search_filter(flt=self.flt, text=self.text)
            departments = {d.code: d for d in await service.repo.departments(level=None)}
            for dimension in wanted:
                counts = await service.repo.facet_counts(flt, dimension.value)
                values = [
                    FacetValue(
                        value=value, label=_facet_label(ctx, dimension, value, departments), count=n
                    )
                    for value, n in sorted(counts, key=lambda p: (-p[1], p[0]))
                ]
                result.append(Facet(dimension=dimension, values=values))
        return result


def _facet_label(
    ctx: Context, dimension: FacetDimension, value: str, departments: dict[str, m.Department]
) -> str:
    labels: dict[FacetDimension, dict[str, str]] = {
        FacetDimension.TYPE: TYPE_LABELS,
        FacetDimension.LEVEL: LEVEL_LABELS,
        FacetDimension.CHANNEL: CHANNEL_LABELS,
        FacetDimension.CROSS_REGION: CROSS_REGION_LABELS,
        FacetDimension.ZERO_MATERIAL: {"true": _("Zero materials"), "false": _("Materials needed")},
        FacetDimension.FACE_VERIFICATION: {
            "true": _("Face verification"),
            "false": _("No face verification"),
        },
    }
    if dimension is FacetDimension.DEPARTMENT:
        dept = departments.get(value)
        return dept.name if dept else value
    table = labels.get(dimension)
    return ctx._(table[value]) if table and value in table else value


@strawberry.type(description="A page of 一件事 bundles.")
class BundleConnection:
    nodes: list[Bundle]
    page_info: PageInfo
    total_count: int


SearchNode = Annotated[ServiceItem | Bundle, strawberry.union("SearchNode")]


@strawberry.type(description="A search result: an item or a bundle, with what matched.")
class SearchResult:
    kind: SearchKind
    node: SearchNode
    match: SearchMatch


@strawberry.type(description="Ranked search results.")
class SearchResults:
    query: str
    total_count: int
    results: list[SearchResult]


def _selected(info: ContextInfo, *path: str) -> set[str]:
    """Names of the fields selected at `path` below the current field (fragments included)."""

    def names(selections: list[Any]) -> list[Any]:
        out = []
        for sel in selections:
            if isinstance(sel, SelectedField):
                out.append(sel)
            else:  # inline fragment or fragment spread
                out += names(list(sel.selections))
        return out

    level = names(list(info.selected_fields[0].selections))
    for step in path:
        level = names([s for f in level if f.name == step for s in f.selections])
    return {f.name for f in level}


async def _prefetch_page(info: ContextInfo, rows: list[m.ServiceItem]) -> None:
    """One batch per selected relation, so the page's fields resolve without waiting."""
    wanted = _selected(info, "edges", "node")
    loaders = info.context.loaders
    ids = [row.id for row in rows]
    jobs = []
    if "department" in wanted:
        jobs.append(prefetch(loaders.department_by_id, [row.department_id for row in rows]))
    if wanted & {"materials", "materialCount"}:
        jobs.append(prefetch(loaders.materials_by_item_id, ids))
    if "halls" in wanted:
        jobs.append(prefetch(loaders.halls_by_item_id, ids))
    if jobs:
        await asyncio.gather(*jobs)


def _page_info(offset: int, count: int, total: int) -> PageInfo:
    return PageInfo(
        has_next_page=offset + count < total,
        has_previous_page=offset > 0,
        start_cursor=encode_cursor(offset) if count else None,
        end_cursor=encode_cursor(offset + count - 1) if count else None,
    )


@strawberry.type
class CatalogueQuery:
    @strawberry.field(description="One item by implementation code (实施编码) or basic code.")
    async def service_item(self, info: ContextInfo, code: str) -> ServiceItem:
        async with info.context.catalogue() as service:
            return ServiceItem.of(await service.item(code=code))

    @strawberry.field(
        description="Items as a Relay connection. With `search`, in relevance order (each edge "
        "says what matched); otherwise most-used first."
    )
    async def service_items(
        self,
        info: ContextInfo,
        first: int | None = None,
        after: str | None = None,
        filter: ServiceItemFilter | None = None,
        search: str | None = None,
    ) -> ServiceItemConnection:
        ctx = info.context
        offset, limit = page_bounds(
            first=first, after=after, default=20, maximum=ctx.settings.max_page_size
        )
        flt = to_item_filter(filter)
        async with ctx.catalogue() as service:
            page = await service.item_page(flt=flt, text=search, offset=offset, limit=limit)
        rows = await ctx.loaders.item_by_id.load_many(page.ids)
        await _prefetch_page(info, [row for row in rows if row is not None])
        edges = [
            ServiceItemEdge(
                cursor=encode_cursor(offset + i),
                node=ServiceItem.of(row),
                match=_match(page.hits[row.id]) if row.id in page.hits else None,
            )
            for i, row in enumerate(rows)
            if row is not None
        ]
        return ServiceItemConnection(
            edges=edges,
            page_info=_page_info(offset, len(edges), page.total),
            total_count=page.total,
            flt=flt,
            text=search,
        )

    @strawberry.field(
        description="Search items and bundles as citizens type: Chinese words, colloquial names "
        "(提公积金), full pinyin and initials (gjj), small typos."
    )
    async def search(
        self,
        info: ContextInfo,
        text: str,
        first: int = 10,
        kinds: list[SearchKind] | None = None,
    ) -> SearchResults:
        ctx = info.context
        _, limit = page_bounds(
            first=first, after=None, default=10, maximum=ctx.settings.max_page_size
        )
        wanted = frozenset(k.value for k in kinds) if kinds else None
        async with ctx.catalogue() as service:
            results = await service.search(text=text, limit=limit, kinds=wanted)
        item_rows = await ctx.loaders.item_by_id.load_many(
            [r.item_id for r in results if r.item_id]
        )
        bundle_rows = await ctx.loaders.bundle_by_id.load_many(
            [r.bundle_id for r in results if r.bundle_id]
        )
        items = {row.id: row for row in item_rows if row}
        bundles = {row.id: row for row in bundle_rows if row}
        out = []
        for r in results:
            node: ServiceItem | Bundle
            if r.item_id in items:
                node, kind = ServiceItem.of(items[r.item_id]), SearchKind.ITEM
            elif r.bundle_id in bundles:
                node, kind = Bundle.of(bundles[r.bundle_id]), SearchKind.BUNDLE
            else:
                continue
            out.append(SearchResult(kind=kind, node=node, match=_match(r.hit)))
        return SearchResults(query=text, total_count=len(out), results=out)

    @strawberry.field(description="One 一件事 bundle by code.")
    async def bundle(self, info: ContextInfo, code: str) -> Bundle:
        async with info.context.catalogue() as service:
            return Bundle.of(await service.bundle(code=code))

    @strawberry.field(description="一件事 bundles, optionally for one life event.")
    async def bundles(
        self,
        info: ContextInfo,
        first: int | None = None,
        after: str | None = None,
        life_event: str | None = None,
    ) -> BundleConnection:
        ctx = info.context
        offset, limit = page_bounds(
            first=first, after=after, default=20, maximum=ctx.settings.max_page_size
        )
        async with ctx.catalogue() as service:
            rows, total = await service.repo.bundles_page(
                life_event=life_event, offset=offset, limit=limit
            )
        return BundleConnection(
            nodes=[Bundle.of(r) for r in rows],
            page_info=_page_info(offset, len(rows), total),
            total_count=total,
        )

    @strawberry.field(description="Departments, optionally of one level.")
    async def departments(
        self, info: ContextInfo, level: AdministrativeLevel | None = None
    ) -> list[Department]:
        async with info.context.catalogue() as service:
            rows = await service.repo.departments(level=level.value if level else None)
        return [Department.of(r) for r in rows]

    @strawberry.field(
        description="Halls (就近办): nearest first when `near` is given; optionally only those "
        "handling an item, a 周末不打烊 category, or opening at weekends."
    )
    async def halls(
        self,
        info: ContextInfo,
        near: GeoPointInput | None = None,
        item_code: str | None = None,
        weekend_category: str | None = None,
        weekend_only: bool = False,
        first: int | None = None,
    ) -> list[Hall]:
        ctx = info.context
        if weekend_category is not None and weekend_category not in m.WEEKEND_CATEGORIES:
            raise HaobanError(
                ErrorCode.INVALID_ARGUMENT,
                "Unknown weekend category %(value)s; use one of 不动产, 公积金, 车驾管, 出入境, 医社保.",
                value=weekend_category[:20],
            )
        async with ctx.catalogue() as service:
            found = await service.halls_near(
                lat=near.lat if near else None,
                lng=near.lng if near else None,
                category=weekend_category,
                item_code=item_code,
                weekend_only=weekend_only,
            )
        cap = first if first is not None else ctx.profile.max_list_items
        if cap is not None and cap < 0:
            raise HaobanError(ErrorCode.INVALID_ARGUMENT, "`first` must not be negative.")
        return [Hall.of(h, d) for h, d in (found if cap is None else found[:cap])]

"""Catalogue tables, shaped on the national service-item standard (GB/T 39554.1, D1 schema)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bff.db import Base


class Level(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    TOWNSHIP = "township"


class ItemType(StrEnum):
    LICENCE = "licence"  # 行政许可
    PAYMENT = "payment"  # 行政给付
    CONFIRMATION = "confirmation"  # 行政确认
    REWARD = "reward"  # 行政奖励
    ADJUDICATION = "adjudication"  # 行政裁决
    OTHER = "other"  # 其他行政权力
    PUBLIC_SERVICE = "public_service"  # 公共服务


class Channel(StrEnum):
    ONLINE = "online"  # 网上办
    MOBILE = "mobile"  # 掌上办
    KIOSK = "kiosk"  # 自助办
    WINDOW = "window"  # 窗口办


class CrossRegion(StrEnum):
    NONE = "none"
    REGION = "region"  # 区域通办 (e.g. within the metropolitan area)
    PROVINCE = "province"  # 省内通办
    NATION = "nation"  # 跨省通办


class MaterialSource(StrEnum):
    UPLOAD = "upload"  # the applicant provides it
    LICENCE = "licence"  # fetched as an electronic licence 电子证照
    DATA_SHARING = "data_sharing"  # fetched from another department's data 数据共享
    COMMITMENT = "commitment"  # replaced by a written commitment 告知承诺


class MaterialFormat(StrEnum):
    ORIGINAL = "original"
    COPY = "copy"
    ELECTRONIC = "electronic"
    FORM = "form"


WEEKEND_CATEGORIES = ("不动产", "公积金", "车驾管", "出入境", "医社保")
NO_PAPER_SOURCES = frozenset(
    {MaterialSource.LICENCE, MaterialSource.DATA_SHARING, MaterialSource.COMMITMENT}
)


class SyncedMixin:
    # Hash of the record as last imported: an unchanged record is not rewritten on sync.
    content_hash: Mapped[str | None] = mapped_column(String(64))


item_halls = Table(
    "item_halls",
    Base.metadata,
    Column("item_id", ForeignKey("service_items.id", ondelete="CASCADE"), primary_key=True),
    Column("hall_id", ForeignKey("halls.id", ondelete="CASCADE"), primary_key=True),
)

bundle_items = Table(
    "bundle_items",
    Base.metadata,
    Column("bundle_id", ForeignKey("bundles.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("service_items.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)

bundle_departments = Table(
    "bundle_departments",
    Base.metadata,
    Column("bundle_id", ForeignKey("bundles.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)

item_life_events = Table(
    "item_life_events",
    Base.metadata,
    Column("item_id", ForeignKey("service_items.id", ondelete="CASCADE"), primary_key=True),
    Column("life_event", String(32), primary_key=True, index=True),
)


class Department(Base, SyncedMixin):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    short_name: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16), index=True)
    district: Mapped[str | None] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(32))
    demo: Mapped[bool] = mapped_column(Boolean, default=True)


class Hall(Base, SyncedMixin):
    __tablename__ = "halls"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    district: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(256))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(32))
    # [{"weekday": 1..7, "sessions": [["09:00", "12:00"], ...]}]
    hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    weekend_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    demo: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ServiceItem(Base, SyncedMixin):
    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    basic_code: Mapped[str] = mapped_column(String(40), index=True)
    task_code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    plain_name: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(24), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str | None] = mapped_column(String(32))
    legal_days: Mapped[int | None] = mapped_column(Integer)
    promise_days: Mapped[int | None] = mapped_column(Integer)
    fee_charged: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_text: Mapped[str | None] = mapped_column(String(256))
    visits: Mapped[int] = mapped_column(Integer, default=1)
    online_depth: Mapped[int] = mapped_column(Integer, default=1)
    channel_online: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    channel_mobile: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    channel_kiosk: Mapped[bool] = mapped_column(Boolean, default=False)
    channel_window: Mapped[bool] = mapped_column(Boolean, default=True)
    weekend_available: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    weekend_category: Mapped[str | None] = mapped_column(String(16))
    cross_region: Mapped[str] = mapped_column(String(16), default=CrossRegion.NONE, index=True)
    face_verification: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Derived from the materials whenever they are written (see service.derive_zero_material);
    # stored only so that the filter runs in SQL.
    zero_material: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    conditions: Mapped[str | None] = mapped_column(Text)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    faqs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    popularity: Mapped[int] = mapped_column(Integer, default=0, index=True)
    hotline: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    demo: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source_id: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    department: Mapped[Department] = relationship(lazy="raise")
    materials: Mapped[list[Material]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="Material.position"
    )


class Material(Base):
    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("service_items.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    format: Mapped[str] = mapped_column(String(16), default=MaterialFormat.ORIGINAL)
    source: Mapped[str] = mapped_column(String(16), default=MaterialSource.UPLOAD)
    licence_type: Mapped[str | None] = mapped_column(String(32))
    popularity: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(256))


class Bundle(Base, SyncedMixin):
    __tablename__ = "bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    plain_name: Mapped[str | None] = mapped_column(String(64))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    life_event: Mapped[str] = mapped_column(String(32), index=True)
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    form: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    flow: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    promised_days: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    demo: Mapped[bool] = mapped_column(Boolean, default=True)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    popularity: Mapped[int] = mapped_column(Integer, default=50)


class CatalogueState(Base):
    """One row: the catalogue's version, bumped by every change so caches and indexes follow."""

    __tablename__ = "catalogue_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The upstream's opaque position after the last sync, for incremental imports.
    sync_cursor: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

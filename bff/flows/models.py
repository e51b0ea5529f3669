"""Zero-material face-verified flows (零材料/刷脸办): the flow, its consent, face checks,
materials, uploads and the audit of every licence fetch."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

import auth.models  # noqa: F401  (tables this one refers to)
import bff.cases.models
import bff.catalogue.models  # noqa: F401
from bff.db import Base


class FlowStatus(StrEnum):
    CONSENT = "consent"  # waiting for the separate consent to face processing
    FACE = "face"  # consent given; a face check is needed (or a new one)
    FACE_PENDING = "face_pending"  # a check was started at the provider
    CONFIRM = "confirm"  # face passed, licences fetched, the prefilled application is shown
    SUBMITTED = "submitted"  # a case was opened
    COMPLETED = "completed"  # the case concluded at once (instant items)
    ABANDONED = "abandoned"
    EXPIRED = "expired"


ACTIVE_FLOW = (FlowStatus.CONSENT, FlowStatus.FACE, FlowStatus.FACE_PENDING, FlowStatus.CONFIRM)
ACTIVE_SQL = "status IN ('consent', 'face', 'face_pending', 'confirm')"


class FaceCheckStatus(StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    EXPIRED = "expired"


class Provision(StrEnum):
    """How one material is provided in this flow."""

    LICENCE = "licence"  # fetched from the electronic licence library
    DATA_SHARING = "data_sharing"  # checked by the department through shared data
    COMMITMENT = "commitment"  # 告知承诺: the citizen commits, no proof collected
    UPLOAD = "upload"  # a photo of the paper document
    PROXY_GRANT = "proxy_grant"  # the electronic authorisation replaces a paper one
    JOINT_FORM = "joint_form"  # a 一件事 joint form replaces each member's own form
    NOT_NEEDED = "not_needed"  # optional and not relevant here


class Flow(Base):
    __tablename__ = "flows"
    __table_args__ = (
        # One active flow per person and item/bundle: starting again resumes it.
        Index(
            "uq_flows_active_target",
            "user_id",
            "target_code",
            unique=True,
            postgresql_where=text(ACTIVE_SQL),
            sqlite_where=text(ACTIVE_SQL),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)  # whose matter
    started_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    grant_id: Mapped[str | None] = mapped_column(String(36))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id"))
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundles.id"))
    target_code: Mapped[str] = mapped_column(String(80))  # task code or bundle code
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=FlowStatus.CONSENT, index=True)
    consent_id: Mapped[str | None] = mapped_column(String(36))
    face_check_id: Mapped[str | None] = mapped_column(String(36))  # the current one
    face_passed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    licences_fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The prefilled application (encrypted: it holds names and ID numbers).
    form_enc: Mapped[str | None] = mapped_column(Text)
    commitments: Mapped[list[str]] = mapped_column(JSON, default=list)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    instant: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FaceConsent(Base):
    """The separate consent to face processing (PIPL Art. 29), with the text version shown."""

    __tablename__ = "face_consents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    given_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))  # a relative, when acting
    flow_id: Mapped[str] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"), index=True)
    text_version: Mapped[str] = mapped_column(String(16))
    text_sha256: Mapped[str] = mapped_column(String(64))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FaceCheck(Base):
    """What is kept of one face verification: provider, reference, outcome, error code, score,
    times, the consent, and a keyed hash of the ID number it was for. No images, no names."""

    __tablename__ = "face_checks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    flow_id: Mapped[str] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"), index=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("face_consents.id"))
    # Who started it (a relative acting, or the citizen): licence reads after it are theirs.
    requested_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    provider: Mapped[str] = mapped_column(String(16))
    provider_ref: Mapped[str] = mapped_column(String(128), unique=True)
    subject_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=FaceCheckStatus.PENDING)
    error_code: Mapped[str | None] = mapped_column(String(16))
    similarity: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FlowMaterial(Base):
    __tablename__ = "flow_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[str] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))  # the catalogue's source
    licence_type: Mapped[str | None] = mapped_column(String(32))
    provision: Mapped[str] = mapped_column(String(16))
    # Why a licence could not be used: LICENCE_NOT_FOUND, LICENCE_EXPIRED, LIBRARY_UNAVAILABLE.
    fallback_reason: Mapped[str | None] = mapped_column(String(32))
    licence_number_masked: Mapped[str | None] = mapped_column(String(64))
    licence_issuer: Mapped[str | None] = mapped_column(String(128))
    licence_valid_until: Mapped[str | None] = mapped_column(String(10))  # ISO date; "" = 长期
    upload_id: Mapped[str | None] = mapped_column(String(36))


class FlowUpload(Base):
    """A cleaned image of a paper material (re-encoded, no metadata). Never a face."""

    __tablename__ = "flow_uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flow_id: Mapped[str] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"), index=True)
    material_key: Mapped[str] = mapped_column(String(40))
    media_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LicenceFetch(Base):
    """Every read of a citizen's electronic licence: who asked, which licence, for which flow
    — shown to the citizen (用证记录)."""

    __tablename__ = "licence_fetches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)  # the holder
    actor_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    grant_id: Mapped[str | None] = mapped_column(String(36))
    flow_id: Mapped[str] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"), index=True)
    target_title: Mapped[str] = mapped_column(String(200))
    licence_type: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))  # found, expired, not_found, error
    licence_number_masked: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

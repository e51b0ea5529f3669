"""Accounts, third-party identities, family proxies and the audit trail.

Personal data is minimised: the name, phone and ID number are stored encrypted (Fernet, a key
derived from HAOBAN_SECRET_KEY) with a keyed hash beside the ID number for look-ups, and are
only ever shown masked unless the owner unmasks them (audited).
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from bff.db import Base


class RealNameLevel(IntEnum):
    """How sure we are who the citizen is (cf. Guangdong levels 2-4, domain README §5)."""

    ACCOUNT = 1  # an account (e.g. a mini-program openid): nobody checked the person
    ID_VERIFIED = 2  # name + ID number verified by an identity provider
    FACE_VERIFIED = 3  # and a live face matched recently (decays back to ID_VERIFIED)


class ProxyScope(StrEnum):
    VIEW_CASES = "view_cases"
    BOOK_APPOINTMENTS = "book_appointments"
    START_FLOWS = "start_flows"


class ProxyStatus(StrEnum):
    PENDING = "pending"  # the citizen invited; the relative has not accepted yet
    ACTIVE = "active"
    DECLINED = "declined"
    REVOKED = "revoked"
    # expiry is computed from expires_at, never written by a job


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    real_name_level: Mapped[int] = mapped_column(Integer, default=RealNameLevel.ACCOUNT)
    face_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    name_enc: Mapped[str | None] = mapped_column(Text)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    presentation: Mapped[str | None] = mapped_column(String(16))  # saved standard|elder
    locale: Mapped[str | None] = mapped_column(String(16))


class Identity(Base):
    """A third-party identity (OIDC provider subject, mini-program openid) of an account."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    level: Mapped[int] = mapped_column(Integer, default=RealNameLevel.ACCOUNT)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProxyGrant(Base):
    """亲友代办: `grantor` lets `grantee` act for them within `scopes` until `expires_at`."""

    __tablename__ = "proxy_grants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    grantor_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    grantee_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    invite_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    relation: Mapped[str] = mapped_column(String(32))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=ProxyStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[str | None] = mapped_column(String(36))


class AuditRecord(Base):
    """Acts done for someone else, and unmasked views of personal data: who, for whom, what."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[str] = mapped_column(String(36), index=True)
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(64))
    grant_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SigningKey(Base):
    """Our token signing keys. The private half is encrypted; the public half is in the JWKS."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    private_enc: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Tokens are signed with the newest key not retired; retired keys stay published until
    # every token they signed has expired.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

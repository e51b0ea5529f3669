"""One validated settings object, built once at start-up and passed down."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_SECRET_KEY = "haoban-development-key-do-not-use-in-production"
REPO_ROOT = Path(__file__).resolve().parent.parent


class Environment(StrEnum):
    DEV = "dev"
    PROD = "prod"


class CatalogueSource(StrEnum):
    LOCAL = "local"
    HTTP = "http"


def _default_database_url() -> str:
    return f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / 'haoban.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAOBAN_", extra="ignore")

    env: Environment = Environment.DEV
    database_url: str = Field(default_factory=_default_database_url)
    redis_url: str | None = None
    secret_key: str = DEV_SECRET_KEY
    oidc_providers: dict[str, Any] = Field(default_factory=dict)
    app_redirect_uris: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # GraphQL limits: abusive documents are refused before execution.
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    max_query_bytes: int = 20_000
    max_page_size: int = 100

    # Public catalogue responses cached in Redis (0 disables); keys carry the catalogue version.
    catalogue_cache_ttl_seconds: int = 600
    catalogue_source: CatalogueSource = CatalogueSource.LOCAL
    catalogue_upstream_url: str | None = None
    catalogue_upstream_token: str | None = None

    # Identity (auth/). Access tokens live at most 15 minutes; refresh tokens rotate.
    issuer: str = "haoban"
    public_url: str | None = None  # e.g. https://api.city.gov.cn, for callback URLs behind proxies
    access_token_ttl_seconds: int = Field(default=600, ge=60, le=900)
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    session_ttl_seconds: int = 30 * 24 * 3600
    login_state_ttl_seconds: int = 600
    app_code_ttl_seconds: int = 60
    face_verification_ttl_seconds: int = 600  # "recently face-verified"
    # Mini-program credentials: {"wechat": {...}, "alipay": {...}}; unset → local reference.
    miniprograms: dict[str, Any] = Field(default_factory=dict)
    auth_rate_limit_per_ip: str = "20/minute"
    auth_rate_limit_per_account: str = "10/minute"
    graphql_rate_limit: str = "600/minute"

    # Cases (办件). Webhook secrets: the first signs, any verifies (rotation).
    case_webhook_secrets: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["haoban-dev-case-webhook-secret"]
    )
    case_source_url: str | None = None  # a polling upstream, for case systems that cannot push
    case_source_token: str | None = None
    run_jobs_in_process: bool = True  # only without Redis: the server runs the worker itself
    reference_cases: bool = True  # the local reference case system advances demo cases
    reference_cases_every_seconds: int = Field(default=20, ge=1, le=3600)
    case_lookup_rate_limit: str = "10/minute"
    notify_gateway_url: str | None = None  # unset: the in-app inbox only
    notify_gateway_token: str | None = None
    queue_system_url: str | None = None  # the halls' queuing system; unset: local reference
    queue_system_token: str | None = None
    rating_window_days: int = Field(default=30, ge=1, le=365)
    rectification_working_days: int = Field(default=5, ge=1, le=15)

    # Zero-material flows (零材料/刷脸办). Face provider: "reference" (the local reference
    # provider speaking Tencent FaceID's protocol, the default) or "tencent" with
    # HAOBAN_FACE_TENCENT = {"secret_id", "secret_key", "rule_id", "callback_key"[, "endpoint"]}.
    face_provider: str = Field(default="reference", pattern="^(reference|tencent)$")
    face_tencent: dict[str, Any] = Field(default_factory=dict)
    face_reference_latency_seconds: float = Field(default=0.0, ge=0.0, le=10.0)
    face_checks_per_day: int = Field(default=5, ge=1, le=100)  # each check costs the city money
    face_pass_valid_minutes: int = Field(default=30, ge=1, le=240)
    flow_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)
    # Items decided at once when every check passes (the city's list; 公积金提取 in the demo).
    instant_items: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["41B001901153"])
    licence_library_url: str | None = None  # unset: the local reference licence library
    licence_app_id: str | None = None
    licence_app_secret: str | None = None
    upload_max_bytes: int = Field(default=8 * 1024 * 1024, ge=100_000, le=50 * 1024 * 1024)
    upload_max_pixels: int = Field(default=40_000_000, ge=1_000_000, le=200_000_000)

    log_level: str = "INFO"
    hotline: str = "12345"

    @field_validator("app_redirect_uris", "case_webhook_secrets", "instant_items", mode="before")
    @classmethod
    def _split_uris(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("oidc_providers", "miniprograms", "face_tencent", mode="before")
    @classmethod
    def _parse_providers(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @model_validator(mode="after")
    def _production_guards(self) -> Settings:
        if self.env is Environment.PROD:
            if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
                raise ValueError(
                    "HAOBAN_ENV=prod refuses the development secret key: "
                    "set HAOBAN_SECRET_KEY to a random value of at least 32 characters"
                )
            if not self.redis_url:
                raise ValueError(
                    "HAOBAN_ENV=prod needs HAOBAN_REDIS_URL (shared state lives in Redis)"
                )
            if self.face_provider == "reference":
                # The reference provider lets anyone pass: a simulator must never guard a
                # real city's licences.
                raise ValueError(
                    "HAOBAN_ENV=prod needs a real face-verification provider: set "
                    "HAOBAN_FACE_PROVIDER=tencent and HAOBAN_FACE_TENCENT"
                )
        return self

    @property
    def is_dev(self) -> bool:
        return self.env is Environment.DEV

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

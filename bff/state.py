"""Process-wide resources built once in the lifespan, and shared-state keys in Redis."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from auth.state import AuthState
from bff.catalogue.repository import CatalogueRepository
from bff.catalogue.service import SearchRegistry
from bff.settings import Settings
from integrations.notify.port import Notifier

CATALOGUE_VERSION_KEY = "haoban:catalogue:version"
# The version is re-read from the database when the key expires, so a change made without
# publishing (or, with the in-process store, by another process such as the CLI) is picked up.
SHARED_VERSION_TTL_SECONDS = 60
LOCAL_VERSION_TTL_SECONDS = 3


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    search: SearchRegistry
    auth: AuthState
    jobs: ArqRedis
    notifier: Notifier
    queue: Any  # integrations.queue.port.QueueSystem: the halls' queuing (取号) system
    face: Any = None  # integrations.face.port.FaceVerifier
    licences: Any = None  # integrations.licences.port.LicenceLibrary
    extras: dict[str, Any] = field(default_factory=dict)  # per-process helpers (reference systems)


async def catalogue_version(state: AppState) -> int:
    """The catalogue's version, shared through Redis so every instance agrees at once."""
    raw = await state.redis.get(CATALOGUE_VERSION_KEY)
    if raw is not None:
        return int(raw)
    async with state.sessionmaker() as session:
        version = await CatalogueRepository(session).version()
    ttl = SHARED_VERSION_TTL_SECONDS if state.settings.redis_url else LOCAL_VERSION_TTL_SECONDS
    await state.redis.set(CATALOGUE_VERSION_KEY, version, nx=True, ex=ttl)
    return version


async def publish_catalogue_version(redis: Redis, version: int) -> None:
    await redis.set(CATALOGUE_VERSION_KEY, version, ex=SHARED_VERSION_TTL_SECONDS)


def build_notifier(settings: Settings) -> Notifier:
    match settings.notify_gateway_url:
        case None:
            from integrations.notify.local import InboxNotifier

            return InboxNotifier()
        case url:
            from integrations.notify.http import GatewayNotifier

            return GatewayNotifier(url, token=settings.notify_gateway_token or "")


def build_queue(settings: Settings, redis: Redis) -> Any:
    match settings.queue_system_url:
        case None:
            from integrations.queue.local import LocalQueueSystem

            return LocalQueueSystem(redis)
        case url:
            from integrations.queue.http import HttpQueueSystem

            return HttpQueueSystem(url, token=settings.queue_system_token or "")


def public_base_url(settings: Settings) -> str:
    return (settings.public_url or "http://127.0.0.1:8000").rstrip("/")


FACE_REFERENCE_PATH = "/reference/face"


def build_face(settings: Settings, redis: Redis) -> tuple[Any, Any]:
    """The face verifier and, for the local reference, its browser-facing app (mounted at
    FACE_REFERENCE_PATH by the server)."""
    base = public_base_url(settings)
    callback = f"{base}/integrations/face/tencent/callback"
    if settings.face_provider == "tencent":
        from integrations.face.factory import build_tencent_face_verifier

        conf = settings.face_tencent
        return build_tencent_face_verifier(
            secret_id=conf["secret_id"],
            secret_key=conf["secret_key"],
            rule_id=str(conf["rule_id"]),
            callback_key=conf["callback_key"],
            callback_url=callback,
            # Tencent's H5 return carries only the token; it is a trigger, never a result.
            require_callback_signature=bool(conf.get("require_callback_signature", False)),
            **({"endpoint": conf["endpoint"]} if conf.get("endpoint") else {}),
        ), None
    from integrations.face.factory import build_local_face_verifier

    return build_local_face_verifier(
        redis,
        secret=settings.secret_key,
        public_base_url=f"{base}{FACE_REFERENCE_PATH}",
        callback_url=callback,
        latency=settings.face_reference_latency_seconds,
    )


def build_licences(settings: Settings) -> Any:
    if settings.licence_library_url:
        from integrations.licences.factory import build_http_licence_library

        return build_http_licence_library(
            settings.licence_library_url,
            settings.licence_app_id or "",
            settings.licence_app_secret or "",
        )
    from integrations.licences.factory import build_local_licence_library

    return build_local_licence_library()


async def build_state(settings: Settings) -> AppState:
    """Everything a process needs, built once (the server's lifespan and the worker)."""
    from auth.state import build_auth
    from bff.db import create_engine, create_sessionmaker
    from bff.jobs import job_pool
    from bff.redis import create_redis

    engine = create_engine(settings.database_url)
    redis = create_redis(settings)
    sessionmaker = create_sessionmaker(engine)
    face, face_reference = build_face(settings, redis)
    state = AppState(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        redis=redis,
        search=SearchRegistry(),
        auth=build_auth(settings, sessionmaker=sessionmaker, redis=redis),
        jobs=job_pool(redis),
        notifier=build_notifier(settings),
        queue=build_queue(settings, redis),
        face=face,
        licences=build_licences(settings),
    )
    if face_reference is not None:
        state.extras["face_reference"] = face_reference
    return state


async def close_state(state: AppState) -> None:
    await state.auth.aclose()
    await state.notifier.aclose()
    await state.queue.aclose()
    if state.face is not None:
        await state.face.aclose()
    if state.licences is not None:
        await state.licences.aclose()
    await state.redis.aclose()
    await state.engine.dispose()

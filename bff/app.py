"""The FastAPI application factory: one composition root for the whole BFF."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection

from accessibility.i18n import negotiate
from accessibility.presentation import MODE_HEADER, resolve_presentation
from auth.routes import router as auth_router
from auth.tokens import AuthError, AuthErrorCode
from auth.viewer import Viewer
from bff.appointments.rest import router as appointments_router
from bff.cases.routes import router as case_events_router
from bff.db import RequestDatabase
from bff.logging import configure_logging, request_id_var
from bff.metrics import HTTP_LATENCY, HTTP_REQUESTS, REGISTRY
from bff.schema.context import Context
from bff.schema.graphiql import GRAPHIQL_ASSETS_PATH, graphiql_html, mount_graphiql_assets
from bff.schema.root import build_schema
from bff.schema.router import HaobanGraphQLRouter
from bff.settings import Settings
from bff.state import AppState, build_state, close_state

log = logging.getLogger("haoban.http")
REQUEST_ID_HEADER = "X-Request-ID"


def _state(request: HTTPConnection) -> AppState:
    state: AppState = request.app.state.haoban
    return state


async def graphql_context(request: HTTPConnection) -> AsyncIterator[Context]:
    """One session per request, closed after the response; services never commit."""
    state = _state(request)
    db = RequestDatabase(state.sessionmaker)
    viewer, auth_error = await resolve_viewer(state, request.headers.get("authorization"))
    context = Context(
        state=state,
        db=db,
        presentation=resolve_presentation(
            saved_preference=viewer.saved_presentation if viewer else None,
            header=request.headers.get(MODE_HEADER),
        ),
        locale=negotiate(request.headers.get("accept-language")),
        viewer=viewer,
        auth_error=auth_error,
        client_ip=request.client.host if request.client else "unknown",
    )
    try:
        yield context
        await db.commit()
    finally:
        await db.close()


async def resolve_viewer(
    state: AppState, authorization: str | None
) -> tuple[Viewer | None, AuthError | None]:
    """A bearer token makes a viewer; a bad one is remembered, so public fields still answer
    and fields that need sign-in say why (expired, revoked, invalid)."""
    if not authorization:
        return None, None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, AuthError(AuthErrorCode.TOKEN_INVALID)
    try:
        verified = await state.auth.tokens.verify(token.strip())
    except AuthError as exc:
        return None, exc
    session = verified.session
    return (
        Viewer(
            user_id=verified.user_id,
            session_id=session.id,
            acting_grant_id=session.acting_grant_id,
            saved_presentation=session.presentation,
        ),
        None,
    )


async def _face_reference(scope: Any, receive: Any, send: Any) -> None:
    """The local reference face provider's pages (the simulated face check a browser opens).
    Built in the lifespan with the shared state, so looked up per request."""
    reference = scope["app"].state.haoban.extras.get("face_reference")
    if reference is None:
        response = PlainTextResponse("not found", status_code=404)
        await response(scope, receive, send)
        return
    await reference(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await build_state(settings)
        app.state.haoban = state
        worker = None
        if not settings.redis_url and settings.run_jobs_in_process:
            # Embedded defaults: no shared queue, so this process runs the jobs itself.
            from bff.worker import start_in_process_worker

            worker = await start_in_process_worker(state)
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            await close_state(state)

    app = FastAPI(
        title="haoban (好办)",
        summary="GraphQL backend-for-frontend for a city's government-services app.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if settings.is_dev else None,
        redoc_url=None,
    )

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = (
            incoming if 8 <= len(incoming) <= 64 and incoming.isascii() else uuid.uuid4().hex
        )
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:
            log.exception("unhandled error")
            response = JSONResponse({"error": "internal"}, status_code=500)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        elapsed = time.perf_counter() - started
        HTTP_REQUESTS.labels(template, request.method, f"{response.status_code // 100}xx").inc()
        HTTP_LATENCY.labels(template, request.method).observe(elapsed)
        response.headers[REQUEST_ID_HEADER] = request_id
        log.info(
            "request",
            extra={
                "route": template,
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        request_id_var.reset(token)
        return response

    @app.get("/healthz", tags=["operations"], summary="The process is alive.")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="The database and Redis answer.",
        responses={503: {"description": "A dependency is not answering."}},
    )
    async def readyz(state: AppState = Depends(_state)) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            async with state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # any driver error means not ready
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            await state.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics.",
        response_class=PlainTextResponse,
    )
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    schema = build_schema(settings)
    graphql = HaobanGraphQLRouter(
        schema,
        path="/graphql",
        context_getter=graphql_context,
        graphql_ide="graphiql" if settings.is_dev else None,
        graphiql_html=graphiql_html(GRAPHIQL_ASSETS_PATH) if settings.is_dev else None,
        subscription_protocols=("graphql-transport-ws",),
        max_subscriptions_per_connection=10,
        allow_queries_via_get=True,
        multipart_uploads_enabled=True,  # images for flows; see parse_http_body for CSRF
        tags=["graphql"],
    )
    app.include_router(graphql)
    if settings.is_dev:
        mount_graphiql_assets(app)

    from bff.catalogue.rest import router as catalogue_rest

    app.include_router(catalogue_rest)
    app.include_router(auth_router)
    app.include_router(case_events_router)
    app.include_router(appointments_router)
    from bff.flows.runtime import router as flows_router
    from bff.state import FACE_REFERENCE_PATH

    app.include_router(flows_router)
    if settings.face_provider == "reference":
        app.mount(FACE_REFERENCE_PATH, _face_reference)
    # Authlib binds a login to the browser that started it with a signed cookie that holds
    # only an expiry marker; the state, PKCE verifier and nonce live in Redis.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="haoban_login",
        max_age=settings.login_state_ttl_seconds,
        same_site="lax",
        https_only=not settings.is_dev,
    )
    return app

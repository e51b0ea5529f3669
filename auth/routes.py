"""Sign-in over HTTP: OIDC in a browser, the app flow (RFC 8252), mini-programs, tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from authlib.integrations.base_client import OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc.errors import JoseError

from auth.accounts import AccountService, VerifiedClaims
from auth.models import RealNameLevel
from auth.state import AuthState
from auth.tokens import AuthError, TokenPair
from bff.state import AppState

log = logging.getLogger("haoban.auth")
router = APIRouter(tags=["auth"])

APP_PREFIX = "haoban:auth:app:"
APP_CODE_PREFIX = "haoban:auth:appcode:"
CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")
VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.haoban
    return state


def _auth(request: Request) -> AuthState:
    auth: AuthState = request.app.state.haoban.auth
    return auth


def oauth_error(status: int, error: str, description: str, **extra: Any) -> JSONResponse:
    """RFC 6749 §5.2 error body, plus our stable `code`."""
    body = {"error": error, "error_description": description, **extra}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _too_many(retry_after: int) -> JSONResponse:
    return JSONResponse(
        {
            "error": "slow_down",
            "code": "RATE_LIMITED",
            "error_description": "Too many attempts; try again later.",
        },
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )


async def _limited(request: Request, scope: str) -> JSONResponse | None:
    """The per-IP limit on a sign-in endpoint, checked before any work."""
    state = _state(request)
    verdict = await state.auth.limiter.hit(
        state.settings.auth_rate_limit_per_ip, f"{scope}:ip", _client_ip(request)
    )
    return None if verdict.allowed else _too_many(verdict.retry_after)


async def _account_limited(state: AppState, scope: str, account: str) -> JSONResponse | None:
    """The per-account limit, checked once we know whose account it is, before tokens."""
    verdict = await state.auth.limiter.hit(
        state.settings.auth_rate_limit_per_account, f"{scope}:acct", account
    )
    return None if verdict.allowed else _too_many(verdict.retry_after)


def _token_response(pair: TokenPair) -> JSONResponse:
    return JSONResponse(
        pair.as_response(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )


def _callback_url(request: Request, provider: str) -> str:
    public = _state(request).settings.public_url
    if public:
        return f"{public.rstrip('/')}/auth/callback/{provider}"
    return str(request.url_for("auth_callback", provider=provider))


@router.get(
    "/auth/login/{provider}",
    summary="Start sign-in with a provider (browser, or the app with PKCE and a registered redirect).",
    responses={302: {"description": "To the provider."}, 400: {"description": "Bad request."}},
)
async def auth_login(request: Request, provider: str) -> Response:
    state = _state(request)
    client = state.auth.oidc.client(provider)
    if client is None:
        return oauth_error(404, "invalid_request", "Unknown identity provider.")
    if limited := await _limited(request, "login"):
        return limited
    params = request.query_params
    app_binding: dict[str, str] | None = None
    if "redirect_uri" in params:
        redirect_uri = params["redirect_uri"]
        if redirect_uri not in state.settings.app_redirect_uris:
            # Never redirect to an unregistered URI (open redirect / code theft).
            return oauth_error(400, "invalid_request", "redirect_uri is not registered.")
        challenge = params.get("code_challenge", "")
        if params.get("code_challenge_method") != "S256" or not CHALLENGE.match(challenge):
            return oauth_error(400, "invalid_request", "PKCE with S256 is required.")
        app_binding = {
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
            "app_state": params.get("state", "")[:256],
        }
    response: Response = await client.authorize_redirect(request, _callback_url(request, provider))
    if app_binding is not None:
        location = response.headers["location"]
        login_state = parse_qs(urlparse(location).query)["state"][0]
        await state.redis.set(
            APP_PREFIX + login_state,
            json.dumps(app_binding),
            ex=state.settings.login_state_ttl_seconds,
        )
    return response


@router.get(
    "/auth/callback/{provider}",
    name="auth_callback",
    summary="The provider's redirect back: checks state, issuer and id_token, then signs in.",
)
async def auth_callback(request: Request, provider: str) -> Response:
    state = _state(request)
    client = state.auth.oidc.client(provider)
    if client is None:
        return oauth_error(404, "invalid_request", "Unknown identity provider.")
    if limited := await _limited(request, "callback"):
        return limited
    metadata = await client.load_server_metadata()
    issuer = request.query_params.get("iss")
    if issuer is not None and issuer != metadata.get("issuer"):
        # RFC 9207: the response came from another provider than the one we asked (mix-up).
        return oauth_error(400, "invalid_request", "Issuer mismatch.", code="ISSUER_MISMATCH")
    if issuer is None and metadata.get("authorization_response_iss_parameter_supported"):
        return oauth_error(400, "invalid_request", "Issuer missing.", code="ISSUER_MISMATCH")
    login_state = request.query_params.get("state", "")
    try:
        # Authlib checks `aud` only through `azp`: an id_token for another client that names
        # us as azp would pass. OIDC Core 3.1.3.7: aud must contain our client_id.
        options: dict[str, Any] = {"aud": {"essential": True, "values": [client.client_id]}}
        if metadata.get("issuer"):
            options["iss"] = {"essential": True, "values": [metadata["issuer"]]}
        token = await client.authorize_access_token(request, claims_options=options)
    except OAuthError as exc:
        log.info("sign-in refused: %s", exc.error)
        return oauth_error(
            400, "access_denied", "Sign-in failed; please start again.", code=exc.error.upper()
        )
    except (JoseError, ValueError) as exc:
        log.info("id_token refused: %s", type(exc).__name__)
        return oauth_error(
            400, "access_denied", "Sign-in failed; please start again.", code="ID_TOKEN_INVALID"
        )
    claims: dict[str, Any] = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        return oauth_error(
            400, "access_denied", "Sign-in failed; please start again.", code="ID_TOKEN_INVALID"
        )
    try:
        extra = await client.userinfo(token=token)
        if extra.get("sub") == claims["sub"]:
            claims.update({k: v for k, v in extra.items() if k not in claims})
    except Exception as exc:  # userinfo is optional: the id_token already proved who it is
        log.info("userinfo unavailable: %s", type(exc).__name__)
    level, verified = state.auth.oidc.level_and_claims(provider, claims)
    user_id = await _sign_in_account(state, provider, str(claims["sub"]), level, verified)
    if limited := await _account_limited(state, "signin", user_id):
        return limited

    raw_binding = await state.redis.getdel(APP_PREFIX + login_state)
    if raw_binding is not None:
        binding = json.loads(raw_binding)
        code = secrets.token_urlsafe(32)
        await state.redis.set(
            APP_CODE_PREFIX + hashlib.sha256(code.encode()).hexdigest(),
            json.dumps(
                {
                    "user_id": user_id,
                    "code_challenge": binding["code_challenge"],
                    "redirect_uri": binding["redirect_uri"],
                    "provider": provider,
                }
            ),
            ex=state.settings.app_code_ttl_seconds,
        )
        query = {"code": code}
        if binding.get("app_state"):
            query["state"] = binding["app_state"]
        sep = "&" if "?" in binding["redirect_uri"] else "?"
        return RedirectResponse(binding["redirect_uri"] + sep + urlencode(query), status_code=302)

    pair = await state.auth.tokens.sign_in(user_id=user_id, client="browser", provider=provider)
    if state.settings.is_dev and "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(_signed_in_page(pair), headers={"Cache-Control": "no-store"})
    return _token_response(pair)


async def _sign_in_account(
    state: AppState, provider: str, subject: str, level: RealNameLevel, claims: VerifiedClaims
) -> str:
    async with state.sessionmaker() as session:
        accounts = AccountService(session, secret=state.settings.secret_key)
        user = await accounts.sign_in_with(
            provider=provider, subject=subject, level=level, claims=claims
        )
        await session.commit()
        return user.id


def _signed_in_page(pair: TokenPair) -> str:
    # Development convenience: the token to paste into GraphiQL's headers.
    header = json.dumps({"Authorization": f"Bearer {pair.access_token}"})
    return (
        "<!doctype html><meta charset=utf-8><title>已登录</title>"
        "<h1>登录成功 Signed in</h1><p>GraphiQL headers:</p>"
        f"<pre id=headers>{header}</pre>"
    )


async def _form_or_json(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            return {}
        return {k: str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@router.post(
    "/auth/token",
    summary="The app redeems its one-time code with its PKCE verifier for our tokens.",
)
async def auth_token(request: Request) -> Response:
    state = _state(request)
    if limited := await _limited(request, "token"):
        return limited
    body = await _form_or_json(request)
    if body.get("grant_type") != "authorization_code":
        return oauth_error(
            400, "unsupported_grant_type", "Only authorization_code is supported here."
        )
    code, verifier = body.get("code", ""), body.get("code_verifier", "")
    if not code or len(code) > 128 or not VERIFIER.match(verifier):
        return oauth_error(400, "invalid_request", "code and code_verifier are required.")
    # GETDEL: a code is good once, whether or not the verifier matches.
    raw = await state.redis.getdel(APP_CODE_PREFIX + hashlib.sha256(code.encode()).hexdigest())
    if raw is None:
        return oauth_error(400, "invalid_grant", "The code is invalid, expired or used.")
    grant = json.loads(raw)
    if limited := await _account_limited(state, "signin", grant["user_id"]):
        return limited
    if not hmac.compare_digest(_s256(verifier), grant["code_challenge"]):
        return oauth_error(400, "invalid_grant", "The code verifier does not match.")
    if body.get("redirect_uri") and body["redirect_uri"] != grant["redirect_uri"]:
        return oauth_error(400, "invalid_grant", "redirect_uri does not match.")
    pair = await state.auth.tokens.sign_in(
        user_id=grant["user_id"], client="app", provider=grant["provider"]
    )
    return _token_response(pair)


@router.post(
    "/auth/miniprogram/{platform}",
    summary="WeChat or Alipay mini-program sign-in with the code from wx.login / my.getAuthCode.",
)
async def auth_miniprogram(request: Request, platform: str) -> Response:
    state = _state(request)
    login = state.auth.miniprograms.get(platform)
    if login is None:
        return oauth_error(404, "invalid_request", "Unknown mini-program platform.")
    if limited := await _limited(request, f"mp-{platform}"):
        return limited
    body = await _form_or_json(request)
    code = body.get("code", "")
    from integrations.miniprogram.models import MiniProgramError

    try:
        identity = await login.exchange(code)
    except MiniProgramError as exc:
        status = 503 if exc.retryable else 400
        return oauth_error(
            status, "invalid_grant", "Mini-program sign-in failed.", code=exc.code.value
        )
    # A mini-program identity says which WeChat/Alipay user this is, not who the person is.
    user_id = await _sign_in_account(
        state,
        f"{identity.platform}-mp:{identity.app_id}",
        identity.open_id,
        RealNameLevel.ACCOUNT,
        VerifiedClaims(),
    )
    if limited := await _account_limited(state, "signin", user_id):
        return limited
    pair = await state.auth.tokens.sign_in(
        user_id=user_id, client=f"{platform}-miniprogram", provider=platform
    )
    return _token_response(pair)


@router.post("/auth/refresh", summary="A new token pair for a refresh token (which rotates).")
async def auth_refresh(request: Request) -> Response:
    state = _state(request)
    if limited := await _limited(request, "refresh"):
        return limited
    body = await _form_or_json(request)
    session_id = await state.auth.sessions.peek_refresh(body.get("refresh_token", ""))
    if session_id and (limited := await _account_limited(state, "refresh", session_id)):
        return limited
    try:
        pair = await state.auth.tokens.refresh(body.get("refresh_token", ""))
    except AuthError as exc:
        return oauth_error(401, "invalid_grant", "Please sign in again.", code=exc.code.value)
    return _token_response(pair)


@router.post("/auth/logout", summary="Signs this session out (bearer access or refresh token).")
async def auth_logout(request: Request) -> Response:
    auth = _auth(request)
    header = request.headers.get("authorization", "")
    session_id: str | None = None
    if header.lower().startswith("bearer "):
        try:
            verified = await auth.tokens.verify(header[7:].strip())
            session_id = verified.session.id
        except AuthError:
            session_id = None
    if session_id is None:
        body = await _form_or_json(request)
        rotation_owner = await auth.sessions.peek_refresh(body.get("refresh_token", ""))
        session_id = rotation_owner
    if session_id is None:
        return oauth_error(401, "invalid_token", "Not signed in.", code="UNAUTHENTICATED")
    await auth.sessions.revoke(session_id)
    return JSONResponse({"status": "signed_out"})


@router.get("/.well-known/jwks.json", summary="Our public signing keys (JWKS).")
async def jwks(request: Request) -> Response:
    keys = await _auth(request).keyring.jwks()
    return JSONResponse(keys, headers={"Cache-Control": "public, max-age=300"})


@router.get("/auth/dev/miniprogram/{platform}/code", include_in_schema=False)
async def dev_miniprogram_code(
    request: Request, platform: str, open_id: str = "dev-openid"
) -> Response:
    """Development only, with the local reference services: what wx.login / my.getAuthCode
    would give a mini-program, so sign-in can be tried from curl or GraphiQL."""
    state = _state(request)
    if not state.settings.is_dev or state.settings.miniprograms:
        return JSONResponse({"error": "not_found"}, status_code=404)
    from integrations.miniprogram import simulate_login_code

    if platform not in ("wechat", "alipay") or not 1 <= len(open_id) <= 32:
        return oauth_error(400, "invalid_request", "Unknown platform or bad open_id.")
    code = simulate_login_code(platform, open_id, secret=state.settings.secret_key)  # type: ignore[arg-type]
    return JSONResponse({"code": code})

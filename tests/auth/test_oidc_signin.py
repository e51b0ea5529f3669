"""Sign-in end to end: a real OpenID provider (npm oidc-provider on loopback) and a fake one in
Python whose id_tokens are broken on purpose, driven through our /auth endpoints with httpx.

The app runs in-process (ASGI); authlib inside it talks to the providers over real HTTP. Tests
that need the real provider are marked `node` and skipped when Node or
tests/node/node_modules/oidc-provider is missing (`cd tests/node && npm ci`).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bff.app import create_app
from bff.settings import Settings
from tests.auth.oidc_support import (
    APP_BASE,
    ID_TOKEN_FLAWS,
    ME,
    TOKEN_KEYS,
    Browser,
    FakeProvider,
    NodeProvider,
    assert_refused,
    error_code,
    graphql,
    node_missing_reason,
    query_of,
    s256,
    stop,
    unverified_claims,
    with_query,
)

NODE_MISSING = node_missing_reason()
needs_node = pytest.mark.skipif(NODE_MISSING is not None, reason=NODE_MISSING or "")
APP_REDIRECT = "cn.gov.zhengzhou.haoban:/oauth2redirect"


@pytest.fixture(scope="session")
def node_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProvider | None]:
    """The real provider, once per session; None when Node or the package is missing."""
    if NODE_MISSING:
        yield None
        return
    log = tmp_path_factory.mktemp("oidc-provider") / "provider.log"
    provider = NodeProvider.start(log, redirect_uris=[f"{APP_BASE}/auth/callback/localidp"])
    try:
        yield provider
    finally:
        stop(provider.process)


@pytest.fixture(scope="session")
def fake_idp() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def local_idp(node_idp: NodeProvider | None) -> NodeProvider:
    if node_idp is None:
        pytest.skip(NODE_MISSING or "no OpenID provider")
    return node_idp


@pytest.fixture(scope="session")
def oidc_settings(
    settings: Settings, node_idp: NodeProvider | None, fake_idp: FakeProvider
) -> Settings:
    providers: dict[str, Any] = {
        "fakeidp": {
            "server_metadata_url": fake_idp.metadata_url,
            "client_id": fake_idp.client_id,
            "client_secret": fake_idp.client_secret,
            "scope": "openid",
            "real_name_level": "account",
        }
    }
    if node_idp is not None:
        providers["localidp"] = {
            "server_metadata_url": node_idp.metadata_url,
            "client_id": node_idp.client_id,
            "client_secret": node_idp.client_secret,
            "scope": "openid profile phone id_card",
            "real_name_level": "id_verified",
            "verified_claim": "id_verified",
            "claims": {"name": "name", "phone": "phone_number", "id_number": "id_number"},
        }
    return settings.model_copy(
        update={
            "oidc_providers": providers,
            "app_redirect_uris": [APP_REDIRECT],
            # Every sign-in here comes from one address; the limits have tests of their own.
            "auth_rate_limit_per_ip": "1000/minute",
            "auth_rate_limit_per_account": "1000/minute",
        }
    )


@pytest.fixture(scope="session")
async def oidc_app(oidc_settings: Settings) -> AsyncIterator[Any]:
    """An app of our own with both providers configured (the shared `app` stays as it is)."""
    app = create_app(oidc_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def browser(oidc_app: Any) -> AsyncIterator[Browser]:
    async with Browser(oidc_app) as fresh:
        yield fresh


@pytest.fixture
async def api(oidc_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client without cookies, as the mobile app or a script calls our API."""
    transport = httpx.ASGITransport(app=oidc_app)
    async with httpx.AsyncClient(transport=transport, base_url=APP_BASE) as client:
        yield client


def _app_login_path(provider: str, verifier: str, state: str = "xyz") -> str:
    query = httpx.QueryParams(
        redirect_uri=APP_REDIRECT,
        code_challenge=s256(verifier),
        code_challenge_method="S256",
        state=state,
    )
    return f"/auth/login/{provider}?{query}"


async def _app_code(browser: Browser, provider: str, verifier: str, login: str = "alice") -> str:
    """The app flow up to our redirect to the app; the one-time code in it."""
    response = await browser.callback(
        await browser.authorize(login, _app_login_path(provider, verifier))
    )
    assert response.status_code == 302, (response.status_code, response.text)
    location = response.headers["location"]
    assert location.startswith(APP_REDIRECT + "?"), location
    params = query_of(location)
    assert set(params) == {"code", "state"} and params["state"] == "xyz", params
    return params["code"]


async def _redeem(api: httpx.AsyncClient, code: str, verifier: str) -> httpx.Response:
    return await api.post(
        "/auth/token",
        data={"grant_type": "authorization_code", "code": code, "code_verifier": verifier},
    )


def _verifier() -> str:
    return secrets.token_urlsafe(48)


# -- the real provider ---------------------------------------------------------------------------


@pytest.mark.node
@needs_node
async def test_local_provider_requires_pkce_and_sends_the_rfc9207_issuer(
    local_idp: NodeProvider,
) -> None:
    async with httpx.AsyncClient() as client:
        discovery = (await client.get(local_idp.metadata_url)).json()
    assert discovery["authorization_response_iss_parameter_supported"] is True
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["issuer"] == local_idp.issuer


@pytest.mark.node
@needs_node
async def test_browser_sign_in_through_the_real_provider_gives_our_tokens_that_work_for_graphql(
    local_idp: NodeProvider, browser: Browser, oidc_settings: Settings
) -> None:
    callback = await browser.authorize("alice")
    assert query_of(callback)["iss"] == local_idp.issuer
    response = await browser.callback(callback, accept="application/json")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert set(tokens) == TOKEN_KEYS and tokens["token_type"] == "Bearer"
    assert unverified_claims(tokens["access_token"])["iss"] == oidc_settings.issuer
    me = await graphql(browser.app, ME, tokens["access_token"])
    assert "errors" not in me, me
    assert me["data"]["me"]["realNameLevel"] == "ID_VERIFIED"
    assert me["data"]["me"]["name"] == "王**"


@pytest.mark.node
@needs_node
async def test_app_sign_in_hands_the_app_a_one_time_code_and_only_our_own_tokens(
    local_idp: NodeProvider, browser: Browser, api: httpx.AsyncClient, oidc_settings: Settings
) -> None:
    verifier = _verifier()
    code = await _app_code(browser, "localidp", verifier)
    response = await _redeem(api, code, verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert set(tokens) == TOKEN_KEYS, "provider tokens (id_token …) must never reach the app"
    claims = unverified_claims(tokens["access_token"])
    assert claims["iss"] == oidc_settings.issuer and claims["iss"] != local_idp.issuer
    me = await graphql(api, ME, tokens["access_token"])
    assert me["data"]["me"]["realNameLevel"] == "ID_VERIFIED", me


@pytest.mark.node
@needs_node
async def test_refresh_rotates_the_token_and_logout_ends_the_session(
    local_idp: NodeProvider, browser: Browser, api: httpx.AsyncClient
) -> None:
    first = await browser.sign_in("alice")
    response = await api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200, response.text
    second = response.json()
    assert set(second) == TOKEN_KEYS
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    me = await graphql(api, ME, second["access_token"])
    assert me["data"]["me"]["name"] == "王**", me

    out = await api.post(
        "/auth/logout", headers={"Authorization": f"Bearer {second['access_token']}"}
    )
    assert out.status_code == 200 and out.json() == {"status": "signed_out"}
    for token in (first["access_token"], second["access_token"]):
        assert error_code(await graphql(api, ME, token)) == "UNAUTHENTICATED"
    again = await api.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401
    assert again.json()["code"] in {"SESSION_REVOKED", "REFRESH_TOKEN_INVALID"}


@pytest.mark.node
@needs_node
async def test_a_forged_state_is_refused_and_the_genuine_callback_still_works(
    local_idp: NodeProvider, browser: Browser
) -> None:
    callback = await browser.authorize("alice")
    forged = await browser.callback(with_query(callback, state=secrets.token_urlsafe(22)))
    assert_refused(forged, "MISMATCHING_STATE")
    genuine = await browser.callback(callback)
    assert genuine.status_code == 200, genuine.text


@pytest.mark.node
@needs_node
async def test_a_callback_from_another_browser_is_refused(
    local_idp: NodeProvider, browser: Browser, oidc_app: Any
) -> None:
    callback = await browser.authorize("alice")
    async with Browser(oidc_app) as attacker:  # no login cookie of the victim's browser
        assert_refused(await attacker.callback(callback), "MISMATCHING_STATE")


@pytest.mark.node
@needs_node
async def test_a_replayed_callback_is_refused_the_second_time(
    local_idp: NodeProvider, browser: Browser
) -> None:
    callback = await browser.authorize("alice")
    assert (await browser.callback(callback)).status_code == 200
    assert_refused(await browser.callback(callback), "MISMATCHING_STATE")


@pytest.mark.node
@needs_node
async def test_a_used_code_is_refused_by_the_provider_even_under_a_fresh_state(
    local_idp: NodeProvider, browser: Browser
) -> None:
    used = await browser.authorize("alice")
    assert (await browser.callback(used)).status_code == 200
    fresh = await browser.authorize("alice")
    replay = with_query(fresh, code=query_of(used)["code"])
    assert_refused(await browser.callback(replay), "INVALID_GRANT")


@pytest.mark.node
@needs_node
async def test_a_response_naming_another_issuer_is_refused_as_a_mix_up(
    local_idp: NodeProvider, fake_idp: FakeProvider, browser: Browser
) -> None:
    callback = await browser.authorize("alice")
    mixed = await browser.callback(with_query(callback, iss=fake_idp.issuer))
    assert_refused(mixed, "ISSUER_MISMATCH")
    params = query_of(callback)
    del params["iss"]
    stripped = f"{callback.split('?')[0]}?{httpx.QueryParams(params)}"
    assert_refused(await browser.callback(stripped), "ISSUER_MISMATCH")
    # Refused before the state was used: the genuine response still signs in.
    assert (await browser.callback(callback)).status_code == 200


@pytest.mark.node
@needs_node
async def test_a_response_for_one_provider_is_refused_at_another_providers_callback(
    local_idp: NodeProvider, fake_idp: FakeProvider, browser: Browser
) -> None:
    fake_idp.flaw = None
    callback = await browser.authorize("anyone", "/auth/login/fakeidp")
    moved = with_query(callback, iss=local_idp.issuer).replace(
        "/auth/callback/fakeidp", "/auth/callback/localidp"
    )
    assert_refused(await browser.callback(moved), "MISMATCHING_STATE")


@pytest.mark.node
@needs_node
async def test_another_citizens_grant_and_session_look_exactly_like_ones_that_do_not_exist(
    local_idp: NodeProvider, oidc_app: Any
) -> None:
    async with Browser(oidc_app) as browser_a, Browser(oidc_app) as browser_b:
        a = (await browser_a.sign_in("alice"))["access_token"]
        b = (await browser_b.sign_in("bob"))["access_token"]
        client = browser_a.app
        invite = await graphql(
            client,
            "mutation { createProxyInvitation(relation: CHILD, scopes: [VIEW_CASES]) {"
            " __typename ... on ProxyInvitation { grant { id } } ... on MutationError { code } } }",
            a,
        )
        grant_id = invite["data"]["createProxyInvitation"]["grant"]["id"]
        sessions = await graphql(client, "{ me { sessions { id current } } }", a)
        session_id = next(s["id"] for s in sessions["data"]["me"]["sessions"] if s["current"])

        revoke = (
            "mutation($id: ID!) { revokeProxy(grantId: $id) { __typename"
            " ... on MutationError { code message nextStep } } }"
        )
        sign_out = (
            "mutation($id: ID!) { signOutSession(sessionId: $id) { __typename"
            " ... on MutationError { code message nextStep } } }"
        )
        cases = (
            (revoke, grant_id, str(uuid.uuid4())),
            (sign_out, session_id, secrets.token_urlsafe(16)),
        )
        for mutation, owned, random_id in cases:
            theirs = await graphql(client, mutation, b, {"id": owned})
            missing = await graphql(client, mutation, b, {"id": random_id})
            assert theirs == missing, (theirs, missing)
            result = next(iter(theirs["data"].values()))
            assert result["__typename"] == "MutationError" and result["code"] == "NOT_FOUND"

        # Nothing of A's changed.
        me = await graphql(client, "{ me { proxies { id status } } }", a)
        assert {"id": grant_id, "status": "PENDING"} in me["data"]["me"]["proxies"]
        assert "errors" not in me, "A's session must still be signed in"


# -- the fake provider: id_tokens broken on purpose ------------------------------------------------


async def test_the_fake_provider_signs_in_when_its_id_token_is_sound(
    fake_idp: FakeProvider, browser: Browser
) -> None:
    fake_idp.flaw = None
    tokens = await browser.sign_in("anyone", "/auth/login/fakeidp")
    assert set(tokens) == TOKEN_KEYS
    me = await graphql(browser.app, ME, tokens["access_token"])
    assert me["data"]["me"]["realNameLevel"] == "ACCOUNT", me


@pytest.mark.parametrize("flaw", ID_TOKEN_FLAWS)
async def test_a_broken_id_token_is_refused_without_signing_in(
    flaw: str, fake_idp: FakeProvider, browser: Browser
) -> None:
    callback = await browser.authorize("anyone", "/auth/login/fakeidp")
    fake_idp.flaw = flaw
    try:
        response = await browser.callback(callback)
    finally:
        fake_idp.flaw = None
    assert_refused(response, "ID_TOKEN_INVALID")


# -- the app's code and our refresh tokens (through the fake provider: no Node needed) ----------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/steal",
        APP_REDIRECT + ".evil",
        APP_REDIRECT.upper(),
        "cn.gov.zhengzhou.haoban:/oauth2redirect/../evil",
    ],
)
async def test_an_unregistered_app_redirect_uri_is_refused_without_redirecting(
    redirect_uri: str, api: httpx.AsyncClient
) -> None:
    query = httpx.QueryParams(
        redirect_uri=redirect_uri,
        code_challenge=s256(_verifier()),
        code_challenge_method="S256",
        state="xyz",
    )
    response = await api.get(f"/auth/login/fakeidp?{query}")
    assert response.status_code == 400
    assert_refused(response)


async def test_the_app_flow_without_s256_pkce_is_refused_without_redirecting(
    api: httpx.AsyncClient,
) -> None:
    for extra in ({}, {"code_challenge": s256(_verifier()), "code_challenge_method": "plain"}):
        query = httpx.QueryParams({"redirect_uri": APP_REDIRECT, **extra})
        assert_refused(await api.get(f"/auth/login/fakeidp?{query}"))


async def test_an_app_code_is_good_for_one_redemption_only(
    fake_idp: FakeProvider, browser: Browser, api: httpx.AsyncClient
) -> None:
    verifier = _verifier()
    code = await _app_code(browser, "fakeidp", verifier)
    assert (await _redeem(api, code, verifier)).status_code == 200
    second = await _redeem(api, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"


async def test_a_wrong_code_verifier_is_refused_and_burns_the_code(
    fake_idp: FakeProvider, browser: Browser, api: httpx.AsyncClient
) -> None:
    verifier = _verifier()
    code = await _app_code(browser, "fakeidp", verifier)
    wrong = await _redeem(api, code, _verifier())
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    right = await _redeem(api, code, verifier)
    assert right.status_code == 400 and right.json()["error"] == "invalid_grant"
    assert not TOKEN_KEYS & right.json().keys()


async def test_a_reused_refresh_token_revokes_the_whole_session(
    fake_idp: FakeProvider, browser: Browser, api: httpx.AsyncClient
) -> None:
    first = await browser.sign_in("anyone", "/auth/login/fakeidp")
    rotated = await api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()

    reused = await api.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "REFRESH_TOKEN_REUSED"
    assert not TOKEN_KEYS & reused.json().keys()
    # The thief may hold either token: the rotated-to one of the same family dies too.
    successor = await api.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert successor.status_code == 401
    assert successor.json()["code"] in {"SESSION_REVOKED", "REFRESH_TOKEN_INVALID"}
    assert error_code(await graphql(api, ME, second["access_token"])) == "UNAUTHENTICATED"

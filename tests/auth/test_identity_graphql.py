"""Identity over GraphQL: me, masking, levels, proxies (亲友代办), sessions, preferences."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from auth.accounts import AccountService, VerifiedClaims
from auth.demo import DEMO_GRANT_ID
from auth.masking import mask_id_number, mask_name, mask_phone, scrub
from auth.models import RealNameLevel
from bff.app import create_app
from bff.settings import Settings
from tests.conftest import GraphQLClient

MakeUser = Callable[..., Awaitable[tuple[str, dict[str, str]]]]


@pytest.fixture
def make_user(app: Any) -> MakeUser:
    """A fresh citizen at the given level, and headers carrying their access token."""

    async def make(
        level: RealNameLevel = RealNameLevel.ID_VERIFIED,
        *,
        name: str = "王小红",
        id_number: str = "410105199001011234",
        face: bool = False,
    ) -> tuple[str, dict[str, str]]:
        state = app.state.haoban
        async with state.sessionmaker() as session:
            accounts = AccountService(session, secret=state.settings.secret_key)
            user = await accounts.sign_in_with(
                provider="test",
                subject=secrets.token_hex(8),
                level=level,
                claims=VerifiedClaims(name=name, phone="13800001111", id_number=id_number),
            )
            if face:
                await accounts.record_face_verification(user, at=datetime.now(UTC))
            await session.commit()
            user_id = user.id
        pair = await state.auth.tokens.sign_in(user_id=user_id, client="test", provider="test")
        return user_id, {"Authorization": f"Bearer {pair.access_token}"}

    return make


async def _token_for(app: Any, user_id: str) -> dict[str, str]:
    pair = await app.state.haoban.auth.tokens.sign_in(
        user_id=user_id, client="test", provider="test"
    )
    return {"Authorization": f"Bearer {pair.access_token}"}


def test_masks_follow_the_house_rule() -> None:
    assert mask_id_number("410105199001011234") == "4101**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert scrub("id 410105199001011234 tel 13812345678") == "id 4101**********1234 tel 138****5678"


async def test_me_shows_masked_personal_data_and_the_next_step(
    gql: GraphQLClient, make_user: MakeUser
) -> None:
    _, headers = await make_user(RealNameLevel.ID_VERIFIED)
    me = (await gql("{ me { realNameLevel nextStep name phone idNumber } }", headers=headers))[
        "data"
    ]["me"]
    assert me == {
        "realNameLevel": "ID_VERIFIED",
        "nextStep": "VERIFY_FACE",
        "name": "王**",
        "phone": "138****1111",
        "idNumber": "4101**********1234",
    }


async def test_me_without_a_token_says_sign_in(gql: GraphQLClient) -> None:
    body = await gql("{ me { id } }", expect_errors=True)
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED", "nextStep": "SIGN_IN"}


async def test_a_tampered_token_is_refused_but_public_fields_still_answer(
    gql: GraphQLClient, make_user: MakeUser
) -> None:
    _, headers = await make_user()
    token = headers["Authorization"]
    forged = {"Authorization": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")}
    body = await gql(
        "{ departments(level: CITY) { code } me { id } }", headers=forged, expect_errors=True
    )
    assert body["data"] is None or body["data"].get("departments")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_unmasking_needs_a_recent_face_verification_and_is_recorded(
    gql: GraphQLClient, make_user: MakeUser
) -> None:
    _, headers = await make_user(RealNameLevel.ID_VERIFIED)
    body = await gql("{ me { idNumber(unmasked: true) } }", headers=headers, expect_errors=True)
    ext = body["errors"][0]["extensions"]
    assert ext["code"] == "REAL_NAME_LEVEL_TOO_LOW" and ext["nextStep"] == "VERIFY_FACE"

    _, face_headers = await make_user(RealNameLevel.ID_VERIFIED, face=True)
    me = (
        await gql(
            "{ me { realNameLevel idNumber(unmasked: true) activity { action byMe } } }",
            headers=face_headers,
        )
    )["data"]["me"]
    assert me["realNameLevel"] == "FACE_VERIFIED"
    assert me["idNumber"] == "410105199001011234"
    again = (await gql("{ me { activity { action byMe } } }", headers=face_headers))["data"]["me"]
    assert {"action": "personal_data.unmasked", "byMe": True} in again["activity"]


INVITE = """mutation($scopes: [ProxyScope!]!) {
  createProxyInvitation(relation: CHILD, scopes: $scopes, validDays: 30) {
    __typename
    ... on ProxyInvitation { code grant { id status role } }
    ... on MutationError { code message nextStep }
  }
}"""
ACCEPT = """mutation($code: String!) { acceptProxyInvitation(code: $code) {
  __typename ... on ProxyGrant { id status role otherPartyName scopes }
  ... on MutationError { code message nextStep } } }"""
REVOKE = """mutation($id: ID!) { revokeProxy(grantId: $id) {
  __typename ... on ProxyGrant { status } ... on MutationError { code message } } }"""
ACT = """mutation($id: ID) { actFor(grantId: $id) {
  __typename ... on ActingChanged { actingFor { id role } } ... on MutationError { code message } } }"""


async def test_a_relative_is_invited_accepts_acts_and_either_side_ends_it(
    gql: GraphQLClient, make_user: MakeUser
) -> None:
    elder_id, elder = await make_user(name="赵秀英")
    _, son = await make_user(name="钱程")
    _, stranger = await make_user(RealNameLevel.ACCOUNT)

    invitation = (
        await gql(INVITE, {"scopes": ["VIEW_CASES", "BOOK_APPOINTMENTS"]}, headers=elder)
    )["data"]["createProxyInvitation"]
    assert (
        invitation["__typename"] == "ProxyInvitation" and invitation["grant"]["status"] == "PENDING"
    )
    code = invitation["code"]

    refused = (await gql(ACCEPT, {"code": code}, headers=stranger))["data"]["acceptProxyInvitation"]
    assert refused["code"] == "REAL_NAME_LEVEL_TOO_LOW" and refused["nextStep"] == "VERIFY_ID"
    own = (await gql(ACCEPT, {"code": code}, headers=elder))["data"]["acceptProxyInvitation"]
    assert own["__typename"] == "MutationError"

    accepted = (await gql(ACCEPT, {"code": code}, headers=son))["data"]["acceptProxyInvitation"]
    assert accepted["status"] == "ACTIVE" and accepted["role"] == "GRANTEE"
    assert accepted["otherPartyName"] == "赵**"
    reused = (await gql(ACCEPT, {"code": code}, headers=son))["data"]["acceptProxyInvitation"]
    assert reused["__typename"] == "MutationError"

    acting = (await gql(ACT, {"id": accepted["id"]}, headers=son))["data"]["actFor"]
    assert acting["actingFor"]["id"] == accepted["id"]
    me = (await gql("{ me { actingFor { id } } }", headers=son))["data"]["me"]
    assert me["actingFor"]["id"] == accepted["id"]
    elder_view = (
        await gql(
            "{ me { activity { action byMe actorName } proxies { status role } } }", headers=elder
        )
    )["data"]["me"]
    assert {"action": "proxy.acting_started", "byMe": False, "actorName": "钱*"} in elder_view[
        "activity"
    ]
    assert elder_view["proxies"][0] == {"status": "ACTIVE", "role": "GRANTOR"}

    ended = (await gql(REVOKE, {"id": accepted["id"]}, headers=elder))["data"]["revokeProxy"]
    assert ended["status"] == "REVOKED"
    again = (await gql(ACT, {"id": accepted["id"]}, headers=son))["data"]["actFor"]
    assert again["code"] == "PROXY_NOT_ACTIVE"
    assert elder_id


async def test_someone_elses_grant_looks_like_one_that_does_not_exist(
    gql: GraphQLClient, make_user: MakeUser
) -> None:
    _, other = await make_user()
    theirs = (await gql(REVOKE, {"id": DEMO_GRANT_ID}, headers=other))["data"]["revokeProxy"]
    missing = (await gql(REVOKE, {"id": "00000000-0000-4000-8000-000000000000"}, headers=other))[
        "data"
    ]["revokeProxy"]
    assert theirs == missing and theirs["code"] == "NOT_FOUND"
    acting = (await gql(ACT, {"id": DEMO_GRANT_ID}, headers=other))["data"]["actFor"]
    assert acting["code"] == "NOT_FOUND"


async def test_demo_relative_may_act_for_the_demo_citizen(gql: GraphQLClient, app: Any) -> None:
    headers = await _token_for(app, "demo-relative")
    acting = (await gql(ACT, {"id": DEMO_GRANT_ID}, headers=headers))["data"]["actFor"]
    assert acting["actingFor"]["role"] == "GRANTEE"
    back = (await gql(ACT, {"id": None}, headers=headers))["data"]["actFor"]
    assert back == {"__typename": "ActingChanged", "actingFor": None}


async def test_sessions_are_listed_and_one_can_be_signed_out(
    gql: GraphQLClient, make_user: MakeUser, app: Any
) -> None:
    user_id, first = await make_user()
    second = await _token_for(app, user_id)
    sessions = (await gql("{ me { sessions { id current } } }", headers=first))["data"]["me"][
        "sessions"
    ]
    assert len(sessions) == 2 and sum(s["current"] for s in sessions) == 1
    other = next(s["id"] for s in sessions if not s["current"])
    out = await gql(
        "mutation($id: ID!) { signOutSession(sessionId: $id) { __typename } }",
        {"id": other},
        headers=first,
    )
    assert out["data"]["signOutSession"]["__typename"] == "SignedOut"
    body = await gql("{ me { id } }", headers=second, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_saved_elder_preference_wins_over_the_header(
    gql: GraphQLClient, make_user: MakeUser
) -> None:
    _, headers = await make_user()
    saved = await gql(
        "mutation { setPresentation(mode: ELDER) { __typename ... on PresentationSaved { mode } } }",
        headers=headers,
    )
    assert saved["data"]["setPresentation"]["mode"] == "ELDER"
    mode = await gql(
        "{ presentation { mode } highlights { title } }",
        headers={**headers, "X-Haoban-Mode": "standard"},
    )
    assert mode["data"] == {"presentation": {"mode": "elder"}, "highlights": []}


async def test_graphql_limits_count_every_alias(settings: Settings) -> None:
    limited = settings.model_copy(update={"graphql_rate_limit": "5/minute"})
    app = create_app(limited)
    query = "{ " + " ".join(f"d{i}: departments(level: CITY) {{ code }}" for i in range(6)) + " }"
    async with app.router.lifespan_context(app):
        await app.state.haoban.auth.limiter.storage.reset()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 429
    assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_signing_keys_rotate_without_breaking_issued_tokens(
    gql: GraphQLClient, make_user: MakeUser, client: httpx.AsyncClient, app: Any
) -> None:
    _, headers = await make_user()
    before = (await client.get("/.well-known/jwks.json")).json()["keys"]
    await app.state.haoban.auth.keyring.rotate()
    after = (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert {k["kid"] for k in before} < {k["kid"] for k in after}
    assert all("d" not in k for k in after), "private key material must never be published"
    assert (await gql("{ me { id } }", headers=headers))["data"]["me"]["id"]


async def test_sign_in_endpoints_are_limited_per_address_and_per_account(
    settings: Settings,
) -> None:
    from integrations.miniprogram import simulate_login_code

    strict = settings.model_copy(
        update={"auth_rate_limit_per_ip": "4/minute", "auth_rate_limit_per_account": "2/minute"}
    )
    app = create_app(strict)
    async with app.router.lifespan_context(app):
        await app.state.haoban.auth.limiter.storage.reset()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            statuses = []
            for _ in range(3):
                code = simulate_login_code("wechat", "limit-openid", secret=strict.secret_key)
                r = await client.post("/auth/miniprogram/wechat", json={"code": code})
                statuses.append(r.status_code)
            assert statuses == [200, 200, 429], "the third sign-in of one account in a minute"
            refreshes = [
                await client.post("/auth/refresh", json={"refresh_token": "x" * 40})
                for _ in range(5)
            ]
            assert [r.status_code for r in refreshes] == [401, 401, 401, 401, 429], (
                "the fifth attempt from one address in a minute"
            )
            last = refreshes[-1]
            assert last.json()["code"] == "RATE_LIMITED" and int(last.headers["Retry-After"]) > 0
